"""Two reporting workers (replicas in one consumer group) folding into one database.

Each fold adds its deltas and then reads the values it publishes as ``KpiUpdated``. Two folds that
overlap in time and touch one value through different rows (two cities of the province sum) must not
each publish a sum without the other's deltas: the second waits for the first (``serialize_fold``)
and publishes the sum of both.
"""
from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from libs.common.db import create_engine, session_factory
from libs.common.testing import fresh_database, migrate
from services.reporting.indicators import PROVINCE, Delta
from services.reporting.kpi import apply_deltas, rows_for_keys

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
YEAR = 2025
WUHAN, YICHANG = "420100", "420500"
CODE = "transfers_licences"


async def _fold(sessions, city: str, amount: int) -> dict[tuple[str, str], Decimal | None]:
    """One worker's fold transaction: the deltas, then the values it would publish."""
    async with sessions.write() as session:
        keys = await apply_deltas(session, [Delta(CODE, city, YEAR, Decimal(amount), 3)])
        return {(r.indicator, r.city): r.value for r in await rows_for_keys(session, keys, YEAR)}


async def test_an_overlapping_fold_waits_and_publishes_the_sum_of_both(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "fold_replicas") as url:
        await migrate(MIGRATIONS, url)
        engines = [create_engine(url), create_engine(url)]  # two worker processes
        first, second = (session_factory(e) for e in engines)
        try:
            async with first.write() as session:
                keys = await apply_deltas(session, [Delta(CODE, WUHAN, YEAR, Decimal(2), 3)])
                other = asyncio.create_task(_fold(second, YICHANG, 5))
                await asyncio.sleep(0.5)
                # the second fold has not read (and cannot publish) a sum without the first's deltas
                assert not other.done()
                published_first = {(r.indicator, r.city): r.value for r in await rows_for_keys(session, keys, YEAR)}
            published_second = await asyncio.wait_for(other, 30)
        finally:
            for engine in engines:
                await engine.dispose()
    assert published_first[(CODE, PROVINCE)] == Decimal(2)
    # the last value published for the province is the sum of both folds, not 5
    assert published_second[(CODE, PROVINCE)] == Decimal(7)
    assert published_second[(CODE, YICHANG)] == Decimal(5)
