"""Reports for people: the progress report (.xlsx workbook or printable HTML) and targets as a workbook.

* ``GET /reports/progress`` — every indicator of the province or one city for a year: value, target,
  progress, expected by today, status, forecast, the clause the target comes from, and the 12 months.
* ``GET /targets/export`` / ``POST /targets/import`` — the year's targets as a workbook officers fill
  in (a CSV works too) and load back; every row is checked before anything is written.
"""
from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, Field
from sqlalchemy import select

from libs.common.auth import CurrentPrincipal
from libs.common.clock import now_in_china
from libs.common.divisions import CITIES
from libs.common.errors import ProblemError, field_error
from libs.common.list_export import XLSX, content_disposition
from libs.common.rules import RuleViolation
from libs.common.sheets import Column, Kind, SheetSpec, Unreadable, parse
from libs.common.sheets import Sheet as SheetsSheet
from libs.common.sheets import http as sheets_http
from libs.common.sheets.cells import blank
from services.reporting import periods
from services.reporting.api import RT, ProvinceAdmin, YearQ, _cities, _year
from services.reporting.exports import INDICATOR_NAMES
from services.reporting.indicators import HEADLINE, INDICATORS, PROGRAMME, PROGRAMME_NAMES, PROVINCE
from services.reporting.kpi import KpiRow, Snapshot, city_label, fmt_decimal
from services.reporting.models import Target
from services.reporting.progress import STATUS_LABELS
from services.reporting.schemas import TargetOut
from services.reporting.service import upsert_targets

router = APIRouter(prefix="/api/v1", tags=["报告 reports"])

TEMPLATES = Path(__file__).parent / "templates"
NO_TARGET_LABEL = "未设目标"
HEADLINE_GROUP = "主要预期目标"
KIND_LABELS = {"flow": "流量：当月发生数", "stock": "存量：月末水平", "ratio": "比率：按当月数值计算"}

#: The status rule of ``progress.py``, in Chinese, for the "说明" sheet and the HTML page.
STATUS_RULES: list[tuple[str, list[str]]] = [
    ("时间进度", [
        "时间进度是当年目标中截至今日应完成的比例：已过天数 ÷ 全年天数；目标设有逐月进度权重时，"
        "为已过月份的权重之和加上当月权重按天数折算的部分，再除以全年权重之和。",
        "年度开始前时间进度为 0，年度结束后为 1。"]),
    ("累计类指标（流量指标，以及年内逐步累积的存量指标）", [
        "以“基数”为起点：流量指标的基数为 0，存量指标的基数为上年末水平。",
        "按进度应达 = 基数 +（目标 − 基数）× 时间进度。",
        "年末预测按当前速度外推：基数 +（当前值 − 基数）÷ 时间进度。"]),
    ("水平类指标（比率，如民营项目占比、每万人口拥有量；方阵、排名、上限等）", [
        "每时每刻都应达到目标：按进度应达 = 目标，年末预测 = 当前值。",
        "尚无上年数据、起点未知的统计指标，同样按水平类指标对待。"]),
    ("状态", [
        "已完成：当前值满足目标的比较条件（≥、> 或 ≤）。",
        "年度已结束仍未完成的，为“明显滞后”；“≤”类指标未完成的，也为“明显滞后”。",
        "累计类指标：已完成的增量不少于按进度应完成的增量为“进度正常”，不少于其 80% 为“略有滞后”，"
        "否则为“明显滞后”。",
        "水平类指标未完成：达到目标的 90% 及以上为“略有滞后”，否则为“明显滞后”。",
        "暂无数据：尚无数值（例如统计数据尚未审核）。",
        "未设目标的指标不判定状态，显示为“未设目标”。"]),
    ("其他口径", [
        "完成度 = 当前值 ÷ 目标 × 100%。",
        "全省数值为17个市州之和（比率指标为全省分子之和 ÷ 全省分母之和）。",
        "逐月数据：流量指标为当月发生数，存量指标为月末水平，比率指标按当月数值计算；尚未到来的月份留空。",
        "金额单位为元。"]),
]


# --- the progress report: data --------------------------------------------------------------------

@dataclass(frozen=True)
class ReportLine:
    row: KpiRow
    kind: str
    source: str
    months: list[Decimal | None]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.row.status, NO_TARGET_LABEL) if self.row.status else NO_TARGET_LABEL


@dataclass(frozen=True)
class ReportGroup:
    title: str
    lines: list[ReportLine]


@dataclass(frozen=True)
class ProgressReport:
    year: int
    city: str
    city_name: str
    generated_at: datetime
    groups: list[ReportGroup]

    @property
    def title(self) -> str:
        return f"{self.year}年 {self.city_name} 知识产权工作指标进度报告"

    @property
    def file_stem(self) -> str:
        return f"{self.year}年{self.city_name}指标进度报告"

    @property
    def ascii_stem(self) -> str:
        return f"progress-report-{self.year}-{self.city}"

    @property
    def lines(self) -> list[ReportLine]:
        return [line for group in self.groups for line in group.lines]

    @property
    def generated_label(self) -> str:
        return f"生成时间：{self.generated_at:%Y-%m-%d %H:%M}（北京时间）　统计截至：{self.generated_at:%Y年%m月%d日}"

    def status_counts(self) -> list[tuple[str | None, str, int]]:
        """(status, label, count) in the order of STATUS_LABELS, then the lines without a target."""
        counts: list[tuple[str | None, str, int]] = [
            (s, label, sum(1 for ln in self.lines if ln.row.status == s)) for s, label in STATUS_LABELS.items()]
        counts.append((None, NO_TARGET_LABEL, sum(1 for ln in self.lines if ln.row.status is None)))
        return counts


def report_groups() -> list[tuple[str, list[str]]]:
    """The headline targets first (HEADLINE order), then every other indicator by programme."""
    groups = [(HEADLINE_GROUP, [c for c in HEADLINE if c in INDICATORS])]
    for programme, name in PROGRAMME_NAMES.items():
        codes = [c for c in INDICATORS if PROGRAMME[c] == programme and c not in HEADLINE]
        if codes:
            groups.append((name, codes))
    return groups


def monthly_values(snap: Snapshot, code: str, city: str, today: date) -> list[Decimal | None]:
    """The 12 months of the snapshot's year (flows: the month's sum; stocks: the level at month end);
    months that have not begun yet are None."""
    out: list[Decimal | None] = []
    for m in range(1, 13):
        period = periods.month(snap.year, m)
        out.append(None if period.start > today else snap.value(code, city, period))
    return out


def build_report(snap: Snapshot, city: str, generated_at: datetime) -> ProgressReport:
    groups = []
    for title, codes in report_groups():
        lines = []
        for code in codes:
            ind = INDICATORS[code]
            row = snap.row(code, city)
            lines.append(ReportLine(row=row, kind=ind.kind, source=row.source or ind.source,
                                    months=monthly_values(snap, code, city, snap.today)))
        groups.append(ReportGroup(title, lines))
    return ProgressReport(year=snap.year, city=city, city_name=city_label(city), generated_at=generated_at,
                          groups=groups)


# --- the progress report: .xlsx -------------------------------------------------------------------

SUMMARY_HEADERS = ["指标", "单位", "当前值", "目标", "完成度(%)", "按进度应达", "状态", "年末预测", "目标依据",
                   "指标代码"]
SUMMARY_WIDTHS = [34, 8, 18, 18, 11, 18, 11, 18, 60, 30]
MONTHLY_FIXED = ["指标", "单位", "口径"]
MONTHLY_HEADERS = [*MONTHLY_FIXED, *(f"{m}月" for m in range(1, 13)), "指标代码"]
HEADER_ROW = 4
#: status → (fill colour, font colour): green, amber, red, grey (Excel's good / neutral / bad styles)
STATUS_COLOURS: dict[str | None, tuple[str, str]] = {
    "met": ("C6EFCE", "006100"), "on_track": ("C6EFCE", "006100"), "at_risk": ("FFEB9C", "9C5700"),
    "off_track": ("FFC7CE", "9C0006"), "no_data": ("E7E6E6", "3A3A3A"), None: ("F2F2F2", "7F7F7F")}
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_GROUP_FILL = PatternFill("solid", fgColor="DDEBF7")


def number_format(value: Decimal, unit: str) -> str:
    """Thousands separators; decimals only where the value has them (2 at most; 2 for money)."""
    if unit == "元":
        return "#,##0.00"
    exponent = value.normalize().as_tuple().exponent
    places = min(2, max(0, -exponent)) if isinstance(exponent, int) else 0
    return "#,##0" if places == 0 else "#,##0." + "0" * places


def _number_cell(ws, row: int, col: int, value: Decimal | None, unit: str, fmt: str | None = None) -> None:
    cell = ws.cell(row=row, column=col, value=None if value is None else float(value))
    cell.border = _BORDER
    if value is not None:
        cell.number_format = fmt or number_format(value, unit)


def _text_cell(ws, row: int, col: int, value: Any, wrap: bool = False):
    cell = ws.cell(row=row, column=col, value=value)
    cell.border = _BORDER
    cell.alignment = Alignment(vertical="top", wrap_text=wrap)
    return cell


def _title_rows(ws, title: str, note: str, width: int) -> None:
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=2, column=1, value=note).font = Font(color="595959")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.row_dimensions[1].height = 26


def _header_row(ws, headers: list[str], widths: list[int]) -> None:
    for col, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _group_row(ws, row: int, title: str, width: int) -> None:
    cell = ws.cell(row=row, column=1, value=title)
    cell.font = Font(bold=True, color="1F4E79")
    for col in range(1, width + 1):
        ws.cell(row=row, column=col).fill = _GROUP_FILL
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _summary_sheet(ws, report: ProgressReport) -> None:
    width = len(SUMMARY_HEADERS)
    _title_rows(ws, report.title, report.generated_label, width)
    _header_row(ws, SUMMARY_HEADERS, SUMMARY_WIDTHS)
    r = HEADER_ROW + 1
    for group in report.groups:
        _group_row(ws, r, group.title, width)
        r += 1
        for line in group.lines:
            row, unit = line.row, line.row.unit
            _text_cell(ws, r, 1, row.name, wrap=True)
            _text_cell(ws, r, 2, unit)
            _number_cell(ws, r, 3, row.value, unit)
            _number_cell(ws, r, 4, row.target, unit)
            _number_cell(ws, r, 5, row.progress, unit, "0.0")
            _number_cell(ws, r, 6, row.expected, unit)
            fill, font = STATUS_COLOURS.get(row.status, STATUS_COLOURS[None])
            status = _text_cell(ws, r, 7, line.status_label)
            status.fill = PatternFill("solid", fgColor=fill)
            status.font = Font(color=font, bold=row.status in ("met", "off_track"))
            status.alignment = Alignment(horizontal="center", vertical="top")
            _number_cell(ws, r, 8, row.forecast, unit)
            _text_cell(ws, r, 9, line.source, wrap=True)
            _text_cell(ws, r, 10, row.indicator).font = Font(color="7F7F7F")
            r += 1


def _monthly_sheet(ws, report: ProgressReport) -> None:
    _title_rows(ws, f"{report.title}（逐月数据）",
                "流量指标为当月发生数，存量指标为月末水平，比率指标按当月数值计算；尚未到来的月份留空。",
                len(MONTHLY_HEADERS))
    _header_row(ws, MONTHLY_HEADERS, [34, 8, 18, *([14] * 12), 30])
    for r, line in enumerate(report.lines, start=HEADER_ROW + 1):
        unit = line.row.unit
        _text_cell(ws, r, 1, line.row.name, wrap=True)
        _text_cell(ws, r, 2, unit)
        _text_cell(ws, r, 3, KIND_LABELS[line.kind])
        for m, value in enumerate(line.months):
            _number_cell(ws, r, len(MONTHLY_FIXED) + 1 + m, value, unit)
        _text_cell(ws, r, len(MONTHLY_HEADERS), line.row.indicator).font = Font(color="7F7F7F")


def _rules_sheet(ws, title: str) -> None:
    ws.column_dimensions["A"].width = 110
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    r = 3
    for heading, items in STATUS_RULES:
        ws.cell(row=r, column=1, value=heading).font = Font(bold=True)
        r += 1
        for item in items:
            ws.cell(row=r, column=1, value=f"· {item}").alignment = Alignment(wrap_text=True, vertical="top")
            r += 1
        r += 1
    ws.cell(row=r, column=1, value="状态与颜色：").font = Font(bold=True)
    for status, label in [*STATUS_LABELS.items(), (None, NO_TARGET_LABEL)]:
        r += 1
        fill, font = STATUS_COLOURS[status]
        cell = ws.cell(row=r, column=1, value=label)
        cell.fill, cell.font = PatternFill("solid", fgColor=fill), Font(color=font)


def _new_workbook() -> tuple[Workbook, Worksheet]:
    """A workbook and its first (active) worksheet."""
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new workbook starts with one worksheet
    return wb, ws


def progress_workbook(report: ProgressReport) -> bytes:
    wb, summary = _new_workbook()
    summary.title = "进度总览"
    _summary_sheet(summary, report)
    _monthly_sheet(wb.create_sheet("逐月数据"), report)
    _rules_sheet(wb.create_sheet("说明"), "状态判定规则与数据口径")
    wb.properties.title = report.title
    wb.properties.creator = "湖北省知识产权局 指标平台"
    return _save(wb)


def _save(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the progress report: HTML --------------------------------------------------------------------

def display_number(value: Decimal | None, unit: str = "") -> str:
    """A number for people: thousands separators, no trailing zeros (money: 2 decimals unless whole)."""
    if value is None:
        return "—"
    if unit == "元" and value != value.to_integral_value():
        return format(value.quantize(Decimal("0.01")), ",f")
    return format(value.normalize() + 0, ",f")


def display_progress(value: Decimal | None) -> str:
    return "—" if value is None else format(value, ",f")


_jinja = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                     trim_blocks=True, lstrip_blocks=True)
_jinja.filters["num"] = display_number
_jinja.filters["pct"] = display_progress


def progress_html(report: ProgressReport) -> str:
    return _jinja.get_template("progress_report.html").render(
        report=report, rules=STATUS_RULES, kind_labels=KIND_LABELS, months=list(range(1, 13)))


# --- the progress report: route -------------------------------------------------------------------

def _one_place(city: str | None) -> str:
    if city == "all":
        raise RuleViolation("city.unknown", "报告针对全省（420000）或一个市州，请给出其代码", field="city")
    return _cities(city)[0]


@router.get("/reports/progress", summary="指标进度报告（Excel 或可打印网页） progress report as .xlsx or HTML",
            description="全省（420000，缺省）或一个市州的全部指标：当前值、目标、完成度、按进度应达、状态、年末预测、"
                        "目标依据，以及12个月的逐月数据。`format=xlsx`（缺省）下载 Excel 工作簿；"
                        "`format=html` 返回可打印网页。",
            responses={200: {"content": {XLSX: {}, "text/html": {}}, "description": "报告文件"}})
async def progress_report(principal: CurrentPrincipal, rt: RT, year: YearQ = None,
                          city: Annotated[str | None, Query(max_length=10, description="420000=全省（缺省）或市州代码")]
                          = None,
                          format: Annotated[Literal["xlsx", "html"],
                                            Query(description="xlsx（缺省）或 html")] = "xlsx"):
    place, y = _one_place(city), _year(year)
    now = now_in_china()
    async with rt.sessions() as session:
        snap = await Snapshot.load(session, y, today=now.date())
    report = build_report(snap, place, now)
    if format == "html":
        return HTMLResponse(progress_html(report), headers={
            "Content-Disposition": content_disposition(f"{report.file_stem}.html", f"{report.ascii_stem}.html",
                                                       "inline"),
            "Cache-Control": "no-store"})
    content = await asyncio.to_thread(progress_workbook, report)
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": content_disposition(f"{report.file_stem}.xlsx", f"{report.ascii_stem}.xlsx"),
        "Cache-Control": "no-store"})


# --- targets as a workbook: export ----------------------------------------------------------------

#: (key, heading) of the targets workbook; the key is what the import reads, heading what people see.
TARGET_COLUMNS = [("indicator", "指标代码 indicator"), ("name", "指标名称"), ("unit", "单位"),
                  ("city", "组织机构代码 city"), ("city_name", "组织机构名称"), ("value", "目标值 value"),
                  ("source", "依据 source")]
TARGET_WIDTHS = [30, 34, 8, 20, 22, 20, 60]
TARGET_SHEET = "目标"
PLACES = [PROVINCE, *CITIES]
_PLACE_ORDER = {c: i for i, c in enumerate(PLACES)}
_INDICATOR_ORDER = {c: i for i, c in enumerate(INDICATORS)}
#: Significant digits a float keeps exactly; bigger values go into the workbook as text.
_FLOAT_DIGITS = 15


@dataclass(frozen=True)
class ExportRow:
    indicator: str
    city: str
    value: Decimal | None
    source: str | None


def export_rows(targets: list[Target]) -> list[ExportRow]:
    """The stored targets, plus an empty row for every city still without a target of each indicator
    that has a province target (for officers to fill in); catalogue order, province first."""
    rows = [ExportRow(t.indicator, t.city, t.value, t.source) for t in targets]
    have = {(t.indicator, t.city) for t in targets}
    for code in sorted({t.indicator for t in targets if t.city == PROVINCE}):
        rows.extend(ExportRow(code, c, None, None) for c in CITIES if (code, c) not in have)
    return sorted(rows, key=lambda r: (_INDICATOR_ORDER.get(r.indicator, len(INDICATORS)), r.indicator,
                                       _PLACE_ORDER.get(r.city, len(PLACES)), r.city))


def _value_cell(value: Decimal | None):
    """A number, or text when a float would not hold it exactly (the import reads both)."""
    if value is None:
        return None
    value = value.normalize() + 0
    return float(value) if len(value.as_tuple().digits) <= _FLOAT_DIGITS else fmt_decimal(value)


def targets_workbook(year: int, rows: list[ExportRow]) -> bytes:
    wb, ws = _new_workbook()
    ws.title = TARGET_SHEET
    for col, ((_, heading), width) in enumerate(zip(TARGET_COLUMNS, TARGET_WIDTHS, strict=True), start=1):
        cell = ws.cell(row=1, column=col, value=heading)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), _HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, row in enumerate(rows, start=2):
        ind = INDICATORS.get(row.indicator)
        values = [row.indicator, ind.name if ind else "（未知指标）", ind.unit if ind else None, row.city,
                  city_label(row.city), _value_cell(row.value), row.source]
        for col, value in enumerate(values, start=1):
            ws.cell(row=r, column=col, value=value)
        if row.value is None:
            ws.cell(row=r, column=6).fill = PatternFill("solid", fgColor="FFF2CC")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TARGET_COLUMNS))}{max(len(rows) + 1, 2)}"
    check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="目标值不合法",
                           error="目标值应为不小于0的数字（最多两位小数）")
    check.add(f"F2:F{max(len(rows) + 1, 2) + 500}")
    ws.add_data_validation(check)
    _indicator_sheet(wb.create_sheet("指标"))
    _places_sheet(wb.create_sheet("组织机构"))
    _import_help_sheet(wb.create_sheet("说明"), year)
    return _save(wb)


def _indicator_sheet(ws) -> None:
    headers = ["指标代码", "指标名称", "单位", "类型", "比较", "所属工作", "依据"]
    ws.append(headers)
    for code, ind in INDICATORS.items():
        ws.append([code, ind.name, ind.unit, KIND_LABELS[ind.kind].split("：")[0], ind.comparator,
                   PROGRAMME_NAMES[PROGRAMME[code]], ind.source])
    for col, width in enumerate([34, 36, 8, 8, 6, 26, 50], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
        ws.cell(row=1, column=col).font = Font(bold=True)


def _places_sheet(ws) -> None:
    ws.append(["组织机构代码", "组织机构名称"])
    for code in PLACES:
        ws.append([code, city_label(code)])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 16, 26


def _import_help_sheet(ws, year: int) -> None:
    lines = [f"{year}年度指标目标（全省与市州）", "",
             "· 在“目标”工作表中填写或修改“目标值”列，然后通过 POST /api/v1/targets/import?year="
             f"{year} 上传本文件（也可另存为 CSV，UTF-8 或 GB18030 编码）。",
             "· 组织机构代码：420000 为全省目标；市州代码表示分解到该市州的目标（见“组织机构”工作表）。",
             "· 目标值为不小于 0 的数字，最多两位小数；金额单位为元（1 亿元 = 100000000 元）。",
             "· 请勿添加其他列：无法识别的列会使整个文件被拒绝（“指标名称”“单位”“组织机构名称”列可以删除）。",
             "· 目标值为空的行不导入；导入时先校验全部行，有任何一行不合法则整份文件不写入，并列出每个不合法的行。",
             "· 与已有目标相同的行不会重复写入；月度进度权重保持不变（如需修改请使用 PUT /api/v1/targets/{year}）。",
             "· “依据”一次导入只记录一个：表单字段 source，缺省取所写入各行中第一个非空的“依据”。",
             "· 导入后会核对：各指标市州目标之和与全省目标是否一致（占比、方阵等水平类指标不核对）。"]
    ws.column_dimensions["A"].width = 110
    for text in lines:
        ws.append([text])
    ws["A1"].font = Font(bold=True, size=14)


@router.get("/targets/export", tags=["目标 targets"], summary="导出年度目标工作簿 the year's targets as a workbook",
            description="已设置的目标，以及每个已有全省目标的指标中尚未设置目标的各市州空行（供填写后导入）。",
            responses={200: {"content": {XLSX: {}}, "description": "目标工作簿"}})
async def export_targets(principal: CurrentPrincipal, rt: RT, year: YearQ = None) -> Response:
    y = _year(year)
    async with rt.sessions() as session:
        targets = list((await session.scalars(select(Target).where(Target.year == y))).all())
    content = await asyncio.to_thread(targets_workbook, y, export_rows(targets))
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": content_disposition(f"{y}年指标目标.xlsx", f"targets-{y}.xlsx"),
        "Cache-Control": "no-store"})


# --- targets as a workbook: import ----------------------------------------------------------------

MAX_UPLOAD = 5 * 1024 * 1024
MAX_ROWS = 10000
MAX_SOURCE = 200
#: The org units a target may be set for: the province (420000) and its 17 cities.
PLACE_NAMES = {PROVINCE: city_label(PROVINCE), **CITIES}

#: The targets workbook as the platform's shared sheet reader (:mod:`libs.common.sheets`) reads it:
#: the headings of ``GET /targets/export`` (``指标代码 indicator`` …), of the ``GET /targets?format=xlsx``
#: list export (with its row of field codes) and the bare codes are all recognised; indicator, city and
#: value are required; the name, unit, year and profile columns are read back only to be checked or
#: left alone; any other column is refused, naming it.
TARGETS_SPEC = SheetSpec(
    title="年度目标",
    columns=(
        Column("indicator", "指标代码", Kind.CHOICE, required=True, choices=INDICATOR_NAMES,
               aliases=("指标代码 indicator",)),
        Column("indicator_name", "指标名称", aliases=("name",)),
        Column("unit", "单位"),
        Column("year", "年度", Kind.INTEGER, note="可不填；填写时须与导入的年度一致"),
        Column("city", "组织机构代码", Kind.CHOICE, required=True, choices=PLACE_NAMES,
               aliases=("组织机构代码 city", "市州代码", "org_unit")),
        Column("city_name", "组织机构名称", aliases=("市州名称",)),
        Column("value", "目标值", Kind.DECIMAL, required=True, aliases=("目标值 value",)),
        Column("source", "依据", aliases=("依据 source",)),
        Column("profile", "月度进度权重", note="导入时不读取：已有的月度进度权重保持不变"),
    ),
)


@dataclass(frozen=True)
class ImportRow:
    line: int  # the row number in the sheet (or CSV line), as people see it
    indicator: str
    city: str
    value: Decimal
    source: str | None


class CellError(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.message = rule, message


def read_targets(filename: str, data: bytes) -> SheetsSheet:
    """The data rows of an uploaded targets workbook (its sheet 目标, else the first) or CSV."""
    return parse(filename, data, TARGETS_SPEC, MAX_ROWS, sheet_name=TARGET_SHEET)


def parse_value(cell: Any) -> Decimal:
    """A non-negative number with at most 2 decimals and at most 20 integer digits."""
    if isinstance(cell, bool):
        raise CellError("value.number", "目标值应为数字")
    text = repr(cell) if isinstance(cell, float) else re.sub(r"[\s,，]", "", str(cell))
    shown = text[:30]
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise CellError("value.number", f"目标值 {shown} 不是数字") from None
    if not value.is_finite():
        raise CellError("value.number", "目标值应为数字")
    if value < 0:
        raise CellError("value.negative", f"目标值 {shown} 不能为负数")
    if value.adjusted() >= 20:
        raise CellError("value.too_large", f"目标值 {shown} 过大（整数部分最多20位）")
    exponent = value.as_tuple().exponent  # an int: the value is finite
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise CellError("value.decimal_places", f"目标值 {shown} 最多两位小数")
    return value.quantize(Decimal("0.01")).normalize() + 0  # -0 → 0; 1.50 → 1.5


def _text(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def check_row(line: int, cells: dict[str, Any], year: int) -> tuple[ImportRow | None, list[dict]]:
    """One data row (cells as the shared reader converted them): the parsed row, or its errors
    (``field`` ``rows.<line>.<column code>``)."""
    errors = []
    where = f"第{line}行"

    def error(code: str, rule: str, message: str) -> None:
        errors.append(field_error(f"rows.{line}.{code}", rule, f"{where}：{message}"))

    for code, bad in cells.items():
        if isinstance(bad, Unreadable):
            error(code, bad.rule, bad.message)
    indicator, city = _text(cells.get("indicator")), _text(cells.get("city"))
    if not indicator:
        error("indicator", "indicator.required", "缺少指标代码")
    elif indicator not in INDICATORS:
        error("indicator", "indicator.unknown", f"未知指标 {indicator[:50]}（指标代码见“指标”工作表）")
    if city not in PLACE_NAMES:
        error("city", "city.unknown", f"组织机构代码 {city[:20] or '（空）'} 应为 420000（全省）或湖北省17个市州之一")
    row_year = cells.get("year")
    if row_year is not None and not isinstance(row_year, Unreadable) and row_year != year:
        error("year", "year.mismatch", f"年度 {str(row_year)[:10]} 与导入的年度 {year} 不一致")
    value = None
    try:
        value = parse_value(cells.get("value"))
    except CellError as exc:
        error("value", exc.rule, exc.message)
    source = None if blank(cells.get("source")) else _text(cells.get("source"))
    if source and len(source) > MAX_SOURCE:
        error("source", "source.too_long", f"依据不能超过{MAX_SOURCE}个字符")
    if errors or value is None:  # no value without an error naming it
        return None, errors
    return ImportRow(line, indicator, city, value, source), []


def parse_rows(sheet: SheetsSheet, year: int) -> tuple[list[ImportRow], int, list[dict]]:
    """(good rows, rows skipped for an empty value, errors of every bad row). Each error names the
    row as Excel shows it (``sheet_row``, also in ``field``: ``rows.<sheet_row>.<column>``), the
    column's header in the file (``column``) and the row's index among the data rows (``row``)."""
    rows, errors, skipped = [], [], 0
    seen: dict[tuple[str, str], int] = {}
    for index, data_row in enumerate(sheet.rows):
        cells, line = data_row.values, data_row.sheet_row
        if cells.get("value") is None:
            skipped += 1
            continue
        row, bad = check_row(line, cells, year)
        if row is not None:
            first = seen.setdefault((row.indicator, row.city), line)
            if first != line:
                bad = [field_error(f"rows.{line}.city", "row.duplicate",
                                   f"第{line}行：{row.indicator} / {row.city} 与第{first}行重复")]
            else:
                rows.append(row)
        for e in bad:
            code = e["field"].split(".", 2)[2]
            e.update(row=index, sheet_row=line, column=sheet.label(code))
        errors.extend(bad)
    return rows, skipped, errors


def _result_workbook(sheet: SheetsSheet, errors: list[dict], year: int) -> Response:
    """The uploaded rows with an error column, the bad cells marked, and a summary sheet."""
    bad = len({e["row"] for e in errors})
    summary = {"文件": sheet.filename, "导入内容": f"{year}年{TARGETS_SPEC.title}", "数据行数": len(sheet.rows),
               "有错误的行数": bad, "无错误的行数": len(sheet.rows) - bad,
               "写入": "未写入（任何一行不合法则整份文件不写入）"}
    marked = [{**e, "field": e["field"].split(".", 2)[2]} for e in errors]
    return sheets_http.result_response(sheet, marked, summary, 422)


class TargetSum(BaseModel):
    indicator: str
    name: str
    province_target: str
    city_sum: str
    difference: str = Field(description="市州目标之和 − 全省目标")


class TargetsImportOut(BaseModel):
    imported: int = Field(description="写入（dry_run 时为将写入）的行数")
    dry_run: bool
    unchanged: int = Field(description="与已有目标相同而未写入的行数")
    skipped: int = Field(description="目标值为空而跳过的行数")
    source: str | None = Field(description="写入各行的依据")
    targets: list[TargetOut]
    mismatches: list[TargetSum] = Field(description="导入后市州目标之和与全省目标不一致的指标（水平类指标不核对）")


def _changed(row: ImportRow, stored: Target | None) -> bool:
    if stored is None or stored.value != row.value:
        return True
    return row.source is not None and row.source != stored.source


def city_sum_mismatches(values: dict[tuple[str, str], Decimal]) -> list[TargetSum]:
    """Indicators whose city targets do not add up to the province target (both set; cumulative
    indicators only: shares, ranks and caps are held by every city, not split among them)."""
    out = []
    for code, ind in INDICATORS.items():
        province = values.get((code, PROVINCE))
        parts = [v for (c, city), v in values.items() if c == code and city != PROVINCE]
        if province is None or not parts or ind.pace == "level":
            continue
        total = sum(parts, Decimal(0))
        if total != province:
            out.append(TargetSum(indicator=code, name=ind.name, province_target=fmt_decimal(province),
                                 city_sum=fmt_decimal(total), difference=fmt_decimal(total - province)))
    return out


def _profile(text: str | None) -> list[Decimal] | None:
    return [Decimal(w) for w in text.split(",")] if text else None


def _target_out(year: int, indicator: str, city: str, value: Decimal, source: str | None,
                profile: str | None) -> TargetOut:
    weights = _profile(profile)
    return TargetOut(indicator=indicator, year=year, city=city, city_name=city_label(city), value=fmt_decimal(value),
                     source=source, profile=[fmt_decimal(w) for w in weights] if weights is not None else None)


@router.post("/targets/import", response_model=TargetsImportOut, tags=["目标 targets"],
             summary="从工作簿导入年度目标 import a year's targets from a workbook or CSV",
             responses={422: {"content": {XLSX: {}}, "description": "不合法的行；Accept 为 xlsx 时为导入结果工作簿"}},
             description="表单字段 `file`：导出的目标工作簿（.xlsx）或 CSV（UTF-8 / GB18030），"
                         "列为 指标代码(indicator)、"
                         "组织机构代码(city)、目标值(value)，可选 依据(source)。目标值为空的行跳过；先校验全部行，"
                         "任何一行不合法则返回 422 并列出每个错误（`rows.<行号>.<列>`，`sheet_row` 为表格中的行号，"
                         "`column` 为该列表头），不写入任何数据；`Accept` 为 xlsx（或 `format=xlsx`）时"
                         "返回导入结果工作簿（上传的行加“错误”列，错误单元格标红，另有“汇总”页）。"
                         "也可导入 `GET /targets?format=xlsx` 导出的工作簿；文件中不能有无法识别的列。"
                         "与已有目标相同的行不写入；已有的月度进度权重保持不变。"
                         "依据：表单字段 `source`，缺省取所写入各行中"
                         "第一个非空的依据（一次导入记录一个依据）。`dry_run=true` 只校验并返回将写入的目标。")
async def import_targets(request: Request, principal: ProvinceAdmin, rt: RT,
                         year: Annotated[int, Query(ge=2000, le=2100, description="目标所属年度")],
                         file: Annotated[UploadFile, File(description=".xlsx 或 .csv")],
                         source: Annotated[str | None,
                                           Form(max_length=MAX_SOURCE, description="依据（缺省取文件中的依据列）")]
                         = None,
                         dry_run: Annotated[bool,
                                            Query(description="true：只校验，不写入")] = False,
                         ) -> TargetsImportOut | Response:
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise RuleViolation("file.size", f"文件不能超过 {MAX_UPLOAD // (1024 * 1024)} MB", field="file")
    sheet = await asyncio.to_thread(read_targets, file.filename or "", data)
    rows, skipped, errors = parse_rows(sheet, year)
    if errors:
        if sheets_http.wants_xlsx(request):
            return _result_workbook(sheet, errors, year)
        lines = len({e["row"] for e in errors})
        raise ProblemError(422, "validation-error", "请求参数校验失败",
                           f"导入文件中有 {lines} 行不合法，未写入任何目标", errors=errors)
    async with rt.sessions() as session:
        stored = {(t.indicator, t.city): t for t in (await session.scalars(
            select(Target).where(Target.year == year))).all()}
    changed = [r for r in rows if _changed(r, stored.get((r.indicator, r.city)))]
    chosen = ((source or "").strip() or next((r.source for r in changed if r.source), None)
              or next((t.source for r in changed if (t := stored.get((r.indicator, r.city))) and t.source), None))
    profiles = {(r.indicator, r.city): stored[(r.indicator, r.city)].profile
                for r in changed if (r.indicator, r.city) in stored}
    if changed and not dry_run:
        await upsert_targets(rt, year, [(r.indicator, r.city, r.value, _profile(profiles.get((r.indicator, r.city))))
                                        for r in changed], chosen, principal)
    after = {key: t.value for key, t in stored.items()} | {(r.indicator, r.city): r.value for r in changed}
    return TargetsImportOut(
        imported=len(changed), dry_run=dry_run, unchanged=len(rows) - len(changed), skipped=skipped, source=chosen,
        targets=[_target_out(year, r.indicator, r.city, r.value, chosen, profiles.get((r.indicator, r.city)))
                 for r in changed],
        mismatches=city_sum_mismatches(after))
