"""service activities for enterprises 服务活动 and the enterprises each served

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 17:30:00
"""
import sqlalchemy as sa
from alembic import op

import libs.common.db

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('activities',
    sa.Column('id', libs.common.db.BigId, autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('sub_kind', sa.String(length=30), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=6), nullable=False),
    sa.Column('staff_person_times', sa.Integer(), nullable=False),
    sa.Column('enterprise_count', sa.Integer(), nullable=False),
    sa.Column('private_count', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('batch_id', sa.String(length=32), nullable=True),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_activities'))
    )
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activities_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_city'), ['city'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_activities_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_activities_city_held_on', ['city', 'held_on'], unique=False)

    op.create_table('activity_enterprises',
    sa.Column('activity_id', libs.common.db.BigId, nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('enterprise_city', sa.String(length=6), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'],
                            name=op.f('fk_activity_enterprises_activity_id_activities')),
    sa.PrimaryKeyConstraint('activity_id', 'uscc', name=op.f('pk_activity_enterprises'))
    )
    with op.batch_alter_table('activity_enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_activity_enterprises_uscc'), ['uscc'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('activity_enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_activity_enterprises_uscc'))
    op.drop_table('activity_enterprises')
    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_index('ix_activities_city_held_on')
        batch_op.drop_index(batch_op.f('ix_activities_batch_id'))
        batch_op.drop_index(batch_op.f('ix_activities_status'))
        batch_op.drop_index(batch_op.f('ix_activities_city'))
        batch_op.drop_index(batch_op.f('ix_activities_kind'))
    op.drop_table('activities')
