"""Rows of a data value set from an uploaded CSV (UTF-8 with or without BOM, or GB18030 as Chinese
Excel saves it) or .xlsx workbook: columns ``element``, ``period``, ``org_unit``, ``value`` (or their
Chinese headings 数据元素 / 期间 / 组织机构 / 数值). Read by the platform's shared sheet reader
(:mod:`libs.common.sheets`): title rows above the header are skipped, unknown columns refused."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from libs.common.sheets import Column, Kind, Sheet, SheetSpec, parse

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
