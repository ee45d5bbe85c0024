"""Request and response models: the transfer service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from libs.common.fields import USCC, BusinessDate, CityCode, PatentNumber, RecordRef, TermDate
from libs.common.rules import RuleViolation
from libs.common.sheets.results import RowError
from services.transfer.domain import (
    CarrierKind,
    CarrierLevel,
    FeeKind,
    HostKind,
    Kind,
    PartyKind,
    Payment,
    Region,
    ReviewResult,
    normalise_ipc,
)

#: 15 significant digits: what every backend keeps exactly (SQLite stores NUMERIC as a double).
NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
Reason = Annotated[str, Field(min_length=2, max_length=2000, description="理由")]
Title = Annotated[str, Field(min_length=2, max_length=200)]


def _ipc(value: str) -> str:
    try:
        return normalise_ipc(value)
    except RuleViolation as exc:
        raise PydanticCustomError(exc.code, exc.message) from None


IpcCode = Annotated[str, Field(max_length=40), AfterValidator(_ipc)]
Keyword = Annotated[str, Field(min_length=1, max_length=30)]
Patents = Annotated[list[PatentNumber], Field(min_length=1, max_length=200,
                                              description="专利申请号（可带 CN/ZL 前缀，存储为规范形式）")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class PartyIn(_Strict):
    """A party of a transfer: a registered enterprise (by USCC, named by the enterprise registry), or a
    university, institute, other enterprise, individual or organisation named as on the patent register."""

    kind: PartyKind = Field(description="enterprise=已登记企业；university=高校；institute=科研院所；"
                                        "other_enterprise=未登记企业（省外、境外或尚未登记）；individual=个人；other=其他组织")
    name: str | None = Field(None, max_length=200, description="名称（专利登记簿上的权利人名称）；已登记企业可不填")
    uscc: USCC | None = Field(None, description="统一社会信用代码；已登记企业必填")
    region: Region | None = Field(None, description="hubei / other_province / foreign；缺省 hubei")
    city: CityCode | None = Field(None, description="湖北主体所在市州（已登记企业取企业库）")


class PartyOut(BaseModel):
    kind: str
    name: str
    uscc: str | None
    region: str
    city: str | None
    is_private: bool | None = None


class TransferCreate(_Strict):
    ref: str = Field(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$",
                     description="登记/备案编号（合同登记号或许可备案号），全省唯一；重复提交返回 409")
    kind: Kind = Field(description="assignment=转让；exclusive_licence=独占许可；sole_licence=排他许可；"
                                   "ordinary_licence=普通许可；open_licence=开放许可")
    patents: Patents
    from_: PartyIn = Field(alias="from", description="让与人/许可人")
    to: PartyIn = Field(description="受让人/被许可人")
    contract_date: BusinessDate = Field(description="合同生效/登记日期（决定 KPI 年度）")
    term_end: TermDate | None = Field(None, description="许可期限截止日（仅许可）")
    amount: NonNegMoney | None = Field(None, description="合同金额（元）；不填=未披露，0=无偿")
    payment: Payment | None = Field(None, description="支付方式；use_first_pay_later=先使用后付费")
    city: CityCode | None = Field(None, description="计入的市州；缺省取已登记企业所在市州，其次湖北主体所在市州")
    open_licence_id: RecordRef | None = Field(None, description="经由的开放许可声明")
    library_entry_id: RecordRef | None = Field(None, description="来自可转化专利资源库的条目")
    matching_event_id: RecordRef | None = Field(None, description="在该供需对接活动上达成")
    note: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_extra={"examples": [{
        "ref": "HB-2025-000123", "kind": "ordinary_licence", "patents": ["202310123456.6", "ZL201910012345.1"],
        "from": {"kind": "university", "name": "华中科技大学", "city": "420100"},
        "to": {"kind": "enterprise", "uscc": "91420100MA4K0000XJ"},
        "contract_date": "2025-03-18", "term_end": "2030-03-17", "amount": "300000.00",
        "payment": "use_first_pay_later", "library_entry_id": 12}]})


class TransferOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str
    ref: str
    kind: str
    kind_name: str
    patents: list[str]
    from_: PartyOut = Field(alias="from")
    to: PartyOut
    university_origin: bool
    amount: Decimal | None
    payment: str | None
    contract_date: date
    term_end: date | None
    year: int
    city: str
    city_name: str
    status: str
    open_licence_id: int | None
    library_entry_id: int | None
    matching_event_id: int | None
    note: str | None
    batch_id: str | None
    registered_by: str
    cancelled_reason: str | None
    created_at: datetime


class CancelIn(_Strict):
    reason: Reason


class BulkIn(BaseModel):
    """Rows are validated one by one (a bad row does not stop the others)."""

    records: list[dict[str, Any]] = Field(min_length=1, max_length=10000,
                                          description="每行与 POST /transfers 的请求体相同")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"records": [
        {"ref": "HB-2025-000124", "kind": "assignment", "patents": ["202310123456.6"],
         "from": {"kind": "institute", "name": "中国科学院武汉岩土力学研究所", "city": "420100"},
         "to": {"kind": "enterprise", "uscc": "91420100MA4K0000XJ"}, "contract_date": "2025-04-01",
         "amount": "500000"}]}]})


class BulkOut(BaseModel):
    atomic: bool
    dry_run: bool = Field(False, description="只校验、未写入")
    received: int
    written: int
    rejected: int = Field(description="有错误、未写入的行数")
    batch_id: str | None
    ids: list[str | None] = Field(description="每行写入的记录 id（未写入为 null）")
    errors: list[RowError]
    elapsed_ms: int


class OpenLicenceCreate(_Strict):
    title: Title
    patents: Patents
    licensor: PartyIn
    city: CityCode | None = Field(None, description="所在市州；缺省取许可人所在市州")
    fee_kind: FeeKind = Field(description="free=免费；lump_sum=每年固定许可费；royalty=按销售额提成")
    fee_amount: NonNegMoney | None = Field(None, description="每年许可费（元），fee_kind=lump_sum 时必填")
    royalty_rate: Decimal | None = Field(None, gt=0, le=100, max_digits=5, decimal_places=2,
                                         description="提成比例（%），fee_kind=royalty 时必填")
    valid_from: BusinessDate
    valid_to: TermDate

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "一种锂离子电池正极材料及其制备方法（开放许可）", "patents": ["202010123456.2"],
        "licensor": {"kind": "university", "name": "武汉理工大学", "city": "420100"}, "fee_kind": "royalty",
        "royalty_rate": "3.00", "valid_from": "2025-01-01", "valid_to": "2027-12-31"}]})


class OpenLicenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    patents: list[str]
    licensor_kind: str
    licensor_name: str
    licensor_uscc: str | None
    city: str
    fee_kind: str
    fee_amount: Decimal | None
    royalty_rate: Decimal | None
    valid_from: date
    valid_to: date
    status: str
    in_force: bool = False
    licensees: int = 0
    withdrawn_reason: str | None
    created_at: datetime


class LibraryEntryCreate(_Strict):
    title: Title
    patents: Patents
    ipc_classes: list[IpcCode] = Field(min_length=1, max_length=20, description="IPC 分类号（小类或组）")
    keywords: list[Keyword] = Field(min_length=1, max_length=20)
    description: str = Field(min_length=10, max_length=5000, description="技术简介与应用场景")
    owner: PartyIn = Field(description="专利权人（多为高校院所，也可为链主企业）")
    city: CityCode | None = Field(None, description="所在市州；缺省取权利人所在市州")
    use_first_pay_later: bool = Field(False, description="是否支持先使用后付费")
    terms: str | None = Field(None, max_length=2000, description="转化方式与条件")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "高能量密度磷酸锰铁锂正极材料", "patents": ["202110987654.8"], "ipc_classes": ["H01M 4/58"],
        "keywords": ["磷酸锰铁锂", "正极材料", "动力电池"],
        "description": "提高正极材料压实密度与循环寿命，可用于动力电池与储能电池。",
        "owner": {"kind": "university", "name": "武汉大学", "city": "420100"}, "use_first_pay_later": True,
        "terms": "普通许可，先使用 1 年后按销售额 2% 付费"}]})


class LibraryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    patents: list[str]
    ipc_classes: list[str]
    keywords: list[str]
    description: str
    owner_kind: str
    owner_name: str
    owner_uscc: str | None
    city: str
    use_first_pay_later: bool
    terms: str | None
    status: str
    deals: int
    withdrawn_reason: str | None
    created_at: datetime


class NeedCreate(_Strict):
    uscc: USCC = Field(description="提出需求的企业（须已在企业库登记）")
    title: Title
    ipc_classes: list[IpcCode] = Field(default_factory=list, max_length=20)
    keywords: list[Keyword] = Field(default_factory=list, max_length=20)
    description: str = Field(min_length=10, max_length=5000)
    budget: NonNegMoney | None = Field(None, description="预算（元）")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "uscc": "91420100MA4K0000XJ", "title": "动力电池正极材料循环寿命提升", "ipc_classes": ["H01M 4/505"],
        "keywords": ["正极材料", "循环寿命"], "description": "现有产品循环 1500 次后容量衰减明显，寻求改性技术。",
        "budget": "800000"}]})


class NeedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    enterprise_name: str
    city: str
    is_private: bool
    title: str
    ipc_classes: list[str]
    keywords: list[str]
    description: str
    budget: Decimal | None
    status: str
    closed_reason: str | None
    created_at: datetime


class CloseNeedIn(_Strict):
    outcome: Literal["resolved", "withdrawn"] = Field(description="resolved=已解决；withdrawn=撤回")
    reason: Reason


class MatchReason(BaseModel):
    rule: str
    points: int
    detail: str


class MatchItem(BaseModel):
    score: int
    reasons: list[MatchReason]
    entry: LibraryEntryOut


class MatchOut(BaseModel):
    need_id: int
    scoring: str
    items: list[MatchItem]


class MatchingEventCreate(_Strict):
    ref: str | None = Field(None, min_length=1, max_length=64, description="活动编号（可选，唯一）")
    title: Title
    city: CityCode
    planned_date: BusinessDate
    organiser: str = Field(min_length=2, max_length=200, description="主办单位")
    field: str | None = Field(None, max_length=100, description="领域/片区，如“光电子信息”“鄂西片区”")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "ref": "MATCH-2025-01", "title": "2025年光电子信息领域专利技术供需对接会", "city": "420100",
        "planned_date": "2025-04-20", "organiser": "湖北省知识产权局", "field": "光电子信息"}]})


class HeldIn(_Strict):
    held_on: BusinessDate | None = Field(None, description="举办日期（缺省为计划日期）；不得晚于今天")
    participants_enterprises: int = Field(ge=0, le=100000, description="参会企业数")
    participants_institutions: int = Field(0, ge=0, le=100000, description="参会高校院所数")
    deals_intended: int = Field(ge=0, le=100000, description="达成意向项目数")
    amount_intended: NonNegMoney | None = Field(None, description="意向金额（元）")


class MatchingEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ref: str | None
    title: str
    city: str
    planned_date: date
    held_on: date | None
    organiser: str
    field: str | None
    status: str
    participants_enterprises: int | None
    participants_institutions: int | None
    deals_intended: int | None
    amount_intended: Decimal | None
    cancelled_reason: str | None
    created_at: datetime


class StatsRow(BaseModel):
    city: str
    city_name: str
    kind: str
    records: int
    patents: int
    university_origin: int
    amount_disclosed: Decimal = Field(description="已披露金额合计（元）")
    undisclosed: int = Field(description="金额未披露的记录数")


class StatsOut(BaseModel):
    year: int
    city: str | None
    records: int
    rows: list[StatsRow]


# ------------------------------------------------------------------------------ innovation carriers 载体

class CarrierCreate(_Strict):
    kind: CarrierKind = Field(description=(
        "high_value_cultivation_centre=高价值专利培育中心；navigation_base=省级专利导航服务基地；"
        "operations_centre=重点产业知识产权运营中心；"
        "university_conversion_base=高校院所专利转化基地；innovation_consortium=产业知识产权创新联合体；"
        "patent_pool=产业专利池；industrialisation_park=专利产业化重点科技园区；"
        "service_cluster=知识产权服务业集聚区"))
    name: Title = Field(description="载体名称（同一类别内唯一）")
    host_kind: HostKind = Field(description=("依托单位：enterprise=已登记企业；university=高校；"
                                             "institute=科研院所；park=园区；other=其他组织"))
    host_uscc: USCC | None = Field(None, description=("依托企业的统一社会信用代码"
                                                      "（host_kind=enterprise 时必填，须已登记）"))
    host_name: str | None = Field(None, max_length=200, description="依托单位名称（非企业时必填；企业取企业库名称）")
    city: CityCode = Field(description="所在市州")
    level: CarrierLevel = Field(description="national=国家级；provincial=省级；city=市级")
    field: str | None = Field(None, max_length=100, description="产业领域，如“光电子信息”")
    approved_on: BusinessDate = Field(description="认定（批准）日期；不得晚于今天")
    established_on: BusinessDate | None = Field(None, description="建成运行日期（已运行时填写）；不早于认定日期")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "high_value_cultivation_centre", "name": "光电子信息高价值专利培育中心", "host_kind": "university",
        "host_name": "华中科技大学", "city": "420100", "level": "provincial", "field": "光电子信息",
        "approved_on": "2025-04-01"}]})


class EstablishIn(_Strict):
    established_on: BusinessDate = Field(description="建成运行日期；不早于认定日期，不得晚于今天")


class RevokeIn(_Strict):
    revoked_on: BusinessDate = Field(description="撤销认定日期；不早于认定和建成运行日期，不得晚于今天")
    reason: Reason


class CarrierReviewIn(_Strict):
    year: int = Field(ge=2000, le=2100, description="评价年度")
    result: ReviewResult = Field(description="excellent=优秀；qualified=合格；failed=不合格")
    note: str | None = Field(None, max_length=2000, description="说明")


class CarrierReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    result: str
    result_name: str
    note: str | None


class CarrierOut(BaseModel):
    id: int
    kind: str
    kind_name: str
    name: str
    host_kind: str
    host_name: str
    host_uscc: str | None
    city: str
    city_name: str
    level: str
    level_name: str
    field: str | None
    approved_on: date
    established_on: date | None
    status: str
    status_name: str
    revoked_on: date | None
    revoked_reason: str | None
    reviews: list[CarrierReviewOut]
    created_at: datetime
