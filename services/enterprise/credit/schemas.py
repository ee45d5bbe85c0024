"""Request and response models of the credit register 信用记录."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from libs.common.fields import USCC, BusinessDate, TermDate
from services.enterprise.credit.domain import CreditKind

Text200 = Annotated[str, Field(min_length=2, max_length=200)]
Reason = Annotated[str, Field(min_length=2, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreditEntryIn(_Strict):
    uscc: USCC = Field(description="统一社会信用代码（须为企业库已登记企业）")
    kind: CreditKind = Field(description="serious_dishonesty 知识产权严重违法失信 | "
                                         "abnormal_patent_application 非正常专利申请 | violation 违法违规 | "
                                         "major_accident 重大事故")
    authority: Text200 = Field(description="作出决定的机关，如“湖北省知识产权局”")
    decided_on: BusinessDate = Field(description="决定日期")
    document_no: Text200 = Field(description="决定文书编号，如“鄂知保决〔2025〕3号”")
    effective_from: BusinessDate = Field(description="有效期起（不早于决定日期）")
    effective_until: TermDate | None = Field(None, description="有效期止（含当日；不填为长期）")
    summary: Reason = Field(description="事实摘要")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "uscc": "91420100MA4K0000XJ", "kind": "abnormal_patent_application", "authority": "湖北省知识产权局",
        "decided_on": "2025-03-10", "document_no": "鄂知管〔2025〕12号", "effective_from": "2025-03-10",
        "effective_until": "2026-03-09", "summary": "提交非正常专利申请 23 件，经国家知识产权局通报认定"}]})


class CreditLiftIn(_Strict):
    lifted_on: BusinessDate = Field(description="解除日期（当日起不再有效）")
    reason: Reason = Field(description="解除理由，如“信用修复”“决定被撤销”")


class CreditBrief(BaseModel):
    """An entry as other records show it (a tier recommendation, a pool review item)."""

    id: int
    kind: str
    kind_name: str
    authority: str
    document_no: str
    decided_on: date
    effective_from: date
    effective_until: date | None


class CreditEntryOut(BaseModel):
    id: int
    uscc: str
    enterprise_name: str
    city: str
    city_name: str
    is_private: bool
    kind: str
    kind_name: str
    authority: str
    decided_on: date
    document_no: str
    effective_from: date
    effective_until: date | None
    summary: str
    status: str = Field(description="pending 尚未生效 | active 有效 | expired 已届满 | lifted 已解除（按今天）")
    status_name: str
    active: bool
    recorded_by: str
    lifted_on: date | None
    lift_reason: str | None
    lifted_by: str | None
    created_at: datetime
    updated_at: datetime
