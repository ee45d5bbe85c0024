"""Matchmaking events and 一月一链 roadshows through HTTP."""
from __future__ import annotations

import pytest

from libs.common.testing import random_uscc
from services.finance.models import FinancingActivity
from services.finance.tests.helpers import (
    WUHAN,
    YICHANG,
    admin,
    assert_problem,
    bank,
    count,
    days_ago,
    headers,
    known,
    mark,
    nothing_written,
    officer,
    single_event,
)

RECORDED = "ipp.finance.activity.recorded.v1"


def activity(kind: str = "matchmaking", city: str = WUHAN, held_on: str | None = None, **more) -> dict:
    body = {"kind": kind, "title": f"知识产权质押融资银企对接会（{held_on or days_ago(3)}）",
            "held_on": held_on or days_ago(3),
            "city": city, "organiser": "市市场监督管理局（知识产权局）", "enterprise_count": 30, "institution_count": 8,
            "intended_amount": "150000000.00", "intended_deals": 12}
    if kind == "roadshow":
        body["chain"] = "P1"
    body.update(more)
    return body


async def test_a_city_officer_records_a_matchmaking_event(api, runtime):
    p, s = await known(runtime, WUHAN, "private"), await known(runtime, WUHAN, "state")
    since = await mark(runtime)
    r = await api.post("/api/v1/activities", json=activity(enterprises=[p, s], held_on="2025-04-15"),
                       headers=officer(WUHAN))
    assert r.status_code == 201, r.text
    out = r.json()
    assert (out["kind"], out["kind_name"], out["city_name"], out["private_enterprise_count"]) == (
        "matchmaking", "质押融资对接活动", "武汉市", 1)
    payload = await single_event(runtime, since, RECORDED, str(out["id"]), "activity.record")
    assert (payload["kind"], payload["city"], payload["year"], payload["intended_amount"]) == (
        "matchmaking", WUHAN, 2025, "150000000.00")
    assert payload["enterprise_count"] == 30 and payload["private_enterprise_count"] == 1


async def test_roadshows_need_a_chain_and_come_one_a_month_per_chain(api, runtime):
    r = await api.post("/api/v1/activities", json=activity("roadshow", chain=None), headers=admin())
    assert_problem(r, 422, "chain", "roadshow.chain_required")
    r = await api.post("/api/v1/activities", json=activity("roadshow", chain="Z9"), headers=admin())
    assert_problem(r, 422, "chain", "chain.unknown")
    first = await api.post("/api/v1/activities", json=activity("roadshow", held_on="2025-05-02",
                                                               title="一月一链路演（光芯屏端网）五月"), headers=admin())
    assert first.status_code == 201, first.text
    since = await mark(runtime)
    r = await api.post("/api/v1/activities",
                       json=activity("roadshow", held_on="2025-05-30", title="一月一链路演（光芯屏端网）五月第二场"),
                       headers=admin())
    body = assert_problem(r, 409, slug="roadshow.month_taken")
    assert body["activity_id"] == first.json()["id"]
    assert await nothing_written(runtime, since)
    for more in ({"held_on": "2025-06-01", "title": "六月路演"}, {"held_on": "2025-05-30", "title": "汽车链路演",
                                                                 "chain": "P2"},
                 {"held_on": "2025-05-30", "title": "宜昌路演", "city": YICHANG}):
        r = await api.post("/api/v1/activities", json=activity("roadshow", **more), headers=admin())
        assert r.status_code == 201, r.text


async def test_wrong_city_wrong_role_no_token(api, runtime):
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/activities", json=activity(city=YICHANG), headers=officer(WUHAN)), 403,
                   slug="forbidden-city")
    assert_problem(await api.post("/api/v1/activities", json=activity(), headers=bank()), 403, slug="forbidden")
    assert_problem(await api.post("/api/v1/activities", json=activity()), 401)
    assert await nothing_written(runtime, since) and await count(runtime, FinancingActivity) == 0


@pytest.mark.parametrize("db_backend", ["sqlite"])
@pytest.mark.parametrize("more, field, rule", [
    ({"city": "110000"}, "city", "division.not_hubei"),
    ({"kind": "party"}, "kind", "enum"),
    ({"enterprise_count": 0}, "enterprise_count", "greater_than_equal"),
    ({"intended_amount": "-1"}, "intended_amount", "greater_than_equal"),
    ({"held_on": "1999-01-01"}, "held_on", "date.too_early"),
    ({"enterprise_count": 1, "enterprises": [random_uscc(), random_uscc()]}, "enterprise_count",
     "activity.enterprise_count"),
    ({"enterprises": ["91420100MA4K0000X4"]}, "enterprises.0", "uscc.check_digit"),
])
async def test_bad_activities_are_422(api, runtime, more, field, rule):
    r = await api.post("/api/v1/activities", json=activity(**more), headers=admin())
    assert_problem(r, 422, field, rule)


async def test_listed_enterprises_must_be_known(api, runtime):
    a, stranger = await known(runtime), random_uscc()
    r = await api.post("/api/v1/activities", json=activity(enterprises=[a, stranger]), headers=admin())
    assert_problem(r, 422, "enterprises.1", "enterprise-registered")
    r = await api.post("/api/v1/activities", json=activity(enterprises=[a, a]), headers=admin())
    assert_problem(r, 422, "enterprises.1", "enterprises.duplicate")


async def test_cancel_once_and_the_same_event_twice_is_a_conflict(api, runtime):
    created = (await api.post("/api/v1/activities", json=activity(held_on="2025-03-03"), headers=officer())).json()
    r = await api.post("/api/v1/activities", json=activity(held_on="2025-03-03"), headers=officer())
    assert_problem(r, 409, slug="activity.duplicate")
    assert_problem(await api.post(f"/api/v1/activities/{created['id']}/cancel", json={"reason": "误登记"},
                                  headers=officer(YICHANG)), 403, slug="forbidden-city")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/activities/{created['id']}/cancel", json={"reason": "误登记"}, headers=officer())
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    payload = await single_event(runtime, since, "ipp.finance.activity.cancelled.v1", str(created["id"]),
                                 "activity.cancel")
    assert (payload["kind"], payload["year"], payload["city"]) == ("matchmaking", 2025, WUHAN)
    assert_problem(await api.post(f"/api/v1/activities/{created['id']}/cancel", json={"reason": "误登记"},
                                  headers=admin()), 409, slug="activity.transition")
    listed = (await api.get("/api/v1/activities", headers=bank())).json()
    assert listed["total"] == 0
    listed = (await api.get("/api/v1/activities", params={"include_cancelled": "true"}, headers=bank())).json()
    assert [a["id"] for a in listed["items"]] == [created["id"]]


async def test_list_filters_and_reference(api, runtime):
    await api.post("/api/v1/activities", json=activity(held_on="2024-09-09"), headers=admin())
    await api.post("/api/v1/activities", json=activity("roadshow", city=YICHANG, held_on="2025-02-02"),
                   headers=admin())
    r = await api.get("/api/v1/activities", params={"year": 2025}, headers=headers("viewer"))
    assert [a["kind"] for a in r.json()["items"]] == ["roadshow"]
    r = await api.get("/api/v1/activities", params={"kind": "matchmaking", "city": WUHAN}, headers=officer())
    assert r.json()["total"] == 1
    ref = (await api.get("/api/v1/reference", headers=bank())).json()
    assert ref["risk_sharing"]["interest_subsidy"] == "贴息" and "P1" in ref["chains"]
