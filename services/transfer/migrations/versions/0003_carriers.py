"""innovation carriers and bases 载体 and their yearly reviews

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 15:00:00
"""
import sqlalchemy as sa
from alembic import op

import libs.common.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('carriers',
    sa.Column('id', libs.common.db.BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('host_kind', sa.String(length=20), nullable=False),
    sa.Column('host_name', sa.String(length=200), nullable=False),
    sa.Column('host_uscc', sa.String(length=18), nullable=True),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('established_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_reason', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carriers')),
    sa.UniqueConstraint('kind', 'name', name='uq_carriers_kind_name')
    )
    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carriers_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_carriers_host_uscc'), ['host_uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_carriers_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_carriers_status'), ['status'], unique=False)

    op.create_table('carrier_reviews',
    sa.Column('id', libs.common.db.BigId, autoincrement=True, nullable=False),
    sa.Column('carrier_id', libs.common.db.BigId, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reviewed_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['carrier_id'], ['carriers.id'], name=op.f('fk_carrier_reviews_carrier_id_carriers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_reviews')),
    sa.UniqueConstraint('carrier_id', 'year', name='uq_carrier_reviews_carrier_year')
    )
    with op.batch_alter_table('carrier_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_carrier_reviews_carrier_id'), ['carrier_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('carrier_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carrier_reviews_carrier_id'))
    op.drop_table('carrier_reviews')
    with op.batch_alter_table('carriers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_carriers_status'))
        batch_op.drop_index(batch_op.f('ix_carriers_city'))
        batch_op.drop_index(batch_op.f('ix_carriers_host_uscc'))
        batch_op.drop_index(batch_op.f('ix_carriers_kind'))
    op.drop_table('carriers')
