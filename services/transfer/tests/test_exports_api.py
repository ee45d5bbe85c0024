"""Transfer records, open licences, the library, needs and matching events as workbooks: the same rows,
filters and scoping as the JSON lists; a record export loads back through the bulk import."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, bodies_from_export, list_and_export, read_sheet
from services.transfer.exports import LIBRARY, MATCHING_EVENTS, NEEDS, OPEN_LICENCES, TRANSFERS
from services.transfer.schemas import TransferCreate
from services.transfer.tests.helpers import ADMIN, OFFICER, WUHAN, YICHANG, headers, transfer_body
from services.transfer.tests.test_programme_api import entry_body, licence_body


async def _records(api, known) -> None:
    for body in (transfer_body(await known(WUHAN)), transfer_body(await known(YICHANG), kind="assignment",
                                                                  term_end=None, amount=None, payment=None),
                 transfer_body(None, contract_date="2024-06-01"), transfer_body(await known(YICHANG))):
        r = await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))
        assert r.status_code == 201, r.text


async def test_a_record_export_equals_the_json_list(api, known):
    await _records(api, known)
    admin = headers(ADMIN)
    for params, who in (({}, admin), ({"year": 2025}, admin), ({"kind": "assignment"}, admin),
                        ({"city": YICHANG}, admin), ({}, headers(OFFICER, WUHAN))):
        items, exported = await list_and_export(api, "/api/v1/transfers", params, who)
        assert items, params
        assert_export_matches(exported, TRANSFERS, items)
    _, exported = await list_and_export(api, "/api/v1/transfers", {}, headers(OFFICER, YICHANG))
    _, codes, data = read_sheet(exported.content)
    assert len(data) == 2 and {row[codes.index("city")] for row in data} == {YICHANG}


async def test_a_record_export_loads_back_through_the_bulk_import(api, known):
    await _records(api, known)
    before = (await api.get("/api/v1/transfers", params={"limit": 500}, headers=headers(ADMIN))).json()["items"]
    exported = await api.get("/api/v1/transfers", params={"format": "xlsx"}, headers=headers(ADMIN))
    bodies = bodies_from_export(exported.content, TransferCreate)
    assert len(bodies) == len(before)
    r = await api.post("/api/v1/transfers/bulk", json={"records": bodies}, headers=headers(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["written"] == 0  # re-sending the same rows writes nothing twice
    assert {e["rule"] for e in r.json()["errors"]} == {"ref.exists"}, r.json()["errors"]
    for body in bodies:
        body["ref"] = f"re-{body['ref']}"
    r = await api.post("/api/v1/transfers/bulk", json={"records": bodies}, headers=headers(ADMIN))
    assert (r.status_code, r.json()["written"], r.json()["errors"]) == (200, len(bodies), [])
    after = (await api.get("/api/v1/transfers", params={"limit": 500}, headers=headers(ADMIN))).json()["items"]
    same = ("kind", "patents", "from", "to", "university_origin", "amount", "payment", "contract_date", "term_end",
            "year", "city")
    by_ref = {r["ref"]: r for r in after}
    for old in before:
        new = by_ref[f"re-{old['ref']}"]
        assert {k: new[k] for k in same} == {k: old[k] for k in same}


async def test_programme_exports_equal_the_json_lists(api, runtime, known):
    for city in (WUHAN, YICHANG):
        lic = licence_body(licensor={"kind": "university", "name": "武汉理工大学", "city": city})
        assert (await api.post("/api/v1/open-licences", json=lic, headers=headers(ADMIN))).status_code == 201
        entry = entry_body(owner={"kind": "university", "name": "武汉大学", "city": city})
        assert (await api.post("/api/v1/library", json=entry, headers=headers(ADMIN))).status_code == 201
        r = await api.post("/api/v1/needs", json={
            "uscc": await known(city), "title": "动力电池正极材料循环寿命提升", "ipc_classes": ["H01M 4/505"],
            "keywords": ["正极材料", "动力电池"], "description": "现有产品循环后容量衰减明显，寻求改性技术。",
            "budget": "800000"},
            headers=headers(ADMIN))
        assert r.status_code == 201, r.text
        r = await api.post("/api/v1/matching-events", json={
            "title": "专利技术供需对接会", "city": city, "planned_date": "2025-04-20", "organiser": "市知识产权局",
            "field": "光电子信息"}, headers=headers(ADMIN))
        assert r.status_code == 201, r.text
    for path, sheet in (("/api/v1/open-licences", OPEN_LICENCES), ("/api/v1/library", LIBRARY),
                        ("/api/v1/needs", NEEDS), ("/api/v1/matching-events", MATCHING_EVENTS)):
        for params, who in (({}, headers(ADMIN)), ({"city": YICHANG}, headers(ADMIN)), ({}, headers(OFFICER, WUHAN))):
            items, exported = await list_and_export(api, path, params, who)
            assert items, (path, params)
            assert_export_matches(exported, sheet, items)
