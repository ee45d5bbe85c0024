"""Events the reporting service publishes.

* ``ipp.reporting.kpi-updates`` — one ``KpiUpdated`` per changed indicator value (the stream worker's
  outbox, and the API's when a target changes).
* ``ipp.reporting.events`` — the reporting service's own domain facts: official statistics approved
  or re-opened (the API's outbox). The stream worker folds ``statistics.approved`` like any other
  programme event, so a rebuild from the event log reproduces the approved figures.
"""
from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from libs.common.events import EventData

TOPIC = "ipp.reporting.kpi-updates"
DOMAIN_TOPIC = "ipp.reporting.events"


class KpiUpdated(EventData):
    event_type: ClassVar[str] = "ipp.reporting.kpi.updated.v1"
    subject_field: ClassVar[str] = "key"

    key: str = Field(description="indicator:city:year")
    indicator: str
    name: str
    unit: str
    city: str = Field(description="division code; 420000 is the whole province")
    year: int
    value: str | None = Field(description="exact decimal string; null when there is no value yet (a statistic "
                                          "not approved, a ratio without a denominator)")
    target: str | None
    progress: str | None = Field(description="percent of target, one decimal")
    met: bool | None
    expected: str | None = Field(None, description="value expected by today on the way to the target")
    status: str | None = Field(None, description="met | on_track | at_risk | off_track | no_data; null without "
                                                 "a target")
    forecast: str | None = Field(None, description="year-end forecast from the run rate")


class ApprovedValue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    element: str = Field(description="data element code (GET /api/v1/statistics/elements)")
    value: str | None = Field(description="the approved value, exact decimal string")
    previous: str | None = Field(description="the value of the previous approval of this period and org unit "
                                             "(null at the first): consumers add value − previous")


class StatisticsApproved(EventData):
    """The province approved (and so locked) the official statistics of one period and org unit."""

    event_type: ClassVar[str] = "ipp.reporting.statistics.approved.v1"
    subject_field: ClassVar[str] = "key"

    key: str = Field(description="period:org_unit, e.g. 2025:420100")
    period: str = Field(description="2025 | 2025Q1 | 202503")
    org_unit: str = Field(description="420000 (the province) or a city code")
    version: int = Field(description="1 for the first approval, +1 for each re-approval after a re-opening")
    approved_on: date
    year: int
    values: list[ApprovedValue]


class StatisticsReopened(EventData):
    """The province re-opened an approved period and org unit for corrections (the approved values stay
    in the indicators until the next approval replaces them)."""

    event_type: ClassVar[str] = "ipp.reporting.statistics.reopened.v1"
    subject_field: ClassVar[str] = "key"

    key: str
    period: str
    org_unit: str
    version: int = Field(description="the approval that was re-opened")
    reopened_on: date
    reason: str


ALL_EVENTS: list[type[EventData]] = [StatisticsApproved, StatisticsReopened]
