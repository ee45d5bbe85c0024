"""Boundary tests of the protection domain rules that ``test_domain.py`` does not exercise directly: centre,
workstation and visit dates, hosts, overseas cases, elapsed time and month ranges."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from libs.common.rules import RuleViolation
from services.protection import domain
from services.protection.domain import CaseKind, HostKind

TODAY = date(2025, 6, 30)
TOMORROW = TODAY + timedelta(days=1)
USCC = "91420100MA4K0000XJ"


def violation(fn, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------------------ check_not_future

def test_not_future_today_allowed_tomorrow_refused():
    domain.check_not_future(TODAY, "established_on", TODAY)
    exc = violation(domain.check_not_future, TOMORROW, "established_on", TODAY)
    assert (exc.code, exc.field, exc.status) == ("date.in_future", "established_on", 422)


# ------------------------------------------------------------------------------ check_centre_changes

def test_centre_changes_empty_refused():
    exc = violation(domain.check_centre_changes, {}, TODAY)
    assert (exc.code, exc.field) == ("update.empty", "body")


def test_centre_changes_name_may_not_be_emptied():
    exc = violation(domain.check_centre_changes, {"name": None}, TODAY)
    assert (exc.code, exc.field) == ("not_nullable", "name")


@pytest.mark.parametrize("key", ["established_on", "closed_on"])
def test_centre_changes_dates_not_in_future(key):
    domain.check_centre_changes({key: TODAY}, TODAY)
    domain.check_centre_changes({key: None}, TODAY)  # clearing a date is allowed
    exc = violation(domain.check_centre_changes, {key: TOMORROW}, TODAY)
    assert (exc.code, exc.field) == ("date.in_future", key)


# ------------------------------------------------------------------------------ check_centre_dates

def test_centre_dates_closed_on_the_day_established_allowed():
    domain.check_centre_dates(date(2020, 1, 1), date(2020, 1, 1))
    domain.check_centre_dates(None, date(2020, 1, 1))
    domain.check_centre_dates(date(2020, 1, 1), None)


def test_centre_dates_closed_the_day_before_established_refused():
    exc = violation(domain.check_centre_dates, date(2020, 1, 2), date(2020, 1, 1))
    assert (exc.code, exc.field, exc.status) == ("closed_on.before_established", "closed_on", 422)


# ------------------------------------------------------------------------------ check_centre_running

def test_centre_running_on_its_closing_day_and_when_open():
    domain.check_centre_running("C1", date(2025, 5, 31), date(2025, 5, 31), "received_at")
    domain.check_centre_running("C1", None, TODAY, "received_at")


def test_centre_closed_the_day_after_closing():
    exc = violation(domain.check_centre_running, "C1", date(2025, 5, 31), date(2025, 6, 1), "received_at")
    assert (exc.code, exc.field, exc.status) == ("centre.closed", "received_at", 422)
    assert exc.message == "中心 C1 已于 2025-05-31 停止运行"


# ------------------------------------------------------------------------------ check_workstation_host

def test_workstation_host_enterprise_needs_uscc():
    domain.check_workstation_host(HostKind.ENTERPRISE, USCC, None, None)
    exc = violation(domain.check_workstation_host, HostKind.ENTERPRISE, None, "某企业", "420100")
    assert (exc.code, exc.field) == ("host_uscc.required", "host_uscc")


def test_workstation_host_park_by_name_and_city():
    domain.check_workstation_host(HostKind.PARK, None, "光谷生物城", "420100")


@pytest.mark.parametrize(("uscc", "name", "city", "code", "field"), [
    (USCC, "光谷生物城", "420100", "host_uscc.unexpected", "host_uscc"),
    (None, None, "420100", "host_name.required", "host_name"),
    (None, "", "420100", "host_name.required", "host_name"),
    (None, "光谷生物城", None, "city.required", "city"),
])
def test_workstation_host_park_refusals(uscc, name, city, code, field):
    exc = violation(domain.check_workstation_host, HostKind.PARK, uscc, name, city)
    assert (exc.code, exc.field, exc.status) == (code, field, 422)


# ------------------------------------------------------------------------------ check_host_city

def test_host_city_absent_or_same():
    domain.check_host_city(None, USCC, "420100")
    domain.check_host_city("420100", USCC, "420100")


def test_host_city_mismatch():
    exc = violation(domain.check_host_city, "420500", USCC, "420100")
    assert (exc.code, exc.field) == ("city.host_mismatch", "city")


# ------------------------------------------------------------------------------ check_deregistration

def test_deregistration_on_the_establishment_day_allowed():
    domain.check_deregistration(3, date(2024, 1, 1), None, date(2024, 1, 1))


def test_deregistration_the_day_before_establishment_refused():
    exc = violation(domain.check_deregistration, 3, date(2024, 1, 1), None, date(2023, 12, 31))
    assert (exc.code, exc.field, exc.status) == ("deregistered_on.before_established", "deregistered_on", 422)


def test_deregistration_twice_is_a_conflict_checked_first():
    exc = violation(domain.check_deregistration, 3, date(2024, 1, 1), date(2024, 5, 1), date(2023, 1, 1))
    assert (exc.code, exc.field, exc.status) == ("workstation.deregistered", None, 409)


# ------------------------------------------------------------------------------ check_case_kind

@pytest.mark.parametrize("country", [None, "", "   "])
def test_overseas_case_needs_a_country(country):
    exc = violation(domain.check_case_kind, CaseKind.OVERSEAS, country)
    assert (exc.code, exc.field) == ("overseas_country.required", "overseas_country")


def test_case_kind_country_given_or_not_needed():
    domain.check_case_kind(CaseKind.OVERSEAS, "美国")
    for kind in CaseKind:
        if kind != CaseKind.OVERSEAS:
            domain.check_case_kind(kind, None)


# ------------------------------------------------------------------------------ check_visit

def test_visit_within_running_days():
    domain.check_visit("C1", date(2025, 1, 10), date(2025, 5, 31), date(2025, 1, 10))
    domain.check_visit("C1", date(2025, 1, 10), date(2025, 5, 31), date(2025, 5, 31))
    domain.check_visit("C1", None, None, date(2001, 1, 1))


def test_visit_before_centre_established():
    exc = violation(domain.check_visit, "C1", date(2025, 1, 10), None, date(2025, 1, 9))
    assert (exc.code, exc.field) == ("visit.before_centre_established", "visit_date")


def test_visit_after_centre_closed():
    exc = violation(domain.check_visit, "C1", date(2025, 1, 10), date(2025, 5, 31), date(2025, 6, 1))
    assert (exc.code, exc.field) == ("centre.closed", "visit_date")


# ------------------------------------------------------------------------------ check_visited_private
# 002 § 4: “每月至少开展一次民营企业上门服务活动” — visits are to private enterprises.

def test_visited_private_enterprise():
    domain.check_visited_private(USCC, "某民营企业", True)


@pytest.mark.parametrize("is_private", [False, None])
def test_visited_enterprise_not_known_private_refused(is_private):
    exc = violation(domain.check_visited_private, USCC, "某国企", is_private)
    assert (exc.code, exc.field, exc.status) == ("enterprise-private", "uscc", 422)


# ------------------------------------------------------------------------------ elapsed_seconds / deadline

def test_elapsed_seconds_never_negative():
    start = datetime(2025, 6, 1, 9, 0)
    assert domain.elapsed_seconds(start, start + timedelta(hours=1, seconds=1)) == 3601
    assert domain.elapsed_seconds(start, start) == 0
    assert domain.elapsed_seconds(start, start - timedelta(minutes=1)) == 0


def test_deadline_is_the_limit_days_later_and_still_in_time():
    start = datetime(2025, 2, 27, 9, 0)
    due = domain.deadline(start, 3)
    assert due == datetime(2025, 3, 2, 9, 0)
    assert domain.within(start, due, 3)
    assert not domain.within(start, due + timedelta(seconds=1), 3)


# ------------------------------------------------------------------------------ months

@pytest.mark.parametrize(("day", "key"), [(date(2025, 1, 31), "2025-01"), (date(1999, 12, 1), "1999-12")])
def test_month_key(day, key):
    assert domain.month_key(day) == key


@pytest.mark.parametrize(("first", "last", "span"), [
    ("2025-03", "2025-03", 1), ("2024-11", "2025-02", 4), ("2021-01", "2025-12", 60), ("2025-03", "2025-02", 0),
])
def test_month_span(first, last, span):
    assert domain.month_span(first, last) == span


def test_month_range_sixty_months_allowed_sixty_one_refused():
    domain.check_month_range("2021-01", "2025-12")
    domain.check_month_range("2025-06", "2025-06")
    exc = violation(domain.check_month_range, "2020-12", "2025-12")
    assert (exc.code, exc.field, exc.status) == ("month.range_too_long", "to_month", 422)


def test_month_range_reversed_refused():
    exc = violation(domain.check_month_range, "2025-01", "2024-12")
    assert (exc.code, exc.field) == ("month.range_order", "to_month")
