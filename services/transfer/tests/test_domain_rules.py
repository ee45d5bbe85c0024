"""Boundary tests of the transfer domain rules that ``test_domain.py`` does not exercise directly: names and
keywords, duplicate patents and refs, counted and listing cities, record links, open-licence fees, needs and
matching-event dates. Stored rows are stand-ins (``SimpleNamespace``): the rules only read attributes."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from libs.common.rules import RuleViolation
from services.transfer import domain
from services.transfer.domain import FeeKind, Kind, Party, PartyKind, Region

TODAY = date(2025, 6, 30)
P1, P2, P3 = "200710308494.X", "97101765.4", "201510000001.1"


def violation(fn, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value


def party(kind: PartyKind = PartyKind.UNIVERSITY, city: str | None = None, region: Region = Region.HUBEI,
          name: str = "武汉大学") -> Party:
    return Party(kind, name, None, region, city)


def rules(errors: list[dict[str, str]]) -> list[tuple[str, str]]:
    return [(e["field"], e["rule"]) for e in errors]


# ------------------------------------------------------------------------------ normalise_name / keywords

@pytest.mark.parametrize(("raw", "name"), [
    ("  武汉  光谷\t科技  ", "武汉 光谷 科技"),
    ("华中科技大学（Ｈｕｓｔ）", "华中科技大学(Hust)"),
    ("ＡＢＣ　有限公司", "ABC 有限公司"),  # full-width letters and ideographic space
])
def test_normalise_name(raw, name):
    assert domain.normalise_name(raw) == name


def test_normalise_keywords_lowercase_trimmed_deduplicated_in_order():
    assert domain.normalise_keywords(["AI", " ai ", "", "   ", "ＢＩＯ", "Chip", "bio"]) == ["ai", "bio", "chip"]
    assert domain.normalise_keywords([]) == []


# ------------------------------------------------------------------------------ duplicate_patents

def test_duplicate_patents_none():
    assert domain.duplicate_patents([]) == []
    assert domain.duplicate_patents([P1, P2]) == []


def test_duplicate_patents_each_repeat_names_the_first():
    errors = domain.duplicate_patents([P1, P2, P1, P1], "items")
    assert rules(errors) == [("items.2", "patents.duplicate"), ("items.3", "patents.duplicate")]
    assert all(e["message"] == f"专利 {P1} 与第 1 项重复" for e in errors)


# ------------------------------------------------------------------------------ ref_errors

def test_ref_errors_new_ref_is_remembered():
    seen: dict[str, int] = {}
    assert domain.ref_errors("R-1", 1, set(), seen) == []
    assert seen == {"R-1": 1}


def test_ref_errors_existing_ref():
    seen: dict[str, int] = {}
    assert rules(domain.ref_errors("R-1", 2, {"R-1"}, seen)) == [("ref", "ref.exists")]
    assert seen == {}


def test_ref_errors_repeated_in_the_batch_names_the_first_row():
    seen = {"R-1": 1}
    [error] = domain.ref_errors("R-1", 3, set(), seen)
    assert (error["rule"], error["message"]) == ("ref.duplicate_in_batch", "登记编号 R-1 与第 1 行重复")
    assert seen == {"R-1": 1}


# ------------------------------------------------------------------------------ counted_city

def test_counted_city_explicit_or_from_a_party():
    assert domain.counted_city(party(), party(), "420500") == ("420500", [])
    assert domain.counted_city(party(city="420100"), party(region=Region.FOREIGN), None) == ("420100", [])


def test_counted_city_none_known_is_an_error_on_city():
    outside = party(region=Region.OTHER_PROVINCE)
    city, errors = domain.counted_city(outside, party(region=Region.FOREIGN), None)
    assert city is None
    assert rules(errors) == [("city", "city.required")]


# ------------------------------------------------------------------------------ record_channel

@pytest.mark.parametrize(("ids", "channel"), [
    ((1, None, None), "open_licence"),
    ((1, 2, 3), "open_licence"),
    ((None, 2, 3), "library"),
    ((None, None, 3), "matching_event"),
    ((None, None, None), "direct"),
])
def test_record_channel(ids, channel):
    item = SimpleNamespace(open_licence_id=ids[0], library_entry_id=ids[1], matching_event_id=ids[2])
    assert domain.record_channel(item) == channel


# ------------------------------------------------------------------------------ check_links

def item(**over: Any) -> Any:
    base: dict[str, Any] = dict(kind=Kind.OPEN, contract_date=date(2025, 6, 1), open_licence_id=None,
                                library_entry_id=None, matching_event_id=None)
    return SimpleNamespace(**{**base, **over})


LICENCE = SimpleNamespace(id=11, status="active", valid_from=date(2025, 1, 1), valid_to=date(2025, 6, 1),
                          patents=[P1, P2])
ENTRY = SimpleNamespace(id=21, status="available")
EVENT = SimpleNamespace(id=31, status="held")


def test_links_none_named():
    assert domain.check_links(item(kind=Kind.ASSIGNMENT), [P1], {}, {}, {}) == []


def test_links_all_fit_on_the_last_day_of_the_licence():
    errors = domain.check_links(item(open_licence_id=11, library_entry_id=21, matching_event_id=31), [P1, P2],
                                {11: LICENCE}, {21: ENTRY}, {31: EVENT})
    assert errors == []


def test_links_licence_the_day_after_it_ends_and_wrong_kind_and_patent_outside():
    errors = domain.check_links(item(kind=Kind.ORDINARY, contract_date=date(2025, 6, 2), open_licence_id=11),
                                [P1, P3], {11: LICENCE}, {}, {})
    assert rules(errors) == [("kind", "open_licence.kind"), ("open_licence_id", "open_licence.not_in_force"),
                             ("patents", "open_licence.patents")]
    assert P3 in errors[2]["message"] and P1 not in errors[2]["message"]


def test_links_withdrawn_licence_not_in_force():
    withdrawn = SimpleNamespace(**{**vars(LICENCE), "status": "withdrawn"})
    errors = domain.check_links(item(open_licence_id=11), [P1], {11: withdrawn}, {}, {})
    assert rules(errors) == [("open_licence_id", "open_licence.not_in_force")]


def test_links_unknown_listings():
    errors = domain.check_links(item(open_licence_id=99, library_entry_id=98, matching_event_id=97), [P1],
                                {}, {}, {})
    assert rules(errors) == [("open_licence_id", "open_licence.unknown"), ("library_entry_id", "library_entry.unknown"),
                             ("matching_event_id", "matching_event.unknown")]


def test_links_withdrawn_entry_and_cancelled_event():
    errors = domain.check_links(item(kind=Kind.ASSIGNMENT, library_entry_id=21, matching_event_id=31), [P1], {},
                                {21: SimpleNamespace(id=21, status="withdrawn")},
                                {31: SimpleNamespace(id=31, status="cancelled")})
    assert rules(errors) == [("library_entry_id", "library_entry.unavailable"),
                             ("matching_event_id", "matching_event.cancelled")]


def test_links_planned_event_is_fine():
    errors = domain.check_links(item(kind=Kind.ASSIGNMENT, matching_event_id=31), [P1], {}, {},
                                {31: SimpleNamespace(id=31, status="planned")})
    assert errors == []


# ------------------------------------------------------------------------------ listing_city

def test_listing_city_explicit_then_owner():
    assert domain.listing_city(party(city="420100"), "420500", "许可方") == "420500"
    assert domain.listing_city(party(city="420100"), None, "许可方") == "420100"


def test_listing_city_unknown_refused():
    exc = violation(domain.listing_city, party(region=Region.FOREIGN), None, "许可方")
    assert (exc.code, exc.field, exc.status) == ("city.required", "city", 422)
    assert exc.message.startswith("许可方")


# ------------------------------------------------------------------------------ check_fee

FROM, TO = date(2025, 1, 1), date(2025, 12, 31)


@pytest.mark.parametrize(("kind", "amount", "rate"), [
    (FeeKind.FREE, None, None),
    (FeeKind.FREE, Decimal(0), None),  # a fee of 0 is no price (the schema keeps royalty_rate > 0)
    (FeeKind.LUMP_SUM, Decimal("0.01"), None),
    (FeeKind.ROYALTY, None, Decimal("3.5")),
])
def test_fee_fits_its_kind(kind, amount, rate):
    domain.check_fee(kind, amount, rate, FROM, TO)


@pytest.mark.parametrize(("kind", "amount", "rate", "code", "field"), [
    (FeeKind.FREE, Decimal("0.01"), None, "fee.free_but_priced", "fee_amount"),
    (FeeKind.FREE, None, Decimal("1"), "fee.free_but_priced", "fee_amount"),
    (FeeKind.LUMP_SUM, None, None, "fee.amount_required", "fee_amount"),
    (FeeKind.LUMP_SUM, Decimal(0), None, "fee.amount_required", "fee_amount"),
    (FeeKind.ROYALTY, Decimal(100), None, "fee.rate_required", "royalty_rate"),
])
def test_fee_refusals(kind, amount, rate, code, field):
    exc = violation(domain.check_fee, kind, amount, rate, FROM, TO)
    assert (exc.code, exc.field, exc.status) == (code, field, 422)


def test_fee_term_of_one_day_allowed_empty_refused():
    domain.check_fee(FeeKind.FREE, None, None, FROM, FROM + timedelta(days=1))
    exc = violation(domain.check_fee, FeeKind.FREE, None, None, FROM, FROM)
    assert (exc.code, exc.field) == ("valid_to.before_from", "valid_to")


# ------------------------------------------------------------------------------ check_need_terms

def test_need_terms():
    domain.check_need_terms(["H01L"], [])
    domain.check_need_terms([], ["芯片"])
    exc = violation(domain.check_need_terms, [], [])
    assert (exc.code, exc.field) == ("need.no_terms", "keywords")


# ------------------------------------------------------------------------------ held_date

def test_held_date_defaults_to_planned():
    assert domain.held_date(None, date(2025, 6, 1), TODAY) == date(2025, 6, 1)
    assert domain.held_date(date(2025, 6, 3), date(2025, 6, 1), TODAY) == date(2025, 6, 3)


def test_held_date_today_allowed_tomorrow_refused():
    assert domain.held_date(TODAY, date(2025, 6, 1), TODAY) == TODAY
    exc = violation(domain.held_date, None, TODAY + timedelta(days=1), TODAY)
    assert (exc.code, exc.field, exc.status) == ("date.future", "held_on", 422)
