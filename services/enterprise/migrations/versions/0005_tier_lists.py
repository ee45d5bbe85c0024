"""tier_lists: the published tier lists (numbered, dated, immutable versions and their entries)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:30:00
"""
import sqlalchemy as sa
from alembic import op

import libs.common.db
from libs.common.migrations import append_only, drop_append_only

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tier_list_versions',
    sa.Column('number', libs.common.db.BigId, autoincrement=False, nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('entry_count', sa.Integer(), nullable=False),
    sa.Column('advantage_count', sa.Integer(), nullable=False),
    sa.Column('seed_count', sa.Integer(), nullable=False),
    sa.Column('growth_count', sa.Integer(), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_tier_list_versions')),
    sa.UniqueConstraint('title', name=op.f('uq_tier_list_versions_title'))
    )
    op.create_table('tier_list_entries',
    sa.Column('version', libs.common.db.BigId, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['version'], ['tier_list_versions.number'],
                            name=op.f('fk_tier_list_entries_version_tier_list_versions')),
    sa.PrimaryKeyConstraint('version', 'uscc', name=op.f('pk_tier_list_entries'))
    )
    with op.batch_alter_table('tier_list_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tier_list_entries_city'), ['city'], unique=False)
    # A published list is immutable: the database refuses UPDATE and DELETE.
    for table in ('tier_list_versions', 'tier_list_entries'):
        for statement in append_only(table):
            op.execute(statement)


def downgrade() -> None:
    for table in ('tier_list_entries', 'tier_list_versions'):
        for statement in drop_append_only(table):
            op.execute(statement)
    with op.batch_alter_table('tier_list_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tier_list_entries_city'))
    op.drop_table('tier_list_entries')
    op.drop_table('tier_list_versions')
