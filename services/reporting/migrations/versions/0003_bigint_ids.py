"""64-bit Kafka offsets: the infra tables' step 2 (inbox.offset is BIGINT on PostgreSQL)

This service has no integer record ids of its own; its inbox records the Kafka offset of every
event the stream worker folds, and Kafka offsets are 64-bit. Nothing changes on SQLite, whose
INTEGER holds 64 bits already.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:00:00
"""
from libs.common import infra_migrations

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    infra_migrations.upgrade_v2()


def downgrade() -> None:
    infra_migrations.downgrade_v2()
