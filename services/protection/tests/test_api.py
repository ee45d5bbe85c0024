"""The protection service through HTTP: centres, workstations, cases, visits; auth, problems, outbox, audit."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.protection.models import Case, CaseStep, Centre, Visit, Workstation
from services.protection.tests.helpers import (
    AGENCY,
    BANK,
    VIEWER,
    WUHAN,
    XIANGYANG,
    YICHANG,
    admin,
    agency,
    assert_problem,
    case_body,
    centre,
    china_today,
    count_rows,
    days_ago,
    headers,
    iso,
    known,
    mark,
    new_case,
    nothing_written,
    now,
    officer,
    single_event,
    uid,
    written_since,
)

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])
CHINA = ZoneInfo("Asia/Shanghai")


def ws_body(**overrides) -> dict:
    body: dict[str, Any] = {"name": f"{uid('WS')}知识产权保护工作站", "level": "provincial_joint",
                            "host_kind": "enterprise", "established_on": "2025-04-26"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


# ============================================================================================ centres

async def test_admin_registers_a_centre(api, runtime):
    since = await mark(runtime)
    body = {"id": "HB-YC-WQYZ", "name": "宜昌市知识产权维权援助中心", "kind": "assistance", "city": YICHANG,
            "established_on": "2019-03-01", "phone": "0717-12345"}
    r = await api.post("/api/v1/centres", json=body, headers=admin())
    assert r.status_code == 201, r.text
    assert r.headers["location"] == "/api/v1/centres/HB-YC-WQYZ"
    out = r.json()
    assert (out["city_name"], out["kind_name"], out["version"]) == ("宜昌市", "知识产权维权援助中心", 1)
    payload = await single_event(runtime, since, "ipp.protection.centre.registered.v1", "HB-YC-WQYZ",
                                 "centre.register")
    assert payload == {"centre_id": "HB-YC-WQYZ", "name": "宜昌市知识产权维权援助中心", "kind": "assistance",
                       "city": YICHANG, "established_on": "2019-03-01"}
    r = await api.post("/api/v1/centres", json={**body, "name": "另一个名称"}, headers=admin())
    assert_problem(r, 409, slug="centre.exists")
    assert await count_rows(runtime, Centre) == 1


async def test_officer_registers_only_in_own_city(api, runtime):
    body = {"id": uid("C"), "name": "襄阳市知识产权维权援助中心", "kind": "assistance", "city": XIANGYANG}
    since = await mark(runtime)
    r = await api.post("/api/v1/centres", json=body, headers=officer(WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since)
    r = await api.post("/api/v1/centres", json=body, headers=officer(XIANGYANG))
    assert r.status_code == 201, r.text


async def test_the_monthly_duty_binds_assistance_centres_only(api, runtime):
    # 鄂知发〔2019〕1号 第4条 “全省各知识产权维权援助中心……每月至少开展一次民营企业上门服务活动”
    assist = await centre(api, XIANGYANG, established_on="2019-01-01")
    others = [await centre(api, XIANGYANG, established_on="2019-01-01", kind=k) for k in ("protection", "rapid",
                                                                                        "overseas")]
    uscc = await known(runtime, XIANGYANG)
    r = await api.post("/api/v1/visits", json={"centre_id": others[0]["id"], "uscc": uscc, "visit_date": "2025-01-08",
                                               "services": ["consultation"]}, headers=admin())
    assert r.status_code == 201, r.text
    params = {"from_month": "2025-01", "to_month": "2025-02", "city": XIANGYANG}
    body = (await api.get("/api/v1/visits/compliance", params=params, headers=admin())).json()
    by_centre = {x["centre_id"]: x for x in body["centres"]}
    assert by_centre[assist["id"]]["missed_months"] == ["2025-01", "2025-02"]
    for o in others:
        assert (by_centre[o["id"]]["monthly_duty"], by_centre[o["id"]]["due_months"],
                by_centre[o["id"]]["missed_months"]) == (False, [], [])
    assert by_centre[others[0]["id"]]["visits"] == {"2025-01": 1, "2025-02": 0}
    assert {m["centre_id"] for m in body["missed"]} == {assist["id"]}


@SQLITE_ONLY
@pytest.mark.parametrize("role", [VIEWER, AGENCY, BANK])
async def test_other_roles_may_not_register_centres(api, runtime, role):
    body = {"id": uid("C"), "name": "测试中心", "kind": "assistance", "city": WUHAN}
    r = await api.post("/api/v1/centres", json=body, headers=headers(role, org="X"))
    assert_problem(r, 403)
    assert await count_rows(runtime, Centre) == 0


@SQLITE_ONLY
@pytest.mark.parametrize("change, field, rule", [
    ({"city": "110000"}, "city", "city.not_hubei"),
    ({"id": "有 空格"}, "id", "string_pattern_mismatch"),
    ({"kind": "court"}, "kind", "enum"),
    ({"established_on": (china_today() + timedelta(days=1)).isoformat()}, "established_on", "date.in_future"),
    ({"established_on": "2999-01-01"}, "established_on", "date_range"),  # implausible: refused when parsed
    ({"extra": 1}, "extra", "extra_forbidden"),
])
async def test_bad_centre_input(api, runtime, change, field, rule):
    body = {"id": uid("C"), "name": "测试中心", "kind": "assistance", "city": WUHAN, **change}
    r = await api.post("/api/v1/centres", json=body, headers=admin())
    if field == "city":
        body_ = assert_problem(r, 422)
        assert body_["errors"][0]["field"] == "city"
    else:
        assert_problem(r, 422, field, rule)
    assert await count_rows(runtime, Centre) == 0


@SQLITE_ONLY
async def test_no_token_is_401(api):
    for method, path in [("GET", "/api/v1/centres"), ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases/overdue"),
                         ("GET", "/api/v1/visits/compliance"), ("POST", "/api/v1/workstations")]:
        r = await api.request(method, path, json={})
        assert_problem(r, 401, slug="unauthorized")


async def test_update_and_close_a_centre(api, runtime):
    c = await centre(api, YICHANG, established_on="2020-05-01")
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/centres/{c['id']}", json={"closed_on": "2020-04-30"}, headers=officer(YICHANG))
    assert_problem(r, 422, "closed_on", "closed_on.before_established")
    assert await nothing_written(runtime, since)
    r = await api.patch(f"/api/v1/centres/{c['id']}", json={"closed_on": "2024-12-31"}, headers=officer(WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    r = await api.patch(f"/api/v1/centres/{c['id']}", json={"closed_on": "2024-12-31"}, headers=officer(YICHANG))
    assert r.status_code == 200, r.text
    assert (r.json()["closed_on"], r.json()["version"]) == ("2024-12-31", 2)
    payload = await single_event(runtime, since, "ipp.protection.centre.updated.v1", c["id"], "centre.update")
    assert (payload["closed_on"], payload["changed_fields"]) == ("2024-12-31", ["closed_on"])


# ======================================================================================= workstations

async def test_enterprise_hosted_workstation_takes_city_and_ownership_from_read_model(api, runtime):
    uscc = await known(runtime, YICHANG, "private", name="宜昌三峡智创科技有限公司")
    since = await mark(runtime)
    r = await api.post("/api/v1/workstations", json=ws_body(host_uscc=uscc), headers=officer(YICHANG))
    assert r.status_code == 201, r.text
    ws = r.json()
    assert (ws["city"], ws["host_name"], ws["host_is_private"], ws["level_name"], ws["active"]) == (
        YICHANG, "宜昌三峡智创科技有限公司", True, "省级联合保护工作站", True)
    payload = await single_event(runtime, since, "ipp.protection.workstation.established.v1", str(ws["id"]),
                                 "workstation.establish")
    assert {k: payload[k] for k in ("city", "level", "is_private", "year", "established_on", "host_uscc")} == {
        "city": YICHANG, "level": "provincial_joint", "is_private": True, "year": 2025,
        "established_on": "2025-04-26", "host_uscc": uscc}


async def test_park_workstation(api, runtime):
    r = await api.post("/api/v1/workstations", json=ws_body(host_kind="park", host_name="武汉东湖新技术开发区",
                                                            city=WUHAN, level="city"), headers=admin())
    assert r.status_code == 201, r.text
    assert (r.json()["host_uscc"], r.json()["host_is_private"], r.json()["city"]) == (None, None, WUHAN)


async def test_unknown_enterprise_host_is_422_and_nothing_written(api, runtime):
    from libs.common.testing import random_uscc

    since = await mark(runtime)
    r = await api.post("/api/v1/workstations", json=ws_body(host_uscc=random_uscc(WUHAN)), headers=admin())
    assert_problem(r, 422, "host_uscc", "enterprise-registered")
    assert await nothing_written(runtime, since)
    assert await count_rows(runtime, Workstation) == 0


@SQLITE_ONLY
async def test_bad_workstation_input(api, runtime):
    uscc = await known(runtime, YICHANG)
    cases = [
        (ws_body(host_uscc=uscc, city=WUHAN), "city", "city.host_mismatch"),
        (ws_body(), "host_uscc", "host_uscc.required"),
        (ws_body(host_kind="park", host_name="某园区"), "city", "city.required"),
        (ws_body(host_kind="park", city=WUHAN), "host_name", "host_name.required"),
        (ws_body(host_kind="park", host_name="某园区", city=WUHAN, host_uscc=uscc), "host_uscc",
         "host_uscc.unexpected"),
        (ws_body(host_uscc=uscc, established_on=(china_today() + timedelta(days=1)).isoformat()), "established_on",
         "date.in_future"),
        (ws_body(host_uscc=uscc, level="national"), "level", "enum"),
        (ws_body(host_uscc="91420100MA4K00000O"), "host_uscc", None),
        (ws_body(host_uscc=uscc, centre_id="NO-SUCH"), "centre_id", "centre.unknown"),
    ]
    for body, field, rule in cases:
        r = await api.post("/api/v1/workstations", json=body, headers=admin())
        if rule is None:
            assert_problem(r, 422)
            assert r.json()["errors"][0]["field"] == field
        else:
            assert_problem(r, 422, field, rule)
    assert await count_rows(runtime, Workstation) == 0


async def test_workstation_roles_and_cities(api, runtime):
    uscc = await known(runtime, YICHANG)
    since = await mark(runtime)
    r = await api.post("/api/v1/workstations", json=ws_body(host_uscc=uscc), headers=officer(WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    for role in (VIEWER, AGENCY):
        r = await api.post("/api/v1/workstations", json=ws_body(host_uscc=uscc), headers=headers(role, org="C"))
        assert_problem(r, 403, slug="forbidden")
    assert await nothing_written(runtime, since)
    body = ws_body(host_uscc=uscc)
    r = await api.post("/api/v1/workstations", json=body, headers=officer(YICHANG))
    assert r.status_code == 201
    ws_id = r.json()["id"]
    r = await api.post("/api/v1/workstations", json=body, headers=officer(YICHANG))
    assert_problem(r, 409, slug="workstation.exists")
    # reading: viewer sees it, the other city's officer neither in the list nor directly, a bank not at all
    r = await api.get("/api/v1/workstations", headers=headers(VIEWER))
    assert r.json()["total"] == 1
    r = await api.get("/api/v1/workstations", headers=officer(WUHAN))
    assert r.json()["total"] == 0
    assert_problem(await api.get(f"/api/v1/workstations/{ws_id}", headers=officer(WUHAN)), 403)
    assert_problem(await api.get("/api/v1/workstations", params={"city": YICHANG}, headers=officer(WUHAN)), 403)
    assert_problem(await api.get("/api/v1/workstations", headers=headers(BANK, org="B1")), 403)
    r = await api.get("/api/v1/workstations", params={"level": "provincial_joint", "year": 2025},
                      headers=officer(YICHANG))
    assert [w["id"] for w in r.json()["items"]] == [ws_id]
    r = await api.get("/api/v1/workstations", params={"year": 2024}, headers=admin())
    assert r.json()["total"] == 0


async def test_deregister_workstation(api, runtime):
    uscc = await known(runtime, WUHAN)
    ws = (await api.post("/api/v1/workstations", json=ws_body(host_uscc=uscc), headers=admin())).json()
    path = f"/api/v1/workstations/{ws['id']}/deregister"
    since = await mark(runtime)
    r = await api.post(path, json={"deregistered_on": "2025-01-01", "reason": "依托企业迁出"}, headers=admin())
    assert_problem(r, 422, "deregistered_on", "deregistered_on.before_established")
    assert await nothing_written(runtime, since)
    r = await api.post(path, json={"deregistered_on": "2025-10-01", "reason": "依托企业迁出本省"},
                       headers=officer(WUHAN))
    assert r.status_code == 200, r.text
    assert (r.json()["active"], r.json()["deregistered_on"]) == (False, "2025-10-01")
    payload = await single_event(runtime, since, "ipp.protection.workstation.deregistered.v1", str(ws["id"]),
                                 "workstation.deregister")
    assert (payload["year"], payload["level"], payload["city"]) == (2025, "provincial_joint", WUHAN)
    r = await api.post(path, json={"deregistered_on": "2025-10-02", "reason": "重复撤销"}, headers=admin())
    assert_problem(r, 409, slug="workstation.deregistered")
    assert_problem(await api.post("/api/v1/workstations/999999/deregister",
                                  json={"deregistered_on": "2025-10-02", "reason": "不存在"}, headers=admin()), 404)


# ============================================================================================== cases

async def test_case_workflow_each_step_timed(api, runtime):
    c = await centre(api, YICHANG)
    uscc = await known(runtime, WUHAN, "state")
    t0 = days_ago(10)
    since = await mark(runtime)
    r = await api.post("/api/v1/cases", json=case_body(c["id"], uscc, received_at=iso(t0)), headers=agency(c["id"]))
    assert r.status_code == 201, r.text
    case = r.json()
    assert (case["status"], case["city"], case["enterprise_city"], case["is_private"]) == (
        "received", YICHANG, WUHAN, False)
    assert case["overdue"] is True  # received 10 days ago, accept limit 3 days
    payload = await single_event(runtime, since, "ipp.protection.case.received.v1", case["case_no"], "case.receive")
    assert {k: payload[k] for k in ("city", "centre_id", "is_private", "year", "kind", "amount_involved")} == {
        "city": YICHANG, "centre_id": c["id"], "is_private": False, "year": t0.astimezone(CHINA).year,
        "kind": "assistance",
        "amount_involved": "120000.50"}
    cid = case["id"]

    since = await mark(runtime)
    r = await api.post(f"/api/v1/cases/{cid}/accept", json={"at": iso(t0 + timedelta(days=2)), "note": "予以受理"},
                       headers=officer(YICHANG))
    assert r.status_code == 200, r.text
    payload = await single_event(runtime, since, "ipp.protection.case.accepted.v1", case["case_no"], "case.accepted")
    assert (payload["duration_seconds"], payload["limit_days"], payload["within_limit"]) == (2 * 86400, 3, True)

    since = await mark(runtime)
    r = await api.post(f"/api/v1/cases/{cid}/start-handling", json={"at": iso(t0 + timedelta(days=8))},
                       headers=agency(c["id"]))
    assert r.status_code == 200, r.text
    payload = await single_event(runtime, since, "ipp.protection.case.handling-started.v1", case["case_no"])
    assert (payload["duration_seconds"], payload["limit_days"], payload["within_limit"]) == (6 * 86400, 5, False)

    since = await mark(runtime)
    r = await api.post(f"/api/v1/cases/{cid}/close", json={
        "outcome": "transferred", "transferred_to": "武汉市市场监督管理局", "at": iso(t0 + timedelta(days=9)),
        "result_summary": "涉嫌假冒专利，移送市场监管部门查处，已向企业反馈"}, headers=admin())
    assert r.status_code == 200, r.text
    closed = r.json()
    payload = await single_event(runtime, since, "ipp.protection.case.closed.v1", case["case_no"], "case.closed")
    assert (payload["outcome"], payload["total_seconds"], payload["all_steps_within_limit"], payload["city"]) == (
        "transferred", 9 * 86400, False, YICHANG)
    assert closed["status"] == "closed" and closed["overdue"] is False and closed["due_at"] is None
    assert [(t["step"], t["duration_days"], t["within_limit"], t["done"]) for t in closed["timings"]] == [
        ("accepted", "2.00", True, True), ("handling", "6.00", False, True), ("closed", "1.00", True, True)]
    assert [(s["status"], s["actor_role"]) for s in closed["steps"]] == [
        ("received", "agency"), ("accepted", "city-officer"), ("handling", "agency"), ("closed", "province-admin")]
    assert await count_rows(runtime, CaseStep, CaseStep.case_id == cid) == 4


async def test_illegal_transitions_are_409_and_write_nothing(api, runtime):
    c, case = await new_case(api, runtime)
    cid = case["id"]
    close = {"outcome": "resolved", "result_summary": "已解决并反馈"}
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/cases/{cid}/start-handling", json={}, headers=admin()), 409,
                   slug="case.step_skipped")
    assert_problem(await api.post(f"/api/v1/cases/{cid}/close", json=close, headers=admin()), 409,
                   slug="case.step_skipped")
    assert await nothing_written(runtime, since)
    assert (await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=admin())).status_code == 200
    assert_problem(await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=admin()), 409,
                   slug="case.already_in_status")
    assert (await api.post(f"/api/v1/cases/{cid}/start-handling", json={}, headers=admin())).status_code == 200
    since = await mark(runtime)
    assert_problem(await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=admin()), 409,
                   slug="case.step_reversed")
    assert await nothing_written(runtime, since)
    assert (await api.post(f"/api/v1/cases/{cid}/close", json=close, headers=admin())).status_code == 200
    for step in ("accept", "start-handling"):
        assert_problem(await api.post(f"/api/v1/cases/{cid}/{step}", json={}, headers=admin()), 409,
                       slug="case.closed")
    async with runtime.sessions() as session:
        row = await session.get(Case, cid)
    assert (row.status, row.outcome, row.version) == ("closed", "resolved", 4)
    assert_problem(await api.post("/api/v1/cases/999999/accept", json={}, headers=admin()), 404)


async def test_step_time_rules_are_422(api, runtime):
    _, case = await new_case(api, runtime, received_at=iso(days_ago(2)))
    cid = case["id"]
    since = await mark(runtime)
    r = await api.post(f"/api/v1/cases/{cid}/accept", json={"at": iso(days_ago(3))}, headers=admin())
    assert_problem(r, 422, "at", "step.time_before_previous")
    r = await api.post(f"/api/v1/cases/{cid}/accept", json={"at": iso(now() + timedelta(hours=1))}, headers=admin())
    assert_problem(r, 422, "at", "step.time_in_future")
    r = await api.post(f"/api/v1/cases/{cid}/accept", json={"at": "2025-03-01T10:00:00"}, headers=admin())
    assert_problem(r, 422, "at", "timezone_aware")
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
async def test_bad_case_input(api, runtime):
    c = await centre(api)
    uscc = await known(runtime)
    from libs.common.testing import random_uscc

    cases = [
        (case_body(c["id"], random_uscc(WUHAN)), "uscc", "enterprise-registered"),
        (case_body("NO-SUCH", uscc), "centre_id", "centre.unknown"),
        (case_body(c["id"], uscc, kind="overseas"), "overseas_country", "overseas_country.required"),
        (case_body(c["id"], uscc, kind="lawsuit"), "kind", "enum"),
        (case_body(c["id"], uscc, amount_involved="1.005"), "amount_involved", "decimal_max_places"),
        (case_body(c["id"], uscc, amount_involved="-1"), "amount_involved", "greater_than_equal"),
        (case_body(c["id"], uscc, received_at=iso(now() + timedelta(days=1))), "received_at", "step.time_in_future"),
        (case_body(c["id"], uscc, case_no="a b"), "case_no", "string_pattern_mismatch"),
        (case_body(c["id"], uscc, title=...), "title", "missing"),
    ]
    for body, field, rule in cases:
        assert_problem(await api.post("/api/v1/cases", json=body, headers=admin()), 422, field, rule)
    assert await count_rows(runtime, Case) == 0
    events, audits = await written_since(runtime, (1, 1))  # only the centre's event and audit exist
    assert events == [] and audits == []


async def test_close_outcome_rules_and_duplicate_case_no(api, runtime):
    c, case = await new_case(api, runtime)
    r = await api.post("/api/v1/cases", json=case_body(c["id"], case["uscc"], case_no=case["case_no"]),
                       headers=admin())
    assert_problem(r, 409, slug="case.exists")
    cid = case["id"]
    for step in ("accept", "start-handling"):
        assert (await api.post(f"/api/v1/cases/{cid}/{step}", json={}, headers=admin())).status_code == 200
    since = await mark(runtime)
    r = await api.post(f"/api/v1/cases/{cid}/close", json={"outcome": "ruled", "result_summary": "作出裁决"},
                       headers=admin())
    assert_problem(r, 422, "outcome", "outcome.ruled_kind")
    r = await api.post(f"/api/v1/cases/{cid}/close", json={"outcome": "transferred", "result_summary": "移送"},
                       headers=admin())
    assert_problem(r, 422, "transferred_to", "outcome.transferred_to_required")
    r = await api.post(f"/api/v1/cases/{cid}/close", json={"outcome": "resolved"}, headers=admin())
    assert_problem(r, 422, "result_summary", "missing")
    assert await nothing_written(runtime, since)


async def test_case_roles_centres_and_cities(api, runtime):
    c = await centre(api, YICHANG)
    other = await centre(api, YICHANG)
    uscc = await known(runtime, YICHANG)
    body = case_body(c["id"], uscc)
    since = await mark(runtime)
    for h, slug in [(agency(other["id"]), "forbidden-centre"), (officer(WUHAN), "forbidden-city"),
                    (headers(VIEWER), "forbidden"), (headers(BANK, org="B"), "forbidden")]:
        assert_problem(await api.post("/api/v1/cases", json=body, headers=h), 403, slug=slug)
    assert await nothing_written(runtime, since)
    r = await api.post("/api/v1/cases", json=body, headers=agency(c["id"]))
    assert r.status_code == 201
    cid = r.json()["id"]
    assert_problem(await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=agency(other["id"])), 403,
                   slug="forbidden-centre")
    assert_problem(await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=officer(WUHAN)), 403,
                   slug="forbidden-city")
    assert_problem(await api.post(f"/api/v1/cases/{cid}/accept", json={}, headers=headers(VIEWER)), 403)
    # reading
    assert (await api.get(f"/api/v1/cases/{cid}", headers=headers(VIEWER))).status_code == 200
    assert (await api.get(f"/api/v1/cases/{cid}", headers=officer(YICHANG))).status_code == 200
    assert_problem(await api.get(f"/api/v1/cases/{cid}", headers=officer(WUHAN)), 403)
    assert_problem(await api.get(f"/api/v1/cases/{cid}", headers=agency(other["id"])), 403)
    assert (await api.get("/api/v1/cases", headers=officer(WUHAN))).json()["total"] == 0
    assert (await api.get("/api/v1/cases", headers=agency(c["id"]))).json()["total"] == 1
    assert (await api.get("/api/v1/cases", headers=agency(other["id"]))).json()["total"] == 0
    assert_problem(await api.get("/api/v1/cases", params={"centre_id": c["id"]}, headers=agency(other["id"])), 403)
    assert_problem(await api.get("/api/v1/cases", headers=headers(BANK, org="B")), 403)


async def test_overdue_list(api, runtime, settings):
    c = await centre(api, WUHAN)
    far = await centre(api, XIANGYANG)
    uscc = await known(runtime, WUHAN)

    async def receive(cent, ago: float, kind="assistance") -> int:
        r = await api.post("/api/v1/cases", json=case_body(cent["id"], uscc, kind=kind, received_at=iso(days_ago(ago))),
                           headers=admin())
        assert r.status_code == 201, r.text
        return r.json()["id"]

    late = await receive(c, 4)            # accept limit 3 days: overdue by ~1 day
    fresh = await receive(c, 1)           # in time
    xy_late = await receive(far, 10)      # overdue, Xiangyang
    handling_long = await receive(c, 40)  # handled for 35 days: assistance limit 30
    adjudication = await receive(c, 40, kind="adjudication")  # 35 days handling: limit 90, in time
    for cid in (handling_long, adjudication):
        await api.post(f"/api/v1/cases/{cid}/accept", json={"at": iso(days_ago(39))}, headers=admin())
        await api.post(f"/api/v1/cases/{cid}/start-handling", json={"at": iso(days_ago(35))}, headers=admin())
    r = await api.get("/api/v1/cases/overdue", headers=admin())
    assert r.status_code == 200, r.text
    body = r.json()
    assert [i["id"] for i in body["items"]] == [xy_late, handling_long, late]  # most overdue first
    assert {i["id"]: (i["status"], i["limit_days"]) for i in body["items"]} == {
        xy_late: ("received", 3), handling_long: ("handling", 30), late: ("received", 3)}
    assert body["limits"]["close_days"]["adjudication"] == 90
    assert fresh not in [i["id"] for i in body["items"]]
    r = await api.get("/api/v1/cases/overdue", headers=officer(WUHAN))
    assert [i["id"] for i in r.json()["items"]] == [handling_long, late]
    r = await api.get("/api/v1/cases/overdue", headers=agency(far["id"]))
    assert [i["id"] for i in r.json()["items"]] == [xy_late]
    assert_problem(await api.get("/api/v1/cases/overdue", params={"city": XIANGYANG}, headers=officer(WUHAN)), 403)
    got = (await api.get(f"/api/v1/cases/{late}", headers=admin())).json()
    assert got["overdue"] is True and got["timings"][0]["within_limit"] is False


async def test_list_cases_filters(api, runtime):
    c, case = await new_case(api, runtime, kind="mediation")
    await api.post("/api/v1/cases", json=case_body(c["id"], case["uscc"], kind="arbitration"), headers=admin())
    r = await api.get("/api/v1/cases", params={"kind": "mediation"}, headers=admin())
    assert [i["case_no"] for i in r.json()["items"]] == [case["case_no"]]
    r = await api.get("/api/v1/cases", params={"case_no": case["case_no"]}, headers=headers(VIEWER))
    assert r.json()["total"] == 1
    r = await api.get("/api/v1/cases", params={"status": "received", "year": china_today().year}, headers=admin())
    assert r.json()["total"] == 2
    assert_problem(await api.get("/api/v1/cases", params={"status": "open"}, headers=admin()), 422, "status", "enum")


# ============================================================================================= visits

async def test_record_visit(api, runtime):
    c = await centre(api, YICHANG)
    uscc = await known(runtime, YICHANG, "private")
    since = await mark(runtime)
    body = {"centre_id": c["id"], "uscc": uscc, "visit_date": "2025-03-12", "services": ["risk_screening",
            "rights_guidance", "risk_screening"], "staff": ["张明"], "issues": "电商平台仿冒"}
    r = await api.post("/api/v1/visits", json=body, headers=agency(c["id"]))
    assert r.status_code == 201, r.text
    assert (r.json()["month"], r.json()["services"]) == ("2025-03", ["risk_screening", "rights_guidance"])
    payload = await single_event(runtime, since, "ipp.protection.visit.recorded.v1", c["id"], "visit.record")
    assert {k: payload[k] for k in ("city", "month", "year", "is_private", "uscc")} == {
        "city": YICHANG, "month": "2025-03", "year": 2025, "is_private": True, "uscc": uscc}
    assert_problem(await api.post("/api/v1/visits", json=body, headers=officer(YICHANG)), 409, slug="visit.exists")
    assert await count_rows(runtime, Visit) == 1


async def test_bad_visits(api, runtime):
    c = await centre(api, YICHANG, established_on="2020-06-01")
    other = await centre(api, YICHANG)
    private = await known(runtime, YICHANG, "private")
    state = await known(runtime, YICHANG, "state")
    from libs.common.testing import random_uscc

    def body(**o):
        return {"centre_id": c["id"], "uscc": private, "visit_date": "2025-03-12", "services": ["consultation"], **o}

    since = await mark(runtime)
    for b, field, rule in [
        (body(uscc=state), "uscc", "enterprise-private"),
        (body(uscc=random_uscc(YICHANG)), "uscc", "enterprise-registered"),
        (body(visit_date="2020-05-31"), "visit_date", "visit.before_centre_established"),
        (body(visit_date=(china_today() + timedelta(days=1)).isoformat()), "visit_date", "date.in_future"),
        (body(services=[]), "services", "too_short"),
        (body(services=["party"]), "services.0", "enum"),
        (body(centre_id="NO-SUCH"), "centre_id", "centre.unknown"),
    ]:
        assert_problem(await api.post("/api/v1/visits", json=b, headers=admin()), 422, field, rule)
    for h in (agency(other["id"]), officer(WUHAN), headers(VIEWER)):
        assert_problem(await api.post("/api/v1/visits", json=body(), headers=h), 403)
    assert await nothing_written(runtime, since)


async def test_missed_months_across_a_year_end(api, runtime):
    a = await centre(api, YICHANG, established_on="2019-01-01")
    b = await centre(api, YICHANG, established_on="2025-01-15")  # no duty before January 2025
    w = await centre(api, WUHAN, established_on="2019-01-01")
    uscc = await known(runtime, YICHANG)
    for cent, day in [(a, "2024-11-05"), (a, "2024-11-20"), (a, "2025-01-08"), (b, "2025-01-20"), (b, "2025-02-03"),
                      (w, "2024-12-10")]:
        r = await api.post("/api/v1/visits", json={"centre_id": cent["id"], "uscc": uscc, "visit_date": day,
                                                   "services": ["consultation"]}, headers=admin())
        assert r.status_code == 201, r.text
    params = {"from_month": "2024-11", "to_month": "2025-02"}
    r = await api.get("/api/v1/visits/compliance", params={**params, "city": YICHANG}, headers=admin())
    assert r.status_code == 200, r.text
    body = r.json()
    by_centre = {x["centre_id"]: x for x in body["centres"]}
    assert by_centre[a["id"]]["visits"] == {"2024-11": 2, "2024-12": 0, "2025-01": 1, "2025-02": 0}
    assert by_centre[a["id"]]["missed_months"] == ["2024-12", "2025-02"]
    assert by_centre[b["id"]]["due_months"] == ["2025-01", "2025-02"]
    assert by_centre[b["id"]]["missed_months"] == []
    assert sorted((m["centre_id"], m["month"]) for m in body["missed"]) == [(a["id"], "2024-12"), (a["id"], "2025-02")]
    assert by_centre[a["id"]]["monthly_duty"] is True and by_centre[a["id"]]["kind_name"] == "知识产权维权援助中心"
    # a city officer sees only its city's centres; an agency only its own centre
    r = await api.get("/api/v1/visits/compliance", params=params, headers=officer(WUHAN))
    assert [x["centre_id"] for x in r.json()["centres"]] == [w["id"]]
    assert r.json()["centres"][0]["missed_months"] == ["2024-11", "2025-01", "2025-02"]
    r = await api.get("/api/v1/visits/compliance", params=params, headers=agency(b["id"]))
    assert [x["centre_id"] for x in r.json()["centres"]] == [b["id"]]
    # visits list, scoped the same way
    r = await api.get("/api/v1/visits", params={"month": "2024-11"}, headers=officer(YICHANG))
    assert r.json()["total"] == 2
    assert (await api.get("/api/v1/visits", headers=officer(WUHAN))).json()["total"] == 1


@SQLITE_ONLY
async def test_bad_compliance_ranges(api):
    for params, field, rule in [
        ({"from_month": "2025-03", "to_month": "2025-02"}, "to_month", "month.range_order"),
        ({"from_month": "2019-01", "to_month": "2025-02"}, "to_month", "month.range_too_long"),
        ({"from_month": "2025-13", "to_month": "2025-02"}, "from_month", "string_pattern_mismatch"),
    ]:
        assert_problem(await api.get("/api/v1/visits/compliance", params=params, headers=admin()), 422, field, rule)
    assert_problem(await api.get("/api/v1/visits/compliance", params={"city": YICHANG}, headers=officer(WUHAN)), 403)
    assert_problem(await api.get("/api/v1/visits/compliance", headers=headers(BANK, org="B")), 403)


@SQLITE_ONLY
async def test_reference_and_known_enterprises(api, runtime):
    r = await api.get("/api/v1/reference", headers=headers(VIEWER))
    assert r.json()["time_limits_days"]["received_to_accepted"] == 3
    assert r.json()["case_kinds"]["adjudication"] == "专利侵权纠纷行政裁决"
    uscc = await known(runtime, WUHAN)
    r = await api.get(f"/api/v1/known-enterprises/{uscc}", headers=admin())
    assert (r.status_code, r.json()["city"]) == (200, WUHAN)
    assert_problem(await api.get("/api/v1/known-enterprises/91420100MA4K00000O", headers=admin()), 422)


@SQLITE_ONLY
async def test_openapi_has_examples(api):
    spec = (await api.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("CaseCreate", "CentreCreate", "WorkstationCreate", "VisitCreate", "CloseIn", "StepIn"):
        assert schemas[name].get("examples"), name


async def test_case_history_is_append_only(api, runtime):
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    _, case = await new_case(api, runtime)
    for statement in ("UPDATE case_steps SET note = 'changed'", "DELETE FROM case_steps"):
        with pytest.raises(DBAPIError):
            async with runtime.sessions.write() as session:
                await session.execute(text(statement))
    assert await count_rows(runtime, CaseStep, CaseStep.case_id == case["id"]) == 1


async def test_case_summary(api, runtime):
    c = await centre(api, YICHANG)
    w = await centre(api, WUHAN)
    uscc = await known(runtime, YICHANG)
    year = china_today().year
    ids = []
    for cent, kind in [(c, "assistance"), (c, "assistance"), (c, "overseas"), (w, "mediation")]:
        body = case_body(cent["id"], uscc, kind=kind, overseas_country="美国" if kind == "overseas" else None)
        ids.append((await api.post("/api/v1/cases", json=body, headers=admin())).json()["id"])
    for step in ("accept", "start-handling"):
        await api.post(f"/api/v1/cases/{ids[0]}/{step}", json={}, headers=admin())
    await api.post(f"/api/v1/cases/{ids[0]}/close", json={"outcome": "resolved", "result_summary": "已解决"},
                   headers=admin())
    r = await api.get("/api/v1/cases/summary", params={"year": year}, headers=officer(YICHANG))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["city"] == YICHANG
    assert (body["total"]["received"], body["total"]["closed"], body["total"]["closed_in_time"]) == (3, 1, 1)
    kinds = {k["kind"]: k for k in body["kinds"]}
    assert (kinds["assistance"]["received"], kinds["assistance"]["outcomes"]) == (2, {"resolved": 1})
    assert kinds["overseas"]["open"] == 1 and kinds["mediation"]["received"] == 0
    r = await api.get("/api/v1/cases/summary", params={"year": year}, headers=headers(VIEWER))
    assert r.json()["total"]["received"] == 4
    r = await api.get("/api/v1/cases/summary", params={"year": year - 1}, headers=admin())
    assert r.json()["total"]["received"] == 0
    assert_problem(await api.get("/api/v1/cases/summary", headers=admin()), 422, "year", "missing")
    assert_problem(await api.get("/api/v1/cases/summary", params={"year": year, "city": WUHAN},
                                 headers=officer(YICHANG)), 403)
