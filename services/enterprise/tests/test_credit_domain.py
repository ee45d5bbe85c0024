"""The credit register's rules at their boundaries (鄂知发〔2019〕1号 § 5; 鄂知发〔2025〕2号 §§ 8, 16; the
industrialisation plan's annex criterion 10 and § 12(3))."""
from __future__ import annotations

from datetime import date

import pytest

from libs.common.rules import RuleViolation
from services.enterprise.credit import domain
from services.enterprise.credit.domain import KIND_NAMES, CreditFact, CreditKind, EntryStatus
from services.enterprise.pool import domain as pool
from services.enterprise.pool.domain import Declarations, Outcome, RemovalReason

D = date(2025, 3, 10)
TODAY = date(2025, 6, 30)


def entry(kind: str = "abnormal_patent_application", until: date | None = date(2026, 3, 9),
          lifted: date | None = None) -> CreditFact:
    return CreditFact(7, kind, "湖北省知识产权局", "鄂知管〔2025〕12号", D, D, until, lifted)


def test_kinds_are_the_seeds_words():
    # 003 § 16 “知识产权严重违法失信行为”; 003 § 8 “非正常专利申请行为”; annex 10 “重大事故、违法违规”
    assert KIND_NAMES[CreditKind.SERIOUS_DISHONESTY] == "知识产权严重违法失信"
    assert KIND_NAMES[CreditKind.ABNORMAL_PATENT_APPLICATION] == "非正常专利申请"
    assert {KIND_NAMES[CreditKind.VIOLATION], KIND_NAMES[CreditKind.MAJOR_ACCIDENT]} == {"违法违规", "重大事故"}


def test_active_from_the_first_to_the_last_day_inclusive():
    e = entry()
    assert not e.active_on(date(2025, 3, 9))
    assert e.active_on(D) and e.active_on(date(2026, 3, 9))
    assert not e.active_on(date(2026, 3, 10))


def test_an_open_end_stays_active():
    assert entry(until=None).active_on(date(2040, 1, 1))


def test_lifting_ends_it_on_the_lift_date():
    e = entry(lifted=date(2025, 5, 1))
    assert e.active_on(date(2025, 4, 30)) and not e.active_on(date(2025, 5, 1))
    assert domain.status_on(D, None, date(2025, 5, 1), date(2025, 5, 1)) == EntryStatus.LIFTED
    assert domain.status_on(D, date(2025, 4, 1), None, date(2025, 4, 2)) == EntryStatus.EXPIRED
    assert domain.status_on(D, None, None, date(2025, 3, 9)) == EntryStatus.PENDING


def rule(fn, *args) -> tuple[str, str | None]:
    with pytest.raises(RuleViolation) as caught:
        fn(*args)
    return caught.value.code, caught.value.field


def test_a_decision_is_taken_before_it_is_recorded_and_its_period_is_ordered():
    domain.check_entry(TODAY, TODAY, TODAY, TODAY)  # all on one day is fine
    assert rule(domain.check_entry, date(2025, 7, 1), date(2025, 7, 1), None, TODAY) == (
        "credit.decided_in_future", "decided_on")
    assert rule(domain.check_entry, D, date(2025, 3, 9), None, TODAY) == (
        "credit.effective_before_decision", "effective_from")
    assert rule(domain.check_entry, D, D, date(2025, 3, 9), TODAY) == ("credit.period_order", "effective_until")


def test_lifting_is_once_within_the_period_and_not_ahead():
    domain.check_lift(7, D, date(2025, 6, 30), None, date(2025, 6, 30), TODAY)  # the last day is still in effect
    domain.check_lift(7, D, None, None, date(2025, 3, 11), TODAY)
    assert rule(domain.check_lift, 7, D, None, None, D, TODAY) == ("credit.lift_before_effect", "lifted_on")
    assert rule(domain.check_lift, 7, D, date(2025, 4, 1), None, date(2025, 4, 2), TODAY) == (
        "credit.lift_after_end", "lifted_on")
    assert rule(domain.check_lift, 7, D, None, None, date(2025, 7, 1), TODAY) == ("credit.lift_in_future", "lifted_on")
    assert rule(domain.check_lift, 7, D, None, date(2025, 4, 1), date(2025, 5, 1), TODAY) == (
        "credit.already_lifted", None)


PROFILE = pool.Profile(True, "420100", "91", "small", ("high_tech",), "P1", True, True, True)


def clean(declared: bool | None, *credit: CreditFact) -> pool.CriterionResult:
    ev = pool.evaluate(PROFILE, None, Declarations(clean_record=declared), 2024, tuple(credit))
    return ev.criteria[9]


def test_criterion_10_fails_on_an_active_entry_whatever_the_city_declared():
    # annex 10 “无非正常申请专利行为和各类重大事故、违法违规及严重失信等情况”
    c = clean(True, entry())
    assert c.outcome == Outcome.FAIL and c.code == "clean_record"
    assert "非正常专利申请" in c.figure and "湖北省知识产权局" in c.figure and "鄂知管〔2025〕12号" in c.figure
    assert "2025-03-10 至 2026-03-09" in c.figure


def test_criterion_10_falls_back_to_the_declaration_without_an_entry():
    assert clean(True).outcome == Outcome.PASS and "无在效记录" in clean(True).figure
    assert clean(False).outcome == Outcome.FAIL
    assert clean(None).outcome == Outcome.UNKNOWN


def test_a_removal_cites_an_entry_of_its_member_its_kind_in_effect():
    # § 12(3) “严重失信……非正常申请专利等违法违规行为的，予以退库”
    dishonesty = entry("serious_dishonesty")
    pool.check_removal_citation(RemovalReason.SERIOUS_DISHONESTY, "A", "A", dishonesty, date(2026, 3, 9))
    assert rule(pool.check_removal_citation, RemovalReason.SERIOUS_DISHONESTY, "A", "A", dishonesty,
                date(2026, 3, 10)) == ("pool.credit_entry_not_active", "credit_entry_id")
    assert rule(pool.check_removal_citation, RemovalReason.SERIOUS_DISHONESTY, "A", "B", dishonesty, D) == (
        "pool.credit_entry_other_enterprise", "credit_entry_id")
    assert rule(pool.check_removal_citation, RemovalReason.SERIOUS_DISHONESTY, "A", "A", entry(), D) == (
        "pool.credit_entry_kind", "credit_entry_id")
    pool.check_removal_citation(RemovalReason.ABNORMAL_PATENT_APPLICATIONS, "A", "A", entry(), D)
