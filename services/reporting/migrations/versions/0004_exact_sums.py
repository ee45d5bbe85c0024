"""Exact sums on SQLite: the folded amounts as integers of the smallest unit

``indicator_deltas.amount`` (scale 2) and ``stat_folded.amount`` (scale 4) are added up in SQL by
every fold. SQLite stores a NUMERIC value with a fraction as a binary float, so the sums drifted
(742843.54 stored as 742843.539999999). The columns now hold the value × 10^scale as an integer on
SQLite (``libs.common.db.ExactDecimal``); this step converts what is stored. PostgreSQL's NUMERIC is
exact already: nothing changes there.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 17:40:00
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

#: (table, column, scale)
COLUMNS = (("indicator_deltas", "amount", 2), ("stat_folded", "amount", 4))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, scale in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = CAST(ROUND({column} * {10 ** scale}) AS INTEGER)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, column, scale in COLUMNS:
        op.execute(f"UPDATE {table} SET {column} = ROUND({column} / {10 ** scale}.0, {scale})")
