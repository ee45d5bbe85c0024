"""Alembic per service, configured in code (no alembic.ini): ``upgrade(service_dir, url)``.

Each service's ``migrations/env.py`` calls :func:`run_migrations` with its metadata. Migrations
run as a step before a service starts (``ipp migrate <service>``), never inside it.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from libs.common import audit, inbox, outbox  # noqa: F401  (registers the infra tables)
from libs.common.db import create_engine, infra_metadata


def alembic_config(migrations_dir: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: Path, url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (blocking; call via a thread from async code)."""
    command.upgrade(alembic_config(migrations_dir, url), revision)


def append_only(table: str) -> list[str]:
    """Triggers refusing UPDATE and DELETE on ``table`` (SQLite and PostgreSQL), for ``op.execute``."""
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        return [
            f"""CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION '{table} is append-only'; END $$""",
            f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only()""",
        ]
    return [
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
    ]


def drop_append_only(table: str) -> list[str]:
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP FUNCTION IF EXISTS {table}_append_only()"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def run_migrations(service_metadata: MetaData) -> None:
    """Body of a service's env.py: online migrations over an async engine."""
    target = [service_metadata, infra_metadata]
    url = context.config.get_main_option("sqlalchemy.url")

    def _run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=target, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()

    async def _online(url: str) -> None:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(_run)
                await conn.commit()
        finally:
            await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        if url is None:
            raise RuntimeError("alembic: sqlalchemy.url is not set")
        asyncio.run(_online(url))
