"""Request and response models of the pool programme (part of the enterprise service's HTTP contract)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fields import USCC, BusinessDate, RecordRef
from services.enterprise.credit.schemas import CreditBrief
from services.enterprise.pool.domain import RemovalReason, Status

Reason = Annotated[str, Field(min_length=2, max_length=2000, description="理由 / 说明")]
Rate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2, description="专利产业化率（%）")]
Growth = Annotated[Decimal, Field(ge=-100, le=100000, max_digits=8, decimal_places=2, description="同比增长（%）")]
Outcome = Literal["pass", "fail", "unknown", "warn"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DeclarationsIn(_Strict):
    """市州对企业库无法核实的条件所作的申报：true 符合 / false 不符合 / null 未申报（评价为“无法判断”）。"""

    core_patents: bool | None = Field(None, description="主营产品具有自研或引进的核心专利技术（附件第4条）")
    university_partnership: bool | None = Field(None, description="与高校、科研机构建立稳定的产学研合作机制（第7条）")
    ip_management_system: bool | None = Field(None, description="未贯标时：已建立涵盖制度、机构、人员、保障的"
                                                                "知识产权管理体系（第9条）")
    clean_record: bool | None = Field(None, description="无非正常申请专利行为和重大事故、违法违规及严重失信等情况"
                                                        "（第10条）")


class ApplicationIn(_Strict):
    uscc: USCC = Field(description="统一社会信用代码")
    applied_on: BusinessDate | None = Field(None, description="申报日期（缺省为今天；不早于 2024-06-06 方案印发日）")
    declarations: DeclarationsIn = Field(default_factory=DeclarationsIn)
    reason: Reason = Field(description="申报理由")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "uscc": "91420100MA4K0000XJ", "applied_on": "2025-03-10",
        "declarations": {"core_patents": True, "university_partnership": True, "clean_record": True},
        "reason": "企业拥有光通信核心专利 12 件，专利产品已备案，推荐入库培育。"}]})


class CriterionOut(BaseModel):
    number: int = Field(description="附件条目 1–10")
    code: str
    title: str
    outcome: Outcome
    figure: str = Field(description="决定结果的数据")
    threshold: str = Field(description="标准")
    detail: str


class EvaluationOut(BaseModel):
    uscc: str
    year: int = Field(description="所用年度数据的年份（申报年度的上一年）")
    all_pass: bool
    no_fail: bool = Field(description="无“不符合”项（“提示”与“无法判断”项由省局研判）")
    passed: list[str]
    failed: list[str]
    unknown: list[str]
    warned: list[str] = Field(description="原则上要求未满足的条目（附件 2、3、4 的“原则上”）：提示，不阻止入库")
    criteria: list[CriterionOut]


class AdmitIn(_Strict):
    effective_date: BusinessDate = Field(description="入库日期（决定 KPI 年度与 2 年期限的起算）")
    reason: Reason | None = None


class RejectIn(_Strict):
    reason: Reason


class GraduateIn(_Strict):
    effective_date: BusinessDate = Field(description="出库日期")
    industrialisation_rate_before: Rate | None = Field(None, description="入库时专利产业化率；缺省取入库时记录的数值")
    industrialisation_rate_after: Rate | None = Field(None, description="当前专利产业化率；缺省取最近一年填报的数值")
    new_patent_intensive_products: int = Field(0, ge=0, le=10000, description="新增专利密集型产品数")
    sales_growth_pct: Growth | None = Field(None, description="已认定专利密集型产品年销售额增长（%）")
    profit_growth_pct: Growth | None = Field(None, description="已认定专利密集型产品利润增长（%）")
    reason: Reason


class RemoveIn(_Strict):
    effective_date: BusinessDate = Field(description="退库日期")
    removal_reason: RemovalReason = Field(description="退库原因（实施方案第12条第3款）")
    reason: Reason = Field(description="事实与说明")
    credit_entry_id: RecordRef | None = Field(
        None, description="援引的信用记录编号（须为该企业在退库日有效的相应类别记录）")


class ProgressIn(_Strict):
    recorded_on: BusinessDate = Field(description="取得进展的日期")
    industrialisation_rate: Rate | None = None
    description: Reason = Field(description="专利产业化进展（新产品、新产线、销售增长等）")


class HistoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    membership_id: int
    uscc: str
    city: str
    action: Literal["applied", "rejected", "admitted", "graduated", "removed", "progress"]
    effective_date: date
    reason: str
    details: dict | None
    actor: str
    actor_role: str
    recorded_at: datetime


class MembershipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    status: Status
    status_name: str
    applied_on: date
    applied_by: str
    application_reason: str
    declarations: dict
    evaluation_year: int
    evaluation: list[CriterionOut]
    failed_criteria: list[str]
    unknown_criteria: list[str]
    warned_criteria: list[str] = Field(description="原则上要求未满足的条目：提示，由省局研判，不阻止入库")
    decided_on: date | None
    decided_by: str | None
    decision_reason: str | None
    admitted_on: date | None
    admission_rate: Decimal | None
    review_from: date | None = Field(None, description="入库满 2 年的次日：此后无进展即进入复核名单")
    ended_on: date | None
    ended_by: str | None
    end_reason: str | None
    removal_reason: str | None
    graduation_evidence: dict | None
    last_progress_on: date | None
    history: list[HistoryOut] = Field(default_factory=list)


class ReviewItemOut(BaseModel):
    membership_id: int
    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    admitted_on: date
    review_from: date
    days_in_pool: int
    admission_rate: Decimal | None
    latest_rate: Decimal | None
    reason: str
    grounds: list[str] = Field(default_factory=list,
                               description="no_progress 满2年未取得进展 | credit_entry 有在效信用记录")
    credit_entries: list[CreditBrief] = Field(default_factory=list, description="基准日在效的信用记录")


class CitySummaryOut(BaseModel):
    city: str
    city_name: str
    applications: int = Field(description="历次申报总数（含不予入库）")
    members: int
    pending: int
    admitted: int
    graduated: int
    removed: int
    first_graduation: date | None
    topups_used: int
    topups_allowed: int | None = Field(description="仍可增补的数量；null 表示尚无出库，"
                                                   "首批入库不受此限（仅受总量 500 限制）")


class PoolSummaryOut(BaseModel):
    as_of: date
    cap: int
    members: int
    free_places: int
    pending: int
    cities: list[CitySummaryOut]


__all__ = ["ApplicationIn", "DeclarationsIn", "EvaluationOut", "CriterionOut", "AdmitIn", "RejectIn", "GraduateIn",
           "RemoveIn", "ProgressIn", "HistoryOut", "MembershipOut", "ReviewItemOut", "CitySummaryOut",
           "PoolSummaryOut", "USCC"]


class BankListItem(BaseModel):
    """A member as banks see it: who it is and since when; no application internals."""

    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    county: str | None
    county_name: str | None
    industry: str
    industry_name: str
    size_class: str
    size_class_name: str
    qualifications: list[str] = Field(description="相关资格（名称）")
    admitted_on: date = Field(description="入库日期")


class BankListOut(BaseModel):
    as_of: date = Field(description="名单日期（北京时间今天）")
    total: int
    per_city: dict[str, int] = Field(description="各市州在库企业数")
    items: list[BankListItem]


class NationalRecommendationItem(BankListItem):
    admission_rate: Decimal | None = Field(description="入库时专利产业化率（%）")
    evaluation_year: int = Field(description="评价所用数据年度")
    passed: list[str]
    warned: list[str]
    failed: list[str]
    unknown: list[str]


class NationalRecommendationsOut(BaseModel):
    as_of: date
    total: int
    cap: int = Field(description="省级筛选上限（500 家）")
    items: list[NationalRecommendationItem]
