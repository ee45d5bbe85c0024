"""An uploaded ``.xlsx`` (python-calamine; ``.xls``, ``.xlsm`` and ``.ods`` too) or ``.csv`` (UTF-8 with
or without BOM, else GB18030/GBK as Chinese Excel saves it) as the rows of a :class:`SheetSpec`.

The header row is found by its cells (zh-CN labels or field codes); title rows above it (merged or
not) are skipped, and so is the template's row of field codes under it. Blank rows are skipped; row
numbers stay those Excel shows. A header that names no column of the import is a 422 naming it, as
are a missing required column and a repeated one: nothing is ignored silently.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from libs.common.errors import FieldInvalid
from libs.common.sheets.cells import Unreadable, blank, convert
from libs.common.sheets.spec import Column, SheetSpec

#: How far down the header row may be (title rows, notes above the table).
HEADER_SEARCH_ROWS = 20
XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass
class SheetRow:
    sheet_row: int
    """The row number Excel shows (1-based)."""
    cells: list[Any]
    """The cells as read, in the file's column order (for the result workbook)."""
    values: dict[str, Any]
    """Converted cells by column code (``None``: empty, :class:`Unreadable`: refused)."""

    def unreadable(self) -> dict[str, Unreadable]:
        return {k: v for k, v in self.values.items() if isinstance(v, Unreadable)}


@dataclass
class Sheet:
    filename: str
    spec: SheetSpec
    header: list[Any]
    """The header row's cells as uploaded."""
    positions: dict[str, int]
    """Column code → index of its cell in a row."""
    rows: list[SheetRow] = field(default_factory=list)

    def label(self, code: str) -> str:
        """The header the file uses for a column (its label or its code)."""
        i = self.positions.get(code)
        return str(self.header[i]).strip() if i is not None and self.header[i] is not None else code


def _file_error(rule: str, message: str) -> FieldInvalid:
    return FieldInvalid("file", rule, message)


def decode_csv(data: bytes) -> str:
    """CSV text as Chinese offices save it: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error("file.encoding", "CSV 文件应为 UTF-8 或 GB18030/GBK 编码")


def read_table(filename: str, data: bytes, sheet_name: str | None = None) -> list[list[Any]]:
    """Every row of the sheet named ``sheet_name`` when the workbook has one, else of the first sheet
    (row ``i`` is Excel's row ``i + 1``)."""
    name = (filename or "").lower()
    if name.endswith(XLSX_SUFFIXES) or data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            ws = (book.get_sheet_by_name(sheet_name) if sheet_name is not None and sheet_name in book.sheet_names
                  else book.get_sheet_by_index(0))
            table: list[list[Any]] = ws.to_python(skip_empty_area=False)
        except Exception as exc:  # not a workbook, encrypted, damaged
            raise _file_error("file.xlsx", f"无法读取 Excel 文件：{exc}") from None
        return table
    if name.endswith(".csv") or "." not in name:
        return [list(r) for r in csv.reader(io.StringIO(decode_csv(data), newline=""))]
    raise _file_error("file.type", "仅支持 .xlsx（或 .xls）与 .csv 文件")


def _heading(value: Any) -> str:
    text = "" if value is None else str(value)
    return "".join(text.split()).rstrip("*＊")


def _lookup(spec: SheetSpec) -> dict[str, Column]:
    out: dict[str, Column] = {}
    for c in spec.columns:
        for name in (c.label, c.code, *c.aliases):
            out[_heading(name)] = c
    return out


def _find_header(table: list[list[Any]], spec: SheetSpec) -> int:
    lookup = _lookup(spec)
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        filled = [_heading(v) for v in row if not blank(v)]
        matched = sum(1 for h in filled if h in lookup)
        if matched and (matched == len(filled) or (matched >= 2 and matched * 2 >= len(filled))):
            return i
    first = next((row for row in table if any(not blank(v) for v in row)), [])
    seen = "、".join(str(v).strip() for v in first if not blank(v))[:200]
    labels = "、".join(c.label for c in spec.columns[:6])
    raise _file_error("file.columns", f"前 {HEADER_SEARCH_ROWS} 行中没有可识别的表头（首行为：{seen}）；"
                                      f"应有列 {labels}……（请使用下载的模板）")


def _column_letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _positions(header: list[Any], spec: SheetSpec) -> dict[str, int]:
    lookup = _lookup(spec)
    positions: dict[str, int] = {}
    unknown: list[str] = []
    for i, value in enumerate(header):
        if blank(value):
            continue
        column = lookup.get(_heading(value))
        if column is None:
            unknown.append(f"{_column_letter(i)} 列“{str(value).strip()}”")
        elif column.code in positions:
            first = _column_letter(positions[column.code])
            raise _file_error("file.columns", f"列“{column.label}”出现了两次（{first} 列与 {_column_letter(i)} 列）")
        else:
            positions[column.code] = i
    if unknown:
        raise _file_error("file.columns", f"无法识别的列：{'、'.join(unknown)}；可用的列见模板的“说明”页")
    missing = [c.label for c in spec.columns if c.required and c.code not in positions]
    if missing:
        raise _file_error("file.columns", f"缺少必填列：{'、'.join(missing)}")
    return positions


def _is_code_row(row: list[Any], positions: dict[str, int]) -> bool:
    filled = {i: _heading(v) for i, v in enumerate(row) if not blank(v)}
    return bool(filled) and all(positions.get(h) == i for i, h in filled.items())


def parse(filename: str, data: bytes, spec: SheetSpec, max_rows: int, sheet_name: str | None = None) -> Sheet:
    """The data rows of an upload, each cell converted for its column (from the sheet ``sheet_name``
    when the workbook has one, else the first)."""
    table = read_table(filename, data, sheet_name)
    if not any(not blank(v) for row in table for v in row):
        raise _file_error("file.empty", "文件中没有数据")
    at = _find_header(table, spec)
    header = table[at]
    sheet = Sheet(filename, spec, header, _positions(header, spec))
    start = at + 1
    if start < len(table) and _is_code_row(table[start], sheet.positions):
        start += 1
    columns = [(c, sheet.positions[c.code]) for c in spec.columns if c.code in sheet.positions]
    for n in range(start, len(table)):
        cells = table[n]
        if all(blank(v) for v in cells):
            continue
        if len(sheet.rows) == max_rows:
            raise _file_error("file.rows", f"单个文件最多 {max_rows} 行数据，请拆分后分批导入")
        values = {c.code: convert(cells[i] if i < len(cells) else None, c) for c, i in columns}
        sheet.rows.append(SheetRow(n + 1, cells, values))
    if not sheet.rows:
        raise _file_error("file.empty", "表头下没有数据行")
    return sheet
