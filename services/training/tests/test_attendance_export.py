"""A class's attendance as a workbook: the JSON rows (trainee, day, present as 是/否), and the JSON's
scoping: another city's officer gets the same 403 in both forms."""
from __future__ import annotations

from datetime import date

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from libs.common.testing import assert_problem, auth
from services.training.exports import ATTENDANCE
from services.training.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    YICHANG,
    attend,
    enrol,
    enterprise,
    open_class,
    trainee,
)


async def test_attendance_export_equals_the_json_list(api, runtime):
    cls = await open_class(api, city=YICHANG, days=1)
    people = await enrol(api, cls["id"], [trainee(await enterprise(runtime, YICHANG), name=f"学员{n}")
                                          for n in range(2)])
    await attend(api, cls, 0, {people[0]["id"]: True, people[1]["id"]: False})
    path = f"/api/v1/classes/{cls['id']}/attendance"
    for who in (auth(ADMIN), auth(OFFICER, city=YICHANG)):
        listed = await api.get(path, headers=who)
        assert listed.status_code == 200 and len(listed.json()) == 2
        exported = await api.get(path, headers={**who, "Accept": XLSX})
        data = assert_export_matches(exported, ATTENDANCE, listed.json())
    labels, codes, _ = read_sheet(exported.content)
    assert labels == ["报名记录编号", "授课日", "出勤"]
    rows = {r[codes.index("enrolment_id")]: r for r in data}
    assert rows[people[0]["id"]][1:] == [date.fromisoformat(cls["session_dates"][0]), "是"]
    assert rows[people[1]["id"]][2] == "否"
    assert str(cls["id"]) in exported.headers["content-disposition"]


async def test_another_citys_officer_gets_403_in_both_forms(api, runtime):
    cls = await open_class(api, city=YICHANG, days=1)
    path = f"/api/v1/classes/{cls['id']}/attendance"
    for extra in ({}, {"format": "xlsx"}):
        assert_problem(await api.get(path, params=extra, headers=auth(OFFICER, city=WUHAN)), 403)
