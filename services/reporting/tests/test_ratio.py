"""Ratio indicators: computed on read from their numerator and denominator (no stored deltas),
for each city and for the province from the province's sums; a change to either part publishes
the ratio too."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.db import create_engine, session_factory
from libs.common.testing import fresh_database, migrate
from services.reporting import indicators as ind_pkg
from services.reporting import kpi
from services.reporting.indicators import PROVINCE, Delta, Indicator, ratio
from services.reporting.kpi import apply_deltas, read_kpis, rows_for_keys

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
WUHAN, YICHANG = "420100", "420500"
TEST_INDICATORS = {
    "t_all": Indicator("t_all", "项目数", "项", "flow", ">=", "test"),
    "t_part": Indicator("t_part", "其中民营", "项", "flow", ">=", "test"),
    "t_share": Indicator("t_share", "民营占比", "%", "ratio", ">", "test", ratio_of=("t_part", "t_all")),
}


@pytest.fixture
def indicators(monkeypatch):
    merged = {**ind_pkg.INDICATORS, **TEST_INDICATORS}
    for module in (ind_pkg, kpi):
        monkeypatch.setattr(module, "INDICATORS", merged)
    return merged


@pytest.fixture
async def sessions(db_backend, tmp_path, indicators):
    async with fresh_database(db_backend, tmp_path, "reporting") as url:
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        try:
            yield session_factory(engine)
        finally:
            await engine.dispose()


def test_ratio_arithmetic():
    assert ratio(Decimal(1), Decimal(3)) == Decimal("33.3")
    assert ratio(Decimal(2), Decimal(3)) == Decimal("66.7")
    assert ratio(Decimal(5), Decimal(0)) is None  # no denominator: no value, not 0
    assert ratio(None, Decimal(3)) is None and ratio(Decimal(3), None) is None
    assert ratio(Decimal(1), Decimal(2)) == Decimal("50.0")
    # per 10,000 people, two decimals: 90,000 high-value patents among 60,000,000 people
    assert ratio(Decimal(90000), Decimal(60000000), factor=10000) == Decimal("15.00")
    assert ratio(Decimal(1), Decimal(30000), factor=10000) == Decimal("0.33")


async def test_ratio_per_city_and_province_from_sums(sessions):
    async with sessions.write() as s:
        await apply_deltas(s, [Delta("t_all", WUHAN, 2025, Decimal(4), 6), Delta("t_part", WUHAN, 2025, Decimal(3), 6),
                               Delta("t_all", YICHANG, 2025, Decimal(6), 6),
                               Delta("t_part", YICHANG, 2025, Decimal(1), 6)])
    async with sessions() as s:
        rows = {(r.indicator, r.city): r.value for r in
                await read_kpis(s, 2025, [WUHAN, YICHANG, PROVINCE], ["t_share", "t_all"])}
    assert rows[("t_share", WUHAN)] == Decimal("75.0")
    assert rows[("t_share", YICHANG)] == Decimal("16.7")
    assert rows[("t_share", PROVINCE)] == Decimal("40.0")  # 4 of 10, not the mean of 75 and 16.7
    assert rows[("t_all", PROVINCE)] == Decimal(10)


async def test_ratio_of_a_year_without_projects_is_null_not_zero(sessions):
    async with sessions() as s:
        (row,) = await read_kpis(s, 2031, [WUHAN], ["t_share"])
    assert row.value is None and row.target is None and row.met is None and row.status is None


async def test_change_to_either_part_publishes_the_ratio(sessions):
    async with sessions.write() as s:
        keys = await apply_deltas(s, [Delta("t_part", WUHAN, 2025, Decimal(1), 6),
                                      Delta("t_all", WUHAN, 2025, Decimal(2), 6)])
        rows = await rows_for_keys(s, keys, 2025)
    got = {(r.indicator, r.city): r.value for r in rows}
    assert got[("t_share", WUHAN)] == Decimal("50.0") and got[("t_share", PROVINCE)] == Decimal("50.0")
    assert got[("t_all", WUHAN)] == Decimal(2) and got[("t_part", WUHAN)] == Decimal(1)
