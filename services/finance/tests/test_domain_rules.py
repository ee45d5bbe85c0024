"""Boundary tests of the finance domain rules that ``test_domain.py`` does not exercise directly: duplicate
contracts and pledged items, dated status changes, activity listings, roadshow months and withdrawals."""
from __future__ import annotations

from datetime import date

import pytest

from libs.common.rules import RuleViolation
from services.finance import domain
from services.finance.domain import LoanStatus

REGISTERED_ON = date(2025, 3, 10)
TODAY = date(2025, 6, 30)


def violation(fn, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------------------ check_contract_free

def test_contract_free_when_not_registered():
    domain.check_contract_free("BANK-A", "HT-001", None)


@pytest.mark.parametrize("registered_as", [42, "row 3"])
def test_contract_registered_once_is_a_conflict(registered_as):
    exc = violation(domain.check_contract_free, "BANK-A", "HT-001", registered_as)
    assert (exc.code, exc.field, exc.status) == ("pledge.duplicate_contract", None, 409)
    assert exc.extra == {"loan_id": registered_as}
    assert exc.message == f"银行 BANK-A 的合同 HT-001 已登记（贷款 {registered_as}）"


# ------------------------------------------------------------------------------ check_items_free

def test_items_free_when_none_pledged():
    domain.check_items_free([])


def test_items_already_pledged_lists_every_item():
    pledged = [("patent", "200710308494.X", 7), ("trademark", "12345678", 8)]
    exc = violation(domain.check_items_free, pledged)
    assert (exc.code, exc.field, exc.status) == ("pledge.item_already_pledged", None, 409)
    assert exc.extra == {"items": [{"kind": "patent", "number": "200710308494.X", "loan_id": 7},
                                   {"kind": "trademark", "number": "12345678", "loan_id": 8}]}
    assert "200710308494.X 正在贷款 7 的质押期间" in exc.message
    assert "12345678 正在贷款 8 的质押期间" in exc.message


# ------------------------------------------------------------------------------ check_status_change

@pytest.mark.parametrize(("target", "field"), [(LoanStatus.RELEASED, "released_on"),
                                               (LoanStatus.DEFAULTED, "defaulted_on")])
def test_status_change_dated_on_registration_day_and_today_allowed(target, field):
    domain.check_status_change(LoanStatus.REGISTERED, target, REGISTERED_ON, REGISTERED_ON, TODAY)
    domain.check_status_change(LoanStatus.REGISTERED, target, REGISTERED_ON, TODAY, TODAY)


@pytest.mark.parametrize(("target", "field"), [(LoanStatus.RELEASED, "released_on"),
                                               (LoanStatus.DEFAULTED, "defaulted_on")])
def test_status_change_the_day_before_registration_refused(target, field):
    exc = violation(domain.check_status_change, LoanStatus.REGISTERED, target, REGISTERED_ON, date(2025, 3, 9),
                    TODAY)
    assert (exc.code, exc.field, exc.status) == ("date.before_registration", field, 422)


@pytest.mark.parametrize(("target", "field"), [(LoanStatus.RELEASED, "released_on"),
                                               (LoanStatus.DEFAULTED, "defaulted_on")])
def test_status_change_tomorrow_refused(target, field):
    exc = violation(domain.check_status_change, LoanStatus.REGISTERED, target, REGISTERED_ON, date(2025, 7, 1),
                    TODAY)
    assert (exc.code, exc.field) == ("date.future", field)


def test_status_change_cancel_is_not_dated():
    # a cancellation corrects a wrong registration: the date given is not checked
    domain.check_status_change(LoanStatus.REGISTERED, LoanStatus.CANCELLED, REGISTERED_ON, date(2001, 1, 1), TODAY)


@pytest.mark.parametrize("current", [LoanStatus.RELEASED, LoanStatus.DEFAULTED, LoanStatus.CANCELLED])
@pytest.mark.parametrize("target", list(LoanStatus))
def test_status_change_from_an_end_state_refused_before_the_date(current, target):
    # the transition is checked first: even a bad date reports the transition
    exc = violation(domain.check_status_change, current, target, REGISTERED_ON, date(2030, 1, 1), TODAY)
    assert (exc.code, exc.status) == ("pledge.transition", 409)


# ------------------------------------------------------------------------------ check_listed

def test_listed_each_once():
    domain.check_listed([])
    domain.check_listed(["A", "B", "C"])


def test_listed_duplicate_names_its_position():
    exc = violation(domain.check_listed, ["A", "B", "C", "B"])
    assert (exc.code, exc.field, exc.status) == ("enterprises.duplicate", "enterprises.3", 422)


# ------------------------------------------------------------------------------ month_of

@pytest.mark.parametrize(("day", "first", "next_first"), [
    (date(2025, 1, 31), date(2025, 1, 1), date(2025, 2, 1)),
    (date(2025, 11, 30), date(2025, 11, 1), date(2025, 12, 1)),
    (date(2025, 12, 1), date(2025, 12, 1), date(2026, 1, 1)),
    (date(2025, 12, 31), date(2025, 12, 1), date(2026, 1, 1)),
    (date(2024, 2, 29), date(2024, 2, 1), date(2024, 3, 1)),
])
def test_month_of(day, first, next_first):
    assert domain.month_of(day) == (first, next_first)


# ------------------------------------------------------------------------------ check_roadshow_month
# 003 § 12: “开展专精特新中小企业‘一月一链’投融资路演活动” — one roadshow per city, chain and month.

def test_roadshow_month_free():
    domain.check_roadshow_month(date(2025, 5, 20), "A01", None)


def test_roadshow_month_taken_is_a_conflict():
    exc = violation(domain.check_roadshow_month, date(2025, 5, 20), "A01", 9)
    assert (exc.code, exc.field, exc.status) == ("roadshow.month_taken", None, 409)
    assert exc.extra == {"activity_id": 9}
    assert exc.message.startswith("2025年05月 本市州已举办 A01 产业链路演（活动 9）")


# ------------------------------------------------------------------------------ check_held

def test_held_activity_may_be_withdrawn():
    domain.check_held(4, "held")


def test_withdrawn_activity_is_a_conflict():
    exc = violation(domain.check_held, 4, "withdrawn")
    assert (exc.code, exc.field, exc.status) == ("activity.transition", None, 409)
    assert exc.message == "活动 4 已撤销"
