"""HTTP contract of official statistics."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DataValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    element: str = Field(max_length=50, examples=["invention_patents_in_force"])
    value: str | int | float | None = Field(description="数值（十进制字符串为佳）", examples=["12345"])
    period: str | None = Field(None, max_length=10, description="缺省取数据集的 period")
    org_unit: str | None = Field(None, max_length=10, description="缺省取数据集的 org_unit")


class DataValueSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str | None = Field(None, max_length=10, description="2025 | 2025Q1 | 202503", examples=["2025"])
    org_unit: str | None = Field(None, max_length=10, description="420000 全省或市州代码", examples=["420100"])
    source_system: str | None = Field(None, max_length=100, description="来源系统，如 统计局联网直报")
    values: list[DataValueIn] = Field(min_length=1, max_length=10000)


class Conflict(BaseModel):
    index: int = Field(description="0-based row of values (or of the uploaded file's data rows)")
    element: str | None
    field: str
    rule: str
    message: str
    sheet_row: int | None = Field(None, description="上传文件时：Excel 中显示的行号")
    column: str | None = Field(None, description="上传文件时：该列的表头")


class Counts(BaseModel):
    imported: int
    updated: int
    ignored: int


class ImportSummary(BaseModel):
    status: str = Field(description="SUCCESS | WARNING（部分行有冲突）| ERROR（无一写入）")
    dry_run: bool
    counts: Counts
    conflicts: list[Conflict]


class ApprovalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    period: str = Field(max_length=10, examples=["2025"])
    org_unit: str = Field(max_length=10, examples=["420100"])


class ReopenIn(ApprovalIn):
    reason: str = Field(min_length=2, max_length=500, description="重新开放的原因")


class ApprovalOut(BaseModel):
    period: str
    org_unit: str
    state: str = Field(description="approved 已审核锁定 | reopened 已重新开放")
    version: int
    approved_by: str | None
    approved_at: str | None
    reopen_reason: str | None


class DataValueOut(BaseModel):
    element: str
    name: str
    unit: str
    org_unit: str
    period: str
    value: str
    approved_value: str | None
    state: str = Field(description="draft 待审核 | approved 已审核锁定 | reopened 重新开放")
    source_system: str | None
    updated_at: str
