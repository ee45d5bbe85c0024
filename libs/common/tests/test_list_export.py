"""The workbook writer's pure parts: asking for a workbook, cell values, headings, file names."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from python_calamine import CalamineWorkbook

from libs.common.list_export import XLSX, Column, Sheet, cell_value, in_chunks, wants_workbook, write_workbook


@pytest.mark.parametrize(("fmt", "accept", "expected"), [
    (None, None, False), ("xlsx", None, True), ("json", XLSX, False), (None, XLSX, True),
    (None, XLSX.upper(), True), (None, "application/json", False), (None, "*/*", False),
    (None, f"application/json, {XLSX};q=0.5", False), (None, f"{XLSX}, application/json;q=0.5", True),
    (None, f"{XLSX};q=0", False), (None, f"{XLSX}, */*;q=0.1", True)])
def test_asking_for_a_workbook(fmt, accept, expected):
    assert wants_workbook(fmt, accept) is expected


def test_cell_values():
    assert cell_value("money", Decimal("5000000.00")) == 5_000_000.0
    assert cell_value("number", "3.450") == 3.45
    assert cell_value("number", "12345678901234567.5") == "12345678901234567.5"  # beyond a float: text
    assert cell_value("bool", True) == "是" and cell_value("bool", False) == "否"
    assert cell_value("list", ["a", "b"]) == "a;b"
    assert cell_value("list", [{"kind": "patent", "number": "ZL1", "title": None}]) == "patent:ZL1"
    assert cell_value("list", [{"uscc": "91420100X", "name": "某公司", "is_private": True}]) == "91420100X:某公司:是"
    assert cell_value("datetime", datetime(2025, 1, 1, 0, 30, tzinfo=UTC)) == datetime(2025, 1, 1, 8, 30)
    assert cell_value("text", 42) == "42" and cell_value("text", None) is None


def test_headings_and_file_names():
    sheet = Sheet("质押贷款", "pledge-loans", [Column("city", "市州", names={"420100": "武汉市"}),
                                           Column("amount", "贷款金额", "money")])
    assert sheet.headings() == [("市州代码", "city"), ("市州名称", "city_name"), ("贷款金额(元)", "amount")]
    assert sheet.row({"city": "420100", "amount": Decimal("1.50")}) == ["420100", "武汉市", 1.5]
    name, fallback = sheet.filename("第2版")
    assert name.startswith("质押贷款_第2版_") and fallback.startswith("pledge-loans--") and fallback.isascii()


async def test_a_written_workbook_reads_back():
    sheet = Sheet("测试/表[1]", "test", [Column("uscc", "统一社会信用代码"), Column("on", "日期", "date"),
                                      Column("n", "数量", "int")])
    book = await write_workbook(sheet, in_chunks([{"uscc": "0123", "on": date(2025, 3, 1), "n": 7},
                                                  {"uscc": "=1+1", "on": None, "n": None}], size=1))
    wb = CalamineWorkbook.from_filelike(io.BytesIO(book.file.read()))
    assert wb.sheet_names == ["测试_表_1_"]
    rows = wb.get_sheet_by_index(0).to_python()
    assert rows[1] == ["uscc", "on", "n"]
    assert rows[2][:2] == ["0123", date(2025, 3, 1)] and rows[2][2] in (7, 7.0)
    assert rows[3][0] == "=1+1" and book.rows == 2
