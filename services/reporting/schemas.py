"""Request and response models of the reporting API."""
from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class KpiOut(BaseModel):
    indicator: str = Field(examples=["tier_seed"])
    name: str = Field(examples=["知识产权种子企业"])
    unit: str
    city: str = Field(description="市州代码；420000 为全省")
    city_name: str
    year: int
    value: str = Field(description="精确十进制数")
    target: str | None
    progress: str | None = Field(description="完成目标的百分比")
    met: bool | None
    comparator: str


class IndicatorsOut(BaseModel):
    year: int
    city: str
    items: list[KpiOut]


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str
    # Checked against 420000 + the 17 cities by the route (DivisionCode would refuse 420000 itself).
    city: str = Field("420000", pattern=r"^[0-9]{6}$", description="420000 = 全省；或某市州代码（目标分解到市州）")
    value: Decimal = Field(ge=0, max_digits=24, decimal_places=2)


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, max_length=200, description="依据，如文件文号")
    targets: list[TargetIn] = Field(min_length=1, max_length=10000)


class TargetOut(BaseModel):
    indicator: str
    year: int
    city: str
    value: str
    source: str | None
