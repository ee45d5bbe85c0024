"""Unit tests of the pool indicators' fold (services.reporting.indicators.pool): pure, no I/O."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from services.reporting.indicators import INDICATORS, fold, met, value_for_year
from services.reporting.indicators.core import Delta
from services.reporting.indicators.pool import fold as pool_fold

WUHAN, YICHANG = "420100", "420500"
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def d(indicator: str, city: str, year: int, amount: int, month: int = 6) -> Delta:
    return Delta(indicator, city, year, Decimal(amount), month)


def base(**over) -> dict:
    return {"uscc": "91420100MA4K000001", "membership_id": 7, "city": WUHAN, "is_private": True, **over}


def test_admission_adds_a_member_and_counts_the_year():
    data = base(admitted_on="2025-06-30", year=2025, members_after=12, failed=[], reason=None)
    assert fold("ipp.enterprise.pool.admitted.v1", data) == [d("pool_members", WUHAN, 2025, 1),
                                                             d("pool_admitted", WUHAN, 2025, 1)]


def test_graduation_takes_a_member_away_and_counts_the_year():
    data = base(city=YICHANG, admitted_on="2024-07-01", graduated_on="2026-01-10", year=2026,
                industrialisation_rate_before="55.00", industrialisation_rate_after="70.00",
                new_patent_intensive_products=1, sales_growth_pct=None, profit_growth_pct=None, reason="x")
    assert fold("ipp.enterprise.pool.graduated.v1", data) == [d("pool_members", YICHANG, 2026, -1, month=1),
                                                              d("pool_graduated", YICHANG, 2026, 1, month=1)]


def test_removal_takes_a_member_away_and_counts_the_year():
    data = base(admitted_on="2024-07-01", removed_on="2026-08-01", year=2026, removal_reason="no_progress",
                reason="x")
    assert fold("ipp.enterprise.pool.removed.v1", data) == [d("pool_members", WUHAN, 2026, -1, month=8),
                                                            d("pool_removed", WUHAN, 2026, 1, month=8)]


def test_period_is_the_year_field():
    data = base(admitted_on="2024-12-31", year=2025, members_after=1, failed=[], reason=None)
    assert {x.year for x in fold("ipp.enterprise.pool.admitted.v1", data)} == {2025}


@pytest.mark.parametrize("event", ["applied", "application-rejected", "progress-recorded"])
def test_steps_that_change_no_membership_change_nothing(event):
    assert pool_fold(f"ipp.enterprise.pool.{event}.v1", base(year=2025)) == []


def test_member_moving_city_moves_the_stock_only():
    data = {"uscc": "x", "name": "n", "city": YICHANG, "previous_city": WUHAN, "ownership": "private",
            "is_private": True, "tier": None, "in_pool": True, "changed_fields": ["city"], "updated_on": "2026-03-01"}
    assert pool_fold("ipp.enterprise.enterprise.updated.v1", data) == [d("pool_members", WUHAN, 2026, -1, month=3),
                                                                       d("pool_members", YICHANG, 2026, 1, month=3)]
    assert pool_fold("ipp.enterprise.enterprise.updated.v1", {**data, "in_pool": False}) == []
    assert pool_fold("ipp.enterprise.enterprise.updated.v1", {**data, "city": WUHAN}) == []
    legacy = {k: v for k, v in data.items() if k != "in_pool"}  # events from before the flag
    assert pool_fold("ipp.enterprise.enterprise.updated.v1", legacy) == []


def test_members_is_a_stock_and_flows_are_per_year():
    events = [("admitted", 2024), ("admitted", 2024), ("admitted", 2025), ("graduated", 2025), ("removed", 2026)]
    amounts: dict[str, dict[int, Decimal]] = {}
    for kind, year in events:
        day = f"{year}-05-01"
        for delta in pool_fold(f"ipp.enterprise.pool.{kind}.v1", base(year=year, admitted_on=day, graduated_on=day,
                                                                      removed_on=day)):
            amounts.setdefault(delta.indicator, {}).setdefault(delta.year, Decimal(0))
            amounts[delta.indicator][delta.year] += delta.amount
    members, admitted = INDICATORS["pool_members"], INDICATORS["pool_admitted"]
    assert [value_for_year(members, amounts["pool_members"], y) for y in (2024, 2025, 2026)] == [2, 2, 1]
    assert [value_for_year(admitted, amounts["pool_admitted"], y) for y in (2024, 2025, 2026)] == [2, 1, 0]
    assert value_for_year(INDICATORS["pool_removed"], amounts["pool_removed"], 2026) == 1


def test_target_is_to_reach_500_members_not_the_cap():
    # 鄂知发〔2025〕2号 § 11 asks to cultivate 500 (培育500家); the cap of 500 is the enterprise service's rule
    members = INDICATORS["pool_members"]
    assert members.kind == "stock" and members.comparator == ">="
    assert met(members, Decimal(0), Decimal(500)) is False  # an empty pool is not "met"
    assert met(members, Decimal(500), Decimal(500)) is True


def test_003_clause_11_counts_towards_reaching_500_pool_enterprises():
    # 鄂知发〔2025〕2号 § 11 “培育500家国家专利产业化样板企业”: a number to reach (≥ 500 in 2025),
    # cited as the indicator's source; 499 members is short of it, 500 reaches it.
    members = INDICATORS["pool_members"]
    assert members.source == "鄂知发〔2025〕2号 § 11" and members.comparator == ">="
    doc = json.loads((TARGETS / "2025" / "pool.json").read_text(encoding="utf-8"))
    assert "§ 11" in doc["source"] and "培育500家" in doc["source"]
    target = Decimal(doc["targets"][0]["value"])
    assert target == 500
    assert met(members, Decimal(499), target) is False and met(members, Decimal(500), target) is True
    # the 004 cap (省级筛选不超过500家) is the enterprise service's admission rule, not a second target
    assert members.note and "入库上限500家" in members.note


@pytest.mark.parametrize("year", [2025, 2026])
def test_target_files_name_known_indicators(year):
    doc = json.loads((TARGETS / str(year) / "pool.json").read_text(encoding="utf-8"))
    assert doc["year"] == year
    assert doc["targets"] == [{"indicator": "pool_members", "city": "420000", "value": "500"}]
    assert all(t["indicator"] in INDICATORS for t in doc["targets"])


def test_event_without_city_fails_loudly():
    data = base(year=2025)
    del data["city"]
    with pytest.raises(KeyError):
        pool_fold("ipp.enterprise.pool.admitted.v1", data)


def test_module_declares_the_events_it_folds():
    from services.reporting.indicators import pool

    assert pool.EVENT_TYPES == {"ipp.enterprise.pool.admitted.v1", "ipp.enterprise.pool.graduated.v1",
                                "ipp.enterprise.pool.removed.v1", "ipp.enterprise.enterprise.updated.v1"}
    # whatever it folds is declared (the package only dispatches declared types)
    for event in ("applied", "application-rejected", "progress-recorded"):
        assert f"ipp.enterprise.pool.{event}.v1" not in pool.EVENT_TYPES
