"""Request and response models: the finance service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fields import USCC, BusinessDate, CityCode
from libs.common.sheets.results import RowError
from services.finance.domain import ActivityKind, ItemKind, LoanStatus, RiskSharing

#: 15 significant digits (< 10 万亿元): what every backend keeps exactly (SQLite stores NUMERIC as a double).
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=2)]
NonNegMoney = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)]
Reason = Annotated[str, Field(min_length=2, max_length=2000, description="理由")]
BankId = Annotated[str, Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                              description="贷款银行标识（与银行用户令牌的 org 一致），如 ICBC-HB")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------------------------- pledges

class PledgedItemIn(_Strict):
    kind: ItemKind = Field(description="patent 专利 | trademark 商标 | geographical_indication 地理标志")
    number: str = Field(min_length=1, max_length=40,
                        description="专利申请号（如 200710308494.X，可带 CN/ZL 前缀）"
                                    "或商标/地理标志注册号（1–9 位数字）")
    title: str | None = Field(None, max_length=200, description="名称（可选）")


class PledgeCreate(_Strict):
    uscc: USCC = Field(description="借款企业统一社会信用代码（须已在企业库登记）")
    lender_bank: BankId | None = Field(None, description="贷款银行标识；银行用户登记时缺省为本行（org），不得填写他行")
    lender_name: str | None = Field(None, min_length=2, max_length=200, description="贷款银行名称")
    contract_no: str = Field(min_length=1, max_length=64, description="借款（质押）合同编号，同一银行内唯一")
    amount: PositiveMoney = Field(description="贷款金额（元）")
    registration_date: BusinessDate = Field(description="质押登记日期（决定统计年度）")
    term_months: int = Field(ge=1, le=120, description="贷款期限（月）")
    annual_rate: Decimal = Field(gt=0, le=24, max_digits=6, decimal_places=3, description="年利率（%）")
    risk_sharing: list[RiskSharing] = Field(default_factory=list, max_length=4,
                                            description="风险分担：风险补偿、保证保险、担保、贴息（可多选）")
    items: list[PledgedItemIn] = Field(min_length=1, max_length=200, description="质押物")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "uscc": "91420100MA4K0000XJ", "lender_bank": "ICBC-HB", "lender_name": "中国工商银行湖北省分行",
        "contract_no": "ICBC-HB-ZY-2025-0137", "amount": "5000000.00", "registration_date": "2025-06-18",
        "term_months": 12, "annual_rate": "3.450", "risk_sharing": ["risk_compensation", "interest_subsidy"],
        "items": [{"kind": "patent", "number": "ZL200710308494.X", "title": "一种光纤预制棒的制备方法"},
                  {"kind": "trademark", "number": "12345678"}]}]})


class PledgedItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: ItemKind
    number: str
    title: str | None


class PledgeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    ownership: str
    is_private: bool
    lender_bank: str
    lender_name: str
    contract_no: str
    amount: Decimal
    registration_date: date
    term_months: int
    maturity_date: date
    annual_rate: Decimal
    risk_sharing: list[RiskSharing]
    items: list[PledgedItemOut]
    status: LoanStatus
    status_name: str
    status_date: date | None
    status_note: str | None
    registered_by: str
    registered_by_role: str
    version: int
    created_at: datetime
    updated_at: datetime


class ReleaseIn(_Strict):
    released_on: BusinessDate = Field(description="解除质押日期")


class DefaultIn(_Strict):
    defaulted_on: BusinessDate = Field(description="违约认定日期")
    note: str | None = Field(None, max_length=2000, description="说明（如处置方式）")


class CancelIn(_Strict):
    reason: Reason = Field(description="撤销原因（如重复登记、金额录入错误）")


class PledgeTotals(BaseModel):
    city: str
    city_name: str
    loans: int
    amount: Decimal
    private_loans: int
    private_amount: Decimal
    private_share: Decimal = Field(description="民营企业项目数占比（%）")
    with_risk_sharing: int = Field(description="享受至少一项风险分担措施的笔数")
    registered: int
    released: int
    defaulted: int


class PledgeSummary(BaseModel):
    year: int
    total: PledgeTotals
    by_city: list[PledgeTotals]
    by_risk_sharing: dict[str, int]
    by_bank: dict[str, Decimal]
    whitelist_version: int | None = Field(description="当年年底现行的授信白名单版本")
    whitelist_enterprises: int = Field(description="该版白名单中的企业数（市州用户为本市州企业）")
    whitelist_enterprises_financed: int = Field(description="其中当年获得质押贷款的企业数（银行用户为本行贷款）")


# ---------------------------------------------------------------------------------- white-list

class WhitelistEntryIn(_Strict):
    uscc: USCC
    suggested_credit_line: PositiveMoney = Field(description="建议授信额度（元）")


class WhitelistPublish(_Strict):
    title: str = Field(min_length=4, max_length=200, description="名称，如“2025年第一批”，不可重复")
    published_on: BusinessDate = Field(description="发布日期")
    note: str | None = Field(None, max_length=2000)
    entries: list[WhitelistEntryIn] = Field(min_length=1, max_length=5000)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "湖北省知识产权质押融资授信企业白名单（2025年第一批）", "published_on": "2025-04-10",
        "note": "各银行可据此开展集合授信",
        "entries": [{"uscc": "91420100MA4K0000XJ", "suggested_credit_line": "10000000.00"}]}]})


class WhitelistEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    uscc: str
    enterprise_name: str
    city: str
    is_private: bool
    suggested_credit_line: Decimal


class WhitelistVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    published_on: date
    note: str | None
    entry_count: int
    total_credit_line: Decimal
    published_by: str
    created_at: datetime


class WhitelistOut(WhitelistVersionOut):
    entries: list[WhitelistEntryOut]


class CreditLineChangeOut(BaseModel):
    uscc: str
    enterprise_name: str
    before: Decimal
    after: Decimal


class WhitelistDiffOut(BaseModel):
    from_number: int
    to_number: int
    added: list[WhitelistEntryOut]
    removed: list[WhitelistEntryOut]
    changed: list[CreditLineChangeOut]
    unchanged: int


# ---------------------------------------------------------------------------------- activities

class ActivityCreate(_Strict):
    kind: ActivityKind = Field(description="matchmaking 质押融资对接活动 | roadshow “一月一链”投融资路演")
    title: str = Field(min_length=4, max_length=200)
    held_on: BusinessDate = Field(description="举办日期（已举办）")
    city: CityCode = Field(description="举办地市州代码")
    chain: str | None = Field(None, description="产业链（“51020”代码）；路演必填")
    organiser: str = Field(min_length=2, max_length=200, description="主办单位")
    enterprise_count: int = Field(ge=1, le=100000, description="参与企业数")
    institution_count: int = Field(ge=0, le=10000, description="参与金融/投资机构数")
    enterprises: list[USCC] = Field(default_factory=list, max_length=1000,
                                    description="参与企业信用代码（可选，须已登记）")
    intended_amount: NonNegMoney = Field(Decimal(0), description="意向融资金额（元）")
    intended_deals: int = Field(0, ge=0, le=100000, description="意向签约项目数")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "roadshow", "title": "专精特新中小企业“一月一链”投融资路演（光芯屏端网专场）", "held_on": "2025-05-20",
        "city": "420100", "chain": "P1", "organiser": "湖北省知识产权局", "enterprise_count": 18,
        "institution_count": 12, "enterprises": ["91420100MA4K0000XJ"], "intended_amount": "320000000.00",
        "intended_deals": 9}]})


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: ActivityKind
    kind_name: str
    title: str
    held_on: date
    city: str
    city_name: str
    chain: str | None
    chain_name: str | None
    organiser: str
    enterprise_count: int
    private_enterprise_count: int
    institution_count: int
    enterprises: list[str]
    intended_amount: Decimal
    intended_deals: int
    status: str
    cancel_reason: str | None
    recorded_by: str
    created_at: datetime


class ActivityCancelIn(_Strict):
    reason: Reason


class PledgeBulkIn(_Strict):
    rows: list[dict] = Field(min_length=1, max_length=2000,
                             description="每行与“登记质押贷款”的请求体相同（银行月度报送表逐行）")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rows": [{
        "uscc": "91420100MA4K0000XJ", "contract_no": "ICBC-HB-ZY-2025-0138", "amount": "3000000.00",
        "registration_date": "2025-06-20", "term_months": 12, "annual_rate": "3.2",
        "risk_sharing": ["risk_compensation"], "items": [{"kind": "patent", "number": "200710308494.X"}]}]}]})


class WrittenRow(BaseModel):
    row: int
    id: int


class PledgeBulkOut(BaseModel):
    dry_run: bool = Field(False, description="只校验、未写入")
    rows: int
    written: list[WrittenRow]
    errors: list[RowError]
