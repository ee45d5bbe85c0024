"""Workbooks the imports hand out (xlsxwriter): the template of an import and the result of one.

* **template**: sheet ``数据`` with the zh-CN headers and, under each, its field code (the reader
  skips that row); identifier, date and code columns formatted as text so Excel keeps what is typed;
  drop-down lists for code columns (their values on the hidden sheet ``代码表``); sheet ``说明`` with
  the rules of every column.
* **result**: the uploaded rows with their Excel row number and an error column, every bad cell
  filled red with its reason as a comment, and a sheet ``汇总`` with the counts.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import xlsxwriter

from libs.common.sheets.reader import Sheet
from libs.common.sheets.spec import KIND_NAMES, Column, Kind, SheetSpec

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TEXT_KINDS = (Kind.IDENTIFIER, Kind.DATE, Kind.CHOICE, Kind.TEXT)
_TEMPLATE_ROWS = 10001  # rows formatted and validated below the two header rows


def _option(code: str, name: str) -> str:
    return code if code == name else f"{code} {name}"


def _column_rules(c: Column) -> str:
    parts = [KIND_NAMES[c.kind]]
    if c.many:
        parts.append("多个值用“；”分隔")
    if c.choices:
        parts.append("可选：" + "、".join(_option(k, v) for k, v in c.choices.items()))
    return "；".join(parts)


def template(spec: SheetSpec) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    head_required = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "font_color": "#C00000",
                                     "text_wrap": True, "valign": "vcenter"})
    code_format = book.add_format({"italic": True, "font_color": "#808080", "bg_color": "#F2F2F2", "border": 1})
    text = book.add_format({"num_format": "@"})
    data = book.add_worksheet("数据")
    notes = book.add_worksheet("说明")
    lists = book.add_worksheet("代码表")
    list_col = 0
    for i, c in enumerate(spec.columns):
        data.write_string(0, i, c.label, head_required if c.required else head)
        data.write_string(1, i, c.code, code_format)
        data.set_column(i, i, c.width, text if c.kind in _TEXT_KINDS else None)
        if c.note or c.choices:
            data.write_comment(0, i, c.note or _column_rules(c), {"x_scale": 2, "y_scale": 1.5})
        if c.choices and not c.many:
            options = [_option(k, v) for k, v in c.choices.items()]
            lists.write_string(0, list_col, c.label)
            for r, option in enumerate(options, start=1):
                lists.write_string(r, list_col, option)
            letter = xlsxwriter.utility.xl_col_to_name(list_col)
            data.data_validation(2, i, _TEMPLATE_ROWS, i, {
                "validate": "list", "source": f"=代码表!${letter}$2:${letter}${len(options) + 1}",
                "error_title": "无效的代码", "error_message": f"请从下拉列表中选择{c.label}", "show_error": True})
            list_col += 1
        elif c.kind is Kind.BOOL:
            data.data_validation(2, i, _TEMPLATE_ROWS, i, {"validate": "list", "source": ["是", "否"]})
    data.freeze_panes(2, 0)
    data.set_row(0, 30)
    lists.hide()
    _instructions(book, notes, spec)
    book.close()
    return out.getvalue()


def _instructions(book: Any, ws: Any, spec: SheetSpec) -> None:
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
    ws.write_string(0, 0, f"{spec.title}：填写说明", bold)
    general = [
        "在“数据”页第 3 行起逐行填写，每行一条；第 1 行为中文列名，第 2 行为字段代码，请勿修改或删除这两行。",
        "列可以减少（非必填列）或调整顺序，但不能添加模板中没有的列：无法识别的列会使整个文件被拒绝。",
        "信用代码、专利号、合同号等编号列请保持“文本”格式：按数字保存会丢失前导零或末尾数字，该行将被拒绝。",
        "日期可写 2025-03-01、2025/3/1 或 2025年3月1日，也可使用 Excel 日期格式。",
        "代码列可从下拉列表选择（如“420100 武汉市”），也可只填代码（420100）或名称（武汉市）。",
        "导入时加 dry_run=true 只校验、不写入；结果可下载为工作簿，错误单元格标红并附说明。",
        "有错误的行不会写入；atomic=true 时任一行有错则全部不写入；同一文件重复导入不会产生重复记录。",
        *spec.instructions,
    ]
    for r, line in enumerate(general, start=2):
        ws.write_string(r, 0, f"{r - 1}. {line}")
    top = len(general) + 3
    for i, h in enumerate(("列名", "字段代码", "必填", "格式与可选值", "说明")):
        ws.write_string(top, i, h, head)
    for r, c in enumerate(spec.columns, start=top + 1):
        ws.write_row(r, 0, [c.label, c.code, "是" if c.required else "", _column_rules(c), c.note], wrap)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 6)
    ws.set_column(3, 3, 60)
    ws.set_column(4, 4, 50)


def _cell_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def result(sheet: Sheet, errors: Iterable[Mapping[str, Any]], summary: Mapping[str, Any]) -> bytes:
    """The uploaded rows with an error column, bad cells marked, and a summary sheet.

    ``errors`` carry ``row`` (index into ``sheet.rows``), ``field`` (marks the column it points at),
    ``message`` and, from :func:`~libs.common.sheets.http.annotate`, ``column`` (the header)."""
    by_row: dict[int, list[Mapping[str, Any]]] = {}
    for e in errors:
        by_row.setdefault(int(e["row"]), []).append(e)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    bad = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
    bad_text = book.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "text_wrap": True})
    ok = book.add_format({"font_color": "#006100"})
    ws = book.add_worksheet("导入结果")
    width = max([len(sheet.header), *(len(r.cells) for r in sheet.rows)])
    ws.write_string(0, 0, "原行号", head)
    for i in range(width):
        h = sheet.header[i] if i < len(sheet.header) else None
        ws.write(0, i + 1, "" if h is None else str(h), head)
    ws.write_string(0, width + 1, "错误", head)
    for n, row in enumerate(sheet.rows):
        r = n + 1
        ws.write_number(r, 0, row.sheet_row)
        row_errors = by_row.get(n, [])
        marked: dict[int, list[str]] = {}
        for e in row_errors:
            column = sheet.spec.column_of(str(e.get("field") or ""))
            pos = sheet.positions.get(column.code) if column else None
            if pos is not None:
                marked.setdefault(pos, []).append(str(e["message"]))
        for i in range(width):
            value = _cell_value(row.cells[i]) if i < len(row.cells) else None
            if i in marked:
                ws.write(r, i + 1, "" if value is None else value, bad)
                ws.write_comment(r, i + 1, "\n".join(marked[i]), {"x_scale": 2})
            elif value is not None and value != "":
                ws.write(r, i + 1, value)
        if row_errors:
            messages = [f"{e.get('column') or e.get('field') or ''}：{e['message']}".lstrip("：") for e in row_errors]
            ws.write_string(r, width + 1, "；".join(messages), bad_text)
        else:
            ws.write_string(r, width + 1, "", ok)
    ws.set_column(0, 0, 8)
    ws.set_column(1, width, 16)
    ws.set_column(width + 1, width + 1, 60)
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, len(sheet.rows), width + 1)
    s = book.add_worksheet("汇总")
    s.write_string(0, 0, "项目", head)
    s.write_string(0, 1, "值", head)
    for r, (k, v) in enumerate(summary.items(), start=1):
        s.write_string(r, 0, str(k))
        s.write(r, 1, v)
    s.set_column(0, 0, 24)
    s.set_column(1, 1, 40)
    s.activate()
    ws.activate()
    book.close()
    return out.getvalue()
