"""Every service's migrations go up, down to nothing, and up again, on each backend."""
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from libs.common.db import create_engine
from libs.common.migrations import alembic_config
from libs.common.testing import fresh_database

ROOT = Path(__file__).resolve().parents[3]
SERVICES = sorted(p.parent.parent.name for p in (ROOT / "services").glob("*/migrations/env.py"))


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_up_down_up(service, db_backend, tmp_path):
    import asyncio

    async with fresh_database(db_backend, tmp_path, f"mig_{service}") as url:
        cfg = alembic_config(ROOT / "services" / service / "migrations", url)
        await asyncio.to_thread(command.upgrade, cfg, "head")
        assert {"outbox", "inbox", "audit_log"} <= await _tables(url)
        await asyncio.to_thread(command.downgrade, cfg, "base")
        assert await _tables(url) <= {"alembic_version"}
        await asyncio.to_thread(command.upgrade, cfg, "head")
        assert {"outbox", "inbox", "audit_log"} <= await _tables(url)
