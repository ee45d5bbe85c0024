"""Bulk registration and update of enterprises and bulk tier recommendations: JSON, .xlsx and .csv at
one path; per-row errors with the Excel row and header; dry run, atomic, re-upload, city scoping."""
from __future__ import annotations

import io

import pytest
from python_calamine import CalamineWorkbook

from libs.common.testing import assert_problem, random_uscc, upload, workbook
from services.enterprise.models import Enterprise, TierRecommendation, YearFigures
from services.enterprise.sheets import ENTERPRISES
from services.enterprise.tests.helpers import (
    count_rows,
    enterprise_body,
    headers,
    mark,
    nothing_written,
    written_since,
)

ADMIN, OFFICER, WUHAN, YICHANG = "province-admin", "city-officer", "420100", "420500"
URL = "/api/v1/enterprises/bulk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {c.code: c.label for c in ENTERPRISES.columns}


def sheet_rows(codes: list[str], rows: list[list]) -> list[list]:
    """The template's two header rows (labels, codes) and ``rows``."""
    return [[LABELS[c] for c in codes], codes, *rows]


def _sheets(content: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {n: book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in book.sheet_names}


async def test_xlsx_upload_registers_good_rows_and_names_excel_row_and_header_of_bad_ones(api, runtime):
    good, numeric, bad_city, other = (random_uscc(WUHAN) for _ in range(4))
    codes = ["uscc", "name", "city", "industry", "size_class", "ownership", "qualifications", "own_brand",
             "year", "staff", "rd_staff", "revenue"]
    content = workbook(sheet_rows(codes, [
        [good, "武汉甲科技有限公司", "420100 武汉市", "新一代信息技术（光芯屏端网）", "小型", "民营",
         "高新技术企业；省级专精特新中小企业", "是", 2024, ("=100*2", 200), 40, 12500000.5],
        [9.14201e+17, "数字信用代码有限公司", "武汉市", "P1", "small", "private", None, None, None, None, None, None],
        [bad_city, "外省市州有限公司", "999999", "P1", "small", "private", None, None, None, None, None, None],
        [other, "武汉乙科技有限公司", "武汉市", "P2", "medium", "state", None, "否", 2024, 10, 20, None],
        [None] * 12,
    ]), title="2025 年成长型企业登记表")
    since = await mark(runtime)
    r = await api.post(URL, files=upload(content), headers=headers(ADMIN))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["registered"], out["rejected"], out["figures_reported"]) == (4, 1, 3, 1)
    errors = {(e["sheet_row"], e["column"], e["rule"]) for e in out["errors"]}
    assert (5, "统一社会信用代码", "cell.numeric_identifier") in errors       # title 1, labels 2, codes 3
    assert (6, "所属市州", "city.unknown") in errors or any(e[0] == 6 and e[1] == "所属市州" for e in errors)
    assert (7, "研发人员数", "rd_staff.exceeds_staff") in errors
    assert "设置为文本格式" in next(e["message"] for e in out["errors"] if e["sheet_row"] == 5)
    async with runtime.sessions() as s:
        e = await s.get(Enterprise, good)
        assert (e.city, e.industry, e.size_class, e.qualifications, e.own_brand) == (
            WUHAN, "P1", "small", ["high_tech", "srdi_provincial"], True)
        f = await s.get(YearFigures, (good, 2024))
        assert (f.staff, f.rd_staff, str(f.revenue)) == (200, 40, "12500000.50")
    assert await count_rows(runtime, Enterprise) == 1           # bad rows never written
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.enterprise.enterprise.registered.v1",
                                                 "ipp.enterprise.figures.reported.v1"]
    assert [a["action"] for a in audits] == ["enterprise.register", "enterprise.figures"]


async def test_gbk_csv_as_chinese_excel_saves_it(api, runtime):
    a, b = random_uscc(WUHAN), random_uscc(YICHANG)
    text = ("统一社会信用代码,企业名称,所属市州,产业（51020）,企业规模,所有制\n"
            f"{a},武汉丙科技有限公司,武汉市,P1,小型,民营\n{b},宜昌丁化工有限公司,宜昌市,现代化工及能源,中型,国有\n,,,,,\n")
    r = await api.post(URL, files=upload(text.encode("gbk"), "企业.csv"), headers=headers(ADMIN))
    assert r.status_code == 200 and r.json()["registered"] == 2, r.text
    async with runtime.sessions() as s:
        assert (await s.get(Enterprise, b)).industry == "P3"


async def test_unknown_column_is_refused_and_nothing_written(api, runtime):
    since = await mark(runtime)
    content = workbook([["统一社会信用代码", "企业名称", "联系人电话"], [random_uscc(WUHAN), "甲", "027-1234"]])
    r = await api.post(URL, files=upload(content), headers=headers(ADMIN))
    body = assert_problem(r, 422, "file", "file.columns")
    assert "联系人电话" in body["errors"][0]["message"]
    assert await nothing_written(runtime, since)


async def test_dry_run_validates_everything_and_writes_nothing(api, runtime):
    rows = [enterprise_body(), enterprise_body(industry="ZZ")]
    since = await mark(runtime)
    r = await api.post(URL, params={"dry_run": "true"}, json={"rows": rows}, headers=headers(ADMIN))
    out = r.json()
    assert r.status_code == 200 and (out["dry_run"], out["registered"], out["written"], out["rejected"]) == (
        True, 1, 0, 1)
    assert out["errors"][0]["field"] == "industry" and out["errors"][0]["row"] == 1
    assert await nothing_written(runtime, since) and await count_rows(runtime, Enterprise) == 0


async def test_atomic_writes_all_or_nothing(api, runtime):
    codes = ["uscc", "name", "industry", "size_class", "ownership"]
    content = workbook(sheet_rows(codes, [[random_uscc(WUHAN), "甲公司名", "P1", "small", "private"],
                                          [random_uscc(WUHAN), "乙", "P1", "small", "private"]]))
    since = await mark(runtime)
    r = await api.post(URL, params={"atomic": "true"}, files=upload(content), headers=headers(ADMIN))
    body = assert_problem(r, 422, "name", "string_too_short", slug="bulk-rejected")
    assert body["errors"][0]["sheet_row"] == 4 and body["errors"][0]["column"] == "企业名称"
    assert await nothing_written(runtime, since)


async def test_the_same_file_twice_registers_nothing_twice(api, runtime):
    codes = ["uscc", "name", "industry", "size_class", "ownership", "year", "staff", "revenue"]
    rows = [[random_uscc(WUHAN), f"武汉重复导入{i}有限公司", "P1", "small", "private", 2024, 50 + i, "1000000"]
            for i in range(5)]
    content = workbook(sheet_rows(codes, rows))
    first = (await api.post(URL, files=upload(content), headers=headers(ADMIN))).json()
    assert (first["registered"], first["figures_reported"], first["written"]) == (5, 5, 5)
    since = await mark(runtime)
    again = (await api.post(URL, files=upload(content), headers=headers(ADMIN))).json()
    assert (again["registered"], again["unchanged"], again["figures_reported"], again["written"]) == (0, 5, 0, 0)
    assert await nothing_written(runtime, since)
    rows[0][1] = "武汉重复导入改名有限公司"
    rows[1][6] = 99
    changed = (await api.post(URL, files=upload(workbook(sheet_rows(codes, rows))), headers=headers(ADMIN))).json()
    assert (changed["updated"], changed["figures_reported"], changed["written"]) == (1, 1, 2)
    events, _ = await written_since(runtime, since)
    assert sorted(e["event_type"] for e in events) == ["ipp.enterprise.enterprise.updated.v1",
                                                       "ipp.enterprise.figures.reported.v1"]
    assert await count_rows(runtime, Enterprise) == 5


async def test_a_city_officer_imports_only_their_city(api, runtime):
    mine, theirs = random_uscc(WUHAN), random_uscc(YICHANG)
    r = await api.post(URL, json={"rows": [enterprise_body(mine), enterprise_body(theirs, city=YICHANG,
                                                                                  county=None)]},
                       headers=headers(OFFICER, WUHAN))
    out = r.json()
    assert (out["registered"], out["rejected"]) == (1, 1)
    assert (out["errors"][0]["row"], out["errors"][0]["field"], out["errors"][0]["rule"]) == (1, "city",
                                                                                              "forbidden-city")
    # an update of another city's enterprise, or moving one's own to another city, is refused too
    await api.post(URL, json={"rows": [enterprise_body(theirs, city=YICHANG, county=None)]}, headers=headers(ADMIN))
    r = await api.post(URL, json={"rows": [{"uscc": theirs, "name": "改名企业有限公司"},
                                           {"uscc": mine, "city": YICHANG}]}, headers=headers(OFFICER, WUHAN))
    assert [e["rule"] for e in r.json()["errors"]] == ["forbidden-city", "forbidden-city"]
    assert await count_rows(runtime, Enterprise, Enterprise.city == YICHANG) == 1


@pytest.mark.parametrize("role", ["viewer", "agency", "integration"])
async def test_readers_may_not_import(api, role):
    assert_problem(await api.post(URL, json={"rows": [enterprise_body()]}, headers=headers(role)), 403)


async def test_ten_thousand_rows_in_one_upload(api, runtime):
    codes = ["uscc", "name", "industry", "size_class", "ownership", "year", "staff", "rd_staff"]
    rows = [[random_uscc(WUHAN), f"武汉成长型企业{i:05d}有限公司", "P1", "small", "private", 2024, 100, 20]
            for i in range(10000)]
    r = await api.post(URL, files=upload(workbook(sheet_rows(codes, rows))), headers=headers(ADMIN))
    assert r.status_code == 200, r.text[:500]
    out = r.json()
    assert (out["registered"], out["figures_reported"], out["rejected"]) == (10000, 10000, 0)
    assert await count_rows(runtime, Enterprise) == 10000
    too_many = workbook(sheet_rows(codes, rows + [rows[0]]))
    assert_problem(await api.post(URL, files=upload(too_many), headers=headers(ADMIN)), 422, "file", "file.rows")


async def test_result_workbook_marks_the_bad_cells(api):
    codes = ["uscc", "name", "industry", "size_class", "ownership"]
    content = workbook(sheet_rows(codes, [[random_uscc(WUHAN), "武汉好企业有限公司", "P1", "small", "private"],
                                          ["12345", "武汉坏企业有限公司", "P1", "small", "private"]]))
    r = await api.post(URL, files=upload(content), headers={**headers(ADMIN), "Accept": XLSX})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    sheets = _sheets(r.content)
    result = sheets["导入结果"]
    assert result[0] == ["原行号", *[LABELS[c] for c in codes], "错误"]
    assert result[1][0] == 3 and result[1][-1] == ""
    assert result[2][0] == 4 and "统一社会信用代码" in result[2][-1]
    summary = dict((row[0], row[1]) for row in sheets["汇总"][1:])
    assert summary["数据行数"] == 2 and summary["有错误的行数"] == 1 and summary["已写入或更新的行数"] == 1


async def test_the_template_round_trips(api, runtime):
    r = await api.get(f"{URL}/template", headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    data = _sheets(r.content)
    assert set(data) == {"数据", "说明", "代码表"}
    header, codes = data["数据"][0], data["数据"][1]
    assert header[0] == "统一社会信用代码" and codes[0] == "uscc" and len(header) == len(ENTERPRISES.columns)
    row = {"uscc": random_uscc(WUHAN), "name": "模板导入科技有限公司", "city": "420100 武汉市",
           "county": "420106 武昌区", "industry": "P1 新一代信息技术（光芯屏端网）", "size_class": "micro 微型",
           "ownership": "private 民营", "ip_management_certified": "是"}
    filled = workbook([header, codes, [row.get(c) for c in codes]])
    r = await api.post(URL, files=upload(filled), headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.json()["registered"] == 1, r.text
    async with runtime.sessions() as s:
        e = await s.get(Enterprise, row["uscc"])
        assert (e.county, e.size_class, e.ip_management_certified) == ("420106", "micro", True)


# ------------------------------------------------------------------------------ recommendations

async def test_bulk_recommendations_from_a_sheet_and_again(api, runtime):
    a, b = random_uscc(WUHAN), random_uscc(WUHAN)
    await api.post(URL, json={"rows": [enterprise_body(a), enterprise_body(b)]}, headers=headers(ADMIN))
    content = workbook([["统一社会信用代码", "推荐梯队", "推荐理由"], [a, "成长型企业", "研发投入占比高"],
                        [b, "seed 种子企业", "发明专利多"], [random_uscc(WUHAN), "growth", "未登记企业"]])
    since = await mark(runtime)
    r = await api.post("/api/v1/tier-recommendations/bulk", files=upload(content), headers=headers(OFFICER, WUHAN))
    out = r.json()
    assert (out["written"], out["rejected"]) == (2, 1) and out["ids"][2] is None
    assert (out["errors"][0]["sheet_row"], out["errors"][0]["rule"]) == (4, "enterprise.not_found")
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.enterprise.tier.recommended.v1"] * 2 and len(audits) == 2
    again = (await api.post("/api/v1/tier-recommendations/bulk", files=upload(content),
                            headers=headers(OFFICER, WUHAN))).json()
    assert again["written"] == 0 and {e["rule"] for e in again["errors"][:2]} == {"tier.recommendation_pending"}
    assert await count_rows(runtime, TierRecommendation) == 2
    r = await api.get("/api/v1/tier-recommendations/bulk/template", headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.headers["content-type"] == XLSX


async def test_bulk_recommendations_scoped_to_the_officers_city(api, runtime):
    theirs = random_uscc(YICHANG)
    await api.post(URL, json={"rows": [enterprise_body(theirs, city=YICHANG, county=None)]}, headers=headers(ADMIN))
    since = await mark(runtime)
    r = await api.post("/api/v1/tier-recommendations/bulk", params={"atomic": "true"},
                       json={"rows": [{"uscc": theirs, "tier": "growth", "reason": "推荐理由"}]},
                       headers=headers(OFFICER, WUHAN))
    assert_problem(r, 422, "city", "forbidden-city", slug="bulk-rejected")
    assert await nothing_written(runtime, since)
