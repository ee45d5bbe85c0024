"""Request and response models: the protection service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fields import USCC, BusinessDate, BusinessDateTime, BusinessMonth, CityCode, FoundingDate
from services.protection.domain import (
    CaseKind,
    CaseStatus,
    CentreKind,
    HostKind,
    IpType,
    Outcome,
    VisitService,
    WorkstationLevel,
)

Name = Annotated[str, Field(min_length=2, max_length=200)]
Text = Annotated[str, Field(min_length=2, max_length=4000)]
Note = Annotated[str, Field(max_length=4000)]
CentreId = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                                description="中心编号（字母、数字、-、_），例如 HB-WH-WQYZ")]
CaseNo = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9\u4e00-\u9fff()（）〔〕\[\]_-]+$",
                              description="案件编号（中心自编，全省唯一）")]
NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
Month = Annotated[BusinessMonth, Field(description="月份 YYYY-MM")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------------------ centres

class CentreCreate(_Strict):
    id: CentreId
    name: Name = Field(description="中心名称")
    kind: CentreKind = Field(description="中心类型")
    city: CityCode = Field(description="所属市州代码")
    established_on: FoundingDate | None = Field(None, description="成立日期（此月起须每月上门服务）")
    phone: str | None = Field(None, max_length=40, description="维权援助热线")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "HB-YC-WQYZ", "name": "宜昌市知识产权维权援助中心", "kind": "assistance", "city": "420500",
        "established_on": "2019-03-01", "phone": "0717-12345"}]})


class CentreUpdate(_Strict):
    name: Name | None = None
    established_on: FoundingDate | None = None
    closed_on: FoundingDate | None = Field(None, description="停止运行日期（此后不再计算每月上门服务义务）")
    phone: str | None = Field(None, max_length=40)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"phone": "0717-6543210"}]})


class CentreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: CentreKind
    kind_name: str
    city: str
    city_name: str
    established_on: date | None
    closed_on: date | None
    phone: str | None
    version: int
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------------------------- workstations

class WorkstationCreate(_Strict):
    name: Name = Field(description="工作站名称")
    level: WorkstationLevel = Field(description="级别：省级联合 / 省级 / 市级 / 县级")
    host_kind: HostKind = Field(description="依托单位类型：企业或园区")
    host_uscc: USCC | None = Field(None,
                                   description="依托企业的统一社会信用代码"
                                               "（host_kind=enterprise 时必填，须已在企业库登记）")
    host_name: Name | None = Field(None, description="园区名称（host_kind=park 时必填）")
    city: CityCode | None = Field(None, description="所属市州；依托企业时缺省为企业所在市州，且须一致")
    centre_id: str | None = Field(None, max_length=40, description="指导该工作站的保护/维权援助中心编号")
    established_on: BusinessDate = Field(description="设立（授牌）日期，决定“新建省级联合保护工作站”指标年度")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"name": "武汉光谷芯联科技有限公司知识产权保护工作站", "level": "provincial_joint", "host_kind": "enterprise",
         "host_uscc": "91420100MA4K0000XJ", "centre_id": "HB-WH-BHZX", "established_on": "2025-04-26"},
        {"name": "武汉东湖新技术开发区知识产权保护工作站", "level": "provincial_joint", "host_kind": "park",
         "host_name": "武汉东湖新技术开发区", "city": "420100", "established_on": "2025-04-26"}]})


class DeregisterIn(_Strict):
    deregistered_on: BusinessDate = Field(description="撤销日期")
    reason: Text = Field(description="撤销理由")


class WorkstationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    city: str
    city_name: str
    level: WorkstationLevel
    level_name: str
    host_kind: HostKind
    host_uscc: str | None
    host_name: str
    host_is_private: bool | None
    centre_id: str | None
    established_on: date
    deregistered_on: date | None
    deregister_reason: str | None
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


# -------------------------------------------------------------------------------------------- cases

class CaseCreate(_Strict):
    case_no: CaseNo
    kind: CaseKind = Field(description="案件类型")
    centre_id: str = Field(max_length=40, description="首问（接收）中心编号：由其负责到底")
    uscc: USCC = Field(description="请求援助/当事企业的统一社会信用代码（须已在企业库登记）")
    ip_type: IpType = Field(description="涉及的知识产权类型")
    title: Annotated[str, Field(min_length=2, max_length=300)] = Field(description="案由")
    counterparty: str | None = Field(None, max_length=200, description="对方当事人")
    overseas_country: str | None = Field(None, max_length=60, description="纠纷所在国家/地区（海外纠纷必填）")
    amount_involved: NonNegMoney | None = Field(None, description="涉案金额（元）")
    received_at: BusinessDateTime | None = Field(None, description="接收时间（缺省为现在），带时区")
    note: Note | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "case_no": "WQ-420500-2025-0031", "kind": "assistance", "centre_id": "HB-YC-WQYZ",
        "uscc": "91420500MA4K0000X7", "ip_type": "patent", "title": "实用新型专利被仿冒产品侵权",
        "counterparty": "某机电设备经营部", "amount_involved": "850000.00",
        "received_at": "2025-03-03T09:30:00+08:00", "note": "企业来电，首问登记"}]})


class StepIn(_Strict):
    at: BusinessDateTime | None = Field(None, description="该环节发生时间（缺省为现在），不得早于上一环节")
    note: Note | None = Field(None, description="办理说明")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "at": "2025-03-04T10:00:00+08:00", "note": "材料齐全，予以受理"}]})


class CloseIn(_Strict):
    outcome: Outcome = Field(description="结案方式")
    at: BusinessDateTime | None = Field(None, description="结案时间（缺省为现在）")
    result_summary: Text = Field(description="办理结果与反馈情况")
    transferred_to: str | None = Field(None, max_length=200, description="移送单位（结案方式为 transferred 时必填）")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "outcome": "mediated", "at": "2025-03-28T16:00:00+08:00",
        "result_summary": "经调解双方达成和解，对方停止销售并赔偿 12 万元，已向企业反馈"}]})


class StepTimingOut(BaseModel):
    step: str = Field(description="到达的环节：accepted / handling / closed")
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int
    duration_days: Decimal = Field(description="用时（天，两位小数）")
    limit_days: int
    within_limit: bool
    done: bool


class CaseStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: CaseStatus
    at: datetime
    note: str | None
    actor: str
    actor_role: str


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_no: str
    kind: CaseKind
    kind_name: str
    centre_id: str
    city: str
    city_name: str
    uscc: str
    enterprise_name: str
    enterprise_city: str
    is_private: bool
    ip_type: IpType
    title: str
    counterparty: str | None
    overseas_country: str | None
    amount_involved: Decimal | None
    status: CaseStatus
    status_name: str
    received_at: datetime
    accepted_at: datetime | None
    handling_at: datetime | None
    closed_at: datetime | None
    outcome: Outcome | None
    transferred_to: str | None
    result_summary: str | None
    timings: list[StepTimingOut]
    overdue: bool
    due_at: datetime | None = Field(description="当前环节的办理期限（已结案为空）")
    steps: list[CaseStepOut] = Field(default_factory=list)
    version: int


class OverdueCaseOut(BaseModel):
    id: int
    case_no: str
    kind: CaseKind
    centre_id: str
    city: str
    uscc: str
    enterprise_name: str
    title: str
    status: CaseStatus
    status_name: str
    entered_at: datetime = Field(description="进入当前环节的时间")
    limit_days: int
    due_at: datetime
    overdue_days: Decimal


class OverdueList(BaseModel):
    as_of: datetime
    limits: dict
    items: list[OverdueCaseOut]
    total: int


# ------------------------------------------------------------------------------------------- visits

class VisitCreate(_Strict):
    centre_id: str = Field(max_length=40, description="上门服务的中心编号")
    uscc: USCC = Field(description="被走访民营企业的统一社会信用代码（须已在企业库登记且为民营）")
    visit_date: BusinessDate = Field(description="走访日期")
    services: list[VisitService] = Field(min_length=1, max_length=6, description="提供的服务")
    staff: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=20, description="参加人员")
    issues: Note | None = Field(None, description="企业反映的问题与需求")
    follow_up: Note | None = Field(None, description="跟踪反馈")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "centre_id": "HB-YC-WQYZ", "uscc": "91420500MA4K0000X7", "visit_date": "2025-03-12",
        "services": ["risk_screening", "rights_guidance"], "staff": ["张明", "李华"],
        "issues": "产品在电商平台被仿冒，需要取证与投诉指导", "follow_up": "一周内协助完成电商平台投诉"}]})


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    centre_id: str
    city: str
    uscc: str
    enterprise_name: str
    enterprise_city: str
    visit_date: date
    month: str
    services: list[VisitService]
    staff: list[str]
    issues: str | None
    follow_up: str | None
    recorded_by: str
    created_at: datetime


class CentreMonthOut(BaseModel):
    centre_id: str
    centre_name: str
    city: str
    kind: str
    kind_name: str
    monthly_duty: bool = Field(description="是否负有每月上门服务义务（仅维权援助中心，鄂知发〔2019〕1号 第4条）")
    visits: dict[str, int] = Field(description="每月走访次数")
    due_months: list[str] = Field(description="应开展上门服务的月份（维权援助中心成立后、已结束的月份）")
    missed_months: list[str]


class MissedMonth(BaseModel):
    centre_id: str
    centre_name: str
    city: str
    month: str


class ComplianceOut(BaseModel):
    from_month: str
    to_month: str
    as_of: date
    centres: list[CentreMonthOut]
    missed: list[MissedMonth] = Field(description="未按月开展上门服务的（中心, 月份）")


class KindSummaryOut(BaseModel):
    kind: CaseKind | None = Field(description="案件类型；合计行为空")
    kind_name: str
    received: int
    open: int
    closed: int
    overdue: int = Field(description="未结案且当前环节已超时限")
    closed_in_time: int = Field(description="各环节均在时限内办结")
    outcomes: dict[str, int]
    average_days: dict[str, float | None] = Field(description="各环节平均用时（天）：accepted / handling / closed")


class CaseSummaryOut(BaseModel):
    year: int
    city: str | None
    centre_id: str | None
    as_of: datetime
    kinds: list[KindSummaryOut]
    total: KindSummaryOut
