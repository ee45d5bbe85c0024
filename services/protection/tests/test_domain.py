"""Unit tests of the protection rules (services.protection.domain): no I/O."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from libs.common.rules import RuleViolation
from services.protection.config import DEFAULT_CLOSE_DAYS, ProtectionSettings
from services.protection.domain import (
    CaseKind,
    CaseStatus,
    Limits,
    Outcome,
    check_outcome,
    check_step_time,
    check_transition,
    months_between,
    next_status,
    overdue,
    parse_month,
    timings,
    visit_duty,
    within,
)

#: A case's time stamps by status (None: not reached).
Stamps = dict[CaseStatus, datetime | None]
R, A, H, C = CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.HANDLING, CaseStatus.CLOSED
T0 = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)
LIMITS = Limits(accept_days=3, start_days=5, close_days=dict(DEFAULT_CLOSE_DAYS))


# --- workflow -------------------------------------------------------------------------------------

@pytest.mark.parametrize("current, target", [(R, A), (A, H), (H, C)])
def test_each_next_step_is_allowed(current, target):
    check_transition(current, target)
    assert next_status(current) == target


@pytest.mark.parametrize("current, target, code", [
    (R, H, "case.step_skipped"), (R, C, "case.step_skipped"), (A, C, "case.step_skipped"),
    (A, R, "case.step_reversed"), (H, A, "case.step_reversed"), (H, R, "case.step_reversed"),
    (C, H, "case.closed"), (C, A, "case.closed"), (C, R, "case.closed"),
    (R, R, "case.already_in_status"), (A, A, "case.already_in_status"), (C, C, "case.already_in_status"),
])
def test_skipping_reversing_and_repeating_are_refused(current, target, code):
    with pytest.raises(RuleViolation) as exc:
        check_transition(current, target)
    assert exc.value.code == code and exc.value.field is None and exc.value.message


def test_closed_has_no_next_step():
    assert next_status(C) is None


def test_step_time_equal_to_previous_is_allowed_one_microsecond_earlier_is_not():
    check_step_time(T0, T0, T0 + timedelta(days=1))
    with pytest.raises(RuleViolation) as exc:
        check_step_time(T0 - timedelta(microseconds=1), T0, T0 + timedelta(days=1))
    assert (exc.value.code, exc.value.field) == ("step.time_before_previous", "at")


def test_step_time_in_the_future_beyond_skew_is_refused():
    now = T0
    check_step_time(now + timedelta(minutes=5), None, now)
    with pytest.raises(RuleViolation) as exc:
        check_step_time(now + timedelta(minutes=5, seconds=1), None, now, "received_at")
    assert (exc.value.code, exc.value.field) == ("step.time_in_future", "received_at")


@pytest.mark.parametrize("kind, outcome, to, code", [
    (CaseKind.ASSISTANCE, Outcome.TRANSFERRED, None, "outcome.transferred_to_required"),
    (CaseKind.ASSISTANCE, Outcome.TRANSFERRED, "  ", "outcome.transferred_to_required"),
    (CaseKind.MEDIATION, Outcome.MEDIATED, "某法院", "outcome.transferred_to_unexpected"),
    (CaseKind.MEDIATION, Outcome.RULED, None, "outcome.ruled_kind"),
    (CaseKind.ASSISTANCE, Outcome.RULED, None, "outcome.ruled_kind"),
])
def test_outcome_rules(kind, outcome, to, code):
    with pytest.raises(RuleViolation) as exc:
        check_outcome(kind, outcome, to)
    assert exc.value.code == code and exc.value.field


@pytest.mark.parametrize("kind, outcome, to", [
    (CaseKind.ADJUDICATION, Outcome.RULED, None), (CaseKind.ARBITRATION, Outcome.RULED, None),
    (CaseKind.ASSISTANCE, Outcome.TRANSFERRED, "武汉市市场监督管理局"), (CaseKind.OVERSEAS, Outcome.RESOLVED, None),
    (CaseKind.MEDIATION, Outcome.WITHDRAWN, None)])
def test_outcomes_that_fit(kind, outcome, to):
    check_outcome(kind, outcome, to)


# --- time limits ----------------------------------------------------------------------------------

def test_limits_per_step_and_kind():
    assert LIMITS.days_for(R, CaseKind.MEDIATION) == 3
    assert LIMITS.days_for(A, CaseKind.MEDIATION) == 5
    assert LIMITS.days_for(H, CaseKind.ADJUDICATION) == 90
    assert LIMITS.days_for(H, CaseKind.ASSISTANCE) == 30
    assert LIMITS.days_for(C, CaseKind.ASSISTANCE) is None


def test_exactly_at_the_limit_is_in_time_one_second_later_is_not():
    assert within(T0, T0 + timedelta(days=3), 3)
    assert not within(T0, T0 + timedelta(days=3, seconds=1), 3)


def test_overdue_boundary():
    kind = CaseKind.ASSISTANCE
    assert overdue(kind, R, T0, LIMITS, T0 + timedelta(days=3)) is None
    late = overdue(kind, R, T0, LIMITS, T0 + timedelta(days=3, seconds=10))
    assert late is not None
    assert (late.limit_days, late.due_at, late.overdue_seconds) == (3, T0 + timedelta(days=3), 10)
    assert overdue(kind, H, T0, LIMITS, T0 + timedelta(days=29)) is None
    late_handling = overdue(kind, H, T0, LIMITS, T0 + timedelta(days=31))
    assert late_handling is not None and late_handling.status == H
    assert overdue(CaseKind.ADJUDICATION, H, T0, LIMITS, T0 + timedelta(days=31)) is None
    assert overdue(kind, C, T0, LIMITS, T0 + timedelta(days=999)) is None


def test_timings_measure_done_steps_and_the_running_one():
    stamps = {R: T0, A: T0 + timedelta(days=1), H: T0 + timedelta(days=7), C: None}
    now = T0 + timedelta(days=10)
    got = timings(CaseKind.ASSISTANCE, stamps, LIMITS, now)
    assert [(t.step, t.seconds, t.limit_days, t.within_limit, t.done) for t in got] == [
        ("accepted", 86400, 3, True, True),
        ("handling", 6 * 86400, 5, False, True),
        ("closed", 3 * 86400, 30, True, False)]


def test_timings_of_a_just_received_case():
    got = timings(CaseKind.OVERSEAS, {R: T0, A: None, H: None, C: None}, LIMITS, T0 + timedelta(hours=2))
    assert [(t.step, t.seconds, t.done) for t in got] == [("accepted", 7200, False)]


def test_settings_merge_close_days_and_refuse_unknown_kinds():
    s = ProtectionSettings(close_days={"adjudication": 60}, kafka_enabled=False)
    assert s.close_days == {**DEFAULT_CLOSE_DAYS, "adjudication": 60}
    with pytest.raises(ValidationError):
        ProtectionSettings(close_days={"lawsuit": 10})
    with pytest.raises(ValidationError):
        ProtectionSettings(accept_days=0)


def test_limits_from_the_environment(monkeypatch):
    monkeypatch.setenv("IPP_PROTECTION_ACCEPT_DAYS", "2")
    monkeypatch.setenv("IPP_PROTECTION_CLOSE_DAYS", '{"mediation": 15}')
    s = ProtectionSettings()
    assert (s.accept_days, s.close_days["mediation"], s.close_days["assistance"]) == (2, 15, 30)


# --- months ---------------------------------------------------------------------------------------

def test_months_across_a_year_end():
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months_between("2025-05", "2025-05") == ["2025-05"]
    assert months_between("2025-05", "2025-04") == []


@pytest.mark.parametrize("bad", ["2025-13", "2025-00", "2025-1", "25-01", "2025/01", "abcd-ef", "1984-12", "2101-01"])
def test_bad_months(bad):
    with pytest.raises(ValueError):
        parse_month(bad)


def test_missed_months_across_a_year_end():
    months = months_between("2024-11", "2025-02")
    duty = visit_duty(months, {"2024-11": 2, "2025-01": 1}, date(2019, 1, 1), None, date(2025, 6, 1), kind="assistance")
    assert duty.due == months
    assert duty.missed == ["2024-12", "2025-02"]
    assert duty.counts == {"2024-11": 2, "2024-12": 0, "2025-01": 1, "2025-02": 0}


def test_no_duty_before_establishment_after_closing_or_in_the_running_month():
    months = months_between("2025-01", "2025-06")
    duty = visit_duty(months, {}, date(2025, 2, 28), date(2025, 4, 1), date(2025, 12, 1), kind="assistance")
    assert duty.due == ["2025-02", "2025-03", "2025-04"]
    duty = visit_duty(months, {"2025-05": 1}, None, None, date(2025, 5, 20), kind="assistance")
    assert duty.due == ["2025-01", "2025-02", "2025-03", "2025-04"]  # May is still running
    assert duty.missed == ["2025-01", "2025-02", "2025-03", "2025-04"]


# 鄂知发〔2019〕1号 第4条 “全省各知识产权维权援助中心要主动作为……每月至少开展一次民营企业上门服务活动”:
# the duty binds the assistance centres, not every centre kind.
@pytest.mark.parametrize("kind, bound", [("assistance", True), ("protection", False), ("rapid", False),
                                         ("overseas", False)])
def test_only_assistance_centres_owe_a_monthly_visit(kind, bound):
    months = months_between("2025-01", "2025-03")
    duty = visit_duty(months, {"2025-02": 1}, date(2019, 1, 1), None, date(2025, 6, 1), kind=kind)
    assert duty.bound is bound
    assert duty.missed == (["2025-01", "2025-03"] if bound else [])
    assert duty.due == (months if bound else [])
    assert duty.counts == {"2025-01": 0, "2025-02": 1, "2025-03": 0}  # visits count either way


def test_summary_counts_and_average_step_days():
    from services.protection.domain import summarise

    now = T0 + timedelta(days=40)
    closed_in_time: Stamps = {R: T0, A: T0 + timedelta(days=1), H: T0 + timedelta(days=2), C: T0 + timedelta(days=12)}
    closed_late: Stamps = {R: T0, A: T0 + timedelta(days=5), H: T0 + timedelta(days=6), C: T0 + timedelta(days=8)}
    open_late: Stamps = {R: T0, A: None, H: None, C: None}
    open_adjudication: Stamps = {R: T0, A: T0 + timedelta(days=1), H: T0 + timedelta(days=3), C: None}  # 37 of 90 days
    kinds, total = summarise([
        (CaseKind.ASSISTANCE, C, closed_in_time, "resolved"), (CaseKind.ASSISTANCE, C, closed_late, "withdrawn"),
        (CaseKind.MEDIATION, R, open_late, None), (CaseKind.ADJUDICATION, H, open_adjudication, None)], LIMITS, now)
    assistance = next(k for k in kinds if k.kind == "assistance")
    assert (assistance.received, assistance.closed, assistance.closed_in_time, assistance.open) == (2, 2, 1, 0)
    assert assistance.outcomes == {"resolved": 1, "withdrawn": 1}
    assert assistance.average_days() == {"accepted": 3.0, "handling": 1.0, "closed": 6.0}
    assert (total.received, total.open, total.overdue, total.closed) == (4, 2, 1, 2)
    assert next(k for k in kinds if k.kind == "arbitration").average_days() == {
        "accepted": None, "handling": None, "closed": None}
