"""Transfer and licence records through HTTP: registration, rules, roles, city scoping, cancel, lists."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.transfer.models import TransferPatent, TransferRecord
from services.transfer.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    XIANGYANG,
    YICHANG,
    assert_problem,
    china_today,
    count,
    headers,
    mark,
    nothing_written,
    patent,
    transfer_body,
    written_since,
)

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])
REGISTERED = "ipp.transfer.record.registered.v1"


async def test_officer_registers_licence_from_university_to_registered_enterprise(api, runtime, known):
    buyer = await known(WUHAN, name="武汉光谷芯联科技有限公司")
    body = transfer_body(buyer, patents=["zl " + patent(), patent()])  # prefix and spaces are normalised away
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=body, headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    out = r.json()
    assert r.headers["location"] == f"/api/v1/transfers/{out['id']}"
    assert out["patents"][0].startswith("2021") and "." in out["patents"][0] and " " not in out["patents"][0]
    assert out["to"] == {"kind": "enterprise", "name": "武汉光谷芯联科技有限公司", "uscc": buyer, "region": "hubei",
                         "city": WUHAN, "is_private": True}
    assert (out["city"], out["year"], out["university_origin"], out["kind_name"]) == (WUHAN, 2025, True, "普通许可")
    events, audits = await written_since(runtime, since)
    assert [(e["event_type"], e["key"], e["topic"]) for e in events] == [(REGISTERED, out["id"], "ipp.transfer.events")]
    payload = events[0]["payload"]
    assert payload["city"] == WUHAN and payload["year"] == 2025 and payload["amount"] == "300000.00"
    assert payload["to_party"]["is_private"] is True and payload["to_party"]["registered"] is True
    assert payload["from_party"]["kind"] == "university" and payload["university_origin"] is True
    assert payload["is_licence"] is True and payload["patent_count"] == 2 and payload["channel"] == "direct"
    assert [(a["action"], a["entity_id"]) for a in audits] == [("transfer.register", out["id"])]
    assert await count(runtime, TransferPatent, TransferPatent.record_id == out["id"]) == 2


async def test_state_owned_enterprise_assignment_carries_ownership(api, runtime, known):
    seller = await known(YICHANG, ownership="state")
    since = await mark(runtime)
    body = transfer_body(None, kind="assignment", term_end=None, payment="lump_sum", amount="0",
                         **{"from": {"kind": "enterprise", "uscc": seller}})
    r = await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))
    assert r.status_code == 201, r.text
    assert r.json()["city"] == YICHANG  # the registered enterprise's city
    events, _ = await written_since(runtime, since)
    p = events[0]["payload"]
    assert (p["from_party"]["is_private"], p["from_party"]["ownership"], p["amount"], p["is_licence"]) == (
        False, "state", "0.00", False)
    assert p["to_party"]["region"] == "other_province" and p["to_party"]["registered"] is False


async def test_undisclosed_amount_is_null_in_the_event(api, runtime, known):
    buyer = await known(WUHAN)
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=transfer_body(buyer, amount=None, payment=None),
                       headers=headers(ADMIN))
    assert r.status_code == 201, r.text
    events, _ = await written_since(runtime, since)
    assert events[0]["payload"]["amount"] is None and r.json()["amount"] is None


async def test_other_enterprise_with_a_known_uscc_is_recorded_as_the_registered_enterprise(api, known):
    buyer = await known(XIANGYANG, name="襄阳隆中汽车零部件有限公司")
    body = transfer_body(None, to={"kind": "other_enterprise", "uscc": buyer, "name": "随便写的名字"})
    r = await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))
    assert r.status_code == 201, r.text
    assert r.json()["to"]["kind"] == "enterprise" and r.json()["to"]["name"] == "襄阳隆中汽车零部件有限公司"
    assert r.json()["city"] == XIANGYANG


async def test_unknown_enterprise_is_refused_with_422_and_nothing_is_written(api, runtime):
    from libs.common.testing import random_uscc

    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=transfer_body(random_uscc(WUHAN)), headers=headers(ADMIN))
    assert_problem(r, 422, "to.uscc", "enterprise-registered")
    assert await nothing_written(runtime, since)
    assert await count(runtime, TransferRecord) == 0


@SQLITE_ONLY
@pytest.mark.parametrize("override, field, rule", [
    ({"patents": ["202110987654.0"]}, "patents.0", "patent.check_digit"),
    ({"patents": []}, "patents", "too_short"),
    ({"kind": "sale"}, "kind", "enum"),
    ({"amount": "-1"}, "amount", "greater_than_equal"),
    ({"amount": "1.234"}, "amount", "decimal_max_places"),
    ({"contract_date": "2025-02-30"}, "contract_date", "date_from_datetime_parsing"),
    ({"city": "420000"}, "city", "division.not_city"),
    ({"ref": ""}, "ref", "string_too_short"),
    ({"from": {"kind": "enterprise", "uscc": "91420100MA4K00000X"}}, "from.uscc", "uscc.check_digit"),
])
async def test_bad_input_names_field_and_rule(api, runtime, override, field, rule):
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=transfer_body(None, **override), headers=headers(ADMIN))
    assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_rules_checked_after_parsing(api, runtime, known):
    buyer = await known(WUHAN)
    n = patent()
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"patents": [n, "CN" + n]}, "patents.1", "patents.duplicate"),
        ({"contract_date": (china_today() + timedelta(days=1)).isoformat(), "term_end": None}, "contract_date",
         "date.future"),
        ({"contract_date": "1985-03-31", "term_end": None}, "contract_date", "date.too_early"),
        ({"contract_date": "1984-12-31", "term_end": None}, "contract_date", "date_range"),
        ({"kind": "assignment"}, "term_end", "term_end.not_for_assignment"),
        ({"term_end": "2025-03-18"}, "term_end", "term_end.before_date"),
        ({"payment": "free", "amount": "10"}, "amount", "amount.free_but_paid"),
        ({"from": {"kind": "enterprise", "uscc": buyer}}, "to", "party.same"),
        ({"from": {"kind": "enterprise"}}, "from.uscc", "party.uscc_required"),
        ({"from": {"kind": "university", "name": " "}}, "from.name", "party.name_required"),
        ({"from": {"kind": "university", "name": "某大学", "region": "foreign", "city": WUHAN}}, "from.city",
         "party.city_outside_hubei"),
    ]
    since = await mark(runtime)
    for override, field, rule in cases:
        r = await api.post("/api/v1/transfers", json=transfer_body(buyer, **override), headers=headers(ADMIN))
        assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_city_is_required_when_no_party_is_placed_in_hubei(api, runtime):
    body = transfer_body(None, **{"from": {"kind": "university", "name": "清华大学", "region": "other_province"}})
    r = await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))
    assert_problem(r, 422, "city", "city.required")
    r = await api.post("/api/v1/transfers", json={**body, "city": "420500"}, headers=headers(ADMIN))
    assert r.status_code == 201 and r.json()["city"] == "420500"


async def test_duplicate_ref_is_a_conflict(api, runtime, known):
    buyer = await known(WUHAN)
    body = transfer_body(buyer)
    assert (await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))).status_code == 201
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json={**body, "patents": [patent()]}, headers=headers(ADMIN))
    assert_problem(r, 409, slug="transfer.exists")
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
@pytest.mark.parametrize("role", ["viewer", "agency", "bank", "integration"])
async def test_roles_that_may_not_register(api, runtime, role):
    r = await api.post("/api/v1/transfers", json=transfer_body(None), headers=headers(role))
    assert_problem(r, 403)


@SQLITE_ONLY
async def test_no_token_is_401(api):
    r = await api.post("/api/v1/transfers", json=transfer_body(None))
    assert_problem(r, 401)
    assert (await api.get("/api/v1/transfers")).status_code == 401


async def test_officer_of_another_city_is_refused_and_nothing_written(api, runtime, known):
    buyer = await known(WUHAN)
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=transfer_body(buyer), headers=headers(OFFICER, YICHANG))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since)


async def test_cancel_reverses_and_cannot_repeat(api, runtime, known):
    buyer = await known(WUHAN)
    rec = (await api.post("/api/v1/transfers", json=transfer_body(buyer), headers=headers(ADMIN))).json()
    r = await api.post(f"/api/v1/transfers/{rec['id']}/cancel", json={"reason": "录入错误"},
                       headers=headers(OFFICER, YICHANG))
    assert_problem(r, 403, slug="forbidden-city")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/transfers/{rec['id']}/cancel", json={"reason": "合同已解除"},
                       headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.record.cancelled.v1"]
    assert events[0]["payload"]["year"] == 2025 and events[0]["payload"]["city"] == WUHAN
    assert audits[0]["action"] == "transfer.cancel"
    r = await api.post(f"/api/v1/transfers/{rec['id']}/cancel", json={"reason": "再次撤销"}, headers=headers(ADMIN))
    assert_problem(r, 409, slug="record.cancel.not_allowed")
    assert_problem(await api.post("/api/v1/transfers/nope/cancel", json={"reason": "不存在"}, headers=headers(ADMIN)),
                   404)


async def test_lists_are_scoped_to_the_officers_city_and_filter_by_patent(api, known):
    wuhan, yichang = await known(WUHAN), await known(YICHANG)
    shared = patent()
    a = (await api.post("/api/v1/transfers", json=transfer_body(wuhan, patents=[shared]),
                        headers=headers(ADMIN))).json()
    b = (await api.post("/api/v1/transfers", json=transfer_body(yichang, patents=[shared, patent()]),
                        headers=headers(ADMIN))).json()
    r = await api.get("/api/v1/transfers", headers=headers(OFFICER, WUHAN))
    assert [i["id"] for i in r.json()["items"]] == [a["id"]]
    assert_problem(await api.get("/api/v1/transfers", params={"city": YICHANG}, headers=headers(OFFICER, WUHAN)), 403)
    r = await api.get("/api/v1/transfers", params={"patent": "ZL" + shared}, headers=headers("viewer"))
    assert sorted(i["id"] for i in r.json()["items"]) == sorted([a["id"], b["id"]]) and r.json()["total"] == 2
    assert_problem(await api.get("/api/v1/transfers", headers=headers("agency")), 403)
    assert_problem(await api.get(f"/api/v1/transfers/{b['id']}", headers=headers(OFFICER, WUHAN)), 403)
    assert (await api.get(f"/api/v1/transfers/{b['id']}", headers=headers(OFFICER, YICHANG))).status_code == 200
    r = await api.get("/api/v1/transfers", params={"uscc": yichang, "university_origin": True}, headers=headers(ADMIN))
    assert [i["id"] for i in r.json()["items"]] == [b["id"]]
    assert_problem(await api.get("/api/v1/transfers", params={"patent": "123"}, headers=headers(ADMIN)), 422, "patent",
                   "patent.format")


async def test_known_enterprises_endpoint(api, known):
    uscc = await known(WUHAN)
    r = await api.get(f"/api/v1/known-enterprises/{uscc}", headers=headers("viewer"))
    assert r.status_code == 200 and r.json()["city"] == WUHAN


async def test_yearly_stats_by_city_and_kind(api, known):
    wuhan, yichang = await known(WUHAN), await known(YICHANG)
    rows = [transfer_body(wuhan, amount="100.10"), transfer_body(wuhan, amount="200.20"),
            transfer_body(wuhan, amount=None, kind="assignment", term_end=None),
            transfer_body(yichang, contract_date="2024-05-05"), transfer_body(yichang)]
    out = (await api.post("/api/v1/transfers/bulk", json={"records": rows}, headers=headers(ADMIN))).json()
    await api.post(f"/api/v1/transfers/{out['ids'][4]}/cancel", json={"reason": "录入错误"}, headers=headers(ADMIN))
    r = await api.get("/api/v1/transfers/stats", params={"year": 2025}, headers=headers("viewer"))
    body = r.json()
    assert body["records"] == 3
    got = {(x["city"], x["kind"]): (x["records"], x["patents"], x["university_origin"], x["amount_disclosed"],
                                    x["undisclosed"]) for x in body["rows"]}
    assert got == {(WUHAN, "ordinary_licence"): (2, 4, 2, "300.30", 0), (WUHAN, "assignment"): (1, 2, 1, "0.00", 1)}
    r = await api.get("/api/v1/transfers/stats", params={"year": 2024}, headers=headers(OFFICER, YICHANG))
    assert r.json()["records"] == 1 and r.json()["city"] == YICHANG
    assert_problem(await api.get("/api/v1/transfers/stats", params={"year": 2025, "city": WUHAN},
                                 headers=headers(OFFICER, YICHANG)), 403)
    assert_problem(await api.get("/api/v1/transfers/stats", params={"year": 2025}, headers=headers("agency")), 403)


@SQLITE_ONLY
async def test_openapi_documents_examples_and_problem_codes(api):
    doc = (await api.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    assert schemas["TransferCreate"]["examples"][0]["from"]["kind"] == "university"
    assert "from" in schemas["TransferCreate"]["properties"]
    for name in ("OpenLicenceCreate", "LibraryEntryCreate", "NeedCreate", "MatchingEventCreate"):
        assert schemas[name].get("examples"), name
    bulk = doc["paths"]["/api/v1/transfers/bulk"]["post"]["requestBody"]["content"]  # JSON or a file, inline
    assert bulk["application/json"]["schema"]["examples"]
    assert "file" in bulk["multipart/form-data"]["schema"]["properties"]
    assert {"/api/v1/transfers/bulk", "/api/v1/needs/{need_id}/matches", "/api/v1/known-enterprises/{uscc}"} <= set(
        doc["paths"])
