"""Events the enterprise service publishes on ``ipp.enterprise.events`` (its public contract).

Facts in the past tense, versioned in the type (``…v1``), keyed by the enterprise's USCC. Each
carries what a consumer needs without calling back: city, ownership (``is_private``), tier, dates.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    in_pool: bool = Field(False, description="a member of the industrialisation pool when the change took effect "
                                            "(its membership moves with the enterprise's city)")
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


# ---------------------------------------------------------------- the industrialisation pool (004 § 二(六))

class _PoolEvent(EventData):
    subject_field: ClassVar[str] = "uscc"

    uscc: str
    membership_id: int
    city: str = Field(description="city the membership belongs to (the applying city)")
    is_private: bool


class PoolApplied(_PoolEvent):
    """A city applied for an enterprise's admission to the pool (evaluated against the 10 criteria)."""

    event_type: ClassVar[str] = "ipp.enterprise.pool.applied.v1"

    applied_on: date
    year: int = Field(description="year of applied_on")
    evaluation_year: int = Field(description="year of the figures evaluated (the year before the application)")
    passed: list[str] = Field(description="criteria codes that passed")
    failed: list[str]
    unknown: list[str]
    warned: list[str] = Field(default_factory=list,
                              description="in-principle (原则上) criteria not met: a warning, not a failure")


class PoolApplicationRejected(_PoolEvent):
    event_type: ClassVar[str] = "ipp.enterprise.pool.application-rejected.v1"

    rejected_on: date
    year: int
    reason: str


class PoolAdmitted(_PoolEvent):
    event_type: ClassVar[str] = "ipp.enterprise.pool.admitted.v1"

    admitted_on: date
    year: int = Field(description="year of admitted_on: the KPI period")
    members_after: int = Field(description="members in the pool right after this admission (cap 500)")
    failed: list[str] = Field(description="criteria that had failed at application, admitted nonetheless")
    reason: str | None


class PoolGraduated(_PoolEvent):
    event_type: ClassVar[str] = "ipp.enterprise.pool.graduated.v1"

    admitted_on: date
    graduated_on: date
    year: int = Field(description="year of graduated_on: the KPI period")
    industrialisation_rate_before: str = Field(description="percent, decimal string")
    industrialisation_rate_after: str
    new_patent_intensive_products: int
    sales_growth_pct: str | None
    profit_growth_pct: str | None
    reason: str


class PoolRemoved(_PoolEvent):
    event_type: ClassVar[str] = "ipp.enterprise.pool.removed.v1"

    admitted_on: date
    removed_on: date
    year: int = Field(description="year of removed_on: the KPI period")
    removal_reason: Literal["no_progress", "safety_accident", "serious_dishonesty", "tax_evasion", "data_fraud",
                            "abnormal_patent_applications"]
    reason: str
    credit_entry_id: int | None = Field(None, description="the credit-register entry the removal cites, if any")


class PoolProgressRecorded(_PoolEvent):
    event_type: ClassVar[str] = "ipp.enterprise.pool.progress-recorded.v1"

    recorded_on: date
    year: int
    industrialisation_rate: str | None
    description: str


POOL_EVENTS: list[type[EventData]] = [PoolApplied, PoolApplicationRejected, PoolAdmitted, PoolGraduated, PoolRemoved,
                                      PoolProgressRecorded]

class TierCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    advantage: int
    seed: int
    growth: int


class CityTierCounts(TierCounts):
    city: str


class TierListPublished(EventData):
    """A numbered, dated version of the tier lists was published (鄂知发〔2022〕9号 § 三(二)
    “定期向社会发布”): every enterprise holding a tier on that day."""

    event_type: ClassVar[str] = "ipp.enterprise.tier-list.published.v1"
    subject_field: ClassVar[str] = "version_id"

    version_id: str = Field(description="the version number as a string (the key)")
    number: int
    title: str
    published_on: date
    year: int
    entry_count: int
    counts: TierCounts = Field(description="enterprises listed per tier")
    by_city: list[CityTierCounts]
    added: int = Field(description="enterprises not on the previous version")
    removed: int = Field(description="enterprises of the previous version no longer listed")
    tier_changed: int = Field(description="enterprises listed on both with another tier")



# ------------------------------------------------------- the credit register (002 § 5; 003 §§ 8, 16)

class _CreditEvent(EventData):
    """The whole entry as it stands after the change, so a consumer's read model needs no lookup and
    any one event restores the entry (an older event never overwrites a newer one: compare ``ce_time``)."""

    subject_field: ClassVar[str] = "uscc"

    entry_id: int
    uscc: str
    city: str = Field(description="the enterprise's city when the entry was recorded")
    is_private: bool
    kind: Literal["serious_dishonesty", "abnormal_patent_application", "violation", "major_accident"]
    authority: str = Field(description="the deciding authority 决定机关")
    document_no: str = Field(description="the decision's document number 文书编号")
    decided_on: date
    effective_from: date
    effective_until: date | None = Field(description="last day of effect (inclusive); null: open-ended")
    lifted_on: date | None = Field(description="lifted (ended early) from this day on; null: not lifted")
    year: int = Field(description="the KPI year: of decided_on (recorded) or of lifted_on (lifted)")


class CreditRecorded(_CreditEvent):
    """An entry was recorded in the credit register 信用记录."""

    event_type: ClassVar[str] = "ipp.enterprise.credit.recorded.v1"


class CreditLifted(_CreditEvent):
    """An entry was lifted before its end (信用修复, the decision quashed …)."""

    event_type: ClassVar[str] = "ipp.enterprise.credit.lifted.v1"

    reason: str


CREDIT_EVENTS: list[type[EventData]] = [CreditRecorded, CreditLifted]

ALL_EVENTS: list[type[EventData]] = [EnterpriseRegistered, EnterpriseUpdated, FiguresReported, TierRecommended,
                                     TierRecommendationRejected, TierDesignated, TierPromoted, TierDemoted,
                                     TierRevoked, TierListPublished, *POOL_EVENTS, *CREDIT_EVENTS]
