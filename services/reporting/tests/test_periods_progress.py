"""Period arithmetic, stock and flow values per month/quarter/year, expected progress and status."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.reporting import periods
from services.reporting.indicators import INDICATORS, value_for_period
from services.reporting.progress import assess

D = Decimal


@pytest.mark.parametrize("code, kind, first, last", [
    ("2025", "year", 1, 12), ("2025Q1", "quarter", 1, 3), ("2025Q4", "quarter", 10, 12),
    ("202503", "month", 3, 3), ("202512", "month", 12, 12)])
def test_period_codes(code, kind, first, last):
    p = periods.parse(code)
    assert (p.kind, p.year, p.first_month, p.last_month, p.code) == (kind, 2025, first, last, code)


@pytest.mark.parametrize("code, rule", [("2025Q5", "period.quarter"), ("2025Q0", "period.quarter"),
                                        ("202513", "period.month"), ("202500", "period.month"),
                                        ("1999", "period.year_range"), ("2101", "period.year_range"),
                                        ("2025-03", "period.format"), ("", "period.format"), ("25", "period.format")])
def test_bad_period_codes_name_the_rule(code, rule):
    with pytest.raises(periods.PeriodError) as exc:
        periods.parse(code)
    assert exc.value.rule == rule and exc.value.message


def test_period_ends_and_labels():
    assert periods.parse("2024Q1").end == date(2024, 3, 31)
    assert periods.parse("202402").end == date(2024, 2, 29)
    assert [p.code for p in periods.split(2025, "quarter")] == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert len(periods.split(2025, "month")) == 12
    assert periods.parse("2025Q3").label() == "2025年第3季度" and periods.parse("202507").label() == "2025年7月"


BY_MONTH = {(2024, 11): D(10), (2024, 12): D(5), (2025, 1): D(2), (2025, 3): D(3), (2025, 4): D(-1),
            (2025, 12): D(4), (2026, 1): D(7)}


def test_flow_is_the_sum_within_the_period():
    flow = INDICATORS["pledge_projects"]
    assert value_for_period(flow, BY_MONTH, 2025) == 8
    assert value_for_period(flow, BY_MONTH, 2025, 1, 3) == 5   # Q1
    assert value_for_period(flow, BY_MONTH, 2025, 4, 4) == -1  # April
    assert value_for_period(flow, BY_MONTH, 2025, 2, 2) == 0
    assert value_for_period(flow, BY_MONTH, 2024, 12, 12) == 5


def test_stock_is_the_level_at_the_period_end_across_year_ends():
    stock = INDICATORS["tier_seed"]
    assert value_for_period(stock, BY_MONTH, 2024, 12, 12) == 15
    assert value_for_period(stock, BY_MONTH, 2025, 1, 1) == 17   # carries December 2024 into January
    assert value_for_period(stock, BY_MONTH, 2025, 1, 3) == 20   # Q1: level at the end of March
    assert value_for_period(stock, BY_MONTH, 2025, 4, 6) == 19
    assert value_for_period(stock, BY_MONTH, 2025) == 23
    assert value_for_period(stock, BY_MONTH, 2026, 1, 1) == 30


@pytest.mark.parametrize("today, expected", [
    (date(2024, 12, 31), D(0)), (date(2025, 1, 1), D(1) / 365), (date(2025, 7, 2), D(183) / 365),
    (date(2025, 12, 31), D(1)), (date(2026, 3, 1), D(1))])
def test_fraction_of_the_year_pro_rata(today, expected):
    assert periods.fraction_elapsed(2025, today) == expected


def test_fraction_with_a_monthly_profile_and_a_period_end():
    profile = [D(0)] * 6 + [D(1)] * 6  # everything happens in the second half
    assert periods.fraction_elapsed(2025, date(2025, 6, 30), profile) == 0
    assert periods.fraction_elapsed(2025, date(2025, 9, 30), profile) == D(3) / 6
    assert periods.fraction_elapsed(2025, date(2025, 12, 31), profile) == 1
    # read for the first quarter: expected by the end of March even if today is later
    assert periods.fraction_elapsed(2025, date(2025, 11, 1), None, until=date(2025, 3, 31)) == D(90) / 365


def test_flow_expected_status_and_forecast_at_start_middle_and_end():
    flow = INDICATORS["transfers_licences"]  # > 45,000
    start = assess(flow, D(0), D(45000), D(0))
    assert (start.expected, start.status, start.forecast) == (D(0), "on_track", None)
    half = D("0.5")
    assert assess(flow, D(22600), D(45000), half).status == "on_track"
    assert assess(flow, D(18000), D(45000), half).status == "at_risk"       # 80 % of the 22,500 due
    assert assess(flow, D(17999), D(45000), half).status == "off_track"
    mid = assess(flow, D(20000), D(45000), half)
    assert (mid.expected, mid.forecast) == (D("22500.0"), D("40000.0"))
    assert assess(flow, D(45000), D(45000), D(1)).status == "off_track"       # "> 45,000": exactly is not met
    assert assess(flow, D(45001), D(45000), half).status == "met"
    assert assess(flow, D(10), None, half) == assess(flow, D(10), None, half)  # no target: no status
    assert assess(flow, D(10), None, half).status is None


def test_stock_expected_starts_from_last_years_level():
    stock = INDICATORS["tier_seed"]  # ≥ 1,000
    pace = assess(stock, D(700), D(1000), D("0.5"), base=D(600))
    assert pace.expected == D("800.0") and pace.status == "off_track"  # 100 of the 200 due: 50 %
    assert assess(stock, D(770), D(1000), D("0.5"), base=D(600)).status == "at_risk"
    assert assess(stock, D(700), D(1000), D("0.5"), base=D(600)).forecast == D("800.0")


def test_level_indicators_are_held_to_the_target_all_year():
    share = INDICATORS["pledge_private_share"]  # > 50 %
    assert assess(share, D("46"), D(50), D("0.1")).expected == D(50)
    assert assess(share, D("46"), D(50), D("0.1")).status == "at_risk"
    assert assess(share, D("40"), D(50), D("0.1")).status == "off_track"
    assert assess(share, D("50.1"), D(50), D("0.1")).status == "met"
    assert assess(share, None, D(50), D("0.1")).status == "no_data"
    tier = INDICATORS["protection_national_tier"]  # ≤ 1: first tier
    assert assess(tier, D(1), D(1), D("0.5")).status == "met"
    assert assess(tier, D(2), D(1), D("0.5")).status == "off_track"
