"""The province's recommendation list towards the national pool as a workbook (xlsxwriter), zh-CN
headers, one row per member; the 10 criteria's outcomes as the province admitted them."""
from __future__ import annotations

import io
from datetime import date, datetime
from urllib.parse import quote

import xlsxwriter  # no stubs shipped

from services.enterprise.pool.domain import CRITERIA_CODES, CRITERIA_TITLES, Outcome
from services.enterprise.pool.lists import ListedMember

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "湖北省推荐进入国家知识产权局专利产业化样板企业培育库企业名单"
SOURCE = ("依据：湖北省专利产业化促进中小企业成长计划实施方案 二(六)11 “省知识产权局会同相关部门共同推荐进入"
          "国家知识产权局培育库，省级筛选不超过500家”")
HEADERS = ["序号", "统一社会信用代码", "企业名称", "所属市州", "所属县（市、区）", "主营产业", "企业规模",
           "相关资格", "入库日期", "入库时专利产业化率（%）", "评价所用数据年度", "符合条目",
           "提示条目（原则上）", "不符合条目", "无法判断条目"]
WIDTHS = [6, 22, 36, 10, 14, 26, 8, 36, 12, 12, 10, 16, 22, 16, 16]


def _numbers(codes: list[str]) -> str:
    return "、".join(str(CRITERIA_CODES.index(c) + 1) for c in codes if c in CRITERIA_TITLES)


def workbook(members: list[ListedMember], as_of: date) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "vcenter"})
    cell = book.add_format({"border": 1, "valign": "top", "text_wrap": True})
    day = book.add_format({"border": 1, "valign": "top", "num_format": "yyyy-mm-dd"})
    rate = book.add_format({"border": 1, "valign": "top", "num_format": "0.00"})
    sheet = book.add_worksheet("推荐名单")
    sheet.write(0, 0, TITLE, bold)
    sheet.write(1, 0, f"截至 {as_of.isoformat()}，在库企业 {len(members)} 家。{SOURCE}")
    for col, (text, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write(3, col, text, head)
        sheet.set_column(col, col, width)
    for i, m in enumerate(members, start=1):
        row = 3 + i
        values = [i, m.uscc, m.name, m.city_name, m.county_name or "", f"{m.industry} {m.industry_name}".strip(),
                  m.size_class_name, "、".join(m.qualifications)]
        for col, value in enumerate(values):
            sheet.write(row, col, value, cell)
        sheet.write_datetime(row, 8, _midnight(m.admitted_on), day)
        if m.admission_rate is None:
            sheet.write_blank(row, 9, None, rate)
        else:
            sheet.write_number(row, 9, float(m.admission_rate), rate)
        sheet.write_number(row, 10, m.evaluation_year, cell)
        for col, outcome in zip(range(11, 15), (Outcome.PASS, Outcome.WARN, Outcome.FAIL, Outcome.UNKNOWN),
                                strict=True):
            sheet.write(row, col, _numbers(m.outcomes.get(outcome.value, [])), cell)
    sheet.freeze_panes(4, 3)
    if members:
        sheet.autofilter(3, 0, 3 + len(members), len(HEADERS) - 1)
    notes = book.add_worksheet("条目说明")
    notes.write(0, 0, "条目", head)
    notes.write(0, 1, "入库企业基本标准（附件）", head)
    notes.set_column(1, 1, 90)
    for n, code in enumerate(CRITERIA_CODES, start=1):
        notes.write_number(n, 0, n, cell)
        notes.write(n, 1, CRITERIA_TITLES[code], cell)
    book.close()
    return out.getvalue()


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def content_disposition(as_of: date) -> str:
    """RFC 6266 / 5987: an ASCII fallback and the UTF-8 file name."""
    name = f"国家培育库推荐名单-{as_of.isoformat()}.xlsx"
    return f"attachment; filename=\"national-recommendations-{as_of.isoformat()}.xlsx\"; " \
           f"filename*=UTF-8''{quote(name, safe='')}"
