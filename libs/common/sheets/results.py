"""The per-row answer of a bulk import, the same for a JSON body and an uploaded workbook or CSV."""
from __future__ import annotations

from pydantic import BaseModel, Field


class RowError(BaseModel):
    """Why one row of a bulk import was not written."""

    row: int = Field(description="行号（从 0 起）")
    field: str
    rule: str
    message: str
    sheet_row: int | None = Field(None, description="上传文件时：Excel 中显示的行号")
    column: str | None = Field(None, description="上传文件时：该列的表头")
