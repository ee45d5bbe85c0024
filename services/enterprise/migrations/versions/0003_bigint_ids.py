"""64-bit ids on PostgreSQL: every integer record id and every column referring to one is BIGINT

Why and how: ``libs.common.infra_migrations.retype_ids_v1``; also the infra tables' step 2.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:00:00
"""
from libs.common import infra_migrations

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

#: table → its integer id columns (own key first, then the columns referring to ids)
COLUMNS = {
    'tier_recommendations': ['id'],
    'tier_decisions': ['id', 'recommendation_id'],
    'pool_memberships': ['id'],
    'pool_history': ['id', 'membership_id'],
}


def upgrade() -> None:
    infra_migrations.retype_ids_v1(COLUMNS, 'BIGINT')
    infra_migrations.upgrade_v2()


def downgrade() -> None:
    infra_migrations.downgrade_v2()
    infra_migrations.retype_ids_v1(COLUMNS, 'INTEGER')
