"""A class's enrolment list from a workbook or a GBK CSV: ID numbers typed as numbers refused by
Excel row and header, all or none, dry run, re-upload."""
from __future__ import annotations

from libs.common.testing import auth, upload, workbook
from services.training.tests.helpers import (
    ADMIN,
    WUHAN,
    assert_problem,
    enterprise,
    id_number,
    mark,
    nothing_written,
    open_class,
    written_since,
)

HEADER = ["学员姓名", "居民身份证号码", "职务", "所在企业统一社会信用代码"]


async def test_gbk_csv_list_enrols_all_and_twice_is_refused(api, runtime):
    cls = await open_class(api)
    uscc = await enterprise(runtime, WUHAN)
    lines = [",".join(HEADER)] + [f"学员{n},{id_number()},知识产权专员,{uscc}" for n in "甲乙丙"]
    content = ("\n".join(lines) + "\n,,,\n").encode("gbk")
    url = f"/api/v1/classes/{cls['id']}/enrolments/batch"
    since = await mark(runtime)
    dry = await api.post(url, params={"dry_run": "true"}, files=upload(content, "名单.csv"), headers=auth(ADMIN))
    assert dry.status_code == 200 and dry.json() == [] and await nothing_written(runtime, since)
    r = await api.post(url, files=upload(content, "名单.csv"), headers=auth(ADMIN))
    assert r.status_code == 201 and [e["name"] for e in r.json()] == ["学员甲", "学员乙", "学员丙"], r.text
    events, _ = await written_since(runtime, since)
    assert len(events) == 3
    again = await api.post(url, files=upload(content, "名单.csv"), headers=auth(ADMIN))
    assert again.status_code == 409


async def test_numeric_id_numbers_are_named_by_excel_row_and_nothing_is_written(api, runtime):
    cls = await open_class(api)
    uscc = await enterprise(runtime, WUHAN)
    content = workbook([HEADER, ["学员甲", id_number(), None, uscc], ["学员乙", 4.20106199003071e17, None, uscc]],
                       title="培训班学员名单")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/classes/{cls['id']}/enrolments/batch", files=upload(content), headers=auth(ADMIN))
    body = assert_problem(r, 422)
    bad = [e for e in body["errors"] if e.get("sheet_row") == 4]
    assert bad and bad[0]["column"] == "居民身份证号码" and bad[0]["rule"] == "cell.numeric_identifier"
    assert "设置为文本格式" in bad[0]["message"]
    assert await nothing_written(runtime, since)
    r = await api.get("/api/v1/enrolments/template", headers=auth(ADMIN))
    assert r.status_code == 200 and r.content[:2] == b"PK"
