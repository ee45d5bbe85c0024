"""audit_log is append-only: updates and deletes are refused by the database

Revision ID: 0002
Revises: 0001
"""
from alembic import op

from libs.common.migrations import append_only, drop_append_only

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for statement in append_only("audit_log"):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_append_only("audit_log"):
        op.execute(statement)
