"""Unit tests of the protection indicators' fold (services.reporting.indicators.protection): no I/O."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from services.reporting.indicators import INDICATORS, Delta, fold, protection, value_for_year

WUHAN, YICHANG = "420100", "420500"
P = "ipp.protection."


def d(indicator: str, city: str, year: int, amount: int, month: int = 4) -> Delta:
    return Delta(indicator, city, year, Decimal(amount), month)


def established(level: str, city: str = WUHAN, year: int = 2025) -> dict:
    return {"workstation_id": 7, "name": "测试工作站", "city": city, "level": level, "host_kind": "enterprise",
            "host_uscc": "91420100MA4K000001", "host_name": "测试企业", "is_private": True, "centre_id": None,
            "established_on": f"{year}-04-26", "year": year}


def case_fact(**more) -> dict:
    return {"case_id": 1, "case_no": "WQ-1", "kind": "assistance", "centre_id": "C1", "city": YICHANG,
            "uscc": "91420100MA4K000001", "enterprise_city": WUHAN, "is_private": True, **more}


def test_new_provincial_joint_workstation_counts_in_its_establishment_year():
    assert fold(P + "workstation.established.v1", established("provincial_joint", YICHANG, 2025)) == [
        d("protection_workstations_new", YICHANG, 2025, 1), d("protection_workstations", YICHANG, 2025, 1)]


@pytest.mark.parametrize("level", ["provincial", "city", "county"])
def test_other_levels_are_not_new_provincial_joint(level):
    assert fold(P + "workstation.established.v1", established(level)) == [d("protection_workstations", WUHAN, 2025, 1)]


def test_deregistration_lowers_the_stock_not_the_new_count():
    data = {"workstation_id": 7, "name": "x", "city": WUHAN, "level": "provincial_joint",
            "established_on": "2024-05-01", "deregistered_on": "2026-01-05", "year": 2026, "reason": "撤站"}
    assert fold(P + "workstation.deregistered.v1", data) == [d("protection_workstations", WUHAN, 2026, -1, month=1)]
    stock = INDICATORS["protection_workstations"]
    by_year = {2024: Decimal(1), 2026: Decimal(-1)}
    assert [value_for_year(stock, by_year, y) for y in (2024, 2025, 2026)] == [1, 1, 0]


def test_case_received_counts_for_the_owning_centres_city_and_private_share():
    assert fold(P + "case.received.v1", case_fact(year=2025, received_at="2025-12-31T15:00:00+00:00")) == [
        d("protection_cases_received", YICHANG, 2025, 1, month=12), d("protection_cases_private", YICHANG, 2025, 1,
                                                                        month=12)]
    assert fold(P + "case.received.v1", case_fact(year=2024, is_private=False,
                                                  received_at="2024-03-02T01:00:00+00:00")) == [
        d("protection_cases_received", YICHANG, 2024, 1, month=3)]


def test_case_month_is_the_china_month():
    # 2026-01-31 17:00 UTC is 2026-02-01 01:00 in Asia/Shanghai
    (delta,) = fold(P + "case.received.v1", case_fact(year=2026, is_private=False,
                                                      received_at="2026-01-31T17:00:00+00:00"))
    assert (delta.year, delta.month) == (2026, 2)


@pytest.mark.parametrize("in_time, expected", [
    (True, ["protection_cases_closed", "protection_cases_closed_in_time"]), (False, ["protection_cases_closed"])])
def test_case_closed(in_time, expected):
    deltas = fold(P + "case.closed.v1", case_fact(year=2026, outcome="resolved", all_steps_within_limit=in_time,
                                                  at="2026-07-09T02:00:00+00:00"))
    assert [x.indicator for x in deltas] == expected
    assert {(x.city, x.year, x.month) for x in deltas} == {(YICHANG, 2026, 7)}


@pytest.mark.parametrize("step", ["case.accepted.v1", "case.handling-started.v1", "centre.registered.v1",
                                  "centre.updated.v1"])
def test_intermediate_events_change_no_indicator(step):
    assert fold(P + step, case_fact(year=2025)) == []


def test_visit_counts_once_for_the_visiting_centres_city():
    data = {"visit_id": 3, "centre_id": "C1", "city": YICHANG, "uscc": "x", "enterprise_city": YICHANG,
            "is_private": True, "visit_date": "2025-01-31", "month": "2025-01", "year": 2025, "services": []}
    assert fold(P + "visit.recorded.v1", data) == [d("protection_visits", YICHANG, 2025, 1, month=1)]


def test_other_services_events_are_ignored():
    assert protection.fold("ipp.enterprise.tier.designated.v1", {"city": WUHAN, "year": 2025}) == []


def test_event_without_city_fails_loudly():
    data = established("provincial_joint")
    del data["city"]
    with pytest.raises(KeyError):
        fold(P + "workstation.established.v1", data)


def test_catalogue_and_2025_target():
    codes = {i.code for i in protection.INDICATORS}
    assert "protection_workstations_new" in codes and codes <= set(INDICATORS)
    assert INDICATORS["protection_workstations_new"].kind == "flow"
    path = Path(__file__).resolve().parents[1] / "targets" / "2025" / "protection.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["year"] == 2025
    assert doc["targets"] == [{"indicator": "protection_workstations_new", "city": "420000", "value": "50"}]
    assert not (path.parents[1] / "2026" / "protection.json").exists()  # 003 § 15 is a 2025 figure
