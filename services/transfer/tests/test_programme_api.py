"""Open licences, the convertible patent library, enterprise needs and matching, matching events."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from libs.common.testing import random_uscc
from services.transfer.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    XIANGYANG,
    YICHANG,
    assert_problem,
    china_today,
    headers,
    mark,
    nothing_written,
    patent,
    transfer_body,
    written_since,
)

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])


def licence_body(**overrides):
    body = {"title": "一种锂离子电池正极材料（开放许可）", "patents": [patent(), patent()],
            "licensor": {"kind": "university", "name": "武汉理工大学", "city": WUHAN}, "fee_kind": "royalty",
            "royalty_rate": "3.00", "valid_from": "2024-01-01", "valid_to": "2027-12-31"}
    body.update(overrides)
    return body


def entry_body(**overrides):
    body = {"title": "高能量密度磷酸锰铁锂正极材料", "patents": [patent()], "ipc_classes": ["h01m 4/58"],
            "keywords": ["磷酸锰铁锂", "正极材料", "动力电池"],
            "description": "提高正极材料压实密度与循环寿命，可用于动力电池与储能电池。",
            "owner": {"kind": "university", "name": "武汉大学", "city": WUHAN}, "use_first_pay_later": True}
    body.update(overrides)
    return body


# ---------------------------------------------------------------------------- open licences

async def test_open_licence_lifecycle_and_licensees(api, runtime, known):
    since = await mark(runtime)
    r = await api.post("/api/v1/open-licences", json=licence_body(), headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    lic = r.json()
    assert (lic["status"], lic["in_force"], lic["city"], lic["licensor_kind"]) == ("active", True, WUHAN, "university")
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.open-licence.published.v1"]
    assert events[0]["payload"]["royalty_rate"] == "3.00" and audits[0]["action"] == "open_licence.publish"
    buyer = await known(YICHANG)
    deal = transfer_body(buyer, kind="open_licence", patents=[lic["patents"][0]], open_licence_id=lic["id"],
                         contract_date="2025-05-01")
    r = await api.post("/api/v1/transfers", json=deal, headers=headers(ADMIN))
    assert r.status_code == 201, r.text
    since = await mark(runtime)
    assert (await api.get(f"/api/v1/open-licences/{lic['id']}", headers=headers("agency"))).json()["licensees"] == 1
    # wrong kind, patent outside the declaration, unknown listing
    wrong: list[tuple[dict[str, Any], str, str]] = [
        ({"kind": "ordinary_licence"}, "kind", "open_licence.kind"),
        ({"patents": [patent()]}, "patents", "open_licence.patents"),
        ({"open_licence_id": 99999}, "open_licence_id", "open_licence.unknown")]
    for override, field, rule in wrong:
        r = await api.post("/api/v1/transfers", json={**deal, "ref": f"x-{rule}", **override}, headers=headers(ADMIN))
        assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)
    assert_problem(await api.post(f"/api/v1/open-licences/{lic['id']}/withdraw", json={"reason": "专利权已转让"},
                                  headers=headers(OFFICER, YICHANG)), 403)
    r = await api.post(f"/api/v1/open-licences/{lic['id']}/withdraw", json={"reason": "专利权已转让"},
                       headers=headers(ADMIN))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn" and r.json()["in_force"] is False
    assert_problem(await api.post(f"/api/v1/open-licences/{lic['id']}/withdraw", json={"reason": "再次撤回"},
                                  headers=headers(ADMIN)), 409, slug="open_licence.withdraw.not_allowed")
    r = await api.post("/api/v1/transfers", json={**deal, "ref": "after-withdrawal", "contract_date": "2025-06-01"},
                       headers=headers(ADMIN))
    assert_problem(r, 422, "open_licence_id", "open_licence.not_in_force")
    listed = (await api.get("/api/v1/open-licences", params={"in_force": True}, headers=headers("viewer"))).json()
    assert listed["total"] == 0


@SQLITE_ONLY
@pytest.mark.parametrize("override, field, rule", [
    ({"fee_kind": "free", "royalty_rate": "1"}, "fee_amount", "fee.free_but_priced"),
    ({"fee_kind": "lump_sum", "royalty_rate": None}, "fee_amount", "fee.amount_required"),
    ({"royalty_rate": None}, "royalty_rate", "fee.rate_required"),
    ({"royalty_rate": "101"}, "royalty_rate", "less_than_equal"),
    ({"valid_to": "2023-12-31"}, "valid_to", "valid_to.before_from"),
    ({"licensor": {"kind": "university", "name": "北京某大学", "region": "other_province"}}, "city", "city.required"),
    ({"patents": ["20211098765"]}, "patents.0", "patent.format"),
])
async def test_open_licence_bad_input(api, runtime, override, field, rule):
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/open-licences", json=licence_body(**override), headers=headers(ADMIN)),
                   422, field, rule)
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
async def test_open_licence_roles(api):
    assert_problem(await api.post("/api/v1/open-licences", json=licence_body()), 401)
    assert_problem(await api.post("/api/v1/open-licences", json=licence_body(), headers=headers("viewer")), 403)
    assert_problem(await api.post("/api/v1/open-licences", json=licence_body(), headers=headers(OFFICER, YICHANG)),
                   403, slug="forbidden-city")


# ---------------------------------------------------------------------------- library, needs, matching

async def test_need_is_matched_against_the_library_with_reasons(api, runtime, known):
    ent = await known(WUHAN, size_class="small", name="武汉楚天电池有限公司")
    best = (await api.post("/api/v1/library", json=entry_body(), headers=headers(OFFICER, WUHAN))).json()
    sub = (await api.post("/api/v1/library", json=entry_body(
        title="固态电解质薄膜", ipc_classes=["H01M 10/0562"], keywords=["固态电解质"], use_first_pay_later=False,
        description="硫化物固态电解质薄膜制备工艺，提升界面稳定性。",
        owner={"kind": "institute", "name": "中国科学院某研究所", "city": YICHANG}), headers=headers(ADMIN))).json()
    (await api.post("/api/v1/library", json=entry_body(
        title="水稻插秧机", ipc_classes=["A01C 11/02"], keywords=["插秧机"],
        description="适用于丘陵地区的小型插秧机械。",
        owner={"kind": "university", "name": "华中农业大学", "city": WUHAN}), headers=headers(ADMIN)))
    withdrawn = (await api.post("/api/v1/library", json=entry_body(), headers=headers(ADMIN))).json()
    await api.post(f"/api/v1/library/{withdrawn['id']}/withdraw", json={"reason": "已独占许可他人"},
                   headers=headers(ADMIN))
    since = await mark(runtime)
    r = await api.post("/api/v1/needs", json={
        "uscc": ent, "title": "动力电池正极材料循环寿命提升", "ipc_classes": ["H01M 4/505"],
        "keywords": ["正极材料", "动力电池", "循环寿命"], "description": "现有产品循环后容量衰减明显，寻求改性技术。",
        "budget": "800000"}, headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    need = r.json()
    assert (need["enterprise_name"], need["city"], need["is_private"]) == ("武汉楚天电池有限公司", WUHAN, True)
    events, _ = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.need.registered.v1"]
    r = await api.get(f"/api/v1/needs/{need['id']}/matches", headers=headers("agency"))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [i["entry"]["id"] for i in items] == [best["id"], sub["id"]]
    rules = [(x["rule"], x["points"]) for x in items[0]["reasons"]]
    # H01M 4/505 vs H01M 4/58: same main group H01M 4; two shared keywords and one in the description;
    # same city; use first, pay later for a small enterprise
    assert rules == [("ipc.group", 50), ("keyword.exact", 10), ("keyword.exact", 10), ("keyword.text", 5),
                     ("city.same", 5), ("use_first_pay_later", 5)]
    assert items[0]["score"] == 85
    assert {x["rule"] for x in items[1]["reasons"]} == {"ipc.subclass"} and items[1]["score"] == 30
    assert "IPC" in r.json()["scoring"]


async def test_need_rules_roles_and_close(api, runtime, known):
    ent = await known(XIANGYANG)
    body = {"uscc": ent, "title": "汽车轻量化材料", "keywords": ["轻量化"], "description": "寻求铝合金车身轻量化技术。"}
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/needs", json={**body, "uscc": random_uscc(XIANGYANG)},
                                  headers=headers(ADMIN)), 422, "uscc", "enterprise-registered")
    assert_problem(await api.post("/api/v1/needs", json={**body, "keywords": []}, headers=headers(ADMIN)), 422,
                   "keywords", "need.no_terms")
    assert_problem(await api.post("/api/v1/needs", json={**body, "ipc_classes": ["X99Z"]}, headers=headers(ADMIN)),
                   422, "ipc_classes.0", "ipc.format")
    assert_problem(await api.post("/api/v1/needs", json=body, headers=headers(OFFICER, WUHAN)), 403,
                   slug="forbidden-city")
    assert_problem(await api.post("/api/v1/needs", json=body, headers=headers("agency")), 403)
    assert_problem(await api.post("/api/v1/needs", json=body), 401)
    assert await nothing_written(runtime, since)
    need = (await api.post("/api/v1/needs", json=body, headers=headers(OFFICER, XIANGYANG))).json()
    assert_problem(await api.get(f"/api/v1/needs/{need['id']}", headers=headers(OFFICER, WUHAN)), 403)
    assert_problem(await api.get("/api/v1/needs", headers=headers("bank")), 403)
    assert (await api.get("/api/v1/needs", headers=headers(OFFICER, WUHAN))).json()["total"] == 0
    assert (await api.get("/api/v1/needs", headers=headers("agency"))).json()["total"] == 1
    r = await api.post(f"/api/v1/needs/{need['id']}/close", json={"outcome": "resolved", "reason": "已与高校签订许可"},
                       headers=headers(OFFICER, XIANGYANG))
    assert r.json()["status"] == "resolved"
    assert_problem(await api.post(f"/api/v1/needs/{need['id']}/close", json={"outcome": "withdrawn", "reason": "撤回"},
                                  headers=headers(ADMIN)), 409, slug="need.withdraw.not_allowed")


async def test_library_deal_counts_and_filters(api, known):
    entry = (await api.post("/api/v1/library", json=entry_body(), headers=headers(ADMIN))).json()
    assert entry["ipc_classes"] == ["H01M 4/58"] and entry["keywords"] == ["磷酸锰铁锂", "正极材料", "动力电池"]
    buyer = await known(WUHAN)
    rec = (await api.post("/api/v1/transfers", json=transfer_body(buyer, library_entry_id=entry["id"]),
                          headers=headers(ADMIN))).json()
    assert (await api.get(f"/api/v1/library/{entry['id']}", headers=headers("bank"))).json()["deals"] == 1
    await api.post(f"/api/v1/transfers/{rec['id']}/cancel", json={"reason": "合同解除"}, headers=headers(ADMIN))
    assert (await api.get(f"/api/v1/library/{entry['id']}", headers=headers("viewer"))).json()["deals"] == 0
    for params in ({"ipc": "H01M"}, {"ipc": "H01M 4/"}, {"keyword": "正极"}, {"use_first_pay_later": True}):
        assert (await api.get("/api/v1/library", params=params, headers=headers("viewer"))).json()["total"] == 1, params
    assert (await api.get("/api/v1/library", params={"ipc": "A01C"}, headers=headers("viewer"))).json()["total"] == 0
    assert_problem(await api.get("/api/v1/library", params={"ipc": "bad"}, headers=headers("viewer")), 422, "ipc",
                   "ipc.format")
    assert_problem(await api.post("/api/v1/library", json=entry_body(), headers=headers(OFFICER, YICHANG)), 403)
    await api.post(f"/api/v1/library/{entry['id']}/withdraw", json={"reason": "权利人撤回"}, headers=headers(ADMIN))
    r = await api.post("/api/v1/transfers", json=transfer_body(buyer, library_entry_id=entry["id"]),
                       headers=headers(ADMIN))
    assert_problem(r, 422, "library_entry_id", "library_entry.unavailable")


# ---------------------------------------------------------------------------- matching events

async def test_matching_event_planned_held_counts_once(api, runtime):
    r = await api.post("/api/v1/matching-events", json={
        "ref": "M-test-1", "title": "光电子信息领域专利技术供需对接会", "city": WUHAN, "planned_date": "2025-04-20",
        "organiser": "武汉市知识产权局", "field": "光电子信息"}, headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    mev = r.json()
    assert mev["status"] == "planned"
    assert_problem(await api.post("/api/v1/matching-events", json={
        "ref": "M-test-1", "title": "重复编号", "city": WUHAN, "planned_date": "2025-04-20",
        "organiser": "武汉市知识产权局"},
        headers=headers(ADMIN)), 409, slug="matching_event.exists")
    assert_problem(await api.post(f"/api/v1/matching-events/{mev['id']}/held", json={
        "participants_enterprises": 60, "deals_intended": 12}, headers=headers(OFFICER, YICHANG)), 403)
    since = await mark(runtime)
    r = await api.post(f"/api/v1/matching-events/{mev['id']}/held", json={
        "participants_enterprises": 60, "participants_institutions": 8, "deals_intended": 12,
        "amount_intended": "15000000"}, headers=headers(OFFICER, WUHAN))
    assert r.status_code == 200 and r.json()["held_on"] == "2025-04-20"
    events, audits = await written_since(runtime, since)
    assert [e["event_type"] for e in events] == ["ipp.transfer.matching-event.held.v1"]
    p = events[0]["payload"]
    assert (p["year"], p["city"], p["deals_intended"], p["amount_intended"]) == (2025, WUHAN, 12, "15000000.00")
    assert audits[0]["action"] == "matching_event.hold"
    assert_problem(await api.post(f"/api/v1/matching-events/{mev['id']}/held", json={
        "participants_enterprises": 1, "deals_intended": 1}, headers=headers(ADMIN)), 409,
        slug="matching_event.hold.not_allowed")
    assert_problem(await api.post(f"/api/v1/matching-events/{mev['id']}/cancel", json={"reason": "取消"},
                                  headers=headers(ADMIN)), 409)
    r = await api.get("/api/v1/matching-events", params={"year": 2025, "status": "held"}, headers=headers("bank"))
    assert r.json()["total"] == 1


async def test_matching_event_rules(api, runtime):
    future = (china_today() + timedelta(days=30)).isoformat()
    mev = (await api.post("/api/v1/matching-events", json={
        "title": "鄂西片区对接会", "city": YICHANG, "planned_date": future, "organiser": "宜昌市知识产权局"},
        headers=headers(ADMIN))).json()
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/matching-events/{mev['id']}/held", json={
        "participants_enterprises": 1, "deals_intended": 1}, headers=headers(ADMIN)), 422, "held_on", "date.future")
    assert_problem(await api.post(f"/api/v1/matching-events/{mev['id']}/held", json={
        "participants_enterprises": -1, "deals_intended": 1}, headers=headers(ADMIN)), 422,
        "participants_enterprises", "greater_than_equal")
    assert await nothing_written(runtime, since)
    assert_problem(await api.post("/api/v1/matching-events", json={
        "title": "越权", "city": WUHAN, "planned_date": future, "organiser": "宜昌市知识产权局"},
        headers=headers(OFFICER, YICHANG)), 403)
    assert_problem(await api.post("/api/v1/matching-events", json={
        "title": "x", "city": WUHAN, "planned_date": future, "organiser": "宜昌"}, headers=headers(ADMIN)),
        422, "title", "string_too_short")
    r = await api.post(f"/api/v1/matching-events/{mev['id']}/cancel", json={"reason": "天气原因取消"},
                       headers=headers(OFFICER, YICHANG))
    assert r.json()["status"] == "cancelled"
    assert_problem(await api.get("/api/v1/matching-events"), 401)
