"""indicator values per month; official statistics; target profiles

The deltas are re-keyed by month. Deltas are derived data (a fold of the event log), so the
upgrade empties them and the worker's inbox: the worker counts every event again, per month, when
the services republish their outboxes (every ``ipp up`` does; ``ipp replay SERVICE`` otherwise).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

import libs.common.db

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

FOLDER = "reporting-indicators"


def upgrade() -> None:
    op.drop_table('indicator_deltas')
    op.create_table('indicator_deltas',
    sa.Column('indicator', sa.String(length=50), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=24, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('indicator', 'city', 'year', 'month', name=op.f('pk_indicator_deltas'))
    )
    op.execute(sa.text("DELETE FROM inbox WHERE consumer = :c").bindparams(c=FOLDER))
    with op.batch_alter_table('targets') as batch:
        batch.add_column(sa.Column('profile', sa.String(length=200), nullable=True))
    op.create_table('stat_values',
    sa.Column('element', sa.String(length=50), nullable=False),
    sa.Column('org_unit', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('value', sa.Numeric(precision=24, scale=4), nullable=False),
    sa.Column('approved_value', sa.Numeric(precision=24, scale=4), nullable=True),
    sa.Column('source_system', sa.String(length=100), nullable=True),
    sa.Column('submitted_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('element', 'org_unit', 'period', name=op.f('pk_stat_values'))
    )
    op.create_table('stat_approvals',
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('org_unit', sa.String(length=6), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('approved_at', libs.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reopen_reason', sa.Text(), nullable=True),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('period', 'org_unit', name=op.f('pk_stat_approvals'))
    )
    op.create_table('stat_folded',
    sa.Column('element', sa.String(length=50), nullable=False),
    sa.Column('org_unit', sa.String(length=6), nullable=False),
    sa.Column('period', sa.String(length=6), nullable=False),
    sa.Column('amount', sa.Numeric(precision=24, scale=4), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('element', 'org_unit', 'period', name=op.f('pk_stat_folded'))
    )


def downgrade() -> None:
    op.drop_table('stat_folded')
    op.drop_table('stat_approvals')
    op.drop_table('stat_values')
    with op.batch_alter_table('targets') as batch:
        batch.drop_column('profile')
    op.drop_table('indicator_deltas')
    op.create_table('indicator_deltas',
    sa.Column('indicator', sa.String(length=50), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=24, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('indicator', 'city', 'year', name=op.f('pk_indicator_deltas'))
    )
    op.execute(sa.text("DELETE FROM inbox WHERE consumer = :c").bindparams(c=FOLDER))
