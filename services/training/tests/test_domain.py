"""Training rules as plain code: lifecycle, session days, completion, exams, identity, certificates."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from libs.common.rules import RuleViolation
from services.training.domain import (
    CertificateCheck,
    ClassStatus,
    IdNumberError,
    Track,
    certificate_number,
    check_certificate,
    id_check_char,
    is_complete,
    mask_id_number,
    passed,
    person_key,
    required_days,
    session_days,
    transition,
    validate_id_number,
)

D = date(2025, 6, 10)


# --- lifecycle ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("current", "action", "target"), [
    (ClassStatus.PLANNED, "open", ClassStatus.OPEN),
    (ClassStatus.OPEN, "finish", ClassStatus.FINISHED),
    (ClassStatus.PLANNED, "cancel", ClassStatus.CANCELLED),
    (ClassStatus.OPEN, "cancel", ClassStatus.CANCELLED),
])
def test_allowed_transitions(current, action, target):
    assert transition(current, action, today=D, end_date=D) == target


@pytest.mark.parametrize(("current", "action"), [
    (ClassStatus.OPEN, "open"), (ClassStatus.FINISHED, "open"), (ClassStatus.CANCELLED, "open"),
    (ClassStatus.PLANNED, "finish"), (ClassStatus.FINISHED, "finish"), (ClassStatus.CANCELLED, "finish"),
    (ClassStatus.FINISHED, "cancel"), (ClassStatus.CANCELLED, "cancel"),
])
def test_illegal_transitions_are_refused(current, action):
    with pytest.raises(RuleViolation) as exc:
        transition(current, action, today=D, end_date=D)
    assert exc.value.code == f"class.{action}.illegal" and exc.value.field is None


def test_finish_on_the_end_date_but_not_before():
    assert transition(ClassStatus.OPEN, "finish", today=D, end_date=D) == ClassStatus.FINISHED
    with pytest.raises(RuleViolation) as exc:
        transition(ClassStatus.OPEN, "finish", today=D - timedelta(days=1), end_date=D)
    assert exc.value.code == "class.finish.before-end"


def test_a_class_with_attendance_cannot_be_cancelled():
    with pytest.raises(RuleViolation) as exc:
        transition(ClassStatus.OPEN, "cancel", today=D, end_date=D, attended_days=1)
    assert exc.value.code == "class.cancel.attended"


# --- session days ---------------------------------------------------------------------------------

def test_session_days_default_to_every_day():
    assert session_days(D, D + timedelta(days=2), None) == [D, D + timedelta(days=1), D + timedelta(days=2)]


def test_explicit_session_days_are_sorted_and_unique():
    later = D + timedelta(days=7)
    assert session_days(D, later, [later, D, later]) == [D, later]


@pytest.mark.parametrize(("start", "end", "explicit", "field", "code"), [
    (D, D - timedelta(days=1), None, "end_date", "class.dates.order"),
    (D, D + timedelta(days=3), [D + timedelta(days=4)], "session_dates", "class.session_dates.outside"),
    (D, D + timedelta(days=3), [D - timedelta(days=1)], "session_dates", "class.session_dates.outside"),
    (D, D + timedelta(days=60), None, "end_date", "class.session_dates.too_many"),
])
def test_bad_dates(start, end, explicit, field, code):
    with pytest.raises(RuleViolation) as exc:
        session_days(start, end, explicit)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_sixty_days_is_the_limit():
    assert len(session_days(D, D + timedelta(days=59), None)) == 60


# --- completion and exams -------------------------------------------------------------------------

@pytest.mark.parametrize(("total", "percent", "needed"), [
    (5, 80, 4), (4, 80, 4), (10, 80, 8), (3, 80, 3), (1, 80, 1), (2, 50, 1), (7, 100, 7), (1, 1, 1)])
def test_required_days_round_up(total, percent, needed):
    assert required_days(total, percent) == needed


def test_completion_boundary():
    assert is_complete(4, 5, 80) and not is_complete(3, 5, 80)


@pytest.mark.parametrize(("score", "ok"), [("60", True), ("59.9", False), ("100", True), ("0", False),
                                           ("60.0", True)])
def test_pass_mark_is_inclusive(score, ok):
    assert passed(Decimal(score), Decimal(60)) is ok


# --- identity -------------------------------------------------------------------------------------

def test_a_known_valid_id_number():
    assert validate_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize(("value", "rule"), [
    ("1101051949123100", "id_number.length"),
    ("11010519491231002Y", "id_number.charset"),
    ("A1010519491231002X", "id_number.charset"),
    ("110105194902300021", "id_number.birth_date"),
    ("110105189901010021", "id_number.birth_date"),
    ("110105194912310021", "id_number.check_digit"),
    (12345, "id_number.type"),
])
def test_bad_id_numbers(value, rule):
    with pytest.raises(IdNumberError) as exc:
        validate_id_number(value)
    assert exc.value.rule == rule


def test_full_width_input_is_normalised():
    body = "42010619900307123"
    full = "".join(chr(ord(c) + 0xFEE0) for c in body + id_check_char(body))
    assert validate_id_number(full) == body + id_check_char(body)


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_person_key_is_stable_keyed_and_not_the_number():
    k = person_key("s1", "11010519491231002X")
    assert k == person_key("s1", "11010519491231002X") and len(k) == 32
    assert k != person_key("s2", "11010519491231002X")
    assert "1101051949" not in k


# --- certificates ---------------------------------------------------------------------------------

def test_certificate_numbers():
    assert certificate_number(Track.ASSESSED, 2025, 42) == "HBIPT-A-2025-00042"
    assert certificate_number(Track.PREPARATORY, 2026, 1) == "HBIPT-P-2026-00001"


def ok(**kw) -> CertificateCheck:
    base: dict[str, Any] = dict(track=Track.ASSESSED, class_status=ClassStatus.FINISHED, attended=4, total_days=5,
                completion_percent=80, exam_passed=True)
    base.update(kw)
    return CertificateCheck(**base)


def test_eligible_certificate_passes():
    check_certificate(ok())
    check_certificate(ok(track=Track.PREPARATORY, exam_passed=None))


@pytest.mark.parametrize(("kw", "code"), [
    ({"class_status": ClassStatus.OPEN}, "certificate.class-not-finished"),
    ({"attended": 3}, "certificate.not-completed"),
    ({"exam_passed": False}, "certificate.exam-not-passed"),
    ({"exam_passed": None}, "certificate.exam-not-passed"),
])
def test_certificate_refusals(kw, code):
    with pytest.raises(RuleViolation) as exc:
        check_certificate(ok(**kw))
    assert exc.value.code == code
