"""Events the transfer service publishes on ``ipp.transfer.events`` (its public contract).

Facts in the past tense, versioned in the type, keyed by the aggregate id. Each carries what
reporting needs without a lookup: the city the record counts for, the business date and its year,
amounts as exact decimal strings, kinds, and for every party that is a registered enterprise its
city and ownership (``is_private``). The bulk import publishes one ``record.registered`` per row.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.events import EventData, topic_for

TOPIC = topic_for("transfer")
KindCode = Literal["assignment", "exclusive_licence", "sole_licence", "ordinary_licence", "open_licence"]


class PartyData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["enterprise", "university", "institute", "other_enterprise", "individual", "other"]
    name: str
    uscc: str | None
    region: Literal["hubei", "other_province", "foreign"]
    city: str | None
    registered: bool = Field(description="a registered enterprise (named by the enterprise registry)")
    ownership: str | None = Field(description="registered enterprises only: private/state/foreign/other")
    is_private: bool | None


class TransferRegistered(EventData):
    event_type: ClassVar[str] = "ipp.transfer.record.registered.v1"
    subject_field: ClassVar[str] = "record_id"

    record_id: str
    ref: str
    kind: KindCode
    is_licence: bool
    patents: list[str]
    patent_count: int
    from_party: PartyData
    to_party: PartyData
    university_origin: bool = Field(description="the seller/licensor is a university or institute")
    city: str = Field(description="city-level division code the record counts for")
    contract_date: date
    year: int = Field(description="year of contract_date: the KPI period")
    amount: str | None = Field(description="yuan, exact decimal string; null = undisclosed")
    payment: str | None
    channel: Literal["open_licence", "library", "matching_event", "direct"]
    batch_id: str | None = Field(description="the bulk import that wrote it, if any")


class TransferCancelled(EventData):
    event_type: ClassVar[str] = "ipp.transfer.record.cancelled.v1"
    subject_field: ClassVar[str] = "record_id"

    record_id: str
    ref: str
    kind: KindCode
    is_licence: bool
    patent_count: int
    university_origin: bool
    city: str
    contract_date: date
    year: int = Field(description="year of the cancelled record's contract_date (the period to correct)")
    amount: str | None
    reason: str


class OpenLicencePublished(EventData):
    event_type: ClassVar[str] = "ipp.transfer.open-licence.published.v1"
    subject_field: ClassVar[str] = "open_licence_id"

    open_licence_id: str = Field(description="the aggregate id (as a string: the event key)")
    patents: list[str]
    licensor_kind: str
    licensor_name: str
    city: str
    fee_kind: str
    fee_amount: str | None
    royalty_rate: str | None
    valid_from: date
    valid_to: date
    year: int = Field(description="year of valid_from")


class OpenLicenceWithdrawn(EventData):
    event_type: ClassVar[str] = "ipp.transfer.open-licence.withdrawn.v1"
    subject_field: ClassVar[str] = "open_licence_id"

    open_licence_id: str = Field(description="the aggregate id (as a string: the event key)")
    city: str
    withdrawn_on: date
    reason: str


class LibraryEntryListed(EventData):
    event_type: ClassVar[str] = "ipp.transfer.library-entry.listed.v1"
    subject_field: ClassVar[str] = "entry_id"

    entry_id: str = Field(description="the aggregate id (as a string: the event key)")
    title: str
    patents: list[str]
    ipc_classes: list[str]
    owner_kind: str
    owner_name: str
    university_origin: bool
    city: str
    use_first_pay_later: bool
    listed_on: date
    year: int


class LibraryEntryWithdrawn(EventData):
    event_type: ClassVar[str] = "ipp.transfer.library-entry.withdrawn.v1"
    subject_field: ClassVar[str] = "entry_id"

    entry_id: str = Field(description="the aggregate id (as a string: the event key)")
    city: str
    withdrawn_on: date
    reason: str


class NeedRegistered(EventData):
    event_type: ClassVar[str] = "ipp.transfer.need.registered.v1"
    subject_field: ClassVar[str] = "need_id"

    need_id: str = Field(description="the aggregate id (as a string: the event key)")
    uscc: str
    city: str
    is_private: bool
    title: str
    ipc_classes: list[str]
    keywords: list[str]
    budget: str | None
    registered_on: date
    year: int


class NeedClosed(EventData):
    event_type: ClassVar[str] = "ipp.transfer.need.closed.v1"
    subject_field: ClassVar[str] = "need_id"

    need_id: str = Field(description="the aggregate id (as a string: the event key)")
    uscc: str
    city: str
    is_private: bool
    outcome: Literal["resolved", "withdrawn"]
    closed_on: date
    reason: str


class MatchingEventPlanned(EventData):
    event_type: ClassVar[str] = "ipp.transfer.matching-event.planned.v1"
    subject_field: ClassVar[str] = "matching_event_id"

    matching_event_id: str = Field(description="the aggregate id (as a string: the event key)")
    title: str
    city: str
    planned_date: date
    organiser: str
    field: str | None


class MatchingEventHeld(EventData):
    event_type: ClassVar[str] = "ipp.transfer.matching-event.held.v1"
    subject_field: ClassVar[str] = "matching_event_id"

    matching_event_id: str = Field(description="the aggregate id (as a string: the event key)")
    title: str
    city: str
    held_on: date
    year: int = Field(description="year of held_on: the KPI period")
    organiser: str
    field: str | None
    participants_enterprises: int
    participants_institutions: int
    deals_intended: int
    amount_intended: str | None = Field(description="yuan, exact decimal string")


class MatchingEventCancelled(EventData):
    event_type: ClassVar[str] = "ipp.transfer.matching-event.cancelled.v1"
    subject_field: ClassVar[str] = "matching_event_id"

    matching_event_id: str = Field(description="the aggregate id (as a string: the event key)")
    city: str
    planned_date: date
    reason: str


CarrierKindCode = Literal["high_value_cultivation_centre", "navigation_base", "operations_centre",
                          "university_conversion_base", "innovation_consortium", "patent_pool",
                          "industrialisation_park", "service_cluster"]
CarrierLevelCode = Literal["national", "provincial", "city"]


class CarrierApproved(EventData):
    event_type: ClassVar[str] = "ipp.transfer.carrier.approved.v1"
    subject_field: ClassVar[str] = "carrier_id"

    carrier_id: str = Field(description="the aggregate id (as a string: the event key)")
    kind: CarrierKindCode
    level: CarrierLevelCode
    name: str
    host_kind: Literal["enterprise", "university", "institute", "park", "other"]
    host_name: str
    host_uscc: str | None = Field(description="registered enterprise hosts only")
    city: str = Field(description="city-level division code the carrier counts for")
    approved_on: date
    year: int = Field(description="year of approved_on: the period it is new in")


class CarrierEstablished(EventData):
    event_type: ClassVar[str] = "ipp.transfer.carrier.established.v1"
    subject_field: ClassVar[str] = "carrier_id"

    carrier_id: str = Field(description="the aggregate id (as a string: the event key)")
    kind: CarrierKindCode
    level: CarrierLevelCode
    city: str
    approved_on: date
    established_on: date = Field(description="the day it started operating")
    year: int = Field(description="year of established_on: from then on it is operating")


class CarrierRevoked(EventData):
    event_type: ClassVar[str] = "ipp.transfer.carrier.revoked.v1"
    subject_field: ClassVar[str] = "carrier_id"

    carrier_id: str = Field(description="the aggregate id (as a string: the event key)")
    kind: CarrierKindCode
    level: CarrierLevelCode
    city: str
    approved_on: date
    established_on: date | None
    was_operating: bool = Field(description="it was operating when revoked (it leaves the operating count)")
    revoked_on: date
    year: int = Field(description="year of revoked_on")
    reason: str


class CarrierReviewed(EventData):
    event_type: ClassVar[str] = "ipp.transfer.carrier.reviewed.v1"
    subject_field: ClassVar[str] = "carrier_id"

    carrier_id: str = Field(description="the aggregate id (as a string: the event key)")
    kind: CarrierKindCode
    level: CarrierLevelCode
    city: str
    year: int = Field(description="the year reviewed")
    result: Literal["excellent", "qualified", "failed"]
    note: str | None


ALL_EVENTS: list[type[EventData]] = [TransferRegistered, TransferCancelled, OpenLicencePublished, OpenLicenceWithdrawn,
                                     LibraryEntryListed, LibraryEntryWithdrawn, NeedRegistered, NeedClosed,
                                     MatchingEventPlanned, MatchingEventHeld, MatchingEventCancelled,
                                     CarrierApproved, CarrierEstablished, CarrierRevoked, CarrierReviewed]
