"""64-bit ids on PostgreSQL: every integer record id and every column referring to one is BIGINT

Why and how: ``libs.common.infra_migrations.retype_ids_v1``; also the infra tables' step 2.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00
"""
from libs.common import infra_migrations

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: table → its integer id columns (own key first, then the columns referring to ids)
COLUMNS = {
    'open_licences': ['id'],
    'library_entries': ['id'],
    'enterprise_needs': ['id'],
    'matching_events': ['id'],
    'transfer_records': ['open_licence_id', 'library_entry_id', 'matching_event_id'],
}


def upgrade() -> None:
    infra_migrations.retype_ids_v1(COLUMNS, 'BIGINT')
    infra_migrations.upgrade_v2()


def downgrade() -> None:
    infra_migrations.downgrade_v2()
    infra_migrations.retype_ids_v1(COLUMNS, 'INTEGER')
