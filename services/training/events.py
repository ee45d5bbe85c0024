"""Events the training service publishes on ``ipp.training.events`` (its public contract).

Facts in the past tense, versioned in the type. Class, enrolment, attendance and exam events are
keyed by the class id (one class's history stays in order); certificates by their number;
commissioner changes by the person key. No event carries a raw ID number: a trainee is known by
``person_key`` (HMAC of the ID number) only.

Every event carries what reporting needs without a lookup: ``track``, ``city`` (the class's city),
``year`` (the class year: the year the class starts; for certificates the year of issue) and, for
trainees, ``enterprise_city`` and ``is_private`` (the enterprise's ownership as the service's
read model knew it at enrolment).
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from libs.common.events import EventData, topic_for

TOPIC = topic_for("training")
TrackCode = Literal["preparatory", "assessed", "private", "other"]


class _ClassEvent(EventData):
    subject_field: ClassVar[str] = "class_id"

    class_id: int
    code: str = Field(description="the class's stable reference (班次编号)")
    track: TrackCode
    city: str = Field(description="city-level division code of the class")
    year: int = Field(description="class year: the year of start_date (the KPI period)")


class ClassPlanned(_ClassEvent):
    event_type: ClassVar[str] = "ipp.training.class.planned.v1"

    title: str
    organiser: str
    organiser_org: str | None
    start_date: date
    end_date: date
    session_days: int
    capacity: int


class ClassUpdated(_ClassEvent):
    event_type: ClassVar[str] = "ipp.training.class.updated.v1"

    title: str
    organiser: str
    start_date: date
    end_date: date
    session_days: int
    capacity: int
    changed_fields: list[str]


class ClassOpened(_ClassEvent):
    event_type: ClassVar[str] = "ipp.training.class.opened.v1"

    opened_on: date


class ClassFinished(_ClassEvent):
    event_type: ClassVar[str] = "ipp.training.class.finished.v1"

    finished_on: date
    organiser: str
    session_days: int
    enrolled: int = Field(description="trainees enrolled (not withdrawn)")
    person_times: int = Field(description="trainees with at least one attended day")
    private_person_times: int = Field(description="of which from private enterprises")
    completed: int = Field(description="trainees who completed the class")


class ClassCancelled(_ClassEvent):
    event_type: ClassVar[str] = "ipp.training.class.cancelled.v1"

    reason: str
    cancelled_on: date


class _TraineeEvent(_ClassEvent):
    enrolment_id: int
    person_key: str = Field(description="pseudonymous person key (HMAC of the ID number), stable across classes")
    uscc: str | None
    enterprise_city: str | None
    is_private: bool = Field(description="the trainee's enterprise is private (民营)")


class TraineeEnrolled(_TraineeEvent):
    event_type: ClassVar[str] = "ipp.training.enrolment.enrolled.v1"

    enrolled_count: int = Field(description="trainees in the class after this one")


class TraineeWithdrawn(_TraineeEvent):
    event_type: ClassVar[str] = "ipp.training.enrolment.withdrawn.v1"

    reason: str
    enrolled_count: int


class AttendanceRecorded(_TraineeEvent):
    """One trainee's presence on one session day changed (first sign-in, or a correction)."""

    event_type: ClassVar[str] = "ipp.training.attendance.recorded.v1"

    day: date
    present: bool
    attended_days_before: int
    attended_days_after: int
    person_time_delta: int = Field(description="change of the class's person-times: "
                                               "(after > 0) − (before > 0), in −1, 0, 1")


class ExamRecorded(_TraineeEvent):
    event_type: ClassVar[str] = "ipp.training.exam.recorded.v1"

    exam_date: date
    score: str = Field(description="decimal string, 0–100")
    pass_mark: str
    passed: bool


class CertificateIssued(EventData):
    event_type: ClassVar[str] = "ipp.training.certificate.issued.v1"
    subject_field: ClassVar[str] = "number"

    number: str
    track: TrackCode
    class_id: int
    enrolment_id: int
    person_key: str
    city: str = Field(description="city of the class")
    enterprise_city: str | None
    is_private: bool
    issued_on: date
    year: int = Field(description="year of issue (the KPI period)")


class _CommissionerEvent(EventData):
    subject_field: ClassVar[str] = "person_key"

    person_key: str
    track: Literal["preparatory"]
    class_id: int
    enrolment_id: int
    city: str = Field(description="city of the class")
    enterprise_city: str = Field(description="city of the commissioner's enterprise (the KPI city)")
    year: int = Field(description="class year of the completion (the KPI period)")
    class_start: date = Field(description="start date of that class: the KPI month")


class CommissionerQualified(_CommissionerEvent):
    """A person completed a finished preparatory class and now counts as a trained commissioner."""

    event_type: ClassVar[str] = "ipp.training.commissioner.qualified.v1"


class CommissionerWithdrawn(_CommissionerEvent):
    """A corrected attendance undid the completion that counted a person (carries that completion's
    class, city and year, so the count is taken back where it was added)."""

    event_type: ClassVar[str] = "ipp.training.commissioner.withdrawn.v1"


# ------------------------------------------------------------------------------ service activities

ActivityKindCode = Literal["commissioner_dispatch", "fee_briefing", "onsite_service", "examiner_visit",
                           "key_enterprise_contact", "face_to_face", "agency_aid"]
OnsiteSubKindCode = Literal["priority_examination", "pledge_registration", "licence_filing"]


class ServiceActivityFigures(BaseModel):
    """What one activity counts with in the indicators (its kind, city, month and numbers)."""

    kind: ActivityKindCode
    sub_kind: OnsiteSubKindCode | None = Field(description="on-site services: what was served")
    city: str = Field(description="city-level division code of the activity")
    held_on: date = Field(description="the day it took place: the KPI month")
    year: int = Field(description="year of held_on (the KPI period)")
    staff_person_times: int = Field(description="staff person-times (examiner visits: examiners and attorneys)")
    enterprises: int = Field(description="enterprises served")
    private_enterprises: int = Field(description="of which private (民营), from the read model at recording")


class _ServiceActivityEvent(EventData):
    subject_field: ClassVar[str] = "activity_id"

    activity_id: int


class ServiceActivityRecorded(_ServiceActivityEvent, ServiceActivityFigures):
    """A service activity for enterprises was recorded (鄂知发〔2019〕1号 §§ 12, 16, 19, 20;
    鄂知发〔2022〕9号 § 二.8)."""

    event_type: ClassVar[str] = "ipp.training.activity.recorded.v1"

    title: str
    organiser: str
    usccs: list[str] = Field(description="the enterprises served, by USCC")
    batch_id: str | None = Field(description="the bulk import that recorded it, if any")


class ServiceActivityCorrected(_ServiceActivityEvent):
    """An officer corrected a recorded activity: reporting takes ``before`` back and counts ``after``."""

    event_type: ClassVar[str] = "ipp.training.activity.corrected.v1"

    before: ServiceActivityFigures
    after: ServiceActivityFigures
    changed_fields: list[str]
    reason: str
    usccs: list[str] = Field(description="the enterprises served after the correction")


class ServiceActivityCancelled(_ServiceActivityEvent):
    """A recorded activity was cancelled (recorded in error or never held): its figures are taken back."""

    event_type: ClassVar[str] = "ipp.training.activity.cancelled.v1"

    figures: ServiceActivityFigures = Field(description="the figures it counted with, taken back")
    reason: str
    cancelled_on: date


ALL_EVENTS: list[type[EventData]] = [ClassPlanned, ClassUpdated, ClassOpened, ClassFinished, ClassCancelled,
                                     TraineeEnrolled, TraineeWithdrawn, AttendanceRecorded, ExamRecorded,
                                     CertificateIssued, CommissionerQualified, CommissionerWithdrawn,
                                     ServiceActivityRecorded, ServiceActivityCorrected, ServiceActivityCancelled]
