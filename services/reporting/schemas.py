"""Request and response models of the reporting API."""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator


class KpiOut(BaseModel):
    indicator: str = Field(examples=["tier_seed"])
    name: str = Field(examples=["知识产权种子企业"])
    unit: str
    city: str = Field(description="市州代码；420000 为全省")
    city_name: str
    year: int
    period: str = Field(description="2025 | 2025Q1 | 202503")
    value: str | None = Field(description="精确十进制数；尚无数据（统计数据未审核、比率无分母）时为 null")
    ytd: str | None = Field(None, description="流量指标按季/月读取时：年初至期末累计")
    target: str | None
    progress: str | None = Field(description="完成目标的百分比")
    met: bool | None
    comparator: str
    expected: str | None = Field(None, description="按今日（或期末）应达到的值")
    status: str | None = Field(None, description="met 已完成 | on_track 进度正常 | at_risk 略有滞后 | "
                                                 "off_track 明显滞后 | no_data 暂无数据；无目标时为 null")
    forecast: str | None = Field(None, description="按当前进度推算的年末值")
    source: str | None = Field(None, description="目标依据（文件条款）")


class IndicatorsOut(BaseModel):
    year: int
    city: str
    period: str
    items: list[KpiOut]


class SeriesPoint(BaseModel):
    period: str
    label: str
    value: str | None
    ytd: str | None
    expected: str | None
    status: str | None


class SeriesOut(BaseModel):
    indicator: str
    name: str
    unit: str
    kind: str
    city: str
    city_name: str
    year: int
    granularity: str
    target: str | None
    points: list[SeriesPoint]


class RankOut(KpiOut):
    rank: int


class RankingOut(BaseModel):
    indicator: str
    name: str
    unit: str
    year: int
    comparator: str
    items: list[RankOut]


class StreamTicketOut(BaseModel):
    ticket: str = Field(description="用于 GET /api/v1/indicators/stream?ticket=…，仅能打开实时推送")
    expires_in: int = Field(description="有效秒数（在此之前打开推送；已打开的推送不受影响）")


class TargetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str
    # Checked against 420000 + the 17 cities by the route (DivisionCode would refuse 420000 itself).
    city: str = Field("420000", pattern=r"^[0-9]{6}$", description="420000 = 全省；或某市州代码（目标分解到市州）")
    value: Decimal = Field(ge=0, max_digits=22, decimal_places=2)
    profile: list[Decimal] | None = Field(None, min_length=12, max_length=12,
                                          description="12个月的进度权重（非负），缺省按天数平均")

    @field_validator("profile")
    @classmethod
    def _weights(cls, v):
        if v is not None and (any(w < 0 or w > 10**6 for w in v) or sum(v) <= 0):
            raise ValueError("profile 应为12个非负权重，且之和大于0")
        return v


class TargetsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str | None = Field(None, max_length=200, description="依据，如文件文号")
    targets: list[TargetIn] = Field(min_length=1, max_length=10000)


class TargetOut(BaseModel):
    indicator: str
    year: int
    city: str
    city_name: str
    value: str
    source: str | None
    profile: list[str] | None = None


Amount = Annotated[Decimal, Field(ge=0, max_digits=22, decimal_places=2)]


class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    indicator: str = Field(max_length=50, examples=["transfers_licences"])
    total: Amount | None = Field(None, description="全省目标；缺省取已设置的全省目标（给出则同时写入全省目标）")
    shares: dict[str, Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]] | None = Field(
        None, description="市州代码 → 权重", max_length=17)
    values: dict[str, Amount] | None = Field(None, description="市州代码 → 目标值", max_length=17)
    source: str | None = Field(None, max_length=200)


class SplitOut(BaseModel):
    indicator: str
    year: int
    province_target: str | None
    city_sum: str
    difference: str | None = Field(description="市州目标之和 − 全省目标")
    consistent: bool
    message: str | None
    cities: list[TargetOut]
