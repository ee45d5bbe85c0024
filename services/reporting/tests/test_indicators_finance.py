"""Unit tests of the finance indicators' fold (pure, no I/O) and of their bundled targets."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from services.reporting.indicators import INDICATORS, Delta, finance, fold, ratio

WUHAN, YICHANG = "420100", "420500"
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def loan(city=WUHAN, year=2025, amount="5000000.00", is_private=True, **more) -> dict:
    return {"loan_id": "7", "uscc": "91420100MA4K000001", "city": city, "is_private": is_private,
            "lender_bank": "ICBC-HB", "amount": amount, "registration_date": f"{year}-06-18", "year": year, **more}


def activity(kind="matchmaking", city=YICHANG, year=2025) -> dict:
    return {"activity_id": "3", "kind": kind, "city": city, "held_on": f"{year}-05-20", "year": year}


def d(indicator: str, city: str, year: int, amount, month: int = 6) -> Delta:
    return Delta(indicator, city, year, Decimal(amount), month)


def test_a_registered_private_loan_adds_amount_project_and_private_project():
    assert fold(finance.REGISTERED, loan()) == [
        d("pledge_amount", WUHAN, 2025, "5000000.00"), d("pledge_projects", WUHAN, 2025, 1),
        d("pledge_private_projects", WUHAN, 2025, 1)]


def test_a_loan_to_a_non_private_enterprise_is_no_private_project():
    assert fold(finance.REGISTERED, loan(is_private=False, city=YICHANG, year=2024)) == [
        d("pledge_amount", YICHANG, 2024, "5000000.00"), d("pledge_projects", YICHANG, 2024, 1)]


def test_amounts_stay_exact_to_the_cent():
    (amount, *_) = fold(finance.REGISTERED, loan(amount="9999999999999.99"))
    assert amount.amount == Decimal("9999999999999.99") and isinstance(amount.amount, Decimal)


def test_the_period_is_the_year_field():
    deltas = fold(finance.REGISTERED, {**loan(year=2026), "registration_date": "2025-12-31"})
    assert {x.year for x in deltas} == {2026}


def test_cancelling_subtracts_exactly_what_registration_added():
    data = loan(amount="1234567.89")
    added = fold(finance.REGISTERED, data)
    removed = fold(finance.CANCELLED, {**data, "cancelled_on": "2026-01-05", "reason": "重复登记"})
    assert removed == [Delta(x.indicator, x.city, x.year, -x.amount, x.month) for x in added]
    # in the registration year and month, not those of the cancellation
    assert {(x.year, x.month) for x in removed} == {(2025, 6)}


@pytest.mark.parametrize("event_type", ["ipp.finance.pledge.released.v1", "ipp.finance.pledge.defaulted.v1",
                                        "ipp.finance.whitelist.published.v1"])
def test_release_default_and_whitelist_change_no_indicator(event_type):
    assert fold(event_type, loan(released_on="2026-01-01")) == []


@pytest.mark.parametrize("kind, indicator", [("matchmaking", "pledge_matchmaking_events"),
                                             ("roadshow", "pledge_roadshows")])
def test_activities_count_once_and_cancellation_takes_it_back(kind, indicator):
    assert fold(finance.ACTIVITY_RECORDED, activity(kind)) == [d(indicator, YICHANG, 2025, 1, month=5)]
    assert fold(finance.ACTIVITY_CANCELLED, {**activity(kind), "reason": "误登记"}) == [
        d(indicator, YICHANG, 2025, -1, month=5)]


def test_unknown_activity_kind_fails_loudly():
    with pytest.raises(KeyError):
        fold(finance.ACTIVITY_RECORDED, activity("gala"))


def test_loan_without_city_fails_loudly():
    data = loan()
    del data["city"]
    with pytest.raises(KeyError):
        fold(finance.REGISTERED, data)


def test_private_share_is_a_ratio_of_projects_against_a_strict_50_percent():
    share = INDICATORS["pledge_private_share"]
    assert share.kind == "ratio" and share.ratio_of == ("pledge_private_projects", "pledge_projects")
    assert (share.unit, share.comparator) == ("%", ">")
    assert ratio(Decimal(1), Decimal(2)) == Decimal("50.0")  # exactly half does not meet "> 50"


def test_every_finance_indicator_is_in_the_catalogue():
    assert {i.code for i in finance.INDICATORS} <= set(INDICATORS)
    assert INDICATORS["pledge_amount"].unit == "元" and INDICATORS["pledge_amount"].kind == "flow"


def test_targets_2025_and_2026():
    t25 = {t["indicator"]: t["value"] for t in json.loads((TARGETS / "2025" / "finance.json").read_text())["targets"]}
    t26 = {t["indicator"]: t["value"] for t in json.loads((TARGETS / "2026" / "finance.json").read_text())["targets"]}
    assert t25["pledge_amount"] == "32000000000"  # 320 亿元
    assert t25["pledge_private_share"] == t26["pledge_private_share"] == "50"
    assert t25["pledge_matchmaking_events"] == t26["pledge_matchmaking_events"] == "1"
    assert "pledge_amount" not in t26  # 320 亿 is a 2025 figure only
    assert set(t25) | set(t26) <= set(INDICATORS)
