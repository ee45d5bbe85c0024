"""Events the reporting service publishes on ``ipp.reporting.kpi-updates``."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from libs.common.events import EventData

TOPIC = "ipp.reporting.kpi-updates"


class KpiUpdated(EventData):
    event_type: ClassVar[str] = "ipp.reporting.kpi.updated.v1"
    subject_field: ClassVar[str] = "key"

    key: str = Field(description="indicator:city:year")
    indicator: str
    name: str
    unit: str
    city: str = Field(description="division code; 420000 is the whole province")
    year: int
    value: str = Field(description="exact decimal string")
    target: str | None
    progress: str | None = Field(description="percent of target, one decimal")
    met: bool | None
