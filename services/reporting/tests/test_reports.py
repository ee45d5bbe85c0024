"""Reports: the progress report (.xlsx and printable HTML) and targets as a workbook (export / import)."""
from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from libs.common.divisions import CITIES
from libs.common.testing import assert_problem, auth, mark, nothing_written
from services.reporting.indicators import HEADLINE, INDICATORS
from services.reporting.models import IndicatorDelta

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
PROVINCE, WUHAN, YICHANG = "420000", "420100", "420500"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEWER = auth("viewer")
ADMIN = auth("province-admin")
REPORT = "/api/v1/reports/progress"
EXPORT = "/api/v1/targets/export"
IMPORT = "/api/v1/targets/import"


async def insert_deltas(api, rows: list[tuple[str, str, int, int, str]]) -> None:
    async with api.app.state.runtime.sessions() as session, session.begin():
        session.add_all([IndicatorDelta(indicator=i, city=c, year=y, month=m, amount=Decimal(a))
                         for i, c, y, m, a in rows])


#: A flow (transfers and licences, a headline target) and a stock (seed enterprises) in 2025.
DELTAS = [("transfers_licences", WUHAN, 2025, 2, "300"), ("transfers_licences", YICHANG, 2025, 2, "200"),
          ("transfers_licences", WUHAN, 2025, 11, "50"), ("transfers_licences", WUHAN, 2024, 5, "999"),
          ("tier_seed", WUHAN, 2024, 12, "100"), ("tier_seed", WUHAN, 2025, 3, "10"),
          ("tier_seed", YICHANG, 2025, 7, "5")]


def workbook(resp):
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == XLSX
    return load_workbook(io.BytesIO(resp.content))


def table(ws, header_text: str = "指标") -> tuple[list[str], dict[str, list]]:
    """(header, indicator code → row values) of a report sheet; the code is the last column."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    h = next(i for i, r in enumerate(rows) if r[0] == header_text)
    return rows[h], {r[-1]: r for r in rows[h + 1:] if r[-1] in INDICATORS}


def data_codes(ws) -> list[str]:
    return [r[-1] for r in ws.iter_rows(values_only=True) if r[-1] in INDICATORS]


# --- the progress report: xlsx --------------------------------------------------------------------

async def test_progress_workbook_has_three_sheets_headline_first_and_numbers(api):
    await insert_deltas(api, DELTAS)
    resp = await api.get(REPORT, params={"year": 2025}, headers=VIEWER)
    wb = workbook(resp)
    assert wb.sheetnames == ["进度总览", "逐月数据", "说明"]
    ws = wb["进度总览"]
    assert ws["A1"].value == "2025年 湖北省 知识产权工作指标进度报告"
    assert ws["A2"].value.startswith("生成时间：")
    header, rows = table(ws)
    assert header[:9] == ["指标", "单位", "当前值", "目标", "完成度(%)", "按进度应达", "状态", "年末预测", "目标依据"]
    codes = data_codes(ws)
    assert codes[:len(HEADLINE)] == list(HEADLINE) and sorted(codes) == sorted(INDICATORS)
    # a group heading above the headline targets
    assert [r[0] for r in ws.iter_rows(min_row=5, max_row=5, values_only=True)] == ["主要预期目标"]

    transfers = rows["transfers_licences"]
    assert transfers[:5] == ["专利转让许可次数（按合同计）", "份", 550, 45000, 1.2]
    assert transfers[6] == "明显滞后"  # 2025 is over and the target is not met
    assert "鄂知发〔2025〕2号" in transfers[8]
    seed = rows["tier_seed"]
    assert seed[2:5] == [115, 1000, 11.5] and seed[6] == "明显滞后"
    assert rows["invention_patents_in_force"][2] is None and rows["invention_patents_in_force"][6] == "暂无数据"
    assert rows["pledge_projects"][6] == "未设目标"

    # numbers are numbers with a number format; status cells are coloured
    row_no = next(c.row for c in ws["J"] if c.value == "transfers_licences")
    assert isinstance(ws.cell(row_no, 3).value, (int, float)) and ws.cell(row_no, 3).number_format == "#,##0"
    assert ws.cell(row_no, 5).number_format == "0.0"
    assert ws.cell(row_no, 7).fill.fgColor.rgb.endswith("FFC7CE")  # red
    pledge_row = next(c.row for c in ws["J"] if c.value == "pledge_amount")
    assert ws.cell(pledge_row, 4).value == 32000000000 and ws.cell(pledge_row, 4).number_format == "#,##0.00"

    rules = "\n".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    assert "按进度应达 = 基数 +（目标 − 基数）× 时间进度" in rules and "略有滞后" in rules


async def test_monthly_sheet_has_flows_per_month_and_stocks_at_month_end(api):
    await insert_deltas(api, DELTAS)
    wb = workbook(await api.get(REPORT, params={"year": 2025}, headers=VIEWER))
    header, rows = table(wb["逐月数据"])
    assert header[3:15] == [f"{m}月" for m in range(1, 13)]
    assert rows["transfers_licences"][3:15] == [0, 500, 0, 0, 0, 0, 0, 0, 0, 0, 50, 0]
    assert rows["tier_seed"][3:15] == [100, 100, 110, 110, 110, 110, 115, 115, 115, 115, 115, 115]
    assert rows["transfers_licences"][2] == "流量：当月发生数" and rows["tier_seed"][2] == "存量：月末水平"
    assert data_codes(wb["逐月数据"])[:len(HEADLINE)] == list(HEADLINE)


async def test_one_city_report(api):
    await insert_deltas(api, DELTAS)
    resp = await api.get(REPORT, params={"year": 2025, "city": WUHAN, "format": "xlsx"}, headers=VIEWER)
    wb = workbook(resp)
    assert wb["进度总览"]["A1"].value == "2025年 武汉市 知识产权工作指标进度报告"
    _, rows = table(wb["逐月数据"])
    assert rows["transfers_licences"][3:15] == [0, 300, 0, 0, 0, 0, 0, 0, 0, 0, 50, 0]
    assert rows["tier_seed"][3:15] == [100, 100, *[110] * 10]
    _, summary = table(wb["进度总览"])
    assert summary["tier_seed"][2:4] == [110, None] and summary["tier_seed"][6] == "未设目标"


async def test_months_not_begun_are_empty(api):
    from libs.common.testing import china_today

    today = china_today()
    wb = workbook(await api.get(REPORT, params={"year": today.year}, headers=VIEWER))
    _, rows = table(wb["逐月数据"])
    months = rows["tier_seed"][3:15]
    assert all(v is not None for v in months[:today.month]) and all(v is None for v in months[today.month:])


async def test_workbook_filename_is_utf8_with_an_ascii_fallback(api):
    resp = await api.get(REPORT, params={"year": 2025}, headers=VIEWER)
    disposition = resp.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="progress-report-2025-420000.xlsx"')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "2025年湖北省指标进度报告.xlsx"


@pytest.mark.parametrize("role, city", [("viewer", None), ("city-officer", YICHANG), ("bank", None)])
async def test_any_signed_in_role_reads_the_report(api, role, city):
    org = "bank-1" if role == "bank" else None
    resp = await api.get(REPORT, params={"year": 2025}, headers=auth(role, city, org))
    assert resp.status_code == 200, resp.text


async def test_report_needs_a_token(api):
    assert_problem(await api.get(REPORT, params={"year": 2025}), 401)


# --- the progress report: html --------------------------------------------------------------------

async def test_html_report_is_a_printable_zh_page(api):
    await insert_deltas(api, DELTAS)
    resp = await api.get(REPORT, params={"year": 2025, "format": "html"}, headers=VIEWER)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/html")
    html = resp.text
    assert '<html lang="zh-CN">' in html and "<title>2025年 湖北省 知识产权工作指标进度报告</title>" in html
    assert '<span class="status status-off_track">明显滞后</span>' in html
    assert "@media print" in html and "1月" in html and "12月" in html
    assert "src=" not in html and "http://" not in html and "https://" not in html  # no external resources
    # headline targets first, the values formatted for people
    first = html.index('data-indicator="invention_patents_in_force"')
    assert first < html.index('data-indicator="tier_advantage"')
    assert ">32,000,000,000<" in html and ">550<" in html


async def test_html_escapes_target_sources(api):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN, json={
        "source": "<script>alert(1)</script>", "targets": [{"indicator": "tier_seed", "value": "1000"}]})
    assert resp.status_code == 200, resp.text
    html = (await api.get(REPORT, params={"year": 2025, "format": "html"}, headers=VIEWER)).text
    assert "<script>" not in html and "&lt;script&gt;" in html


# --- the progress report: bad input ---------------------------------------------------------------

@pytest.mark.parametrize("city", ["999999", "110000", "420102", "all", "abc"])
async def test_unknown_city_is_a_422_naming_city(api, city):
    assert_problem(await api.get(REPORT, params={"year": 2025, "city": city}, headers=VIEWER), 422, "city",
                   "city.unknown")


@pytest.mark.parametrize("fmt", ["pdf", "XLSX", ""])
async def test_unknown_format_is_a_422_naming_format(api, fmt):
    body = assert_problem(await api.get(REPORT, params={"year": 2025, "format": fmt}, headers=VIEWER), 422)
    assert "format" in [e["field"] for e in body["errors"]]


@pytest.mark.parametrize("year", ["1999", "2101", "abc"])
async def test_bad_year_is_a_422_naming_year(api, year):
    body = assert_problem(await api.get(REPORT, params={"year": year}, headers=VIEWER), 422)
    assert "year" in [e["field"] for e in body["errors"]]


# --- targets: export ------------------------------------------------------------------------------

def sheet_rows(content: bytes) -> tuple[list, list[list]]:
    ws = load_workbook(io.BytesIO(content))["目标"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0], rows[1:]


async def test_export_lists_targets_and_empty_city_rows_to_fill(api):
    resp = await api.get(EXPORT, params={"year": 2025}, headers=VIEWER)
    assert resp.status_code == 200 and resp.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in resp.headers["content-disposition"]
    header, rows = sheet_rows(resp.content)
    assert header == ["指标代码 indicator", "指标名称", "单位", "组织机构代码 city", "组织机构名称", "目标值 value",
                      "依据 source"]
    seed = [r for r in rows if r[0] == "tier_seed"]
    assert seed[0][:6] == ["tier_seed", "知识产权种子企业", "家", PROVINCE, "湖北省", 1000]
    assert "百千万" in seed[0][6]
    assert [r[3] for r in seed[1:]] == list(CITIES) and all(r[5] is None for r in seed[1:])
    assert not [r for r in rows if r[0] == "pledge_projects"]  # no province target: no rows


async def test_export_leaves_out_cities_that_have_a_target(api):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN,
                         json={"targets": [{"indicator": "tier_seed", "city": WUHAN, "value": "300"}]})
    assert resp.status_code == 200
    _, rows = sheet_rows((await api.get(EXPORT, params={"year": 2025}, headers=VIEWER)).content)
    seed = [r for r in rows if r[0] == "tier_seed"]
    assert [(r[3], r[5]) for r in seed[:2]] == [(PROVINCE, 1000), (WUHAN, 300)]
    assert len(seed) == 1 + len(CITIES)


# --- targets: import ------------------------------------------------------------------------------

def upload(content: bytes, name: str = "targets.xlsx"):
    return {"file": (name, content, XLSX if name.endswith(".xlsx") else "text/csv")}


async def targets(api, year: int = 2025) -> dict[tuple[str, str], dict]:
    resp = await api.get("/api/v1/targets", params={"year": year}, headers=VIEWER)
    return {(t["indicator"], t["city"]): t for t in resp.json()}


def edit(content: bytes, changes: dict[tuple[str, str], Any]) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb["目标"]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[3].value)
        if key in changes:
            row[5].value = changes[key]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def new_workbook(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["indicator", "city", "value", "source"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def test_export_change_import_round_trip(api):
    exported = (await api.get(EXPORT, params={"year": 2025}, headers=ADMIN)).content
    changed = edit(exported, {("tier_seed", PROVINCE): 1200, ("tier_seed", WUHAN): 300,
                              ("tier_seed", YICHANG): "150.5"})
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(changed))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["imported"] == 3 and body["dry_run"] is False and body["unchanged"] > 10
    assert [(t["indicator"], t["city"], t["value"]) for t in body["targets"]] == [
        ("tier_seed", PROVINCE, "1200"), ("tier_seed", WUHAN, "300"), ("tier_seed", YICHANG, "150.5")]
    assert {"indicator": "tier_seed", "name": "知识产权种子企业", "province_target": "1200", "city_sum": "450.5",
            "difference": "-749.5"} in body["mismatches"]
    now = await targets(api)
    assert now[("tier_seed", PROVINCE)]["value"] == "1200" and now[("tier_seed", WUHAN)]["value"] == "300"
    assert now[("tier_seed", YICHANG)]["value"] == "150.5"
    assert "百千万" in now[("tier_seed", WUHAN)]["source"]  # the source of the rows written
    assert "320" in now[("pledge_amount", PROVINCE)]["source"]  # rows not changed keep their own source


async def test_import_keeps_the_monthly_profile(api):
    profile = ["1"] * 11 + ["2"]
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN,
                         json={"targets": [{"indicator": "tier_seed", "value": "1000", "profile": profile}]})
    assert resp.status_code == 200
    content = new_workbook([["tier_seed", PROVINCE, 1100, None]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content))
    assert resp.status_code == 200, resp.text
    assert (await targets(api))[("tier_seed", PROVINCE)]["profile"] == profile


async def test_import_reads_a_gb18030_csv_with_chinese_headings(api):
    text = "指标代码,组织机构代码,目标值,依据\r\ntier_growth,420100,\"2,000\",市州分解方案\r\ntier_growth,420500,,\r\n"
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN,
                          files=upload(text.encode("gb18030"), "目标.csv"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["imported"], body["skipped"], body["source"]) == (1, 1, "市州分解方案")
    assert (await targets(api))[("tier_growth", WUHAN)]["value"] == "2000"


async def test_import_with_bad_rows_names_each_and_writes_nothing(api):
    before, since = await targets(api), await mark(api.app.state.runtime)
    content = new_workbook([["tier_seed", PROVINCE, 1500, None],  # row 2: fine
                            ["no_such_indicator", PROVINCE, 5, None],  # row 3
                            ["tier_seed", WUHAN, -1, None],  # row 4
                            ["tier_seed", "110000", 10, None],  # row 5
                            ["tier_seed", YICHANG, "1.234", None],  # row 6
                            ["tier_growth", PROVINCE, "many", None],  # row 7
                            ["tier_seed", PROVINCE, 1600, None]])  # row 8: the same as row 2
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content))
    body = assert_problem(resp, 422, "rows.3.indicator", "indicator.unknown")
    assert {(e["field"], e["rule"]) for e in body["errors"]} == {
        ("rows.3.indicator", "indicator.unknown"), ("rows.4.value", "value.negative"),
        ("rows.5.city", "city.unknown"), ("rows.6.value", "value.decimal_places"),
        ("rows.7.value", "value.number"), ("rows.8.city", "row.duplicate")}
    assert all(e["message"].startswith("第") for e in body["errors"])
    assert await targets(api) == before
    assert await nothing_written(api.app.state.runtime, since)


async def test_dry_run_checks_and_writes_nothing(api):
    before, since = await targets(api), await mark(api.app.state.runtime)
    content = new_workbook([["tier_seed", PROVINCE, 1500, "试算"], ["tier_seed", WUHAN, 400, None]])
    resp = await api.post(IMPORT, params={"year": 2025, "dry_run": "true"}, headers=ADMIN, files=upload(content))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["dry_run"] is True and body["imported"] == 2 and body["source"] == "试算"
    assert [(t["city"], t["value"]) for t in body["targets"]] == [(PROVINCE, "1500"), (WUHAN, "400")]
    assert body["mismatches"][0]["difference"] == "-1100"
    assert await targets(api) == before
    assert await nothing_written(api.app.state.runtime, since)


async def test_import_is_audited_with_the_source_form_field(api):
    since = await mark(api.app.state.runtime)
    content = new_workbook([["tier_seed", PROVINCE, 1500, "表格里的依据"]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content),
                          data={"source": "2025年目标调整通知"})
    assert resp.status_code == 200, resp.text
    assert (await targets(api))[("tier_seed", PROVINCE)]["source"] == "2025年目标调整通知"
    from libs.common.testing import written_since

    events, audits = await written_since(api.app.state.runtime, since)
    assert [a["action"] for a in audits] == ["target.set"] and events


async def test_importing_the_same_values_writes_nothing(api):
    exported = (await api.get(EXPORT, params={"year": 2025}, headers=ADMIN)).content
    since = await mark(api.app.state.runtime)
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(exported))
    assert resp.status_code == 200, resp.text
    assert resp.json()["imported"] == 0 and resp.json()["unchanged"] > 10
    assert await nothing_written(api.app.state.runtime, since)


@pytest.mark.parametrize("role, city", [("viewer", None), ("city-officer", WUHAN), ("bank", None)])
async def test_only_province_admin_or_integration_imports(api, role, city):
    content = new_workbook([["tier_seed", PROVINCE, 1500, None]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers=auth(role, city, "bank-1" if role == "bank" else None),
                          files=upload(content))
    assert_problem(resp, 403)
    assert (await targets(api))[("tier_seed", PROVINCE)]["value"] == "1000"


async def test_integration_client_imports(api):
    content = new_workbook([["tier_seed", PROVINCE, 1500, None]])
    resp = await api.post(IMPORT, params={"year": 2025}, headers=auth("integration"), files=upload(content))
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("name, content, rule", [
    ("t.xlsx", b"PK\x03\x04 not really a zip", "file.xlsx"),
    ("t.xls", b"\xd0\xcf\x11\xe0 a damaged old workbook", "file.xlsx"),
    ("t.bin", b"\x00\x01\x02", "file.type"),
    ("t.csv", "名称,数值\r\na,1\r\n".encode(), "file.columns"),
    ("t.csv", b"indicator,value\r\ntier_seed,1\r\n", "file.columns"),
])
async def test_unreadable_files_are_a_422_naming_file(api, name, content, rule):
    resp = await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, files=upload(content, name))
    assert_problem(resp, 422, "file", rule)


async def test_import_needs_a_file_and_a_year(api):
    body = assert_problem(await api.post(IMPORT, params={"year": 2025}, headers=ADMIN, data={"x": "1"}), 422)
    assert "file" in [e["field"] for e in body["errors"]]
    content = new_workbook([["tier_seed", PROVINCE, 1500, None]])
    body = assert_problem(await api.post(IMPORT, headers=ADMIN, files=upload(content)), 422)
    assert "year" in [e["field"] for e in body["errors"]]
