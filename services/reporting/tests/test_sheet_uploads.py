"""Workbooks in and out of reporting: a statistics upload answered with its result workbook (the rows
with an 错误 column, the bad cells marked, a 汇总 sheet), the targets import read through the shared
sheet reader (row numbers and column headers in every error, unknown columns refused), and the
``GET /targets`` export edited and imported back."""
from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook, load_workbook

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from libs.common.testing import assert_problem, auth, mark, nothing_written
from services.reporting.exports import TARGETS
from services.reporting.indicators import INDICATORS
from services.reporting.tests.test_statistics import URL, WUHAN, YICHANG

PROVINCE = "420000"
ADMIN, INTEGRATION, VIEWER = auth("province-admin"), auth("integration"), auth("viewer")
IMPORT = "/api/v1/targets/import"
BAD_FILL = "FFFFC7CE"


def xlsx(rows: list[list[Any]], title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if title:
        ws.title = title
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "data.xlsx") -> dict:
    return {"file": (name, content, XLSX)}


def result_sheets(resp) -> tuple[list[list[Any]], Any, dict[str, Any]]:
    """(rows of 导入结果, that worksheet, the 汇总 sheet as a dict)."""
    assert resp.headers["content-type"] == XLSX, resp.text
    assert "filename*=UTF-8''" in resp.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["导入结果", "汇总"]
    ws: Any = wb["导入结果"]
    summary: dict[str, Any] = {str(r[0]): r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    return [list(r) for r in ws.iter_rows(values_only=True)], ws, summary


async def stat_values(api) -> list[dict]:
    return (await api.get(URL, headers=ADMIN)).json()


# --- statistics: the result workbook --------------------------------------------------------------

STAT_ROWS: list[list[Any]] = [["湖北省知识产权统计报表（2025年）"],  # a title row above the header
             ["数据元素", "期间", "组织机构", "数值"],
             ["pct_applications", "2025Q1", "420100", 120],  # row 3: fine
             ["pct_applications", "2025Q2", "420100", -1],  # row 4: value.negative
             ["no_such_element", "2025Q2", "420100", 5]]  # row 5: element unknown


async def test_a_bad_row_comes_back_in_the_result_workbook_marked(api):
    resp = await api.post(URL, files=upload(xlsx(STAT_ROWS), "统计.xlsx"), headers={**INTEGRATION, "Accept": XLSX})
    assert resp.status_code == 200
    rows, ws, summary = result_sheets(resp)
    assert rows[0] == ["原行号", "数据元素", "期间", "组织机构", "数值", "错误"]
    assert [r[0] for r in rows[1:]] == [3, 4, 5]
    assert rows[1][5] in (None, "")  # the good row has no error
    assert rows[2][5].startswith("数值：") and "负" in rows[2][5]
    assert rows[3][5].startswith("数据元素：")
    assert ws.cell(row=3, column=5).fill.fgColor.rgb == BAD_FILL  # row 4's value cell
    assert ws.cell(row=3, column=5).comment is not None
    assert ws.cell(row=3, column=2).fill.fgColor.rgb != BAD_FILL  # its element cell is fine
    assert ws.cell(row=4, column=2).fill.fgColor.rgb == BAD_FILL  # row 5's element cell
    assert (summary["数据行数"], summary["有错误的行数"], summary["无错误的行数"]) == (3, 2, 1)
    assert (summary["导入状态"], summary["新增"]) == ("WARNING", 1)
    assert [(v["element"], v["period"], v["value"]) for v in await stat_values(api)] == [
        ("pct_applications", "2025Q1", "120")]  # the good row is written, the bad ones are not


async def test_a_rejected_upload_answers_its_workbook_with_the_status_and_writes_nothing(api):
    since = await mark(api.app.state.runtime)
    resp = await api.post(URL, params={"format": "xlsx", "atomic": "true"}, files=upload(xlsx(STAT_ROWS)),
                          headers=INTEGRATION)
    assert resp.status_code == 422
    rows, _, summary = result_sheets(resp)
    assert [bool(r[5]) for r in rows[1:]] == [False, True, True]
    assert summary["导入状态"] == "ERROR" and "未写入" in summary["写入"]
    assert await stat_values(api) == []
    assert await nothing_written(api.app.state.runtime, since)


async def test_a_dry_run_workbook_says_nothing_was_written(api):
    since = await mark(api.app.state.runtime)
    resp = await api.post(URL, params={"dry_run": "true"}, files=upload(xlsx(STAT_ROWS)),
                          headers={**INTEGRATION, "Accept": XLSX})
    assert resp.status_code == 200
    _, _, summary = result_sheets(resp)
    assert "试运行" in summary["写入"] and summary["有错误的行数"] == 2
    assert await nothing_written(api.app.state.runtime, since)


async def test_rows_that_are_not_a_data_value_set_are_marked_too(api):
    too_long = "x" * 60  # an element code longer than 50 characters
    rows: list[list[Any]] = [["element", "period", "org_unit", "value"], [too_long, "2025", "420100", 1]]
    resp = await api.post(URL, files=upload(xlsx(rows)), headers=INTEGRATION)
    body = assert_problem(resp, 422)
    assert (body["errors"][0]["sheet_row"], body["errors"][0]["column"]) == (2, "element")
    resp = await api.post(URL, files=upload(xlsx(rows)), headers={**INTEGRATION, "Accept": XLSX})
    assert resp.status_code == 422
    got, ws, _ = result_sheets(resp)
    assert got[1][0] == 2 and got[1][5] and ws.cell(row=2, column=2).fill.fgColor.rgb == BAD_FILL


async def test_json_answers_are_unchanged_without_the_xlsx_accept(api):
    resp = await api.post(URL, files=upload(xlsx(STAT_ROWS)), headers=INTEGRATION)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    assert [(c["sheet_row"], c["column"]) for c in resp.json()["conflicts"]] == [(4, "数值"), (5, "数据元素")]


# --- targets: GET /targets as a workbook, and back --------------------------------------------------

async def test_targets_export_equals_the_json_list_with_names_and_units(api):
    listed = (await api.get("/api/v1/targets", params={"year": 2025}, headers=VIEWER)).json()
    assert listed
    exported = await api.get("/api/v1/targets", params={"year": 2025, "format": "xlsx"}, headers=VIEWER)
    data = assert_export_matches(exported, TARGETS, [{**t, "unit": INDICATORS[t["indicator"]].unit} for t in listed])
    labels, codes, _ = read_sheet(exported.content)
    assert labels[:4] == ["指标代码", "指标名称", "单位", "年度"]
    seed = next(dict(zip(codes, r, strict=True)) for r in data
                if r[codes.index("indicator")] == "tier_seed" and r[codes.index("city")] == PROVINCE)
    assert (seed["indicator_name"], seed["unit"], seed["city_name"], seed["value"]) == (
        "知识产权种子企业", "家", "湖北省", 1000)
    assert "2025" in exported.headers["content-disposition"]


def _edit(content: bytes, changes: dict[tuple[str, str], Any]) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    codes = [c.value for c in ws[2]]
    at = {k: codes.index(k) for k in ("indicator", "city", "value")}
    for row in ws.iter_rows(min_row=3):
        key = (row[at["indicator"]].value, row[at["city"]].value)
        if key in changes:
            row[at["value"]].value = changes[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def test_the_targets_list_export_edited_imports_back(api):
    exported = (await api.get("/api/v1/targets", params={"year": 2025, "format": "xlsx"}, headers=ADMIN)).content
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN,
                          files=upload(_edit(exported, {("tier_seed", PROVINCE): 1300}), "年度目标.xlsx"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["imported"] == 1 and body["unchanged"] > 10
    assert [(t["indicator"], t["city"], t["value"]) for t in body["targets"]] == [("tier_seed", PROVINCE, "1300")]
    since = await mark(api.app.state.runtime)
    again = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN,
                           files=upload(_edit(exported, {("tier_seed", PROVINCE): 1300})))
    assert again.status_code == 200 and again.json()["imported"] == 0  # re-sending changes nothing
    assert await nothing_written(api.app.state.runtime, since)


# --- targets: the shared reader's rules -------------------------------------------------------------

async def test_import_errors_name_the_excel_row_and_the_column_header(api):
    since = await mark(api.app.state.runtime)
    content = xlsx([["2025年目标分解"],  # a title row: skipped
                    ["指标代码", "组织机构代码", "目标值", "年度"],
                    ["tier_seed", 420100, 300, 2025],  # row 3: a city code typed as a number is read
                    ["tier_seed", "420500", "abc", None],  # row 4: value.number
                    ["tier_growth", "420100", 10, 2024]])  # row 5: year.mismatch
    body = assert_problem(await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content)), 422)
    got = {(e["field"], e["rule"], e["sheet_row"], e["column"]) for e in body["errors"]}
    assert got == {("rows.4.value", "value.number", 4, "目标值"), ("rows.5.year", "year.mismatch", 5, "年度")}
    assert await nothing_written(api.app.state.runtime, since)


async def test_indicator_and_city_names_are_read_as_their_codes(api):
    content = xlsx([["指标代码", "组织机构代码", "目标值"], ["知识产权种子企业", "420500 宜昌市", "1,200"]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content))
    assert resp.status_code == 200, resp.text
    assert [(t["indicator"], t["city"], Decimal(t["value"])) for t in resp.json()["targets"]] == [
        ("tier_seed", YICHANG, Decimal(1200))]


async def test_an_unknown_column_is_refused_naming_it(api):
    content = xlsx([["指标代码", "组织机构代码", "目标值", "备注"], ["tier_seed", WUHAN, 300, "x"]])
    body = assert_problem(await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content)), 422,
                          "file", "file.columns")
    assert "备注" in body["errors"][0]["message"]


async def test_the_targets_sheet_is_read_even_when_not_first(api):
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    first.append(["请在“目标”页填写"])
    ws = wb.create_sheet("目标")
    ws.append(["indicator", "city", "value"])
    ws.append(["tier_seed", WUHAN, 333])
    out = io.BytesIO()
    wb.save(out)
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(out.getvalue()))
    assert resp.status_code == 200, resp.text
    assert resp.json()["targets"][0]["value"] == "333"


async def test_a_bad_targets_file_asked_as_xlsx_gives_the_result_workbook(api):
    since = await mark(api.app.state.runtime)
    content = xlsx([["indicator", "city", "value"], ["tier_seed", WUHAN, 300], ["tier_seed", YICHANG, -5]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers={**ADMIN, "Accept": XLSX}, files=upload(content))
    assert resp.status_code == 422
    rows, ws, summary = result_sheets(resp)
    assert [r[0] for r in rows[1:]] == [2, 3] and not rows[1][4] and "负数" in rows[2][4]
    assert ws.cell(row=3, column=4).fill.fgColor.rgb == BAD_FILL
    assert summary["有错误的行数"] == 1 and "未写入" in summary["写入"]
    assert await nothing_written(api.app.state.runtime, since)


# --- the catalogues --------------------------------------------------------------------------------

async def test_the_indicator_and_element_catalogues_export(api):
    from services.reporting.exports import CATALOGUE_SHEET, ELEMENTS

    for path, sheet in (("/api/v1/indicators/catalogue", CATALOGUE_SHEET), ("/api/v1/statistics/elements", ELEMENTS)):
        listed = (await api.get(path, headers=VIEWER)).json()
        exported = await api.get(path, params={"format": "xlsx"}, headers=VIEWER)
        data = assert_export_matches(exported, sheet, listed)
        assert len(data) == len(listed) > 5
    _, codes, _ = read_sheet(exported.content)
    assert {r[codes.index("kind_name")] for r in data} <= {"流量", "存量"}
