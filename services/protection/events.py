"""Events the protection service publishes on ``ipp.protection.events`` (its public contract).

Facts in the past tense, versioned in the type (``…v1``). Keys: the centre id, the workstation id,
the case number or the visit id. Each carries what reporting needs without a lookup: the city
the record belongs to, the enterprise's ownership (``is_private``), the KPI year and the dates.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from pydantic import Field

from libs.common.events import EventData, topic_for

TOPIC = topic_for("protection")
CaseKindCode = Literal["assistance", "adjudication", "mediation", "arbitration", "overseas"]
LevelCode = Literal["provincial_joint", "provincial", "city", "county"]


class CentreRegistered(EventData):
    event_type: ClassVar[str] = "ipp.protection.centre.registered.v1"
    subject_field: ClassVar[str] = "centre_id"

    centre_id: str
    name: str
    kind: Literal["assistance", "protection", "rapid", "overseas"]
    city: str = Field(description="city-level division code (one of the 17)")
    established_on: date | None


class CentreUpdated(EventData):
    event_type: ClassVar[str] = "ipp.protection.centre.updated.v1"
    subject_field: ClassVar[str] = "centre_id"

    centre_id: str
    name: str
    city: str
    established_on: date | None
    closed_on: date | None = Field(description="date the centre stopped operating (no visit duty after it)")
    changed_fields: list[str]


class WorkstationEstablished(EventData):
    event_type: ClassVar[str] = "ipp.protection.workstation.established.v1"
    subject_field: ClassVar[str] = "workstation_id"

    workstation_id: int
    name: str
    city: str
    level: LevelCode
    host_kind: Literal["enterprise", "park"]
    host_uscc: str | None
    host_name: str
    is_private: bool | None = Field(description="host enterprise is private (民营); None for a park")
    centre_id: str | None
    established_on: date
    year: int = Field(description="year of established_on: the KPI period")


class WorkstationDeregistered(EventData):
    event_type: ClassVar[str] = "ipp.protection.workstation.deregistered.v1"
    subject_field: ClassVar[str] = "workstation_id"

    workstation_id: int
    name: str
    city: str
    level: LevelCode
    established_on: date
    deregistered_on: date
    year: int = Field(description="year of deregistered_on")
    reason: str


class _CaseFact(EventData):
    subject_field: ClassVar[str] = "case_no"

    case_id: int
    case_no: str
    kind: CaseKindCode
    centre_id: str = Field(description="the first-responder centre that owns the case (首问负责制)")
    city: str = Field(description="city of the owning centre")
    uscc: str
    enterprise_city: str
    is_private: bool


class CaseReceived(_CaseFact):
    event_type: ClassVar[str] = "ipp.protection.case.received.v1"

    ip_type: str
    overseas_country: str | None
    amount_involved: str | None = Field(description="yuan, exact decimal string")
    received_at: datetime
    year: int = Field(description="year of received_at in Asia/Shanghai")


class _CaseStepped(_CaseFact):
    at: datetime = Field(description="when the case reached this step")
    previous_at: datetime = Field(description="when the previous step was reached")
    duration_seconds: int = Field(description="time the previous step took")
    limit_days: int = Field(description="time limit of the previous step (settings)")
    within_limit: bool
    year: int = Field(description="year of ``at`` in Asia/Shanghai")


class CaseAccepted(_CaseStepped):
    event_type: ClassVar[str] = "ipp.protection.case.accepted.v1"


class CaseHandlingStarted(_CaseStepped):
    event_type: ClassVar[str] = "ipp.protection.case.handling-started.v1"


class CaseClosed(_CaseStepped):
    event_type: ClassVar[str] = "ipp.protection.case.closed.v1"

    outcome: Literal["resolved", "mediated", "ruled", "withdrawn", "transferred"]
    transferred_to: str | None
    received_at: datetime
    total_seconds: int = Field(description="received → closed")
    all_steps_within_limit: bool


class VisitRecorded(EventData):
    event_type: ClassVar[str] = "ipp.protection.visit.recorded.v1"
    subject_field: ClassVar[str] = "centre_id"

    visit_id: int
    centre_id: str
    city: str = Field(description="city of the visiting centre")
    uscc: str
    enterprise_city: str
    is_private: bool
    visit_date: date
    month: str = Field(description="YYYY-MM of visit_date")
    year: int
    services: list[str]


ALL_EVENTS: list[type[EventData]] = [CentreRegistered, CentreUpdated, WorkstationEstablished, WorkstationDeregistered,
                                     CaseReceived, CaseAccepted, CaseHandlingStarted, CaseClosed, VisitRecorded]
