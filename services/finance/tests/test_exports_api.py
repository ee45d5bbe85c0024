"""Loans and activities as workbooks: the same rows, filters and scoping as the JSON lists."""
from __future__ import annotations

from libs.common import list_export
from libs.common.export_testing import assert_export_matches, bodies_from_export, list_and_export
from libs.common.list_export import XLSX
from services.finance.exports import ACTIVITIES, PLEDGES, WHITELIST
from services.finance.schemas import PledgeCreate, WhitelistEntryIn
from services.finance.tests.helpers import (
    WUHAN,
    YICHANG,
    admin,
    assert_problem,
    bank,
    known,
    officer,
    register,
)
from services.finance.tests.test_activities_api import activity
from services.finance.tests.test_whitelist_api import body as whitelist_body


async def _loans(api, runtime) -> None:
    for city, bank_id, day in ((WUHAN, "ICBC-HB", "2024-05-01"), (WUHAN, "ABC-HB", "2025-03-01"),
                               (YICHANG, "ICBC-HB", "2025-04-01")):
        await register(api, await known(runtime, city), lender_bank=bank_id, registration_date=day,
                       contract_no=f"=HYPERLINK(\"x\")-{city}-{day}")  # a formula-looking text stays text


async def test_a_loan_export_equals_the_json_list(api, runtime):
    await _loans(api, runtime)
    items, exported = await list_and_export(api, "/api/v1/pledges", {}, admin())
    assert len(items) == 3  # every row, not the page the export asked for
    data = assert_export_matches(exported, PLEDGES, items)
    contract = [h[1] for h in PLEDGES.headings()].index("contract_no")
    assert all(str(row[contract]).startswith("=HYPERLINK") for row in data)  # contract_no: text, not a formula
    assert "filename*=UTF-8''" in exported.headers["content-disposition"]
    assert exported.headers["x-total-count"] == "3"


async def test_filters_and_scoping_apply_to_the_export(api, runtime):
    await _loans(api, runtime)
    for params, auth, expected in (({"year": 2025}, admin(), 2), ({}, officer(WUHAN), 2),
                                   ({}, officer(YICHANG), 1), ({}, bank("ICBC-HB"), 2),
                                   ({"city": YICHANG}, bank("ICBC-HB"), 1)):
        items, exported = await list_and_export(api, "/api/v1/pledges", params, auth)
        assert len(items) == expected, (params, auth)
        data = assert_export_matches(exported, PLEDGES, items)
        if auth == officer(WUHAN) or params.get("city") == YICHANG:
            city = params.get("city", WUHAN)
            assert {row[3] for row in data} == {city}


async def test_accept_header_asks_for_the_workbook(api, runtime):
    await _loans(api, runtime)
    r = await api.get("/api/v1/pledges", headers={**admin(), "Accept": XLSX})
    assert r.headers["content-type"] == XLSX
    r = await api.get("/api/v1/pledges", headers={**admin(), "Accept": f"application/json, {XLSX};q=0.5"})
    assert r.headers["content-type"].startswith("application/json")
    r = await api.get("/api/v1/pledges", params={"format": "json"}, headers={**admin(), "Accept": XLSX})
    assert r.json()["total"] == 3


async def test_bad_format_and_too_many_rows_are_422(api, runtime, monkeypatch):
    await _loans(api, runtime)
    assert_problem(await api.get("/api/v1/pledges", params={"format": "xls"}, headers=admin()), 422, "format",
                   "literal_error")
    monkeypatch.setattr(list_export, "MAX_EXPORT_ROWS", 2)
    r = await api.get("/api/v1/pledges", params={"format": "xlsx"}, headers=admin())
    assert_problem(r, 422, "format", "export.too_many_rows")
    assert "3" in r.json()["detail"]
    r = await api.get("/api/v1/pledges", params={"format": "xlsx", "year": 2025, "city": YICHANG}, headers=admin())
    assert r.status_code == 200


async def test_an_activity_export_equals_the_json_list(api, runtime):
    for body in (activity(), activity("roadshow", city=YICHANG), activity(city=YICHANG, held_on="2025-01-05")):
        r = await api.post("/api/v1/activities", json=body, headers=admin())
        assert r.status_code == 201, r.text
    for params in ({}, {"city": YICHANG}, {"kind": "roadshow"}):
        items, exported = await list_and_export(api, "/api/v1/activities", params, admin())
        assert items
        assert_export_matches(exported, ACTIVITIES, items)


async def test_a_loan_export_loads_back_through_the_bulk_import(api, runtime):
    await _loans(api, runtime)
    exported = await api.get("/api/v1/pledges", params={"format": "xlsx"}, headers=admin())
    bodies = bodies_from_export(exported.content, PledgeCreate)
    assert len(bodies) == 3
    codes = {h[1] for h in PLEDGES.headings()}
    assert {f.alias or n for n, f in PledgeCreate.model_fields.items()} <= codes
    for body in bodies:  # the pledged items column: kind:number[:title] per item
        body["items"] = [dict(zip(("kind", "number", "title"), item.split(":", 2), strict=False))
                         for item in body["items"]]
    r = await api.post("/api/v1/pledges/bulk", json={"rows": bodies}, headers=admin())
    assert r.status_code == 200, r.text
    assert r.json()["written"] == []  # re-sending the same loans writes nothing twice
    assert {e["rule"] for e in r.json()["errors"]} == {"pledge.duplicate_contract"}, r.json()["errors"]


async def test_a_whitelist_exports_as_the_entries_of_a_publication(api, runtime):
    a, b = await known(runtime, WUHAN, "private"), await known(runtime, YICHANG, "state")
    r = await api.post("/api/v1/whitelists", json=whitelist_body([(a, "1000000"), (b, "2000000.50")]),
                       headers=admin())
    assert r.status_code == 201, r.text
    for path, params in (("/api/v1/whitelists/current", {}), ("/api/v1/whitelists/1", {"city": YICHANG})):
        listed = await api.get(path, params=params, headers=bank())
        exported = await api.get(path, params={**params, "format": "xlsx"}, headers=bank())
        assert_export_matches(exported, WHITELIST, listed.json()["entries"])
    exported = await api.get("/api/v1/whitelists/current", params={"format": "xlsx"}, headers=bank())
    entries = bodies_from_export(exported.content, WhitelistEntryIn)
    assert entries == [{"uscc": a, "suggested_credit_line": "1000000.0"},
                       {"uscc": b, "suggested_credit_line": "2000000.5"}]
