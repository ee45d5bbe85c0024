"""Events the enterprise service publishes on ``ipp.enterprise.events`` (its public contract).

Facts in the past tense, versioned in the type (``…v1``), keyed by the enterprise's USCC. Each
carries what a consumer needs without calling back: city, ownership (``is_private``), tier, dates.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import Field

from libs.common.events import EventData, topic_for

TOPIC = topic_for("enterprise")
TierCode = Literal["growth", "seed", "advantage"]


class EnterpriseRegistered(EventData):
    event_type: ClassVar[str] = "ipp.enterprise.enterprise.registered.v1"
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    name: str
    city: str = Field(description="city-level division code (one of the 17)")
    county: str | None
    industry: str
    size_class: str
    ownership: str
    is_private: bool
    qualifications: list[str]
    registered_on: date


class EnterpriseUpdated(EventData):
    event_type: ClassVar[str] = "ipp.enterprise.enterprise.updated.v1"
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    name: str
    city: str
    previous_city: str
    ownership: str
    is_private: bool
    tier: TierCode | None = Field(description="tier held when the change took effect")
    changed_fields: list[str]
    updated_on: date


class FiguresReported(EventData):
    event_type: ClassVar[str] = "ipp.enterprise.figures.reported.v1"
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    city: str
    year: int
    revenue: str | None = Field(description="yuan, exact decimal string")
    rd_spend: str | None
    staff: int | None
    rd_staff: int | None
    invention_patents: int | None
    industrialisation_rate: str | None = Field(description="percent, decimal string")


class TierRecommended(EventData):
    event_type: ClassVar[str] = "ipp.enterprise.tier.recommended.v1"
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    city: str
    recommendation_id: int
    tier: TierCode
    current_tier: TierCode | None
    reason: str


class TierRecommendationRejected(EventData):
    event_type: ClassVar[str] = "ipp.enterprise.tier.recommendation-rejected.v1"
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    city: str
    recommendation_id: int
    tier: TierCode
    reason: str


class _TierChanged(EventData):
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    city: str
    is_private: bool
    from_tier: TierCode | None
    to_tier: TierCode | None
    effective_date: date
    year: int = Field(description="year of effective_date: the KPI period")
    reason: str
    recommendation_id: int | None = None


class TierDesignated(_TierChanged):
    event_type: ClassVar[str] = "ipp.enterprise.tier.designated.v1"


class TierPromoted(_TierChanged):
    event_type: ClassVar[str] = "ipp.enterprise.tier.promoted.v1"


class TierDemoted(_TierChanged):
    event_type: ClassVar[str] = "ipp.enterprise.tier.demoted.v1"


class TierRevoked(_TierChanged):
    event_type: ClassVar[str] = "ipp.enterprise.tier.revoked.v1"


TIER_EVENTS = {"designated": TierDesignated, "promoted": TierPromoted, "demoted": TierDemoted,
               "revoked": TierRevoked}

ALL_EVENTS: list[type[EventData]] = [EnterpriseRegistered, EnterpriseUpdated, FiguresReported, TierRecommended,
                                     TierRecommendationRejected, TierDesignated, TierPromoted, TierDemoted,
                                     TierRevoked]
