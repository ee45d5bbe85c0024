"""Rows of a data value set from an uploaded CSV (UTF-8 with or without BOM, or GB18030 as Chinese
Excel saves it) or .xlsx workbook: columns ``element``, ``period``, ``org_unit``, ``value`` (or their
Chinese headings 数据元素 / 期间 / 组织机构 / 数值). Read by the platform's shared sheet reader
(:mod:`libs.common.sheets`): title rows above the header are skipped, unknown columns refused."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi.responses import Response

from libs.common.sheets import Column, Kind, Sheet, SheetSpec, parse
from libs.common.sheets import http as sheets_http

MAX_ROWS = 100_000
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-\d{2}$")


def _row(values: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(values)
    period = row.get("period")
    if isinstance(period, str) and (m := _ISO_DATE.match(period)):  # a month typed as a date
        row["period"] = m[1] + m[2]
    return row


VALUES = SheetSpec(
    title="统计数据",
    columns=(
        Column("element", "数据元素", required=True, aliases=("指标",), width=30),
        Column("period", "期间", note="2025、2025Q1 或 202503；不填取表单的 period"),
        Column("org_unit", "组织机构", aliases=("行政区划代码",), note="420000 或市州代码；不填取表单的 org_unit"),
        Column("value", "数值", Kind.DECIMAL, required=True),
    ),
    build=_row,
)


def read_sheet(filename: str, data: bytes) -> Sheet:
    return parse(filename, data, VALUES, MAX_ROWS)


def read_rows(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Data rows as dicts with the canonical keys (``None`` for an empty cell)."""
    return [VALUES.build(r.values) for r in read_sheet(filename, data).rows]


def locate(sheet: Sheet, conflicts: list[dict[str, Any]]) -> None:
    """Give each conflict of an uploaded set (``index``, ``field`` ``values.N.…``) the row number Excel
    shows (``sheet_row``) and the header of its column (``column``)."""
    for c in conflicts:
        i = c.get("index")
        if not isinstance(i, int) or not 0 <= i < len(sheet.rows):
            continue
        c["sheet_row"] = sheet.rows[i].sheet_row
        column = VALUES.column_of(str(c.get("field", "")).split(".", 2)[-1])
        if column is not None:
            c["column"] = sheet.label(column.code)


def conflict_errors(conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Conflicts of an uploaded set (after :func:`locate`) as the row errors of a result workbook:
    ``row`` (index of the data row), ``field`` (the column code), ``message`` and ``column``."""
    return [{"row": c["index"], "field": str(c.get("field", "")).split(".", 2)[-1], "rule": c.get("rule"),
             "message": c.get("message", ""), "column": c.get("column")}
            for c in conflicts if isinstance(c.get("index"), int)]


def result_workbook(sheet: Sheet, errors: list[dict[str, Any]], summary: Mapping[str, Any],
                    status: int) -> Response:
    """The answer to an upload that asked for a workbook: the uploaded rows with an 错误 column, the bad
    cells marked, and a 汇总 sheet with the import summary (status, counts, rows with errors)."""
    bad = len({e["row"] for e in errors})
    counts = summary.get("counts") or {}
    written = status < 400 and not summary.get("dry_run")
    lines: dict[str, Any] = {"文件": sheet.filename, "导入内容": VALUES.title, "数据行数": len(sheet.rows),
                             "有错误的行数": bad, "无错误的行数": len(sheet.rows) - bad,
                             "导入状态": summary.get("status") or ("ERROR" if status >= 400 else "SUCCESS")}
    if summary.get("dry_run"):
        lines["写入"] = "试运行（dry_run）：未写入任何数据"
    elif not written:
        lines["写入"] = f"未写入任何数据（HTTP {status}）"
    for key, label in (("imported", "新增"), ("updated", "更新"), ("ignored", "未变化或被拒绝")):
        if key in counts:
            lines[label] = counts[key]
    return sheets_http.result_response(sheet, errors, lines, status)
