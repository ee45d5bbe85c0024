"""credit entries: the local read model of the credit register (known_credit_entries)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:40:00
"""
from libs.readmodels import credit

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    credit.upgrade_v1()


def downgrade() -> None:
    credit.downgrade_v1()
