"""Request and response models of tier selection and the published tier lists."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fields import USCC, BusinessDate
from services.enterprise.domain import Tier
from services.enterprise.pool.schemas import CriterionOut
from services.enterprise.schemas import RecommendationOut, TierDecisionOut


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------ criteria

class CriterionRefOut(BaseModel):
    """One selection criterion as reference data."""

    tier: Tier
    tier_name: str
    number: int
    code: str
    title: str
    clause: str = Field(description="出处（鄂知发〔2022〕9号 条款）")
    quote: str = Field(description="原文")
    measure: str = Field(description="所依据的数据")
    measure_name: str
    threshold: Decimal | None = Field(description="省局确定的标准值（原文未规定数值）")
    qualifications: list[str]
    weighed: bool = Field(description="true：未满足为“提示”，由省局研判，不计为不符合")


class TierCriteriaOut(BaseModel):
    tier: Tier
    tier_name: str
    criteria: list[CriterionRefOut]


class TierCriterionOut(CriterionOut):
    clause: str = Field(description="出处（鄂知发〔2022〕9号 条款）")
    weighed: bool


class TierEvaluationOut(BaseModel):
    uscc: str
    tier: Tier
    tier_name: str
    year: int = Field(description="所用年度数据的年份（评价日的上一年）")
    all_pass: bool
    no_fail: bool = Field(description="无“不符合”项；有不符合项时，省局认定须说明理由")
    passed: list[str]
    failed: list[str]
    unknown: list[str] = Field(description="数据未填报、无法判断的条件（不视为符合）")
    warned: list[str] = Field(description="未满足、由省局研判的条件")
    criteria: list[TierCriterionOut]


class EvaluateIn(_Strict):
    uscc: USCC
    tier: Tier
    year: int | None = Field(None, ge=2000, le=2100, description="所用年度数据的年份，缺省为上一年")


class RecommendationDetailOut(RecommendationOut):
    evaluation: TierEvaluationOut = Field(description="推荐梯队遴选条件的评价（按企业现有数据）")


class ApprovalOut(TierDecisionOut):
    evaluation: TierEvaluationOut = Field(description="省局认定时所见的遴选条件评价")


# ------------------------------------------------------------------------------- published lists

class TierListPublish(_Strict):
    title: str | None = Field(None, min_length=4, max_length=200,
                              description="名称，不可重复；缺省为“湖北省企业知识产权‘百千万’梯队企业名单（第N版，日期）”")
    published_on: BusinessDate | None = Field(None, description="发布日期，缺省为今天；不早于上一版")
    note: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "湖北省知识产权优势企业、种子企业、成长型企业名单（2025年）", "published_on": "2025-12-31",
        "note": "根据鄂知发〔2022〕9号，定期向社会发布"}]})


class TierListEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    tier: Tier
    tier_name: str
    since: date = Field(description="进入该梯队的日期")


class TierListVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    published_on: date
    note: str | None
    entry_count: int
    advantage_count: int
    seed_count: int
    growth_count: int
    published_by: str
    created_at: datetime


class TierListOut(TierListVersionOut):
    city: str | None = Field(None, description="只列出该市州的企业时为该市州代码")
    entries: list[TierListEntryOut]


class TierListChangeOut(BaseModel):
    change: Literal["added", "removed", "tier_changed"]
    change_name: str
    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    tier_before: Tier | None
    tier_after: Tier | None


class TierListDiffOut(BaseModel):
    from_number: int
    to_number: int
    city: str | None
    added: list[TierListEntryOut]
    removed: list[TierListEntryOut]
    tier_changed: list[TierListChangeOut]
    unchanged: int
