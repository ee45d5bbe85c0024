"""The infrastructure tables every service database carries (outbox, inbox, audit log), as
migration steps frozen per schema version, so each service's migrations call them instead of
repeating them. A later change to these tables is a new ``upgrade_vN`` called by a new migration of
every service; ``upgrade_v1`` never changes.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import libs.common.db
from libs.common.migrations import append_only, drop_append_only


def upgrade_v1() -> None:
    """outbox, inbox and audit_log (append-only: triggers refuse UPDATE and DELETE)."""
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('actor_role', sa.String(length=50), nullable=False),
    sa.Column('actor_city', sa.String(length=6), nullable=True),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('entity_type', sa.String(length=100), nullable=False),
    sa.Column('entity_id', sa.String(length=200), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entity', ['entity_type', 'entity_id'], unique=False)

    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('partition', sa.Integer(), nullable=True),
    sa.Column('offset', sa.Integer(), nullable=True),
    sa.Column('received_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('event_type', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('occurred_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('traceparent', sa.String(length=100), nullable=True),
    sa.Column('created_at', libs.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', libs.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['published_at', 'id'], unique=False)
    for statement in append_only("audit_log"):
        op.execute(statement)


def downgrade_v1() -> None:
    for statement in drop_append_only("audit_log"):
        op.execute(statement)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished')

    op.drop_table('outbox')
    op.drop_table('inbox')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity')

    op.drop_table('audit_log')


def upgrade_v2() -> None:
    """inbox.offset is BIGINT on PostgreSQL (Kafka offsets are 64-bit); nothing on SQLite, whose
    INTEGER holds 64 bits already."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE inbox ALTER COLUMN "offset" TYPE BIGINT')


def downgrade_v2() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute('ALTER TABLE inbox ALTER COLUMN "offset" TYPE INTEGER')


def retype_ids_v1(columns: dict[str, list[str]], sql_type: str) -> None:
    """A service's integer id columns (``table → [own key, columns referring to ids]``) and the serial
    sequences behind them become ``sql_type`` (``BIGINT`` up, ``INTEGER`` down) on PostgreSQL.

    Why: the API accepts ids up to 2**63 - 1 (``libs.common.fields.RecordId``); an INTEGER (int4)
    column made PostgreSQL's driver fail on a larger one (a 500 where SQLite answers 404), and a table
    would run out of ids at 2**31. Nothing changes on SQLite, whose INTEGER holds 64 bits already (an
    INTEGER PRIMARY KEY stays its autoincrementing rowid). Frozen: the services' ``bigint_ids``
    migrations call it, with ``upgrade_v2`` (inbox.offset BIGINT: Kafka offsets are 64-bit)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, names in columns.items():
        op.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} TYPE {sql_type}" for c in names))
        for column in names:  # the serial sequence behind an id (int4 since PostgreSQL 10), if any
            op.execute(f"""DO $$ DECLARE seq text := pg_get_serial_sequence('{table}', '{column}');
                BEGIN IF seq IS NOT NULL THEN EXECUTE 'ALTER SEQUENCE ' || seq || ' AS {sql_type}'; END IF; END $$""")
