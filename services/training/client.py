"""Typed HTTP clients for the training service (sync and async, httpx).

    with TrainingClient("http://127.0.0.1:8005", token) as c:
        cls = c.create_class(ClassCreate(track="private", title=..., city="420100", ...))
        c.open_class(cls.id)
        trainees = c.enrol_batch(cls.id, [EnrolmentIn(name=..., id_number=..., uscc=...)])
        c.record_attendance(cls.id, day, {t.id: True for t in trainees})

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from libs.common.client import ApiClient, AsyncApiClient
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.training.schemas import (
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


def _body(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_unset=isinstance(model, ClassUpdate))


def _params(**values: Any) -> dict:
    return {k: (v.value if hasattr(v, "value") else v) for k, v in values.items() if v is not None}


class _Requests:
    """Every call as (method, path, json, params, response type) — shared by both clients."""

    @staticmethod
    def create_class(data: ClassCreate):
        return "POST", "/api/v1/classes", _body(data), None, ClassOut

    @staticmethod
    def get_class(class_id: int):
        return "GET", f"/api/v1/classes/{class_id}", None, None, ClassOut

    @staticmethod
    def list_classes(**filters: Any):
        return "GET", "/api/v1/classes", None, _params(**filters), Page[ClassOut]

    @staticmethod
    def update_class(class_id: int, data: ClassUpdate):
        return "PATCH", f"/api/v1/classes/{class_id}", _body(data), None, ClassOut

    @staticmethod
    def transition(class_id: int, action: str, reason: str | None = None):
        body = _body(CancelIn(reason=reason)) if action == "cancel" else None
        return "POST", f"/api/v1/classes/{class_id}/{action}", body, None, ClassOut

    @staticmethod
    def enrol(class_id: int, data: EnrolmentIn):
        return "POST", f"/api/v1/classes/{class_id}/enrolments", _body(data), None, EnrolmentOut

    @staticmethod
    def enrol_batch(class_id: int, items: list[EnrolmentIn]):
        return ("POST", f"/api/v1/classes/{class_id}/enrolments/batch", _body(EnrolmentBatchIn(items=items)), None,
                list[EnrolmentOut])

    @staticmethod
    def list_enrolments(class_id: int, include_withdrawn: bool = False):
        return ("GET", f"/api/v1/classes/{class_id}/enrolments", None,
                {"include_withdrawn": str(include_withdrawn).lower()}, list[EnrolmentOut])

    @staticmethod
    def get_enrolment(enrolment_id: int):
        return "GET", f"/api/v1/enrolments/{enrolment_id}", None, None, EnrolmentOut

    @staticmethod
    def withdraw(enrolment_id: int, reason: str):
        return "POST", f"/api/v1/enrolments/{enrolment_id}/withdraw", _body(WithdrawIn(reason=reason)), None, \
            EnrolmentOut

    @staticmethod
    def record_attendance(class_id: int, day: date, present: dict[int, bool]):
        sheet = AttendanceSheetIn(records=[AttendanceMark(enrolment_id=k, present=v) for k, v in present.items()])
        return "PUT", f"/api/v1/classes/{class_id}/attendance/{day.isoformat()}", _body(sheet), None, \
            AttendanceSheetOut

    @staticmethod
    def list_attendance(class_id: int):
        return "GET", f"/api/v1/classes/{class_id}/attendance", None, None, list[AttendanceOut]

    @staticmethod
    def record_exam(enrolment_id: int, data: ExamIn):
        return "PUT", f"/api/v1/enrolments/{enrolment_id}/exam", _body(data), None, EnrolmentOut

    @staticmethod
    def issue_certificate(enrolment_id: int, issued_on: date | None = None):
        return ("POST", f"/api/v1/enrolments/{enrolment_id}/certificate", _body(CertificateIn(issued_on=issued_on)),
                None, CertificateOut)

    @staticmethod
    def issue_class_certificates(class_id: int, issued_on: date | None = None):
        return ("POST", f"/api/v1/classes/{class_id}/certificates", _body(CertificateIn(issued_on=issued_on)), None,
                BatchCertificatesOut)

    @staticmethod
    def list_certificates(**filters: Any):
        return "GET", "/api/v1/certificates", None, _params(**filters), Page[CertificateOut]

    @staticmethod
    def get_certificate(number: str):
        return "GET", f"/api/v1/certificates/{number}", None, None, CertificateOut

    @staticmethod
    def summary(year: int, city: str | None = None):
        return "GET", "/api/v1/summary", None, _params(year=year, city=city), dict

    @staticmethod
    def lookup_trainee(id_number: str):
        return "POST", "/api/v1/trainees/lookup", _body(LookupIn(id_number=id_number)), None, TraineeRecord


class _Methods:
    def _call(self, spec):  # implemented by each client
        raise NotImplementedError

    def create_class(self, data: ClassCreate) -> ClassOut:
        return self._call(_Requests.create_class(data))

    def get_class(self, class_id: int) -> ClassOut:
        return self._call(_Requests.get_class(class_id))

    def list_classes(self, *, city: str | None = None, track: str | None = None, status: str | None = None,
                     year: int | None = None, code: str | None = None, organiser_org: str | None = None,
                     limit: int = 50, offset: int = 0) -> Page[ClassOut]:
        return self._call(_Requests.list_classes(city=city, track=track, status=status, year=year, code=code,
                                                 organiser_org=organiser_org, limit=limit, offset=offset))

    def update_class(self, class_id: int, data: ClassUpdate) -> ClassOut:
        return self._call(_Requests.update_class(class_id, data))

    def open_class(self, class_id: int) -> ClassOut:
        return self._call(_Requests.transition(class_id, "open"))

    def finish_class(self, class_id: int) -> ClassOut:
        return self._call(_Requests.transition(class_id, "finish"))

    def cancel_class(self, class_id: int, reason: str) -> ClassOut:
        return self._call(_Requests.transition(class_id, "cancel", reason))

    def enrol(self, class_id: int, data: EnrolmentIn) -> EnrolmentOut:
        return self._call(_Requests.enrol(class_id, data))

    def enrol_batch(self, class_id: int, items: list[EnrolmentIn]) -> list[EnrolmentOut]:
        return self._call(_Requests.enrol_batch(class_id, items))

    def list_enrolments(self, class_id: int, include_withdrawn: bool = False) -> list[EnrolmentOut]:
        return self._call(_Requests.list_enrolments(class_id, include_withdrawn))

    def get_enrolment(self, enrolment_id: int) -> EnrolmentOut:
        return self._call(_Requests.get_enrolment(enrolment_id))

    def withdraw(self, enrolment_id: int, reason: str) -> EnrolmentOut:
        return self._call(_Requests.withdraw(enrolment_id, reason))

    def record_attendance(self, class_id: int, day: date, present: dict[int, bool]) -> AttendanceSheetOut:
        """Record (or correct) a session day: ``present`` maps enrolment id → present."""
        return self._call(_Requests.record_attendance(class_id, day, present))

    def list_attendance(self, class_id: int) -> list[AttendanceOut]:
        return self._call(_Requests.list_attendance(class_id))

    def record_exam(self, enrolment_id: int, data: ExamIn) -> EnrolmentOut:
        return self._call(_Requests.record_exam(enrolment_id, data))

    def issue_certificate(self, enrolment_id: int, issued_on: date | None = None) -> CertificateOut:
        return self._call(_Requests.issue_certificate(enrolment_id, issued_on))

    def issue_class_certificates(self, class_id: int, issued_on: date | None = None) -> BatchCertificatesOut:
        return self._call(_Requests.issue_class_certificates(class_id, issued_on))

    def list_certificates(self, *, class_id: int | None = None, track: str | None = None, city: str | None = None,
                          year: int | None = None, limit: int = 50, offset: int = 0) -> Page[CertificateOut]:
        return self._call(_Requests.list_certificates(class_id=class_id, track=track, city=city, year=year,
                                                      limit=limit, offset=offset))

    def get_certificate(self, number: str) -> CertificateOut:
        return self._call(_Requests.get_certificate(number))

    def lookup_trainee(self, id_number: str) -> TraineeRecord:
        return self._call(_Requests.lookup_trainee(id_number))

    def summary(self, year: int, city: str | None = None) -> dict:
        """A year's progress per track within what the caller may read."""
        return self._call(_Requests.summary(year, city))

    def known_enterprise(self, uscc: str) -> dict | None:
        """What the service's read model knows of an enterprise (None while it does not know it yet)."""
        return self._call(("GET", f"/api/v1/known-enterprises/{uscc}", None, None, dict, True))


class TrainingClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncTrainingClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
