"""Request and response models: the enterprise service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.common.fields import USCC, BusinessDate, CityCode, DivisionCode
from libs.common.sheets.results import RowError
from services.enterprise.credit.schemas import CreditBrief
from services.enterprise.domain import Tier
from services.enterprise.reference import INDUSTRIES, Ownership, Qualification, SizeClass

Name = Annotated[str, Field(min_length=2, max_length=200, description="企业名称")]
Reason = Annotated[str, Field(min_length=2, max_length=2000, description="理由")]
#: 15 significant digits (< 10 万亿元): what every backend keeps exactly (SQLite stores NUMERIC as a
#: double; 16+ digits lost cents and 18 gave a 500 when read back).
NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]


def _check_industry(value: str | None) -> str | None:
    if value is not None and value not in INDUSTRIES:
        from pydantic_core import PydanticCustomError

        raise PydanticCustomError("industry.unknown", "未知的产业代码 {value}，可选：{codes}",
                                  {"value": value, "codes": "、".join(INDUSTRIES)})
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnterpriseCreate(_Strict):
    uscc: USCC = Field(description="统一社会信用代码（GB 32100-2015）", examples=["91420100MA4K0000XJ"])
    name: Name
    city: CityCode | None = Field(None, description="所属市州代码；缺省时取信用代码第3–8位登记机关所在市州")
    county: DivisionCode | None = Field(None, description="县级行政区划代码，须属于 city")
    industry: str = Field(description="“51020”产业代码", examples=["P1"])
    size_class: SizeClass
    ownership: Ownership
    qualifications: list[Qualification] = Field(default_factory=list)
    ip_management_certified: bool = Field(False, description="通过 GB/T 29490 知识产权管理体系认证（贯标）")
    own_brand: bool = Field(False, description="拥有自主商标品牌")
    patent_product_filed: bool = Field(False, description="已完成专利产品备案")

    _industry = field_validator("industry")(_check_industry)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "uscc": "91420100MA4K0000XJ", "name": "武汉光谷芯联科技有限公司", "city": "420100", "county": "420111",
        "industry": "P1", "size_class": "small", "ownership": "private",
        "qualifications": ["high_tech", "srdi_provincial"], "ip_management_certified": True,
        "own_brand": True, "patent_product_filed": True}]})


class EnterpriseUpdate(_Strict):
    name: Name | None = None
    city: CityCode | None = None
    county: DivisionCode | None = None
    industry: str | None = None
    size_class: SizeClass | None = None
    ownership: Ownership | None = None
    qualifications: list[Qualification] | None = None
    ip_management_certified: bool | None = None
    own_brand: bool | None = None
    patent_product_filed: bool | None = None

    _industry = field_validator("industry")(_check_industry)


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    name: str
    city: str
    city_name: str
    county: str | None
    registered_division: str
    industry: str
    industry_name: str
    size_class: str
    ownership: str
    qualifications: list[str]
    ip_management_certified: bool
    own_brand: bool
    patent_product_filed: bool
    tier: Tier | None
    tier_name: str | None
    tier_since: date | None
    version: int
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(default_factory=list, description="不阻止保存的提示，例如信用代码登记机关不在湖北")


class YearFiguresIn(_Strict):
    revenue: NonNegMoney | None = Field(None, description="营业收入（元）")
    rd_spend: NonNegMoney | None = Field(None, description="研发投入（元）")
    staff: int | None = Field(None, ge=0, le=10_000_000, description="职工总数")
    rd_staff: int | None = Field(None, ge=0, le=10_000_000, description="研发人员数")
    invention_patents: int | None = Field(None, ge=0, le=10_000_000, description="有效发明专利数")
    industrialisation_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2,
                                                   description="专利产业化率（%）")


class YearFiguresOut(YearFiguresIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    uscc: str
    year: int


class RecommendationIn(_Strict):
    tier: Tier
    reason: Reason


class RecommendationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    city: str
    tier: Tier
    reason: str
    status: str
    recommended_by: str
    recommended_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    credit_entries: list[CreditBrief] = Field(default_factory=list,
                                              description="该企业今天在效的信用记录（省局认定时参考）")


class ApproveIn(_Strict):
    effective_date: BusinessDate = Field(description="认定生效日期（决定 KPI 所属年度）")
    reason: Reason | None = None


class RejectIn(_Strict):
    reason: Reason


class TierChangeIn(_Strict):
    to_tier: Tier
    effective_date: BusinessDate
    reason: Reason


class RevokeIn(_Strict):
    effective_date: BusinessDate
    reason: Reason


class TierDecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    change: str
    from_tier: Tier | None
    to_tier: Tier | None
    effective_date: date
    reason: str
    city: str
    recommendation_id: int | None
    decided_by: str
    decided_at: datetime


# ------------------------------------------------------------------------------- bulk imports

class EnterpriseRow(_Strict):
    """One row of the bulk import: a profile (registered when the USCC is new, else the given fields
    updated) and, optionally, one year's figures (as ``PUT …/figures/{year}``)."""

    uscc: USCC = Field(description="统一社会信用代码")
    name: Name | None = None
    city: CityCode | None = None
    county: DivisionCode | None = None
    industry: str | None = None
    size_class: SizeClass | None = None
    ownership: Ownership | None = None
    qualifications: list[Qualification] | None = None
    ip_management_certified: bool | None = None
    own_brand: bool | None = None
    patent_product_filed: bool | None = None
    year: int | None = Field(None, ge=2000, le=2100, description="年度数据所属年度；填写任一年度数据时必填")
    revenue: NonNegMoney | None = Field(None, description="营业收入（元）")
    rd_spend: NonNegMoney | None = Field(None, description="研发投入（元）")
    staff: int | None = Field(None, ge=0, le=10_000_000)
    rd_staff: int | None = Field(None, ge=0, le=10_000_000)
    invention_patents: int | None = Field(None, ge=0, le=10_000_000)
    industrialisation_rate: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)

    _industry = field_validator("industry")(_check_industry)


class EnterpriseBulkIn(_Strict):
    rows: list[dict] = Field(min_length=1, max_length=10000,
                             description="每行：信用代码、企业信息（新企业按“登记企业”必填）及可选的一个年度的年度数据")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rows": [{
        "uscc": "91420100MA4K0000XJ", "name": "武汉光谷芯联科技有限公司", "industry": "P1", "size_class": "small",
        "ownership": "private", "year": 2024, "revenue": "82000000", "rd_spend": "9100000", "staff": 210,
        "rd_staff": 64}]}]})


class EnterpriseRowResult(BaseModel):
    row: int
    uscc: str
    action: Literal["registered", "updated", "unchanged"] = Field(description="企业信息：新登记、已修改、无变化")
    figures: Literal["reported", "unchanged"] | None = Field(None, description="年度数据：已填报、无变化")


class EnterpriseBulkOut(BaseModel):
    atomic: bool
    dry_run: bool
    received: int
    registered: int
    updated: int
    unchanged: int
    figures_reported: int
    written: int = Field(description="写入了数据的行数（新登记、修改或年度数据）")
    rejected: int = Field(description="有错误、未写入的行数")
    results: list[EnterpriseRowResult] = Field(description="每个合格行的处理结果（dry_run：将会的结果）")
    errors: list[RowError]
    elapsed_ms: int


class RecommendationRow(_Strict):
    uscc: USCC
    tier: Tier
    reason: Reason


class RecommendationBulkIn(_Strict):
    rows: list[dict] = Field(min_length=1, max_length=10000, description="每行与“市州推荐梯队”相同，另加 uscc")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rows": [{
        "uscc": "91420100MA4K0000XJ", "tier": "growth", "reason": "研发投入占比高，拥有发明专利 12 件"}]}]})


class RecommendationBulkOut(BaseModel):
    atomic: bool
    dry_run: bool
    received: int
    written: int
    rejected: int
    ids: list[int | None] = Field(description="每行创建的推荐 id（未写入为 null）")
    errors: list[RowError]
