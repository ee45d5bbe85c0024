"""Events the finance service publishes on ``ipp.finance.events`` (its public contract).

Facts in the past tense, versioned in the type (``…v1``). Loan events are keyed by the loan id,
white-list events by the version number, activity events by the activity id. Each carries what
reporting needs without a lookup: the enterprise's city and ownership (``is_private``) as they were
when the loan was registered, dates and the KPI year, amounts in 元 as exact decimal strings, kinds.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.events import EventData, topic_for

TOPIC = topic_for("finance")
RiskSharingCode = Literal["risk_compensation", "guarantee_insurance", "guarantee", "interest_subsidy"]
ItemKindCode = Literal["patent", "trademark", "geographical_indication"]


class PledgedItemData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ItemKindCode
    number: str = Field(description="normalised number (patent application number with its check digit, "
                                    "or trademark registration number)")


class _Loan(EventData):
    subject_field: ClassVar[str] = "loan_id"

    loan_id: str = Field(description="the loan's id (as in /api/v1/pledges/{id}), as a string")
    uscc: str
    city: str = Field(description="the enterprise's city when the loan was registered (one of the 17)")
    is_private: bool = Field(description="the enterprise was private (民营) when the loan was registered")
    lender_bank: str = Field(description="the lender bank's identifier (a bank token's org claim)")
    amount: str = Field(description="loan amount in yuan, exact decimal string")
    registration_date: date
    year: int = Field(description="year of registration_date: the KPI period of the loan")


class PledgeRegistered(_Loan):
    """A pledge loan was registered: counts towards the amount and projects of its year."""

    event_type: ClassVar[str] = "ipp.finance.pledge.registered.v1"

    enterprise_name: str
    ownership: str
    lender_name: str
    term_months: int
    maturity_date: date
    annual_rate: str = Field(description="annual interest rate in percent, decimal string")
    risk_sharing: list[RiskSharingCode]
    items: list[PledgedItemData]
    patent_count: int
    trademark_count: int
    geographical_indication_count: int


class PledgeReleased(_Loan):
    """The pledge was released (loan repaid). The financing stays counted in its year."""

    event_type: ClassVar[str] = "ipp.finance.pledge.released.v1"

    released_on: date


class PledgeDefaulted(_Loan):
    """The loan defaulted. The financing stays counted in its year."""

    event_type: ClassVar[str] = "ipp.finance.pledge.defaulted.v1"

    defaulted_on: date
    note: str | None = None


class PledgeCancelled(_Loan):
    """An erroneous registration was withdrawn: reporting subtracts the loan from ``year``."""

    event_type: ClassVar[str] = "ipp.finance.pledge.cancelled.v1"

    cancelled_on: date
    reason: str


class CityCount(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    city: str
    entries: int
    private_entries: int
    credit_line: str = Field(description="sum of suggested credit lines in yuan, decimal string")


class WhitelistPublished(EventData):
    """A numbered, dated version of the credit white-list 授信企业白名单 was published."""

    event_type: ClassVar[str] = "ipp.finance.whitelist.published.v1"
    subject_field: ClassVar[str] = "version_id"

    version_id: str = Field(description="the version number as a string (the key)")
    number: int
    title: str
    published_on: date
    year: int
    entry_count: int
    total_credit_line: str = Field(description="yuan, decimal string")
    added: int = Field(description="enterprises not on the previous version")
    removed: int = Field(description="enterprises of the previous version no longer listed")
    by_city: list[CityCount]


class _Activity(EventData):
    subject_field: ClassVar[str] = "activity_id"

    activity_id: str = Field(description="the activity's id (as in /api/v1/activities/{id}), as a string")
    kind: Literal["matchmaking", "roadshow"] = Field(
        description="matchmaking 质押融资对接活动 | roadshow 一月一链投融资路演")
    city: str
    held_on: date
    year: int = Field(description="year of held_on: the KPI period")


class ActivityRecorded(_Activity):
    """A matchmaking event or roadshow took place."""

    event_type: ClassVar[str] = "ipp.finance.activity.recorded.v1"

    title: str
    chain: str | None = Field(description="industrial chain (51020 cluster code) of a roadshow")
    enterprise_count: int
    private_enterprise_count: int
    institution_count: int
    intended_amount: str = Field(description="financing intended (意向融资金额) in yuan, decimal string")
    intended_deals: int


class ActivityCancelled(_Activity):
    """An erroneously recorded activity was withdrawn: reporting subtracts it from ``year``."""

    event_type: ClassVar[str] = "ipp.finance.activity.cancelled.v1"

    reason: str


ALL_EVENTS: list[type[EventData]] = [PledgeRegistered, PledgeReleased, PledgeDefaulted, PledgeCancelled,
                                     WhitelistPublished, ActivityRecorded, ActivityCancelled]
