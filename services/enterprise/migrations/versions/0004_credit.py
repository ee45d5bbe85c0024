"""credit: the credit register 信用记录 (serious dishonesty, abnormal patent applications, violations, accidents)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 17:30:00
"""
import sqlalchemy as sa
from alembic import op

import libs.common.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('credit_entries',
    sa.Column('id', libs.common.db.BigId, autoincrement=True, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('document_no', sa.String(length=200), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('lifted_on', sa.Date(), nullable=True),
    sa.Column('lift_reason', sa.Text(), nullable=True),
    sa.Column('lifted_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['uscc'], ['enterprises.uscc'], name=op.f('fk_credit_entries_uscc_enterprises')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_entries')),
    sa.UniqueConstraint('uscc', 'kind', 'document_no', name='uq_credit_entries_uscc_kind_document')
    )
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_entries_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_entries_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_entries_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_credit_entries_uscc_period', ['uscc', 'effective_from'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_entries_uscc_period')
        batch_op.drop_index(batch_op.f('ix_credit_entries_kind'))
        batch_op.drop_index(batch_op.f('ix_credit_entries_city'))
        batch_op.drop_index(batch_op.f('ix_credit_entries_uscc'))
    op.drop_table('credit_entries')
