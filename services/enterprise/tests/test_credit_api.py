"""The credit register 信用记录 through HTTP (鄂知发〔2019〕1号 § 5; 鄂知发〔2025〕2号 §§ 8, 16): recording,
lifting, lists and the workbook, roles and city scoping, bad input with nothing written; and what it
changes elsewhere in the service: the pool's criterion 10, removals citing an entry, the review
queue, and tier recommendations showing the entry to the province."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from libs.common.testing import assert_problem, auth, random_uscc
from services.enterprise.credit.models import CreditEntry
from services.enterprise.tests.helpers import china_today, enterprise_body, mark, nothing_written, single_event
from services.enterprise.tests.pool_helpers import ADMIN, OFFICER, apply, member, pool_enterprise

WUHAN, YICHANG = "420100", "420500"
EV = "ipp.enterprise.credit.{}.v1"


def today() -> date:
    return china_today()


def body(uscc: str, **over) -> dict:
    start = today() - timedelta(days=30)
    b = {"uscc": uscc, "kind": "abnormal_patent_application", "authority": "湖北省知识产权局",
         "decided_on": start.isoformat(), "document_no": "鄂知管〔2025〕12号", "effective_from": start.isoformat(),
         "effective_until": (start + timedelta(days=365)).isoformat(),
         "summary": "提交非正常专利申请 23 件，经国家知识产权局通报认定"}
    b.update(over)
    return b


async def registered(api, city: str = WUHAN, ownership: str = "private") -> str:
    uscc = random_uscc(city)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc, city=city, county=None, ownership=ownership),
                       headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    return uscc


async def record(api, uscc: str, role: str = OFFICER, city: str | None = WUHAN, expect: int = 201, **over) -> dict:
    r = await api.post("/api/v1/credit-entries", json=body(uscc, **over), headers=auth(role, city=city))
    assert r.status_code == expect, r.text
    return r.json()


async def test_a_city_officer_records_an_entry_state_audit_and_event_together(api, runtime):
    uscc = await registered(api)
    since = await mark(runtime)
    e = await record(api, uscc)
    assert (e["kind"], e["kind_name"], e["status"], e["active"], e["city"]) == (
        "abnormal_patent_application", "非正常专利申请", "active", True, WUHAN)
    assert e["enterprise_name"] and e["document_no"] == "鄂知管〔2025〕12号"
    payload = await single_event(runtime, since, EV.format("recorded"), uscc, "credit.record")
    assert payload["entry_id"] == e["id"] and payload["city"] == WUHAN and payload["is_private"] is True
    assert payload["kind"] == "abnormal_patent_application" and payload["lifted_on"] is None
    assert payload["year"] == date.fromisoformat(e["decided_on"]).year
    async with runtime.sessions() as s:
        assert (await s.scalars(select(CreditEntry.uscc))).all() == [uscc]


async def test_an_open_ended_entry_and_the_province_for_any_city(api, runtime):
    uscc = await registered(api, YICHANG)
    e = await record(api, uscc, ADMIN, None, kind="serious_dishonesty", effective_until=None)
    assert e["effective_until"] is None and e["active"] and e["kind_name"] == "知识产权严重违法失信"


async def test_bad_input_names_the_field_and_the_rule_and_writes_nothing(api, runtime):
    uscc = await registered(api)
    d = today()
    cases = [
        ({"kind": "dishonest"}, "kind", "enum"),
        ({"document_no": ""}, "document_no", "string_too_short"),
        ({"effective_from": (d - timedelta(days=31)).isoformat()}, "effective_from",
         "credit.effective_before_decision"),
        ({"effective_until": (d - timedelta(days=31)).isoformat()}, "effective_until", "credit.period_order"),
        ({"decided_on": (d + timedelta(days=1)).isoformat(), "effective_from": (d + timedelta(days=1)).isoformat()},
         "decided_on", "credit.decided_in_future"),
        ({"uscc": random_uscc(WUHAN)}, "uscc", "enterprise-registered"),
        ({"uscc": "91420100MA4K0000XA"}, "uscc", "uscc.check_digit"),
        ({"effective_until": "2099-13-01"}, "effective_until", "date_from_datetime_parsing"),
    ]
    for over, field, rule_code in cases:
        since = await mark(runtime)
        r = await api.post("/api/v1/credit-entries", json={**body(uscc), **over}, headers=auth(OFFICER, city=WUHAN))
        assert_problem(r, 422, field, rule_code)
        assert await nothing_written(runtime, since)
    async with runtime.sessions() as s:
        assert (await s.scalars(select(CreditEntry.id))).all() == []


async def test_the_same_document_twice_is_refused(api, runtime):
    uscc = await registered(api)
    await record(api, uscc)
    since = await mark(runtime)
    r = await api.post("/api/v1/credit-entries", json=body(uscc), headers=auth(OFFICER, city=WUHAN))
    assert_problem(r, 422, "document_no", "credit.duplicate")
    assert await nothing_written(runtime, since)


async def test_roles_and_city_scoping(api, runtime):
    uscc = await registered(api)
    since = await mark(runtime)
    for role, city in (("viewer", None), ("bank", None), ("agency", None), (OFFICER, YICHANG)):
        org = "bank-1" if role == "bank" else None
        r = await api.post("/api/v1/credit-entries", json=body(uscc), headers=auth(role, city=city, org=org))
        assert r.status_code == 403, (role, r.text)
    assert await nothing_written(runtime, since)
    e = await record(api, uscc)
    lift = {"lifted_on": today().isoformat(), "reason": "信用修复"}
    r = await api.post(f"/api/v1/credit-entries/{e['id']}/lift", json=lift, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 403  # only the province lifts
    assert (await api.get(f"/api/v1/credit-entries/{e['id']}", headers=auth(OFFICER, city=YICHANG))).status_code == 403
    assert (await api.get(f"/api/v1/enterprises/{uscc}/credit-entries",
                          headers=auth(OFFICER, city=YICHANG))).status_code == 403
    assert (await api.get("/api/v1/credit-entries", params={"city": WUHAN},
                          headers=auth(OFFICER, city=YICHANG))).status_code == 403
    assert (await api.get("/api/v1/credit-entries", headers=auth("bank", org="bank-1"))).status_code == 403
    mine = (await api.get("/api/v1/credit-entries", headers=auth(OFFICER, city=YICHANG))).json()
    assert mine["total"] == 0


async def test_the_province_lifts_an_entry_once(api, runtime):
    uscc = await registered(api)
    e = await record(api, uscc)
    since = await mark(runtime)
    r = await api.post(f"/api/v1/credit-entries/{e['id']}/lift",
                       json={"lifted_on": today().isoformat(), "reason": "完成信用修复"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    lifted = r.json()
    assert (lifted["status"], lifted["status_name"], lifted["active"], lifted["lift_reason"]) == (
        "lifted", "已解除", False, "完成信用修复")
    payload = await single_event(runtime, since, EV.format("lifted"), uscc, "credit.lift")
    assert payload["lifted_on"] == today().isoformat() and payload["reason"] == "完成信用修复"
    assert payload["effective_from"] == e["effective_from"]  # the whole entry travels
    e2 = await record(api, uscc, document_no="鄂知管〔2025〕13号")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/credit-entries/{e['id']}/lift",
                       json={"lifted_on": today().isoformat(), "reason": "再次解除"}, headers=auth(ADMIN))
    assert_problem(r, 409)
    r = await api.post(f"/api/v1/credit-entries/{e['id']}/lift",
                       json={"lifted_on": e["effective_from"], "reason": "信用修复"}, headers=auth(ADMIN))
    assert r.status_code == 409  # already lifted comes first
    r = await api.post(f"/api/v1/credit-entries/{e2['id']}/lift",
                       json={"lifted_on": e2["effective_from"], "reason": "信用修复"}, headers=auth(ADMIN))
    assert_problem(r, 422, "lifted_on", "credit.lift_before_effect")
    assert (await api.post("/api/v1/credit-entries/999999/lift", json={"lifted_on": today().isoformat(),
                                                                      "reason": "信用修复"},
                           headers=auth(ADMIN))).status_code == 404
    assert await nothing_written(runtime, since)


async def test_lists_filter_and_answer_as_a_workbook(api, runtime):
    a, b = await registered(api), await registered(api, YICHANG)
    await record(api, a)
    old = today() - timedelta(days=400)
    await record(api, a, kind="major_accident", document_no="武应急罚〔2024〕1号", decided_on=old.isoformat(),
                 effective_from=old.isoformat(), effective_until=(old + timedelta(days=30)).isoformat())
    await record(api, b, ADMIN, None, kind="serious_dishonesty")
    h = auth(ADMIN)
    assert (await api.get("/api/v1/credit-entries", headers=h)).json()["total"] == 3
    assert (await api.get("/api/v1/credit-entries", params={"city": WUHAN}, headers=h)).json()["total"] == 2
    active = (await api.get("/api/v1/credit-entries", params={"active_on": today().isoformat()}, headers=h)).json()
    assert {i["kind"] for i in active["items"]} == {"abnormal_patent_application", "serious_dishonesty"}
    assert (await api.get("/api/v1/credit-entries", params={"kind": "major_accident"}, headers=h)).json()["items"][0][
        "status"] == "expired"
    assert (await api.get("/api/v1/credit-entries", params={"kind": "nope"}, headers=h)).status_code == 422
    per = (await api.get(f"/api/v1/enterprises/{a}/credit-entries", headers=auth(OFFICER, city=WUHAN))).json()
    assert [e["kind"] for e in per] == ["major_accident", "abnormal_patent_application"]
    x = await api.get("/api/v1/credit-entries", params={"format": "xlsx"}, headers=h)
    assert x.status_code == 200 and x.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    ref = (await api.get("/api/v1/credit-entries/reference", headers=h)).json()
    assert ref["kinds"]["abnormal_patent_application"]["name"] == "非正常专利申请"


# ============================================================================ other rules consult it

async def test_pool_criterion_10_fails_on_an_active_entry_and_names_it(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    e = await record(api, uscc)
    ev = (await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "declarations": {"clean_record": True},
                                                        "reason": "预评价"},
                         headers=auth(OFFICER, city=WUHAN))).json()
    c10 = next(c for c in ev["criteria"] if c["code"] == "clean_record")
    assert c10["outcome"] == "fail" and "clean_record" in ev["failed"]
    assert f"记录编号 {e['id']}" in c10["figure"] and "湖北省知识产权局 鄂知管〔2025〕12号" in c10["figure"]
    await api.post(f"/api/v1/credit-entries/{e['id']}/lift",
                   json={"lifted_on": today().isoformat(), "reason": "信用修复"}, headers=auth(ADMIN))
    m = await apply(api, uscc, WUHAN)  # lifted today: the register has nothing active, the declaration decides
    c10 = next(c for c in m["evaluation"] if c["code"] == "clean_record")
    assert c10["outcome"] == "pass" and "无在效记录" in c10["figure"]


async def test_a_removal_cites_an_entry_and_the_review_queue_lists_the_member(api, runtime):
    m = await member(api, WUHAN, applied_on=today() - timedelta(days=60), admitted_on=today() - timedelta(days=50))
    uscc = m["uscc"]
    review = (await api.get("/api/v1/pool/review", headers=auth(ADMIN))).json()
    assert uscc not in {i["uscc"] for i in review}
    e = await record(api, uscc, kind="serious_dishonesty")
    review = (await api.get("/api/v1/pool/review", headers=auth(ADMIN))).json()
    item = next(i for i in review if i["uscc"] == uscc)
    assert item["grounds"] == ["credit_entry"] and item["credit_entries"][0]["id"] == e["id"]
    assert "有在效信用记录" in item["reason"]
    other = await record(api, await registered(api), kind="serious_dishonesty")
    removal = {"effective_date": today().isoformat(), "removal_reason": "serious_dishonesty",
               "reason": "经查实存在严重失信行为，予以退库", "credit_entry_id": other["id"]}
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove", json=removal, headers=auth(ADMIN))
    assert_problem(r, 422, "credit_entry_id", "pool.credit_entry_other_enterprise")
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove",
                       json={**removal, "credit_entry_id": e["id"], "removal_reason": "data_fraud"},
                       headers=auth(ADMIN))
    assert_problem(r, 422, "credit_entry_id", "pool.credit_entry_kind")
    assert await nothing_written(runtime, since)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove", json={**removal, "credit_entry_id": e["id"]},
                       headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["history"][-1]["details"]["credit_entry_id"] == e["id"]
    payload = await single_event(runtime, since, "ipp.enterprise.pool.removed.v1", uscc, "pool.remove")
    assert payload["credit_entry_id"] == e["id"]


async def test_a_tier_recommendation_shows_the_active_entries(api, runtime):
    uscc = await registered(api)
    r = await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                       json={"tier": "growth", "reason": "知识产权工作基础好"}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201 and r.json()["credit_entries"] == []
    e = await record(api, uscc, kind="serious_dishonesty")
    listed = (await api.get("/api/v1/tier-recommendations", params={"status": "pending"}, headers=auth(ADMIN))).json()
    rec = next(i for i in listed["items"] if i["uscc"] == uscc)
    assert [(c["id"], c["kind_name"], c["authority"]) for c in rec["credit_entries"]] == [
        (e["id"], "知识产权严重违法失信", "湖北省知识产权局")]


async def test_entries_no_longer_in_effect_are_neither_shown_nor_queued(api, runtime):
    # active only while effective_from <= day <= effective_until and not lifted by then
    m = await member(api, WUHAN, applied_on=today() - timedelta(days=60), admitted_on=today() - timedelta(days=50))
    uscc = m["uscc"]
    ended = today() - timedelta(days=1)
    await record(api, uscc, kind="serious_dishonesty", decided_on=(ended - timedelta(days=9)).isoformat(),
                 effective_from=(ended - timedelta(days=9)).isoformat(), effective_until=ended.isoformat())
    assert uscc not in {i["uscc"] for i in (await api.get("/api/v1/pool/review", headers=auth(ADMIN))).json()}
    on_last_day = (await api.get("/api/v1/pool/review", params={"as_of": ended.isoformat()},
                                 headers=auth(ADMIN))).json()
    assert uscc in {i["uscc"] for i in on_last_day}
    r = await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                       json={"tier": "growth", "reason": "知识产权工作基础好"}, headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 201 and r.json()["credit_entries"] == []
