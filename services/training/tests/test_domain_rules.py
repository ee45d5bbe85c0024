"""Boundary tests of the training domain rules that ``test_domain.py`` does not exercise directly: class
updates and capacity, enrolment, withdrawal, attendance days, exams and certificate issue dates."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from libs.common.rules import RuleViolation
from services.training import domain
from services.training.domain import ClassStatus, Track

TODAY = date(2025, 6, 30)
TOMORROW = TODAY + timedelta(days=1)
USCC = "91420100MA4K0000XJ"


def violation(fn, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------------------ check_class_changes

def test_class_changes_empty_refused():
    exc = violation(domain.check_class_changes, {})
    assert (exc.code, exc.field, exc.status) == ("update.empty", "body", 422)


@pytest.mark.parametrize("key", ["title", "organiser", "capacity", "start_date", "end_date"])
def test_class_changes_required_field_may_not_be_emptied(key):
    exc = violation(domain.check_class_changes, {key: None})
    assert (exc.code, exc.field) == ("not_nullable", key)


def test_class_changes_optional_field_may_be_emptied():
    domain.check_class_changes({"description": None, "capacity": 0})


# ------------------------------------------------------------------------------ check_class_update

@pytest.mark.parametrize("status", [ClassStatus.FINISHED, ClassStatus.CANCELLED])
@pytest.mark.parametrize("dates", [False, True])
def test_class_update_closed_class_refused(status, dates):
    exc = violation(domain.check_class_update, status, dates)
    assert (exc.code, exc.status) == ("class.closed", 409)


def test_class_update_dates_only_while_planned():
    domain.check_class_update(ClassStatus.PLANNED, True)
    domain.check_class_update(ClassStatus.OPEN, False)
    exc = violation(domain.check_class_update, ClassStatus.OPEN, True)
    assert (exc.code, exc.status) == ("class.dates.locked", 409)


# ------------------------------------------------------------------------------ check_capacity

def test_capacity_exactly_the_enrolled_allowed_one_less_refused():
    domain.check_capacity(30, 30)
    domain.check_capacity(30, 0)
    exc = violation(domain.check_capacity, 29, 30)
    assert (exc.code, exc.field, exc.status) == ("capacity.below-enrolled", "capacity", 422)


# ------------------------------------------------------------------------------ check_enrolment_open

def test_enrolment_open_only_for_an_open_class():
    domain.check_enrolment_open("open")
    for status in ("planned", "finished", "cancelled"):
        exc = violation(domain.check_enrolment_open, status)
        assert (exc.code, exc.status) == ("class.not-open", 409)


# ------------------------------------------------------------------------------ check_trainee_enterprise

@pytest.mark.parametrize("track", [Track.PREPARATORY, Track.ASSESSED, Track.PRIVATE])
def test_trainee_enterprise_required_for_enterprise_tracks(track):
    exc = violation(domain.check_trainee_enterprise, track, None, None)
    assert (exc.code, exc.field, exc.status) == ("uscc.required", "uscc", 422)


def test_trainee_enterprise_optional_for_other_track():
    domain.check_trainee_enterprise(Track.OTHER, None, None)
    domain.check_trainee_enterprise(Track.OTHER, USCC, False)


# 002 § 22: the private track is for private enterprises' staff.
@pytest.mark.parametrize("is_private", [False, None])
def test_private_track_takes_only_private_enterprises(is_private):
    exc = violation(domain.check_trainee_enterprise, Track.PRIVATE, USCC, is_private)
    assert (exc.code, exc.field) == ("enterprise.not-private", "uscc")


def test_private_track_private_enterprise_and_commissioner_tracks_any_enterprise():
    domain.check_trainee_enterprise(Track.PRIVATE, USCC, True)
    domain.check_trainee_enterprise(Track.PREPARATORY, USCC, False)
    domain.check_trainee_enterprise(Track.ASSESSED, USCC, None)


# ------------------------------------------------------------------------------ check_enrolled / check_withdrawal

def test_enrolled():
    domain.check_enrolled("enrolled")
    exc = violation(domain.check_enrolled, "withdrawn")
    assert (exc.code, exc.status) == ("enrolment.withdrawn", 409)


def test_withdrawal_from_an_open_class_before_any_attendance():
    domain.check_withdrawal("enrolled", "open", 0)


def test_withdrawal_after_one_attended_day_refused():
    exc = violation(domain.check_withdrawal, "enrolled", "open", 1)
    assert (exc.code, exc.status) == ("enrolment.attended", 409)


@pytest.mark.parametrize("class_status", ["planned", "finished", "cancelled"])
def test_withdrawal_only_from_an_open_class(class_status):
    exc = violation(domain.check_withdrawal, "enrolled", class_status, 0)
    assert exc.code == "class.not-open"


def test_withdrawal_twice_refused_first():
    exc = violation(domain.check_withdrawal, "withdrawn", "finished", 3)
    assert exc.code == "enrolment.withdrawn"


# ------------------------------------------------------------------------------ check_attendance_day

SESSIONS = ["2025-06-28", "2025-06-30", "2025-07-01"]


@pytest.mark.parametrize("status", ["open", "finished"])
def test_attendance_on_a_session_day_up_to_today(status):
    domain.check_attendance_day(status, SESSIONS, date(2025, 6, 28), TODAY)
    domain.check_attendance_day(status, SESSIONS, TODAY, TODAY)


def test_attendance_on_tomorrows_session_refused():
    exc = violation(domain.check_attendance_day, "open", SESSIONS, TOMORROW, TODAY)
    assert (exc.code, exc.field, exc.status) == ("attendance.future", "day", 422)


def test_attendance_not_a_session_day():
    exc = violation(domain.check_attendance_day, "open", SESSIONS, date(2025, 6, 29), TODAY)
    assert (exc.code, exc.field) == ("attendance.not-session-day", "day")


@pytest.mark.parametrize("status", ["planned", "cancelled"])
def test_attendance_class_not_opened(status):
    exc = violation(domain.check_attendance_day, status, SESSIONS, TODAY, TODAY)
    assert (exc.code, exc.status) == ("attendance.class-status", 409)


# ------------------------------------------------------------------------------ check_exam / check_exam_date

@pytest.mark.parametrize("class_status", ["open", "finished"])
def test_exam_for_assessed_track(class_status):
    domain.check_exam("assessed", class_status, "enrolled")


@pytest.mark.parametrize("track", ["preparatory", "private", "other"])
def test_exam_only_for_assessed_track(track):
    exc = violation(domain.check_exam, track, "open", "enrolled")
    assert (exc.code, exc.status) == ("exam.not-assessed-track", 409)


@pytest.mark.parametrize("class_status", ["planned", "cancelled"])
def test_exam_class_not_opened(class_status):
    exc = violation(domain.check_exam, "assessed", class_status, "enrolled")
    assert exc.code == "exam.class-status"


def test_exam_withdrawn_trainee():
    exc = violation(domain.check_exam, "assessed", "open", "withdrawn")
    assert exc.code == "enrolment.withdrawn"


def test_exam_date_between_class_start_and_today_inclusive():
    start = date(2025, 6, 1)
    domain.check_exam_date(start, start, TODAY)
    domain.check_exam_date(TODAY, start, TODAY)
    exc = violation(domain.check_exam_date, start - timedelta(days=1), start, TODAY)
    assert (exc.code, exc.field, exc.status) == ("exam_date.before-class", "exam_date", 422)
    exc = violation(domain.check_exam_date, TOMORROW, start, TODAY)
    assert (exc.code, exc.field) == ("exam_date.future", "exam_date")


# ------------------------------------------------------------------------------ check_class_finished / issue_date

def test_class_finished():
    domain.check_class_finished("finished")
    for status in ("planned", "open", "cancelled"):
        exc = violation(domain.check_class_finished, status)
        assert (exc.code, exc.status) == ("certificate.class-not-finished", 409)


def test_issue_date_defaults_to_today():
    assert domain.issue_date(None, TODAY, date(2025, 6, 20)) == TODAY


def test_issue_date_on_the_class_end_day_allowed():
    end = date(2025, 6, 20)
    assert domain.issue_date(end, TODAY, end) == end
    exc = violation(domain.issue_date, end - timedelta(days=1), TODAY, end)
    assert (exc.code, exc.field, exc.status) == ("issued_on.before-end", "issued_on", 422)


def test_issue_date_not_in_future():
    assert domain.issue_date(TODAY, TODAY, date(2025, 6, 20)) == TODAY
    exc = violation(domain.issue_date, TOMORROW, TODAY, date(2025, 6, 20))
    assert (exc.code, exc.field) == ("issued_on.future", "issued_on")


def test_issue_date_today_before_class_end_refused():
    exc = violation(domain.issue_date, None, TODAY, TOMORROW)
    assert exc.code == "issued_on.before-end"
