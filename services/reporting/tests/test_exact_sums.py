"""The folded amounts are exact sums on every backend (SQLite has no exact decimal: see
``libs.common.db.ExactDecimal`` and migration 0004)."""
from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select, text

from libs.common.db import create_engine, session_factory
from libs.common.migrations import alembic_config
from libs.common.testing import backends, fresh_database, migrate
from services.reporting.indicators.core import Delta
from services.reporting.indicators.statistics import StatDelta
from services.reporting.kpi import apply_deltas, apply_stat_deltas
from services.reporting.models import IndicatorDelta, StatFolded

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
#: Amounts whose binary-float sum is not the decimal sum (0.1 + 0.2 != 0.3 in floats).
AMOUNTS = [Decimal("742843.54"), Decimal("0.10"), Decimal("0.20"), Decimal("1234567890.07"), Decimal("-0.30")] * 40


@pytest.mark.parametrize("backend", backends())
async def test_many_additions_of_cents_stay_exact(backend, tmp_path):
    async with fresh_database(backend, tmp_path, "exact") as url:
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        try:
            for amount in AMOUNTS:  # one upsert (amount = amount + excluded.amount) per addition
                async with sessions.write() as session:
                    await apply_deltas(session, [Delta("pledge_amount", "420100", 2025, amount, 3)])
                    await apply_stat_deltas(session, [StatDelta("pct_applications", "420100", "202503",
                                                                amount / 3, 1)])
            async with sessions() as session:
                total = (await session.scalars(select(IndicatorDelta.amount))).one()
                stat = (await session.scalars(select(StatFolded.amount))).one()
                raw = (await session.execute(text("SELECT CAST(amount AS TEXT) FROM indicator_deltas"))).scalar_one()
        finally:
            await engine.dispose()
    assert total == sum(AMOUNTS) == Decimal("49412429344.40")
    # What is stored is the exact sum, not a float the read happens to round back (SQLite: cents).
    assert Decimal(raw) == (total * 100 if backend == "sqlite" else total)
    assert stat == sum((a / 3).quantize(Decimal("0.0001"), ROUND_HALF_UP) for a in AMOUNTS)


def test_migration_turns_stored_floats_into_exact_integers(tmp_path):
    """A database folded before 0004 holds binary floats; the step makes them integers of cents, and back."""
    db = tmp_path / "old.db"
    cfg = alembic_config(MIGRATIONS, f"sqlite+aiosqlite:///{db}")
    command.upgrade(cfg, "0003")
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO indicator_deltas (indicator, city, year, month, amount) "
                     "VALUES ('pledge_amount', '420100', 2025, 3, 742843.539999999)")
        conn.execute("INSERT INTO stat_folded (element, org_unit, period, amount, count) "
                     "VALUES ('pct_applications', '420100', '202503', 12.34559999, 1)")
    command.upgrade(cfg, "0004")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT amount, typeof(amount) FROM indicator_deltas").fetchone() == (74284354, "integer")
        assert conn.execute("SELECT amount, typeof(amount) FROM stat_folded").fetchone() == (123456, "integer")
    command.downgrade(cfg, "0003")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT amount FROM indicator_deltas").fetchone() == (742843.54,)
