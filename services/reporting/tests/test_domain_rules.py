"""Boundary tests of the reporting service's pure statistics rules (``services/reporting/statistics/domain.py``):
one submitted official-statistics value, checked without the upload or the database.

The reporting service has no ``policy.py``: its one role gate (province admin and integration ingest
statistics) lives in ``api.py`` as ``require_roles`` and is covered by the API tests."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.reporting.statistics import domain
from services.reporting.statistics.domain import RowProblem

D = Decimal
COUNT = "invention_patents_in_force"          # integer, min 0, no max
TIER = "protection_national_tier"             # integer, 1 to 3
SHARE = "prefecture_public_service_coverage"  # decimal, 0 to 100
MONEY = "ip_service_revenue"                  # decimal, min 0, no max


def problem(fn, *args) -> RowProblem:
    with pytest.raises(RowProblem) as info:
        fn(*args)
    return info.value


# ------------------------------------------------------------------------------ check_org_unit

@pytest.mark.parametrize(("raw", "code"), [("420000", "420000"), (" 420100 ", "420100"), ("429021", "429021")])
def test_org_unit_province_or_city(raw, code):
    assert domain.check_org_unit(raw) == code


@pytest.mark.parametrize("raw", ["420106", "429000", "110000", "", "42010"])
def test_org_unit_county_grouping_code_or_other_province_refused(raw):
    exc = problem(domain.check_org_unit, raw)
    assert (exc.field, exc.rule) == ("org_unit", "org_unit.unknown")


# ------------------------------------------------------------------------------ check_period

@pytest.mark.parametrize(("code", "first", "last"), [("2025", 1, 12), ("2025Q4", 10, 12), ("202502", 2, 2)])
def test_period(code, first, last):
    period = domain.check_period(code)
    assert (period.year, period.first_month, period.last_month) == (2025, first, last)


@pytest.mark.parametrize(("code", "rule"), [
    ("2025Q5", "period.quarter"), ("2025Q0", "period.quarter"), ("202513", "period.month"), ("202500", "period.month"),
    ("1999", "period.year_range"), ("2101", "period.year_range"), ("2025-01", "period.format"),
])
def test_period_refused_with_the_periods_rule(code, rule):
    exc = problem(domain.check_period, code)
    assert (exc.field, exc.rule) == ("period", rule)


def test_period_year_bounds():
    assert domain.check_period("2000").year == 2000
    assert domain.check_period("2100").year == 2100


# ------------------------------------------------------------------------------ check_value

@pytest.mark.parametrize(("element", "raw", "value"), [
    (COUNT, "1,234", D(1234)),
    (COUNT, 0, D(0)),
    (f" {COUNT} ", " 12 ", D(12)),
    (COUNT, "9999999999999999999", D("9999999999999999999")),  # just below MAX_VALUE (1e19)
    (TIER, "1", D(1)),
    (TIER, "3", D(3)),
    (SHARE, "100", D(100)),
    (SHARE, "0", D(0)),
    (MONEY, "12.3456", D("12.3456")),
])
def test_value_accepted(element, raw, value):
    code, parsed = domain.check_value(element, raw)
    assert code == element.strip()
    assert parsed == value


@pytest.mark.parametrize(("element", "raw", "field", "rule"), [
    ("no_such_element", "1", "element", "element.unknown"),
    (COUNT, None, "value", "value.required"),
    (COUNT, "  ", "value", "value.required"),
    (COUNT, "abc", "value", "value.number"),
    (COUNT, "NaN", "value", "value.range"),
    (COUNT, "Infinity", "value", "value.range"),
    (COUNT, "1e19", "value", "value.range"),
    (COUNT, "-1", "value", "value.negative"),
    (COUNT, "1.5", "value", "value.integer"),
    (MONEY, "12.34567", "value", "value.scale"),
    (TIER, "0", "value", "value.min"),
    (TIER, "4", "value", "value.max"),
    (SHARE, "100.0001", "value", "value.max"),
])
def test_value_refused(element, raw, field, rule):
    exc = problem(domain.check_value, element, raw)
    assert (exc.field, exc.rule) == (field, rule)


def test_value_range_checked_before_sign():
    assert domain.MAX_VALUE == D("1e19")
    assert problem(domain.check_value, MONEY, "-1e19").rule == "value.range"
