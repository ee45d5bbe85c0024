"""Unit tests of the transfer programme's rules (no I/O)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from libs.common.rules import RuleViolation
from services.transfer import domain
from services.transfer.domain import (
    Kind,
    Party,
    PartyInput,
    PartyKind,
    Payment,
    Region,
    check_record,
    ipc_score,
    normalise_ipc,
    normalise_patents,
    record_city,
    resolve_party,
    score_match,
)

TODAY = date(2025, 6, 30)
UNI = Party(PartyKind.UNIVERSITY, "华中科技大学", None, Region.HUBEI, "420100")
ENT = Party(PartyKind.ENTERPRISE, "宜昌某科技有限公司", "91420500MA4K0000X5", Region.HUBEI, "420500", "private", True)
OUT = Party(PartyKind.OTHER_ENTERPRISE, "深圳某公司", None, Region.OTHER_PROVINCE, None)


def rules(errors) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in errors}


# ---------------------------------------------------------------------------- IPC

@pytest.mark.parametrize("raw, expected", [
    ("H01M", "H01M"), ("h01m", "H01M"), ("H01M 10/0525", "H01M 10/0525"), ("H01M10/0525", "H01M 10/0525"),
    ("Ｈ０１Ｍ　４／５８", "H01M 4/58"), ("G06F 0017/30", "G06F 17/30"), ("A01B 1/00", "A01B 1/00"),
])
def test_ipc_normalised(raw, expected):
    assert normalise_ipc(raw) == expected


@pytest.mark.parametrize("raw", ["", "H01", "I01M", "H1M", "H01M 10", "H01M 10/", "H01M /05", "H01M 10/5", "H01MM"])
def test_ipc_refused(raw):
    with pytest.raises(RuleViolation) as err:
        normalise_ipc(raw)
    assert err.value.code == "ipc.format"


@pytest.mark.parametrize("need, entry, rule, points", [
    (["H01M 4/505"], ["H01M 4/58"], "ipc.group", 50),
    (["H01M 4/505"], ["H01M 10/0525"], "ipc.subclass", 30),
    (["H01M"], ["H01M 4/58"], "ipc.subclass", 30),       # a subclass-only symbol never matches at group level
    (["H01M 4/505"], ["H01L 31/04"], "ipc.class", 10),
    (["H01M 4/505"], ["G06F 17/30"], None, 0),
    (["G06F 17/30", "H01M 4/505"], ["H01M 4/13", "H01M"], "ipc.group", 50),  # best pair wins
])
def test_ipc_score_levels(need, entry, rule, points):
    r = ipc_score(need, entry)
    assert (r.rule if r else None, r.points if r else 0) == (rule, points)


def test_keywords_capped_and_bonuses_need_a_technical_match():
    many = [f"词{i}" for i in range(8)]
    s = score_match([], many, "420100", "small", [], many, "", "420100", True)
    assert sum(r.points for r in s.reasons if r.rule.startswith("keyword")) == domain.KEYWORD_CAP
    assert s.score == domain.KEYWORD_CAP + domain.SAME_CITY + domain.USE_FIRST_FOR_SME
    # same city and use-first alone: no match at all
    assert score_match(["A01B 1/00"], ["插秧"], "420100", "small", ["H01M"], ["电池"], "电池", "420100",
                       True).score == 0


def test_use_first_bonus_only_for_smes():
    with_large = score_match(["H01M"], [], "420100", "large", ["H01M"], [], "", "420500", True)
    with_small = score_match(["H01M"], [], "420100", "micro", ["H01M"], [], "", "420500", True)
    assert (with_large.score, with_small.score) == (30, 35)


# ---------------------------------------------------------------------------- patents

def test_patents_normalised_and_duplicates_refused():
    out, errors = normalise_patents(["CN200710308494.X", "zl 97101765.4", "200710308494x", "123"])
    assert out == ["200710308494.X", "97101765.4"]
    assert rules(errors) == {("patents.2", "patents.duplicate"), ("patents.3", "patent.format")}


# ---------------------------------------------------------------------------- parties

def known_row(city="420500", ownership="state"):
    return SimpleNamespace(name="宜昌某国有公司", city=city, ownership=ownership, is_private=ownership == "private")


def test_registered_enterprise_is_named_by_the_read_model():
    uscc = "91420500MA4K0000X5"
    party, errors = resolve_party("to", PartyInput(PartyKind.ENTERPRISE, "别名", uscc), {uscc: known_row()})
    assert errors == [] and party is not None
    assert (party.name, party.city, party.is_private, party.registered) == (
        "宜昌某国有公司", "420500", False, True)


def test_unknown_registered_enterprise_is_refused():
    _, errors = resolve_party("to", PartyInput(PartyKind.ENTERPRISE, uscc="91420500MA4K0000X5"), {})
    assert rules(errors) == {("to.uscc", "enterprise-registered")}


def test_non_registered_party_named_as_on_the_register():
    party, errors = resolve_party("from", PartyInput(PartyKind.UNIVERSITY, "  武汉大学 （测绘学院） "), {})
    assert errors == [] and party is not None and party.name == "武汉大学 (测绘学院)" and party.region == Region.HUBEI
    assert party.city is None and party.registered is False


def test_university_with_known_uscc_stays_a_university():
    uscc = "12420000441625906X"
    party, _ = resolve_party("from", PartyInput(PartyKind.UNIVERSITY, "华中科技大学", uscc), {uscc: known_row()})
    assert party is not None and party.kind == PartyKind.UNIVERSITY and party.name == "华中科技大学"


# ---------------------------------------------------------------------------- record rules (boundaries)

@pytest.mark.parametrize("on, ok", [(TODAY, True), (TODAY + timedelta(days=1), False), (date(1985, 4, 1), True),
                                    (date(1985, 3, 31), False)])
def test_contract_date_bounds(on, ok):
    errors = check_record(Kind.ASSIGNMENT, UNI, ENT, on, None, None, None, TODAY)
    assert (errors == []) is ok


@pytest.mark.parametrize("term_end, expected", [
    (TODAY, {("term_end", "term_end.before_date")}),
    (TODAY + timedelta(days=1), set()),
    (None, set()),
])
def test_licence_term_must_end_after_the_date(term_end, expected):
    assert rules(check_record(Kind.EXCLUSIVE, UNI, ENT, TODAY, term_end, None, None, TODAY)) == expected


def test_assignment_has_no_term_and_free_is_free():
    assert rules(check_record(Kind.ASSIGNMENT, UNI, ENT, TODAY, TODAY + timedelta(days=9), Decimal(0), Payment.FREE,
                              TODAY)) == {("term_end", "term_end.not_for_assignment")}
    assert rules(check_record(Kind.ORDINARY, UNI, ENT, TODAY, None, Decimal("0.01"), Payment.FREE, TODAY)) == {
        ("amount", "amount.free_but_paid")}
    assert check_record(Kind.ORDINARY, UNI, ENT, TODAY, None, Decimal(0), Payment.FREE, TODAY) == []


def test_same_party_on_both_sides_refused():
    assert ("to", "party.same") in rules(check_record(Kind.ORDINARY, ENT, ENT, TODAY, None, None, None, TODAY))


def test_record_city_prefers_explicit_then_registered_enterprise_then_any_hubei_party():
    assert record_city(UNI, ENT, "421000") == "421000"
    assert record_city(UNI, ENT, None) == "420500"          # the registered enterprise, though it is the buyer
    assert record_city(UNI, OUT, None) == "420100"
    assert record_city(OUT, OUT, None) is None


# ---------------------------------------------------------------------------- state machines

@pytest.mark.parametrize("machine, state, action, target", [
    (domain.RECORD, "registered", "cancel", "cancelled"),
    (domain.OPEN_LICENCE, "active", "withdraw", "withdrawn"),
    (domain.LIBRARY, "available", "withdraw", "withdrawn"),
    (domain.NEED, "open", "resolve", "resolved"),
    (domain.NEED, "open", "withdraw", "withdrawn"),
    (domain.MATCHING, "planned", "hold", "held"),
    (domain.MATCHING, "planned", "cancel", "cancelled"),
])
def test_allowed_transitions(machine, state, action, target):
    assert machine.next(state, action) == target


@pytest.mark.parametrize("machine, state, action", [
    (domain.RECORD, "cancelled", "cancel"),
    (domain.OPEN_LICENCE, "withdrawn", "withdraw"),
    (domain.NEED, "resolved", "withdraw"),
    (domain.NEED, "withdrawn", "resolve"),
    (domain.MATCHING, "held", "cancel"),
    (domain.MATCHING, "held", "hold"),
    (domain.MATCHING, "cancelled", "hold"),
])
def test_refused_transitions(machine, state, action):
    with pytest.raises(RuleViolation) as err:
        machine.next(state, action)
    assert err.value.code == f"{machine.name}.{action}.not_allowed"


@pytest.mark.parametrize("on, expected", [(date(2025, 1, 1), True), (date(2025, 12, 31), True),
                                          (date(2024, 12, 31), False), (date(2026, 1, 1), False)])
def test_open_licence_in_force_inclusive_bounds(on, expected):
    assert domain.open_licence_in_force("active", date(2025, 1, 1), date(2025, 12, 31), on) is expected
    assert domain.open_licence_in_force("withdrawn", date(2025, 1, 1), date(2025, 12, 31), on) is False


def test_money_str_two_places():
    assert (domain.money_str(Decimal("0")), domain.money_str(Decimal("12.5")), domain.money_str(None)) == (
        "0.00", "12.50", None)
