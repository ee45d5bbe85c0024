"""Typed HTTP clients for the training service (sync and async, httpx).

    with TrainingClient("http://127.0.0.1:8005", token) as c:
        cls = c.create_class(ClassCreate(track="private", title=..., city="420100", ...))
        c.open_class(cls.id)
        trainees = c.enrol_batch(cls.id, [EnrolmentIn(name=..., id_number=..., uscc=...)])
        c.record_attendance(cls.id, day, {t.id: True for t in trainees})

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from libs.common.client import ApiClient, AsyncApiClient, ClientCalls, get, get_or_none, patch, post, put
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.training.schemas import (
    ActivityBulkOut,
    ActivityCancelIn,
    ActivityCorrect,
    ActivityCreate,
    ActivityOut,
    AttendanceMark,
    AttendanceOut,
    AttendanceSheetIn,
    AttendanceSheetOut,
    BatchCertificatesOut,
    CancelIn,
    CertificateIn,
    CertificateOut,
    ClassCreate,
    ClassOut,
    ClassUpdate,
    EnrolmentBatchIn,
    EnrolmentIn,
    EnrolmentOut,
    ExamIn,
    LookupIn,
    TraineeRecord,
    WithdrawIn,
)


class _Methods(ClientCalls):
    """Every call, once — shared by both clients (bodies keep None; a PATCH sends only what was set)."""

    def create_class(self, data: ClassCreate) -> ClassOut:
        return self._call(post("/api/v1/classes", ClassOut, data))

    def get_class(self, class_id: int) -> ClassOut:
        return self._call(get(f"/api/v1/classes/{class_id}", ClassOut))

    def list_classes(self, *, city: str | None = None, track: str | None = None, status: str | None = None,
                     year: int | None = None, code: str | None = None, organiser_org: str | None = None,
                     limit: int = 50, offset: int = 0) -> Page[ClassOut]:
        return self._call(get("/api/v1/classes", Page[ClassOut], city=city, track=track, status=status, year=year,
                              code=code, organiser_org=organiser_org, limit=limit, offset=offset))

    def update_class(self, class_id: int, data: ClassUpdate) -> ClassOut:
        return self._call(patch(f"/api/v1/classes/{class_id}", ClassOut, data))

    def open_class(self, class_id: int) -> ClassOut:
        return self._call(post(f"/api/v1/classes/{class_id}/open", ClassOut))

    def finish_class(self, class_id: int) -> ClassOut:
        return self._call(post(f"/api/v1/classes/{class_id}/finish", ClassOut))

    def cancel_class(self, class_id: int, reason: str) -> ClassOut:
        return self._call(post(f"/api/v1/classes/{class_id}/cancel", ClassOut, CancelIn(reason=reason)))

    def enrol(self, class_id: int, data: EnrolmentIn) -> EnrolmentOut:
        return self._call(post(f"/api/v1/classes/{class_id}/enrolments", EnrolmentOut, data))

    def enrol_batch(self, class_id: int, items: list[EnrolmentIn]) -> list[EnrolmentOut]:
        return self._call(post(f"/api/v1/classes/{class_id}/enrolments/batch", list[EnrolmentOut],
                               EnrolmentBatchIn(items=items)))

    def list_enrolments(self, class_id: int, include_withdrawn: bool = False) -> list[EnrolmentOut]:
        return self._call(get(f"/api/v1/classes/{class_id}/enrolments", list[EnrolmentOut],
                              include_withdrawn=include_withdrawn))

    def get_enrolment(self, enrolment_id: int) -> EnrolmentOut:
        return self._call(get(f"/api/v1/enrolments/{enrolment_id}", EnrolmentOut))

    def withdraw(self, enrolment_id: int, reason: str) -> EnrolmentOut:
        return self._call(post(f"/api/v1/enrolments/{enrolment_id}/withdraw", EnrolmentOut, WithdrawIn(reason=reason)))

    def record_attendance(self, class_id: int, day: date, present: dict[int, bool]) -> AttendanceSheetOut:
        """Record (or correct) a session day: ``present`` maps enrolment id → present."""
        sheet = AttendanceSheetIn(records=[AttendanceMark(enrolment_id=k, present=v) for k, v in present.items()])
        return self._call(put(f"/api/v1/classes/{class_id}/attendance/{day.isoformat()}", AttendanceSheetOut, sheet))

    def list_attendance(self, class_id: int) -> list[AttendanceOut]:
        return self._call(get(f"/api/v1/classes/{class_id}/attendance", list[AttendanceOut]))

    def record_exam(self, enrolment_id: int, data: ExamIn) -> EnrolmentOut:
        return self._call(put(f"/api/v1/enrolments/{enrolment_id}/exam", EnrolmentOut, data))

    def issue_certificate(self, enrolment_id: int, issued_on: date | None = None) -> CertificateOut:
        return self._call(post(f"/api/v1/enrolments/{enrolment_id}/certificate", CertificateOut,
                               CertificateIn(issued_on=issued_on)))

    def issue_class_certificates(self, class_id: int, issued_on: date | None = None) -> BatchCertificatesOut:
        return self._call(post(f"/api/v1/classes/{class_id}/certificates", BatchCertificatesOut,
                               CertificateIn(issued_on=issued_on)))

    def list_certificates(self, *, class_id: int | None = None, track: str | None = None, city: str | None = None,
                          year: int | None = None, limit: int = 50, offset: int = 0) -> Page[CertificateOut]:
        return self._call(get("/api/v1/certificates", Page[CertificateOut], class_id=class_id, track=track, city=city,
                              year=year, limit=limit, offset=offset))

    def get_certificate(self, number: str) -> CertificateOut:
        return self._call(get(f"/api/v1/certificates/{number}", CertificateOut))

    def lookup_trainee(self, id_number: str) -> TraineeRecord:
        return self._call(post("/api/v1/trainees/lookup", TraineeRecord, LookupIn(id_number=id_number)))

    def summary(self, year: int, city: str | None = None) -> dict:
        """A year's progress per track within what the caller may read."""
        return self._call(get("/api/v1/summary", dict, year=year, city=city))

    # -------------------------------------------------------------------------- service activities

    def record_activity(self, data: ActivityCreate) -> ActivityOut:
        return self._call(post("/api/v1/activities", ActivityOut, data))

    def import_activities(self, rows: Sequence[ActivityCreate | dict[str, Any]], *, atomic: bool = False,
                          dry_run: bool = False) -> ActivityBulkOut:
        """Many activities at once (the good rows are written, the bad ones reported by row)."""
        return self._call(post("/api/v1/activities/bulk", ActivityBulkOut, {"rows": list(rows)}, atomic=atomic,
                               dry_run=dry_run))

    def get_activity(self, activity_id: int) -> ActivityOut:
        return self._call(get(f"/api/v1/activities/{activity_id}", ActivityOut))

    def list_activities(self, *, city: str | None = None, kind: str | None = None, sub_kind: str | None = None,
                        status: str | None = None, year: int | None = None, date_from: date | None = None,
                        date_to: date | None = None, uscc: str | None = None, batch_id: str | None = None,
                        limit: int = 50, offset: int = 0) -> Page[ActivityOut]:
        return self._call(get("/api/v1/activities", Page[ActivityOut], city=city, kind=kind, sub_kind=sub_kind,
                              status=status, year=year, date_from=date_from, date_to=date_to, uscc=uscc,
                              batch_id=batch_id, limit=limit, offset=offset))

    def correct_activity(self, activity_id: int, data: ActivityCorrect) -> ActivityOut:
        return self._call(patch(f"/api/v1/activities/{activity_id}", ActivityOut, data))

    def cancel_activity(self, activity_id: int, reason: str) -> ActivityOut:
        return self._call(post(f"/api/v1/activities/{activity_id}/cancel", ActivityOut,
                               ActivityCancelIn(reason=reason)))

    def known_enterprise(self, uscc: str) -> dict | None:
        """What the service's read model knows of an enterprise (None while it does not know it yet)."""
        return self._call(get_or_none(f"/api/v1/known-enterprises/{uscc}", dict))


class TrainingClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncTrainingClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
