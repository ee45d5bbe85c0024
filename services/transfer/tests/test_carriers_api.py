"""The innovation carriers register over HTTP: approve, establish, review, revoke, list; bad input (422
naming the field and rule, nothing written), roles and city scoping (403), states (409)."""
from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from libs.common.testing import random_uscc
from services.transfer.models import Carrier, CarrierReview
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
    written_since,
)


def carrier_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "high_value_cultivation_centre", "name": f"光电子高价值专利培育中心-{uuid.uuid4().hex[:8]}",
        "host_kind": "university", "host_name": "华中科技大学", "city": WUHAN, "level": "provincial",
        "field": "光电子信息", "approved_on": "2025-04-01"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def test_lifecycle_events_audit_and_reviews(api, runtime, known):
    host = await known(YICHANG, name="宜昌某新材料股份有限公司")
    since = await mark(runtime)
    r = await api.post("/api/v1/carriers", json=carrier_body(
        kind="operations_centre", host_kind="enterprise", host_uscc=host, host_name=..., city=YICHANG),
        headers=headers(ADMIN))
    assert r.status_code == 201, r.text
    c = r.json()
    assert (c["status"], c["status_name"], c["host_name"], c["kind_name"], c["level_name"], c["city_name"]) == \
        ("approved", "已认定", "宜昌某新材料股份有限公司", "重点产业知识产权运营中心", "省级", "宜昌市")
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.carrier.approved.v1"]
    payload = events[0]["payload"]
    assert (payload["kind"], payload["level"], payload["city"], payload["year"], payload["host_uscc"]) == \
        ("operations_centre", "provincial", YICHANG, 2025, host)
    assert audits[0]["action"] == "carrier.approve"

    # the city's officer records establishment and the yearly review
    r = await api.post(f"/api/v1/carriers/{c['id']}/established", json={"established_on": "2025-06-15"},
                       headers=headers(OFFICER, YICHANG))
    assert r.status_code == 200 and r.json()["status"] == "operating", r.text
    review = {"year": 2025, "result": "excellent", "note": "示范"}
    r = await api.post(f"/api/v1/carriers/{c['id']}/reviews", json=review,
                       headers=headers(OFFICER, YICHANG))
    assert r.status_code == 200, r.text
    assert r.json()["reviews"] == [{"year": 2025, "result": "excellent", "result_name": "优秀", "note": "示范"}]
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/carriers/{c['id']}/reviews", json={"year": 2025, "result": "qualified"},
                                  headers=headers(ADMIN)), 409, slug="carrier.review.exists")
    assert_problem(await api.post(f"/api/v1/carriers/{c['id']}/established", json={"established_on": "2025-07-01"},
                                  headers=headers(ADMIN)), 409, slug="carrier.establish.not_allowed")
    assert await nothing_written(runtime, since)
    assert await count(runtime, CarrierReview, CarrierReview.carrier_id == c["id"]) == 1

    # only the province revokes a provincial carrier
    revoke = {"revoked_on": "2025-09-30", "reason": "年度评价后主动退出"}
    assert_problem(await api.post(f"/api/v1/carriers/{c['id']}/revoke", json=revoke,
                                  headers=headers(OFFICER, YICHANG)), 403)
    assert_problem(await api.post(f"/api/v1/carriers/{c['id']}/revoke", json={**revoke, "revoked_on": "2025-06-14"},
                                  headers=headers(ADMIN)), 422, "revoked_on", "revoked_on.before_start")
    assert await nothing_written(runtime, since)
    r = await api.post(f"/api/v1/carriers/{c['id']}/revoke", json=revoke, headers=headers(ADMIN))
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["revoked_reason"] == revoke["reason"]
    events, _ = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.carrier.revoked.v1"]
    assert events[0]["payload"]["was_operating"] is True and events[0]["payload"]["year"] == 2025
    assert_problem(await api.post(f"/api/v1/carriers/{c['id']}/revoke", json=revoke, headers=headers(ADMIN)), 409,
                   slug="carrier.revoke.not_allowed")


async def test_approved_already_operating_emits_both_events(api, runtime):
    since = await mark(runtime)
    body = carrier_body(kind="service_cluster", host_kind="park", host_name="武汉东湖新技术开发区",
                        established_on="2025-05-01")
    r = await api.post("/api/v1/carriers", json=body, headers=headers(ADMIN))
    assert r.status_code == 201 and r.json()["status"] == "operating", r.text
    events, _ = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.carrier.approved.v1",
                                                 "ipp.transfer.carrier.established.v1"]
    assert events[1]["payload"]["established_on"] == "2025-05-01"


async def test_bad_input_names_field_and_rule_and_writes_nothing(api, runtime, known):
    since = await mark(runtime)
    future = (china_today() + timedelta(days=1)).isoformat()
    unknown = random_uscc(WUHAN)
    cases: list[tuple[dict[str, Any], str, str]] = [
        (carrier_body(kind="incubator"), "kind", "enum"),
        (carrier_body(level="county"), "level", "enum"),
        (carrier_body(city="110000"), "city", "division.not_hubei"),
        (carrier_body(host_kind="enterprise", host_name=...), "host_uscc", "host_uscc.required"),
        (carrier_body(host_uscc=unknown), "host_uscc", "host_uscc.not_enterprise"),
        (carrier_body(host_name=...), "host_name", "host_name.required"),
        (carrier_body(host_kind="enterprise", host_uscc=unknown), "host_uscc", "enterprise-registered"),
        (carrier_body(approved_on=future), "approved_on", "date.future"),
        (carrier_body(established_on="2025-03-31"), "established_on", "established_on.before_approval"),
        (carrier_body(approved_on="1984-12-31"), "approved_on", "date_range"),
        (carrier_body(name="x"), "name", "string_too_short"),
        (carrier_body(extra=1), "extra", "extra_forbidden"),
    ]
    for body, field, rule in cases:
        assert_problem(await api.post("/api/v1/carriers", json=body, headers=headers(ADMIN)), 422, field, rule)
    assert await nothing_written(runtime, since)
    assert await count(runtime, Carrier) == 0
    body = carrier_body()
    assert (await api.post("/api/v1/carriers", json=body, headers=headers(ADMIN))).status_code == 201
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/carriers", json=body, headers=headers(ADMIN)), 409, slug="carrier.exists")
    assert await nothing_written(runtime, since) and await count(runtime, Carrier) == 1


async def test_roles_and_city_scoping(api, runtime):
    since = await mark(runtime)
    # a city officer does not approve a provincial carrier, nor a city-level one of another city
    assert_problem(await api.post("/api/v1/carriers", json=carrier_body(), headers=headers(OFFICER, WUHAN)), 403)
    assert_problem(await api.post("/api/v1/carriers", json=carrier_body(level="city", city=XIANGYANG),
                                  headers=headers(OFFICER, WUHAN)), 403)
    for role in ("bank", "agency", "viewer"):
        assert_problem(await api.post("/api/v1/carriers", json=carrier_body(), headers=headers(role)), 403)
    assert await nothing_written(runtime, since) and await count(runtime, Carrier) == 0
    # … but records its own city's city-level carriers
    r = await api.post("/api/v1/carriers", json=carrier_body(level="city", kind="navigation_base"),
                       headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    own = r.json()
    other = (await api.post("/api/v1/carriers", json=carrier_body(city=XIANGYANG), headers=headers(ADMIN))).json()
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/carriers/{other['id']}/established", json={"established_on": "2025-05-01"},
                                  headers=headers(OFFICER, WUHAN)), 403)
    assert_problem(await api.get(f"/api/v1/carriers/{other['id']}", headers=headers(OFFICER, WUHAN)), 403)
    assert_problem(await api.get("/api/v1/carriers", params={"city": XIANGYANG}, headers=headers(OFFICER, WUHAN)), 403)
    assert_problem(await api.get("/api/v1/carriers", headers=headers("bank")), 403)
    assert await nothing_written(runtime, since)
    page = (await api.get("/api/v1/carriers", headers=headers(OFFICER, WUHAN))).json()
    assert [c["id"] for c in page["items"]] == [own["id"]]
    r = await api.post(f"/api/v1/carriers/{own['id']}/revoke", json={"revoked_on": "2025-05-01", "reason": "撤销测试"},
                       headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.json()["status"] == "revoked", r.text


async def test_list_filters_and_paging(api, runtime):
    a = (await api.post("/api/v1/carriers", json=carrier_body(approved_on="2024-11-01"), headers=headers(ADMIN))).json()
    b = (await api.post("/api/v1/carriers", json=carrier_body(kind="patent_pool", city=YICHANG, level="national",
                                                              approved_on="2025-01-10", established_on="2025-02-01"),
                        headers=headers(ADMIN))).json()

    async def ids(**params: Any) -> list[int]:
        r = await api.get("/api/v1/carriers", params=params, headers=headers("viewer"))
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert await ids() == [b["id"], a["id"]]
    assert await ids(kind="patent_pool") == [b["id"]]
    assert await ids(city=WUHAN) == [a["id"]]
    assert await ids(level="national") == [b["id"]]
    assert await ids(status="operating") == [b["id"]]
    assert await ids(year=2024) == [a["id"]]
    assert await ids(limit=1, offset=1) == [a["id"]]
    assert_problem(await api.get("/api/v1/carriers", params={"kind": "incubator"}, headers=headers(ADMIN)), 422,
                   "kind", "enum")
    ref = (await api.get("/api/v1/reference", headers=headers("viewer"))).json()
    assert ref["carrier_kinds"]["university_conversion_base"] == "高校院所专利转化基地"


async def test_state_and_date_rules_on_the_later_steps_write_nothing(api, runtime):
    c = (await api.post("/api/v1/carriers", json=carrier_body(), headers=headers(ADMIN))).json()
    path = f"/api/v1/carriers/{c['id']}"
    since = await mark(runtime)
    assert_problem(await api.post(f"{path}/reviews", json={"year": 2025, "result": "qualified"},
                                  headers=headers(ADMIN)), 409, slug="carrier.review.not_allowed")
    assert_problem(await api.post(f"{path}/established", json={"established_on": "2025-03-31"},
                                  headers=headers(ADMIN)), 422, "established_on", "established_on.before_approval")
    future = (china_today() + timedelta(days=1)).isoformat()
    assert_problem(await api.post(f"{path}/established", json={"established_on": future}, headers=headers(ADMIN)),
                   422, "established_on", "date.future")
    assert_problem(await api.post(f"{path}/reviews", json={"year": 2025, "result": "good"}, headers=headers(ADMIN)),
                   422, "result", "enum")
    assert_problem(await api.post("/api/v1/carriers/999999/established", json={"established_on": "2025-05-01"},
                                  headers=headers(ADMIN)), 404)
    assert await nothing_written(runtime, since)
    assert (await api.get(path, headers=headers(ADMIN))).json()["status"] == "approved"
    assert (await api.post(f"{path}/established", json={"established_on": "2025-04-01"},
                           headers=headers(ADMIN))).status_code == 200           # on the approval day
    since = await mark(runtime)
    assert_problem(await api.post(f"{path}/reviews", json={"year": 2024, "result": "qualified"},
                                  headers=headers(ADMIN)), 422, "year", "review.year_before_establishment")
    assert_problem(await api.post(f"{path}/reviews", json={"year": china_today().year + 1, "result": "qualified"},
                                  headers=headers(ADMIN)), 422, "year", "review.year_future")
    assert await nothing_written(runtime, since)
    assert await count(runtime, CarrierReview) == 0
