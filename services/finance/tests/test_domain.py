"""Unit tests of the finance rules (services.finance.domain): no I/O."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.common.rules import RuleViolation
from services.finance.domain import (
    EARLIEST_DATE,
    MAX_ITEMS,
    ActivityKind,
    CreditLineChange,
    ItemKind,
    LoanStatus,
    add_months,
    check_activity,
    check_business_date,
    check_items,
    check_publication_date,
    check_status_date,
    check_transition,
    check_whitelist_entries,
    diff_whitelists,
    maturity_date,
    normalize_item_number,
)

TODAY = date(2025, 6, 30)


def violation(fn, *args) -> RuleViolation:
    with pytest.raises(RuleViolation) as err:
        fn(*args)
    return err.value


# --------------------------------------------------------------------------- pledged items

@pytest.mark.parametrize("raw, normalized", [
    ("200710308494.X", "200710308494.X"), ("ZL200710308494.X", "200710308494.X"),
    ("cn 97101765.4", "97101765.4"), ("200710308494x", "200710308494.X")])
def test_patent_numbers_are_validated_and_normalised(raw, normalized):
    assert normalize_item_number(ItemKind.PATENT, raw) == normalized


@pytest.mark.parametrize("raw, rule", [("200710308494.1", "patent.check_digit"), ("2007103084", "patent.format"),
                                       ("199910308494.X", "patent.format")])
def test_bad_patent_numbers_name_the_number_field(raw, rule):
    err = violation(normalize_item_number, ItemKind.PATENT, raw)
    assert (err.code, err.field) == (rule, "number")


@pytest.mark.parametrize("raw, normalized", [
    ("1", "1"), ("12345678", "12345678"), ("123456789", "123456789"), (" 1234 5678 ", "12345678"),
    ("第12345678号", "12345678"), ("１２３４５６７８", "12345678")])
def test_trademark_registration_numbers(raw, normalized):
    assert normalize_item_number(ItemKind.TRADEMARK, raw) == normalized
    assert normalize_item_number(ItemKind.GEOGRAPHICAL_INDICATION, raw) == normalized


@pytest.mark.parametrize("raw", ["", "0", "01234567", "1234567890", "12A45678", "TM123", "1234-5678"])
def test_bad_trademark_numbers(raw):
    assert violation(normalize_item_number, ItemKind.TRADEMARK, raw).code == "trademark.format"
    assert violation(normalize_item_number, ItemKind.GEOGRAPHICAL_INDICATION, raw).code == \
        "geographical_indication.format"


def test_items_are_normalised_and_a_duplicate_names_its_position():
    items = [(ItemKind.PATENT, "ZL200710308494.X"), (ItemKind.TRADEMARK, "12345678")]
    assert check_items(items) == [(ItemKind.PATENT, "200710308494.X"), (ItemKind.TRADEMARK, "12345678")]
    err = violation(check_items, [*items, (ItemKind.PATENT, "200710308494.X")])
    assert (err.code, err.field) == ("items.duplicate", "items.2.number")


def test_same_number_as_trademark_and_gi_is_not_a_duplicate():
    assert len(check_items([(ItemKind.TRADEMARK, "123"), (ItemKind.GEOGRAPHICAL_INDICATION, "123")])) == 2


def test_item_errors_carry_the_index():
    err = violation(check_items, [(ItemKind.TRADEMARK, "1"), (ItemKind.PATENT, "123")])
    assert err.field == "items.1.number"


def test_item_count_bounds():
    assert violation(check_items, []).code == "items.empty"
    many = [(ItemKind.TRADEMARK, str(i)) for i in range(1, MAX_ITEMS + 2)]
    assert violation(check_items, many).code == "items.too_many"
    assert len(check_items(many[:MAX_ITEMS])) == MAX_ITEMS


# --------------------------------------------------------------------------- loan states

@pytest.mark.parametrize("target", [LoanStatus.RELEASED, LoanStatus.DEFAULTED, LoanStatus.CANCELLED])
def test_a_registered_loan_may_end_in_any_end_state(target):
    check_transition(LoanStatus.REGISTERED, target)


@pytest.mark.parametrize("current", [LoanStatus.RELEASED, LoanStatus.DEFAULTED, LoanStatus.CANCELLED])
@pytest.mark.parametrize("target", list(LoanStatus))
def test_end_states_are_final(current, target):
    err = violation(check_transition, current, target)
    assert err.code == "pledge.transition" and err.field is None  # a 409, not a 422


def test_registered_to_registered_is_refused():
    assert violation(check_transition, LoanStatus.REGISTERED, LoanStatus.REGISTERED).code == "pledge.transition"


def test_business_date_boundaries():
    check_business_date(TODAY, TODAY, "f", "日期")
    check_business_date(EARLIEST_DATE, TODAY, "f", "日期")
    assert violation(check_business_date, date(2025, 7, 1), TODAY, "f", "日期").code == "date.future"
    assert violation(check_business_date, date(1999, 12, 31), TODAY, "f", "日期").code == "date.too_early"


def test_status_date_not_before_registration():
    reg = date(2025, 3, 1)
    check_status_date(reg, reg, TODAY, "released_on", "解除质押日期")
    err = violation(check_status_date, reg, date(2025, 2, 28), TODAY, "released_on", "解除质押日期")
    assert (err.code, err.field) == ("date.before_registration", "released_on")
    assert violation(check_status_date, reg, date(2025, 7, 1), TODAY, "released_on", "x").code == "date.future"


@pytest.mark.parametrize("start, months, end", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 6, 18), 12, date(2026, 6, 18)), (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 12, 15), 1, date(2026, 1, 15)), (date(2025, 1, 1), 120, date(2035, 1, 1))])
def test_maturity_adds_calendar_months(start, months, end):
    assert add_months(start, months) == end
    assert maturity_date(start, months) == end


@pytest.mark.parametrize("months", [0, 121])
def test_term_bounds(months):
    assert violation(maturity_date, date(2025, 1, 1), months).field == "term_months"


# --------------------------------------------------------------------------- white-list

def test_whitelist_diff_added_removed_changed():
    older = {"A": Decimal("100"), "B": Decimal("200"), "C": Decimal("300")}
    newer = {"B": Decimal("200.00"), "C": Decimal("350"), "D": Decimal("50")}
    diff = diff_whitelists(older, newer)
    assert diff.added == {"D": Decimal("50")}
    assert diff.removed == {"A": Decimal("100")}
    assert diff.changed == [CreditLineChange("C", Decimal("300"), Decimal("350"))]
    assert diff.unchanged == 1  # 200 == 200.00


def test_whitelist_diff_with_itself_is_empty():
    same = {"A": Decimal("1")}
    diff = diff_whitelists(same, same)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == ({}, {}, [], 1)


def test_whitelist_entries_unique_and_not_empty():
    check_whitelist_entries(["A", "B"])
    assert violation(check_whitelist_entries, []).code == "whitelist.empty"
    err = violation(check_whitelist_entries, ["A", "B", "A"])
    assert (err.code, err.field) == ("whitelist.duplicate", "entries.2.uscc")


def test_whitelist_publication_dates_in_order():
    check_publication_date(TODAY, None, TODAY)
    check_publication_date(TODAY, TODAY, TODAY)  # two batches on one day are fine
    assert violation(check_publication_date, date(2025, 6, 29), TODAY, TODAY).code == "whitelist.date_order"
    assert violation(check_publication_date, date(2025, 7, 1), None, TODAY).code == "date.future"


# --------------------------------------------------------------------------- activities

def test_roadshow_needs_a_known_chain():
    check_activity(ActivityKind.ROADSHOW, "P1", 10, 3)
    check_activity(ActivityKind.MATCHMAKING, None, 1, 1)
    assert violation(check_activity, ActivityKind.ROADSHOW, None, 10, 0).code == "roadshow.chain_required"
    assert violation(check_activity, ActivityKind.MATCHMAKING, "Z9", 10, 0).code == "chain.unknown"


def test_enterprise_count_covers_the_listed_enterprises():
    check_activity(ActivityKind.MATCHMAKING, None, 3, 3)
    err = violation(check_activity, ActivityKind.MATCHMAKING, None, 2, 3)
    assert (err.code, err.field) == ("activity.enterprise_count", "enterprise_count")
