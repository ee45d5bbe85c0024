"""Snapshots of several years from one read (the worker's KpiUpdated rows of a batch): each year's
values are those of that year alone — stocks carry forward, flows stay in their year, statistics
and targets belong to their own year."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.db import create_engine, session_factory
from libs.common.testing import fresh_database, migrate
from services.reporting.indicators import PROVINCE, Delta, StatDelta
from services.reporting.kpi import Snapshot, apply_deltas, apply_stat_deltas, rows_for_keys
from services.reporting.models import Target

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
WUHAN, YICHANG = "420100", "420500"


@pytest.fixture
async def sessions(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "reporting") as url:
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        try:
            yield session_factory(engine)
        finally:
            await engine.dispose()


async def test_each_year_of_one_read_has_its_own_values(sessions):
    async with sessions.write() as s:
        await apply_deltas(s, [
            Delta("tier_growth", WUHAN, 2021, Decimal(1), 3),          # a stock: carries into later years
            Delta("tier_growth", WUHAN, 2023, Decimal(2), 12),
            Delta("tier_growth", YICHANG, 2024, Decimal(5), 1),
            Delta("pledge_projects", WUHAN, 2022, Decimal(7), 5),      # a flow: its own year only
            Delta("pledge_projects", WUHAN, 2024, Decimal(1), 8)])
        await apply_stat_deltas(s, [StatDelta("trademark_registrations", WUHAN, "2022", Decimal(900), 1)])
        s.add(Target(indicator="pledge_projects", year=2024, city=WUHAN, value=Decimal(10)))
    async with sessions() as s:
        snaps = await Snapshot.load_years(s, [2021, 2022, 2023, 2024, 2025],
                                          ["tier_growth", "pledge_projects", "trademark_registrations"])

    def value(code: str, city: str, year: int) -> Decimal | None:
        return snaps[year].row(code, city).value

    assert [value("tier_growth", WUHAN, y) for y in range(2021, 2026)] == [1, 1, 3, 3, 3]
    assert [value("tier_growth", PROVINCE, y) for y in range(2021, 2026)] == [1, 1, 3, 8, 8]
    assert [value("pledge_projects", WUHAN, y) for y in range(2021, 2026)] == [0, 7, 0, 1, 0]
    assert [value("trademark_registrations", WUHAN, y) for y in range(2021, 2026)] == [None, 900, None, None, None]
    assert [snaps[y].row("pledge_projects", WUHAN).target for y in range(2021, 2026)] == [None, None, None, 10, None]


async def test_kpi_rows_of_a_batch_span_the_years_a_stock_change_carries_into(sessions):
    async with sessions.write() as s:
        keys = await apply_deltas(s, [Delta("tier_growth", WUHAN, 2023, Decimal(2), 6),
                                      Delta("pledge_projects", YICHANG, 2023, Decimal(4), 6)])
        rows = await rows_for_keys(s, keys, 2025)
    got = {(r.indicator, r.city, r.year): r.value for r in rows}
    assert {k: v for k, v in got.items() if k[0] == "tier_growth"} == {
        ("tier_growth", c, y): Decimal(2) for c in (WUHAN, PROVINCE) for y in (2023, 2024, 2025)}
    assert {k: v for k, v in got.items() if k[0] == "pledge_projects"} == {
        ("pledge_projects", c, 2023): Decimal(4) for c in (YICHANG, PROVINCE)}
