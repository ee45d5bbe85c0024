"""Workstations, cases and visits as workbooks: the same rows, filters and scoping as the JSON lists."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, list_and_export, read_sheet
from services.protection.exports import CASES, CENTRES, OVERDUE, VISITS, WORKSTATIONS
from services.protection.tests.helpers import (
    WUHAN,
    YICHANG,
    admin,
    centre,
    days_ago,
    iso,
    known,
    new_case,
    officer,
)
from services.protection.tests.test_api import ws_body


async def test_case_exports_equal_the_json_lists(api, runtime):
    await new_case(api, runtime, WUHAN)
    await new_case(api, runtime, WUHAN, amount_involved=None, kind="adjudication")
    await new_case(api, runtime, YICHANG)
    for params, who in (({}, admin()), ({"city": YICHANG}, admin()), ({"kind": "adjudication"}, admin()),
                        ({}, officer(WUHAN))):
        items, exported = await list_and_export(api, "/api/v1/cases", params, who)
        assert items
        assert_export_matches(exported, CASES, items)
    _, exported = await list_and_export(api, "/api/v1/cases", {}, officer(YICHANG))
    _, codes, data = read_sheet(exported.content)
    assert len(data) == 1 and data[0][codes.index("city")] == YICHANG


async def test_workstation_and_visit_exports_equal_the_json_lists(api, runtime):
    for city in (WUHAN, YICHANG):
        uscc = await known(runtime, city)
        r = await api.post("/api/v1/workstations", json=ws_body(host_uscc=uscc), headers=officer(city))
        assert r.status_code == 201, r.text
        c = await centre(api, city)
        for day in ("2025-03-05", "2025-04-05"):
            r = await api.post("/api/v1/visits", json={"centre_id": c["id"], "uscc": uscc, "visit_date": day,
                                                       "services": ["consultation", "risk_screening"],
                                                       "staff": ["张三", "李四"]}, headers=admin())
            assert r.status_code == 201, r.text
    for params, who in (({}, admin()), ({"city": WUHAN}, admin()), ({}, officer(YICHANG))):
        items, exported = await list_and_export(api, "/api/v1/workstations", params, who)
        assert items
        assert_export_matches(exported, WORKSTATIONS, items)
    for params, who in (({}, admin()), ({"month": "2025-04"}, admin()), ({}, officer(WUHAN))):
        items, exported = await list_and_export(api, "/api/v1/visits", params, who)
        assert items
        assert_export_matches(exported, VISITS, items)


async def test_centres_and_overdue_cases_export(api, runtime):
    await new_case(api, runtime, WUHAN, received_at=iso(days_ago(10)))
    await new_case(api, runtime, YICHANG, received_at=iso(days_ago(5)))
    for path, sheet, key in (("/api/v1/centres", CENTRES, None), ("/api/v1/cases/overdue", OVERDUE, "items")):
        for who in (admin(), officer(YICHANG)):
            listed = (await api.get(path, headers=who)).json()
            exported = await api.get(path, params={"format": "xlsx"}, headers=who)
            items = listed[key] if key else listed
            assert items
            assert_export_matches(exported, sheet, items)
