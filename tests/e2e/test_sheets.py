"""Excel in and out end to end, with the real broker and every service as its own process: the
targets workbook exported, filled in and imported reaches the live stream and the ``GET /targets``
export; a statistics upload with a bad row is answered with its result workbook, and the submitted
values export scoped to a city officer's own city."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from libs.common.export_testing import read_sheet
from libs.common.list_export import XLSX
from libs.common.testing import token
from tests.e2e.test_reporting import INTEGRATION, YEAR, Stream, api

pytestmark = pytest.mark.e2e
CITY = "420700"  # 鄂州市
OTHER = "420800"  # 荆门市


def test_a_filled_targets_workbook_reaches_the_stream_and_the_targets_export(platform):
    stream = Stream(platform, year=YEAR, city=CITY)
    with api(platform) as province:
        current = {(t["indicator"], t["city"]): t["value"] for t in province.get(
            "/api/v1/targets", params={"year": YEAR}).json()}
        new = Decimal("3100") if current.get(("transfers_licences", CITY)) != "3100" else Decimal("3200")
        r = province.get("/api/v1/targets/export", params={"year": YEAR})
        assert r.status_code == 200 and r.headers["content-type"] == XLSX
        wb = load_workbook(io.BytesIO(r.content))
        filled = 0
        for row in wb["目标"].iter_rows(min_row=2):
            if (row[0].value, row[3].value) == ("transfers_licences", CITY):
                row[5].value, filled = int(new), filled + 1
        assert filled == 1
        out = io.BytesIO()
        wb.save(out)
        r = province.post("/api/v1/targets/import", params={"year": YEAR},
                          files={"file": ("目标.xlsx", out.getvalue(), XLSX)}, data={"source": "端到端测试：表格导入"})
        assert r.status_code == 200, r.text
        assert [(t["indicator"], t["city"], t["value"]) for t in r.json()["targets"]] == [
            ("transfers_licences", CITY, str(new))]
        event = stream.wait(lambda k: k["indicator"] == "transfers_licences" and k["city"] == CITY
                            and k["target"] == str(new), f"with the imported target {new}")
        assert event["year"] == YEAR
        exported = province.get("/api/v1/targets", params={"year": YEAR, "format": "xlsx"})
    labels, codes, data = read_sheet(exported.content)
    assert "指标名称" in labels and "组织机构名称" in labels
    rows = [dict(zip(codes, r, strict=True)) for r in data]
    mine = next(r for r in rows if (r["indicator"], r["city"]) == ("transfers_licences", CITY))
    assert (mine["value"], mine["city_name"], mine["source"]) == (float(new), "鄂州市", "端到端测试：表格导入")


def test_a_statistics_upload_answers_its_result_workbook_and_exports_are_scoped(platform):
    csv_text = ("数据元素,期间,组织机构,数值\r\n"
                f"pct_applications,2025Q1,{CITY},12\r\n"
                f"pct_applications,2025Q2,{CITY},-3\r\n"
                f"pct_applications,2025Q1,{OTHER},7\r\n")
    with api(platform, INTEGRATION) as integration:
        r = integration.post("/api/v1/statistics/datavaluesets", headers={"Accept": XLSX},
                             files={"file": ("统计.csv", csv_text.encode("gb18030"), "text/csv")})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["导入结果", "汇总"]
    result = [list(x) for x in book["导入结果"].iter_rows(values_only=True)]
    assert result[0][-1] == "错误" and [x[0] for x in result[1:]] == [2, 3, 4]
    assert not result[1][-1] and str(result[2][-1]).startswith("数值：") and not result[3][-1]
    assert book["导入结果"].cell(row=3, column=5).fill.fgColor.rgb == "FFFFC7CE"
    summary = {x[0]: x[1] for x in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert (summary["有错误的行数"], summary["新增"]) == (1, 2)

    with api(platform, token("city-officer", city=CITY)) as officer:
        mine = officer.get("/api/v1/statistics/datavaluesets", params={"format": "xlsx"})
        assert mine.status_code == 200, mine.text
        other = officer.get("/api/v1/statistics/datavaluesets", params={"org_unit": OTHER, "format": "xlsx"})
    _, codes, data = read_sheet(mine.content)
    assert data and {x[codes.index("org_unit")] for x in data} == {CITY}
    assert {x[codes.index("org_unit_name")] for x in data} == {"鄂州市"}
    assert other.status_code == 403
