"""The shared sheet reader: what real-world workbooks and CSVs do to data, undone or refused."""
from __future__ import annotations

import io
from datetime import date

import pytest
from python_calamine import CalamineWorkbook

from libs.common.errors import ProblemError
from libs.common.sheets import Column, Kind, SheetSpec, Unreadable, parse
from libs.common.sheets.cells import convert
from libs.common.sheets.workbooks import result, template
from libs.common.testing import workbook

SPEC = SheetSpec("测试导入", (
    Column("uscc", "统一社会信用代码", Kind.IDENTIFIER, required=True),
    Column("name", "企业名称"),
    Column("city", "所属市州", Kind.CHOICE, choices={"420100": "武汉市", "420500": "宜昌市"}),
    Column("signed", "签订日期", Kind.DATE),
    Column("amount", "金额（元）", Kind.DECIMAL),
    Column("staff", "职工总数", Kind.INTEGER),
    Column("patents", "专利号", Kind.IDENTIFIER, many=True),
    Column("certified", "通过贯标", Kind.BOOL),
    Column("from.kind", "让与方类型", Kind.CHOICE, choices={"university": "高校"}),
))
USCC = "91420100MA4K0000XJ"


def _one(value, kind=Kind.TEXT, **kw):
    return convert(value, Column("x", "列", kind, **kw))


@pytest.mark.parametrize("value", [45717, 45717.0, "2025/3/1", "2025年3月1日", "2025-03-01", "2025.3.1", "20250301",
                                   date(2025, 3, 1), "2025/03/01 00:00"])
def test_dates_as_excel_and_people_write_them(value):
    assert _one(value, Kind.DATE) == "2025-03-01"


def test_a_date_that_is_not_one_is_passed_on_for_the_request_to_refuse():
    assert _one("2025-02-30", Kind.DATE) == "2025-02-30"
    assert _one("下周", Kind.DATE) == "下周"


@pytest.mark.parametrize("value", [9.14201e+17, 914201000000000000, "1.2E+17", "9.14201E+17", 97101765.4])
def test_identifiers_stored_as_numbers_are_refused_with_the_remedy(value):
    out = _one(value, Kind.IDENTIFIER)
    assert isinstance(out, Unreadable) and out.rule == "cell.numeric_identifier"
    assert "设置为文本格式" in out.message


def test_an_identifier_that_only_looks_like_a_number_stays_text():
    """A valid USCC may be digits, an E and digits (9142010012345E6786): Excel shows numbers with a
    signed exponent, so only that is refused (a 10,000-row import once lost such a row)."""
    assert _one("9142010012345E6786", Kind.IDENTIFIER) == "9142010012345E6786"


def test_numbers_codes_bools_and_lists():
    assert _one(120.0, Kind.INTEGER) == 120 and _one("1,200", Kind.INTEGER) == 1200
    assert _one(0.1, Kind.DECIMAL) == "0.1" and _one(3000000.0, Kind.DECIMAL) == "3000000"
    assert _one("1,234.50", Kind.DECIMAL) == "1234.50"
    choices = {"420100": "武汉市", "P1": "新一代信息技术"}
    assert [_one(v, Kind.CHOICE, choices=choices) for v in ("420100 武汉市", "武汉市", 420100.0, "p1", "未知")] == [
        "420100", "420100", "420100", "P1", "未知"]
    assert _one("是", Kind.BOOL) is True and _one("否", Kind.BOOL) is False and _one("也许", Kind.BOOL) == "也许"
    assert _one("200710308494.X；ZL97101765.4, 201910012345.1", Kind.IDENTIFIER, many=True) == [
        "200710308494.X", "ZL97101765.4", "201910012345.1"]
    assert _one("   ", Kind.TEXT) is None and _one(None, Kind.DATE) is None


def test_xlsx_with_a_merged_title_the_code_row_a_formula_and_blank_trailing_rows():
    header = [c.label for c in SPEC.columns]
    codes = [c.code for c in SPEC.columns]
    data = workbook([header, codes,
                     [USCC, "武汉甲公司", "420100 武汉市", date(2025, 3, 1), 1500000.5, ("=20*6", 120),
                      "200710308494.X", "是", "高校"],
                     [9.14201e+17, "乙", "宜昌市", 45717, "2,000", 30, 97101765.4, "否", None],
                     [None] * 9, ["  "] * 9], title="2025 年企业导入表（样表）")
    sheet = parse("x.xlsx", data, SPEC, 100)
    assert [r.sheet_row for r in sheet.rows] == [4, 5]  # title row 1, header 2, codes 3
    first, second = sheet.rows
    assert first.values == {"uscc": USCC, "name": "武汉甲公司", "city": "420100", "signed": "2025-03-01",
                            "amount": "1500000.5", "staff": 120, "patents": ["200710308494.X"], "certified": True,
                            "from.kind": "university"}
    assert SPEC.build(first.values)["from"] == {"kind": "university"}
    assert set(second.unreadable()) == {"uscc", "patents"}
    assert second.values["signed"] == "2025-03-01" and second.values["city"] == "420500"


def test_csv_in_gbk_and_utf8_with_bom():
    text = "统一社会信用代码,企业名称,所属市州\n" f"{USCC},武汉甲公司,武汉市\n" ",,\n"
    for encoded in (text.encode("gbk"), text.encode("gb18030"), text.encode("utf-8-sig"), text.encode("utf-8")):
        sheet = parse("x.csv", encoded, SPEC, 100)
        assert [(r.sheet_row, r.values["name"], r.values["city"]) for r in sheet.rows] == [(2, "武汉甲公司", "420100")]
    sheet = parse("x.csv", "统一社会信用代码\n9.14201E+17\n".encode("gbk"), SPEC, 100)
    assert isinstance(sheet.rows[0].values["uscc"], Unreadable)


@pytest.mark.parametrize(("content", "rule", "words"), [
    ("统一社会信用代码,企业名称,备注栏\nX,Y,Z\n", "file.columns", "备注栏"),
    ("企业名称,所属市州\n甲,武汉市\n", "file.columns", "统一社会信用代码"),
    ("统一社会信用代码,企业名称,企业名称\nX,Y,Z\n", "file.columns", "两次"),
    ("无关,内容\n1,2\n", "file.columns", "表头"),
    ("统一社会信用代码,企业名称\n", "file.empty", "数据"),
])
def test_files_that_cannot_be_imported_are_a_422_naming_why(content, rule, words):
    with pytest.raises(ProblemError) as exc:
        parse("x.csv", content.encode(), SPEC, 100)
    assert exc.value.status == 422 and exc.value.errors
    assert exc.value.errors[0]["field"] == "file" and exc.value.errors[0]["rule"] == rule
    assert words in exc.value.errors[0]["message"]


def test_row_cap_and_not_a_spreadsheet():
    content = "统一社会信用代码,企业名称\n" + f"{USCC},甲\n" * 11
    with pytest.raises(ProblemError, match="最多 10 行"):
        parse("x.csv", content.encode(), SPEC, 10)
    with pytest.raises(ProblemError):
        parse("x.xlsx", b"PK\x03\x04 not really a zip", SPEC, 10)
    with pytest.raises(ProblemError):
        parse("x.pdf", b"%PDF", SPEC, 10)


def _sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


def test_the_template_reads_back_and_the_result_marks_errors():
    sheets = _sheets(template(SPEC))
    assert list(sheets) == ["数据", "说明", "代码表"]
    assert sheets["数据"][0][:3] == ["统一社会信用代码", "企业名称", "所属市州"]
    assert sheets["数据"][1][:3] == ["uscc", "name", "city"]
    assert "420100 武汉市" in [row[0] for row in sheets["代码表"]]
    assert any("设置为文本格式" in str(c) or "文本" in str(c) for row in sheets["说明"] for c in row)
    sheet = parse("t.xlsx", workbook([sheets["数据"][0], sheets["数据"][1], [USCC, "甲", "420100 武汉市"]]), SPEC, 10)
    assert sheet.rows[0].values["city"] == "420100"
    out = _sheets(result(sheet, [{"row": 0, "field": "name", "message": "名称太短"}], {"数据行数": 1}))
    assert out["导入结果"][0][0] == "原行号" and out["导入结果"][0][-1] == "错误"
    assert out["导入结果"][1][0] == 3 and "名称太短" in out["导入结果"][1][-1]
    assert out["汇总"][1] == ["数据行数", 1]
