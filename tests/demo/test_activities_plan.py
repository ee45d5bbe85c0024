"""The service activities' demo plan: every city, the province's two briefings a year (002 § 19), past
the 100 examiner and attorney person-times (002 § 20), private enterprises for the kinds of 002, no
future date, stable titles (a second run writes nothing)."""
from __future__ import annotations

from datetime import date

import pytest

from ipp.demo.activities import build_plan
from ipp.demo.common import DemoEnterprise
from libs.common.divisions import CITIES
from services.training.activities_domain import PRIVATE_KINDS

TODAY = date(2026, 11, 30)


def enterprises() -> list[DemoEnterprise]:
    return [DemoEnterprise(f"U{city}{i}", f"企业{city}-{i}", city, "A01", "private" if i % 3 else "state", bool(i % 3),
                           None, ()) for city in CITIES for i in range(5)]


@pytest.mark.parametrize("seed", range(10))
def test_every_year_every_city_the_briefings_and_the_visits(seed):
    ents = enterprises()
    private = {e.uscc for e in ents if e.is_private}
    plan = build_plan(ents, seed, TODAY)
    assert sorted(plan) == [2024, 2025, 2026]
    for year, rows in plan.items():
        assert {r["city"] for r in rows} == set(CITIES)
        assert sum(1 for r in rows if r["kind"] == "fee_briefing") == 2 or year == TODAY.year
        visits = sum(r["staff_person_times"] for r in rows if r["kind"] == "examiner_visit")
        assert visits >= 100 or year == TODAY.year
        for r in rows:
            assert date.fromisoformat(r["held_on"]) <= TODAY and int(r["held_on"][:4]) == year
            assert r["enterprises"] and (r["kind"] not in PRIVATE_KINDS or set(r["enterprises"]) <= private)
            assert (r["sub_kind"] is not None) == (r["kind"] == "onsite_service")
        assert len({r["title"] for r in rows}) == len(rows)
    assert build_plan(ents, seed, TODAY) == plan
