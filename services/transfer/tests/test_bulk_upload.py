"""Transfer records from a workbook or CSV at the bulk path: real-world dates and numeric patent
numbers, per-row errors by Excel row and header, dry run, re-upload, the template."""
from __future__ import annotations

import io
from datetime import date

from python_calamine import CalamineWorkbook

from libs.common.testing import upload, workbook
from services.transfer.models import TransferRecord
from services.transfer.sheets import TRANSFERS
from services.transfer.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    YICHANG,
    count,
    headers,
    mark,
    nothing_written,
    patent,
    ref,
    written_since,
)

URL = "/api/v1/transfers/bulk"
CODES = ["ref", "kind", "patents", "from.kind", "from.name", "from.city", "to.kind", "to.uscc", "contract_date",
         "amount"]
LABELS = {c.code: c.label for c in TRANSFERS.columns}
HEADER = [LABELS[c] for c in CODES]


def row(buyer: str, contract_date, **over) -> list:
    values = {"ref": ref(), "kind": "普通许可", "patents": f"{patent()}；ZL{patent(2019, 2)}", "from.kind": "高校",
              "from.name": "华中科技大学", "from.city": "武汉市", "to.kind": "enterprise", "to.uscc": buyer,
              "contract_date": contract_date, "amount": 300000, **over}
    return [values[c] for c in CODES]


async def test_dates_as_offices_type_them_and_numeric_patent_numbers(api, runtime, known):
    buyer = await known(WUHAN)
    rows = [row(buyer, date(2025, 3, 1)), row(buyer, 45717), row(buyer, "2025/3/1"), row(buyer, "2025年3月1日"),
            row(buyer, "2025-03-01", patents=201910012345.0), row(buyer, "下个月")]
    content = workbook([HEADER, CODES, *rows], title="2025 年专利转让许可登记表")
    since = await mark(runtime)
    r = await api.post(URL, files=upload(content), headers=headers(ADMIN))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["written"], out["rejected"]) == (6, 4, 2)
    errors = {(e["sheet_row"], e["column"], e["rule"]) for e in out["errors"]}
    assert (8, "专利申请号", "cell.numeric_identifier") in errors        # title, labels, codes, then rows 4…
    assert any(e[0] == 9 and e[1] == "合同日期" for e in errors)
    events, _ = await written_since(runtime, since)
    assert {e["payload"]["contract_date"] for e in events} == {"2025-03-01"} and len(events) == 4
    assert await count(runtime, TransferRecord) == 4


async def test_dry_run_then_the_same_file_twice(api, runtime, known):
    buyer = await known(YICHANG)
    text = ",".join(HEADER) + "\n" + "\n".join(",".join(str(v) for v in row(buyer, "2025/6/1")) for _ in range(3))
    content = text.encode("gb18030")
    since = await mark(runtime)
    dry = (await api.post(URL, params={"dry_run": "true"}, files=upload(content, "登记表.csv"),
                          headers=headers(ADMIN))).json()
    assert (dry["dry_run"], dry["written"], dry["rejected"]) == (True, 0, 0)
    assert await nothing_written(runtime, since)
    first = (await api.post(URL, files=upload(content, "登记表.csv"), headers=headers(ADMIN))).json()
    again = (await api.post(URL, files=upload(content, "登记表.csv"), headers=headers(ADMIN))).json()
    assert first["written"] == 3 and (again["written"], again["rejected"]) == (0, 3)
    assert {e["rule"] for e in again["errors"]} == {"ref.exists"} and again["errors"][0]["sheet_row"] == 2
    assert await count(runtime, TransferRecord) == 3


async def test_a_city_officer_writes_only_their_citys_records(api, runtime, known):
    mine, theirs = await known(WUHAN), await known(YICHANG)
    content = workbook([HEADER, row(mine, "2025-05-01"), row(theirs, "2025-05-01", **{"from.city": "宜昌市"})])
    out = (await api.post(URL, files=upload(content), headers=headers(OFFICER, WUHAN))).json()
    assert (out["written"], out["rejected"]) == (1, 1)
    assert out["errors"][0]["rule"] == "forbidden-city" and out["errors"][0]["sheet_row"] == 3


async def test_template_and_result_workbook(api, known):
    r = await api.get(f"{URL}/template", headers=headers(ADMIN))
    book = CalamineWorkbook.from_filelike(io.BytesIO(r.content))
    assert book.sheet_names == ["数据", "说明", "代码表"]
    data = book.get_sheet_by_name("数据").to_python(skip_empty_area=False)
    assert data[0][0] == "登记编号" and data[1][0] == "ref"
    buyer = await known(WUHAN)
    content = workbook([HEADER, CODES, row(buyer, "2025-03-01"), row(buyer, "2025-03-01", kind="赠与")])
    r = await api.post(URL, files=upload(content), headers={**headers(ADMIN), "Accept": r.headers["content-type"]})
    result = CalamineWorkbook.from_filelike(io.BytesIO(r.content)).get_sheet_by_name("导入结果").to_python()
    assert [line[0] for line in result[1:]] == [3, 4]
    assert result[1][-1] == "" and str(result[2][-1]).startswith("类型")
