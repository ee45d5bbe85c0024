"""The pool programme through HTTP: applications with their evaluation, admission, rejection,
graduation with evidence, the rolling top-up, removal, progress, the 2-year review list, history,
summary; roles, city scoping, bad input, and that every change writes state + history + audit +
one outbox event together (and nothing on failure)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import DBAPIError

from libs.common.testing import auth, random_uscc
from services.enterprise.pool.models import PoolHistory, PoolMembership
from services.enterprise.tests.helpers import china_today, count_rows, mark, nothing_written, single_event
from services.enterprise.tests.pool_helpers import (
    ADMIN,
    DECLARED,
    OFFICER,
    admit,
    apply,
    graduate,
    graduation,
    member,
    pool_enterprise,
)
from services.enterprise.tests.test_api import SQLITE_ONLY, assert_problem

WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"
EV = "ipp.enterprise.pool.{}.v1"


def today() -> date:
    return china_today()


# ============================================================================ applications

async def test_officer_applies_and_the_platform_evaluates_all_ten(api, runtime):
    uscc = await pool_enterprise(api, YICHANG)
    since = await mark(runtime)
    m = await apply(api, uscc, YICHANG)
    assert (m["status"], m["status_name"], m["city"], m["city_name"]) == ("applied", "待审核", YICHANG, "宜昌市")
    assert m["applied_on"] == today().isoformat() and m["evaluation_year"] == today().year - 1
    assert [c["number"] for c in m["evaluation"]] == list(range(1, 11))
    assert all(c["outcome"] == "pass" for c in m["evaluation"]), m["evaluation"]
    assert m["failed_criteria"] == [] and m["unknown_criteria"] == []
    rd = next(c for c in m["evaluation"] if c["code"] == "rd_spend")
    assert rd["figure"] == f"{today().year - 1}年研发投入 3,000,000 元，占营业收入 15.0 %"
    assert rd["threshold"] == "≥ 10 % 或 ≥ 5,000,000 元"
    assert [h["action"] for h in m["history"]] == ["applied"]
    payload = await single_event(runtime, since, EV.format("applied"), uscc, "pool.apply")
    assert payload["city"] == YICHANG and payload["membership_id"] == m["id"] and payload["is_private"] is True
    assert payload["failed"] == [] and len(payload["passed"]) == 10 and payload["year"] == today().year


async def test_an_application_with_failures_is_accepted_and_the_province_sees_them(api, runtime):
    uscc = await pool_enterprise(api, WUHAN, figures={**{"revenue": "73809523.81", "rd_spend": "3100000.00",
                                                        "staff": 100, "rd_staff": 10,
                                                        "industrialisation_rate": "49.99"}},
                                 size_class="large", own_brand=False)
    m = await apply(api, uscc, declarations={"core_patents": True, "clean_record": True})
    assert m["failed_criteria"] == ["hubei_sme", "industrialisation_rate", "rd_spend", "own_brand"]
    assert m["unknown_criteria"] == ["rd_staff"]  # 10 % staff, partnership not declared
    seen = (await api.get(f"/api/v1/pool/memberships/{m['id']}", headers=auth(ADMIN))).json()
    rd = next(c for c in seen["evaluation"] if c["code"] == "rd_spend")
    assert rd["outcome"] == "fail" and "3,100,000 元" in rd["figure"] and "4.2 %" in rd["figure"]
    listed = (await api.get("/api/v1/pool/memberships", params={"status": "applied", "uscc": uscc},
                            headers=auth(ADMIN))).json()
    assert listed["total"] == 1 and listed["items"][0]["failed_criteria"] == m["failed_criteria"]


async def test_missing_figures_give_unknown_never_an_error(api, runtime):
    uscc = await pool_enterprise(api, WUHAN, figures=False)
    m = await apply(api, uscc, declarations={})
    assert set(m["unknown_criteria"]) == {"core_patents_filed", "industrialisation_rate", "rd_spend", "rd_staff",
                                          "clean_record"}


async def test_last_year_is_the_year_before_the_application(api, runtime):
    uscc = await pool_enterprise(api, WUHAN, figures_year=2024)
    r = await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "applied_on": "2025-03-01",
                                                      "declarations": DECLARED, "reason": "预评价测试"},
                       headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200, r.text
    assert r.json()["year"] == 2024 and r.json()["all_pass"] is True
    r = await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "applied_on": "2024-07-01",
                                                      "declarations": DECLARED, "reason": "预评价测试"},
                       headers=auth(ADMIN))
    assert r.json()["year"] == 2023 and "industrialisation_rate" in r.json()["unknown"]


async def test_evaluate_writes_nothing(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    since = await mark(runtime)
    r = await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "reason": "预评价测试"},
                       headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200 and await nothing_written(runtime, since)


async def test_a_second_open_application_is_a_conflict(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    first = await apply(api, uscc)
    r = await api.post("/api/v1/pool/memberships", json={"uscc": uscc, "reason": "再次申报"},
                       headers=auth(OFFICER, city=WUHAN))
    body = assert_problem(r, 409, slug="pool.already_open")
    assert body["membership_id"] == first["id"]
    await admit(api, first["id"], today())
    assert_problem(await api.post("/api/v1/pool/memberships", json={"uscc": uscc, "reason": "再次申报"},
                                  headers=auth(OFFICER, city=WUHAN)), 409, slug="pool.already_open")


async def test_rejected_enterprise_may_apply_again(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    first = await apply(api, uscc)
    r = await api.post(f"/api/v1/pool/memberships/{first['id']}/reject", json={"reason": "研发投入证明材料不全"},
                       headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    assert [h["action"] for h in r.json()["history"]] == ["applied", "rejected"]
    second = await apply(api, uscc)
    assert second["id"] != first["id"]


async def test_officer_of_another_city_cannot_apply_and_nothing_is_written(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    since = await mark(runtime)
    r = await api.post("/api/v1/pool/memberships", json={"uscc": uscc, "reason": "跨市申报"},
                       headers=auth(OFFICER, city=YICHANG))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since)
    assert await count_rows(runtime, PoolMembership, PoolMembership.uscc == uscc) == 0


@SQLITE_ONLY
@pytest.mark.parametrize("role", [ADMIN, "viewer", "integration", "agency"])
async def test_only_a_city_officer_applies(api, runtime, role):
    uscc = await pool_enterprise(api, WUHAN)
    r = await api.post("/api/v1/pool/memberships", json={"uscc": uscc, "reason": "省局代为申报"},
                       headers=auth(role, org="x") if role == "agency" else auth(role))
    assert_problem(r, 403)
    assert await count_rows(runtime, PoolMembership, PoolMembership.uscc == uscc) == 0


@SQLITE_ONLY
async def test_no_token_is_401(api, runtime):
    assert_problem(await api.post("/api/v1/pool/memberships", json={}), 401)
    assert_problem(await api.get("/api/v1/pool/memberships"), 401)
    assert_problem(await api.get("/api/v1/pool/review"), 401)
    assert_problem(await api.post("/api/v1/pool/memberships/1/admit", json={}), 401)


@SQLITE_ONLY
@pytest.mark.parametrize("overrides, field, rule", [
    ({"uscc": "91420100MA4K0000X6"}, "uscc", "uscc.check_digit"),
    ({"applied_on": "2024-06-05"}, "applied_on", "pool.date_too_early"),
    ({"applied_on": (china_today() + timedelta(days=1)).isoformat()}, "applied_on", "pool.date_in_future"),
    ({"applied_on": "2099-01-01"}, "applied_on", "date_range"),  # implausible: refused before the pool's rules
    ({"applied_on": "2025-02-30"}, "applied_on", "date_from_datetime_parsing"),
    ({"declarations": {"core_patents": "maybe"}}, "declarations.core_patents", "bool_parsing"),
    ({"declarations": {"patents": True}}, "declarations.patents", "extra_forbidden"),
    ({"reason": "x"}, "reason", "string_too_short"),
    ({"reason": None}, "reason", "string_type"),
    ({"extra": 1}, "extra", "extra_forbidden"),
])
async def test_bad_application_is_a_422_naming_field_and_rule(api, runtime, overrides, field, rule):
    uscc = await pool_enterprise(api, WUHAN)
    since = await mark(runtime)
    body = {"uscc": uscc, "reason": "申报入库培育", **overrides}
    r = await api.post("/api/v1/pool/memberships", json=body, headers=auth(OFFICER, city=WUHAN))
    body = assert_problem(r, 422)
    assert field in [e["field"] for e in body["errors"]], body
    if rule != "date_from_datetime_parsing":
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in body["errors"]]
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
async def test_unknown_enterprise_is_404(api, runtime):
    r = await api.post("/api/v1/pool/memberships", json={"uscc": random_uscc(WUHAN), "reason": "申报入库"},
                       headers=auth(OFFICER, city=WUHAN))
    assert_problem(r, 404)


# ============================================================================ admission

async def test_province_admits_with_history_audit_and_event(api, runtime):
    uscc = await pool_enterprise(api, XIANGYANG)
    m = await apply(api, uscc, XIANGYANG)
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/admit",
                       json={"effective_date": today().isoformat(), "reason": "专家评审通过"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["admitted_on"], body["admission_rate"]) == ("admitted", today().isoformat(), "60.00")
    assert [h["action"] for h in body["history"]] == ["applied", "admitted"]
    admitted = body["history"][1]
    assert admitted["actor_role"] == ADMIN and admitted["reason"] == "专家评审通过"
    payload = await single_event(runtime, since, EV.format("admitted"), uscc, "pool.admit")
    assert (payload["city"], payload["year"], payload["admitted_on"]) == (XIANGYANG, today().year,
                                                                         today().isoformat())
    assert payload["members_after"] == 1


async def test_admit_refusals(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    m = await apply(api, uscc, applied_on=date(2025, 3, 10))
    since = await mark(runtime)
    url = f"/api/v1/pool/memberships/{m['id']}/admit"
    assert_problem(await api.post(url, json={"effective_date": "2025-03-09"}, headers=auth(ADMIN)), 422,
                   "effective_date", "pool.date_too_early")
    assert_problem(await api.post(url, json={"effective_date": (today() + timedelta(days=1)).isoformat()},
                                  headers=auth(ADMIN)), 422, "effective_date", "pool.date_in_future")
    assert_problem(await api.post(url, json={}, headers=auth(ADMIN)), 422, "effective_date", "missing")
    assert_problem(await api.post(url, json={"effective_date": "2025-04-01"}, headers=auth(OFFICER, city=WUHAN)),
                   403)
    assert_problem(await api.post(url, json={"effective_date": "2025-04-01"}, headers=auth("viewer")), 403)
    assert_problem(await api.post("/api/v1/pool/memberships/999999/admit", json={"effective_date": "2025-04-01"},
                                  headers=auth(ADMIN)), 404)
    assert_problem(await api.post("/api/v1/pool/memberships/abc/admit", json={"effective_date": "2025-04-01"},
                                  headers=auth(ADMIN)), 422, "membership_id", "int_parsing")
    assert await nothing_written(runtime, since)
    await admit(api, m["id"], date(2025, 3, 10))  # the application day itself is fine
    assert_problem(await api.post(url, json={"effective_date": "2025-04-01"}, headers=auth(ADMIN)), 409,
                   slug="pool.not_applied")


# ============================================================================ rolling top-up

async def test_topup_after_first_graduation_is_limited_to_twice_the_graduated(api, runtime):
    city = "420300"  # each test has its own database: the city starts empty
    first = await member(api, city, applied_on=date(2024, 7, 1))
    await member(api, city, applied_on=date(2024, 7, 2))  # the initial batch is not limited
    await graduate(api, first["id"], date(2025, 6, 30))
    a = await member(api, city, applied_on=date(2025, 6, 30))  # on the graduation day: a top-up
    b = await member(api, city, applied_on=date(2025, 7, 15))
    assert a["status"] == b["status"] == "admitted"
    uscc = await pool_enterprise(api, city, figures_year=2024)
    third = await apply(api, uscc, city, date(2025, 8, 1))
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pool/memberships/{third['id']}/admit", json={"effective_date": "2025-08-01"},
                       headers=auth(ADMIN))
    body = assert_problem(r, 409, slug="pool.topup_exceeded")
    assert (body["graduated"], body["topups"], body["topup_limit"], body["first_graduation"]) == (1, 2, 2,
                                                                                                "2025-06-30")
    assert "已出库 1 家" in body["detail"] and "已增补入库 2 家" in body["detail"] and "2 倍" in body["detail"]
    assert await nothing_written(runtime, since)
    summary = (await api.get("/api/v1/pool/summary", params={"as_of": "2025-08-01"}, headers=auth(ADMIN))).json()
    shiyan = next(c for c in summary["cities"] if c["city"] == city)
    assert (shiyan["members"], shiyan["graduated"], shiyan["topups_used"], shiyan["topups_allowed"]) == (3, 1, 2, 0)
    # other cities are not affected
    await member(api, WUHAN, applied_on=date(2025, 8, 1))


async def test_admission_dated_before_the_first_graduation_is_not_a_topup(api, runtime):
    city = "420700"
    first = await member(api, city, applied_on=date(2024, 7, 1))
    await graduate(api, first["id"], date(2025, 6, 30))
    for day in (1, 2):
        await member(api, city, applied_on=date(2025, 7, day))
    uscc = await pool_enterprise(api, city, figures_year=2024)
    late = await apply(api, uscc, city, date(2025, 6, 1))
    await admit(api, late["id"], date(2025, 6, 29))  # dated before the graduation: initial batch


# ============================================================================ graduation

async def test_graduation_with_evidence(api, runtime):
    m = await member(api, YICHANG, applied_on=date(2024, 8, 1))
    since = await mark(runtime)
    body = await graduate(api, m["id"], date(2025, 12, 1), industrialisation_rate_before=None,
                          industrialisation_rate_after="66.00", new_patent_intensive_products=0,
                          sales_growth_pct="35.50", profit_growth_pct="20.00")
    assert body["status"] == "graduated" and body["ended_on"] == "2025-12-01"
    assert body["graduation_evidence"]["rate_before"] == "60.00"  # recorded at admission
    payload = await single_event(runtime, since, EV.format("graduated"), m["uscc"], "pool.graduate")
    assert (payload["industrialisation_rate_before"], payload["industrialisation_rate_after"]) == ("60.00", "66.00")
    assert (payload["sales_growth_pct"], payload["year"], payload["city"]) == ("35.50", 2025, YICHANG)


async def test_graduation_rate_after_defaults_to_latest_figures(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 8, 1))
    r = await api.put(f"/api/v1/enterprises/{m['uscc']}/figures/2025",
                      json={"industrialisation_rate": "75.00"}, headers=auth(ADMIN))
    assert r.status_code == 200
    body = await graduate(api, m["id"], date(2026, 3, 1), industrialisation_rate_before=None,
                          industrialisation_rate_after=None)
    assert body["graduation_evidence"]["rate_after"] == "75.00"


@pytest.mark.parametrize("over, field, rule", [
    ({"industrialisation_rate_after": "55.00"}, "industrialisation_rate_after", "graduation.rate_not_up"),
    ({"new_patent_intensive_products": 0}, "new_patent_intensive_products", "graduation.no_product_evidence"),
    ({"new_patent_intensive_products": 0, "sales_growth_pct": "10", "profit_growth_pct": "-1"},
     "new_patent_intensive_products", "graduation.no_product_evidence"),
    ({"new_patent_intensive_products": -1}, "new_patent_intensive_products", "greater_than_equal"),
    ({"industrialisation_rate_after": "100.01"}, "industrialisation_rate_after", "less_than_equal"),
    ({"effective_date": "2024-07-31"}, "effective_date", "pool.date_too_early"),
])
async def test_graduation_without_evidence_is_refused(api, runtime, over, field, rule):
    m = await member(api, WUHAN, applied_on=date(2024, 8, 1))
    since = await mark(runtime)
    body = graduation(date(2025, 12, 1), **over)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/graduate", json=body, headers=auth(ADMIN))
    assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_graduation_needs_a_member(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    m = await apply(api, uscc)
    assert_problem(await api.post(f"/api/v1/pool/memberships/{m['id']}/graduate",
                                  json=graduation(today()), headers=auth(ADMIN)), 409, slug="pool.not_admitted")
    assert_problem(await api.post(f"/api/v1/pool/memberships/{m['id']}/graduate",
                                  json=graduation(today()), headers=auth(OFFICER, city=WUHAN)), 403)


# ============================================================================ removal

async def test_removal_for_a_reason_of_the_plan(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2025, 1, 10))
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove",
                       json={"effective_date": "2025-09-01", "removal_reason": "data_fraud",
                             "reason": "年度数据核查发现研发投入数据造假"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["removal_reason"]) == ("removed", "data_fraud")
    assert r.json()["history"][-1]["details"]["removal_reason_name"] == "数据造假"
    payload = await single_event(runtime, since, EV.format("removed"), m["uscc"], "pool.remove")
    assert (payload["removal_reason"], payload["year"], payload["removed_on"]) == ("data_fraud", 2025, "2025-09-01")
    # once removed it is no longer a member
    assert_problem(await api.post(f"/api/v1/pool/memberships/{m['id']}/remove",
                                  json={"effective_date": "2025-09-02", "removal_reason": "tax_evasion",
                                        "reason": "偷漏税"}, headers=auth(ADMIN)), 409, slug="pool.not_admitted")


async def test_no_progress_removal_only_after_two_years(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    url = f"/api/v1/pool/memberships/{m['id']}/remove"
    body = {"effective_date": "2026-07-01", "removal_reason": "no_progress", "reason": "2年内无实质性进展"}
    problem = assert_problem(await api.post(url, json=body, headers=auth(ADMIN)), 409,
                             slug="pool.no_progress_too_early")
    assert problem["review_from"] == "2026-07-02"
    r = await api.post(url, json={**body, "effective_date": "2026-07-02"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text


@SQLITE_ONLY
async def test_unknown_removal_reason_is_422(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2025, 1, 10))
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove",
                       json={"effective_date": "2025-09-01", "removal_reason": "bankrupt", "reason": "企业破产"},
                       headers=auth(ADMIN))
    assert_problem(r, 422, "removal_reason", "enum")


# ============================================================================ 2-year review

async def review(api, as_of: str, role=ADMIN, city=None, **params) -> list[dict]:
    r = await api.get("/api/v1/pool/review", params={"as_of": as_of, **params},
                      headers=auth(role, city=city) if city else auth(role))
    assert r.status_code == 200, r.text
    return r.json()


async def test_review_list_boundary_at_two_years(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    ids = lambda items: [i["membership_id"] for i in items]  # noqa: E731
    assert m["id"] not in ids(await review(api, "2026-06-30"))  # 2 years − 1 day
    assert m["id"] not in ids(await review(api, "2026-07-01"))  # exactly 2 years
    items = await review(api, "2026-07-02")  # 2 years + 1 day
    item = next(i for i in items if i["membership_id"] == m["id"])
    assert (item["review_from"], item["days_in_pool"], item["city_name"]) == ("2026-07-02", 731, "武汉市")
    assert m["review_from"] == "2026-07-02"


async def test_review_list_across_a_year_end(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 12, 31))
    ids = lambda items: [i["membership_id"] for i in items]  # noqa: E731
    assert m["id"] not in ids(await review(api, "2026-12-31"))
    assert m["id"] in ids(await review(api, "2027-01-01"))


async def test_progress_takes_a_member_off_the_review_list(api, runtime):
    m = await member(api, YICHANG, applied_on=date(2024, 7, 1))
    assert m["id"] in [i["membership_id"] for i in await review(api, "2026-08-01")]
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/progress",
                       json={"recorded_on": "2025-05-20", "industrialisation_rate": "63.00",
                             "description": "新建专利产品生产线投产，专利产品销售额增长 30%"},
                       headers=auth(OFFICER, city=YICHANG))
    assert r.status_code == 201, r.text
    payload = await single_event(runtime, since, EV.format("progress-recorded"), m["uscc"], "pool.progress")
    assert payload["recorded_on"] == "2025-05-20" and payload["industrialisation_rate"] == "63.00"
    assert m["id"] not in [i["membership_id"] for i in await review(api, "2026-08-01")]
    # on a day before the progress it was not yet recorded; that day is within 2 years anyway
    assert m["id"] not in [i["membership_id"] for i in await review(api, "2025-05-19")]


async def test_a_higher_rate_in_yearly_figures_counts_as_progress(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    assert m["admission_rate"] == "60.00"
    r = await api.put(f"/api/v1/enterprises/{m['uscc']}/figures/2025", json={"industrialisation_rate": "60.00"},
                      headers=auth(ADMIN))
    assert m["id"] in [i["membership_id"] for i in await review(api, "2026-08-01")]  # not higher
    r = await api.put(f"/api/v1/enterprises/{m['uscc']}/figures/2025", json={"industrialisation_rate": "61.00"},
                      headers=auth(ADMIN))
    assert r.status_code == 200
    assert m["id"] not in [i["membership_id"] for i in await review(api, "2026-08-01")]


async def test_review_list_is_right_on_a_past_day_for_members_since_ended(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    r = await api.post(f"/api/v1/pool/memberships/{m['id']}/remove",
                       json={"effective_date": "2026-08-01", "removal_reason": "no_progress",
                             "reason": "入库2年无实质性进展"}, headers=auth(ADMIN))
    assert r.status_code == 200
    assert m["id"] in [i["membership_id"] for i in await review(api, "2026-07-31")]
    assert m["id"] not in [i["membership_id"] for i in await review(api, "2026-08-01")]


async def test_review_list_city_scoping(api, runtime):
    wuhan = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    yichang = await member(api, YICHANG, applied_on=date(2024, 7, 1))
    mine = [i["membership_id"] for i in await review(api, "2026-08-01", OFFICER, city=YICHANG)]
    assert yichang["id"] in mine and wuhan["id"] not in mine
    r = await api.get("/api/v1/pool/review", params={"city": WUHAN}, headers=auth(OFFICER, city=YICHANG))
    assert_problem(r, 403, slug="forbidden-city")
    assert_problem(await api.get("/api/v1/pool/review", params={"as_of": "2026-13-01"}, headers=auth(ADMIN)), 422,
                   "as_of", "date_from_datetime_parsing")
    assert_problem(await api.get("/api/v1/pool/review", headers=auth("bank", org="b1")), 403)


async def test_progress_refusals(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2025, 1, 10))
    url = f"/api/v1/pool/memberships/{m['id']}/progress"
    body = {"recorded_on": "2025-05-20", "description": "新产品投产"}
    assert_problem(await api.post(url, json=body, headers=auth(OFFICER, city=YICHANG)), 403)
    assert_problem(await api.post(url, json=body, headers=auth("viewer")), 403)
    assert_problem(await api.post(url, json={**body, "recorded_on": "2025-01-09"}, headers=auth(ADMIN)), 422,
                   "recorded_on", "pool.date_too_early")
    assert_problem(await api.post(url, json={**body, "industrialisation_rate": "-1"}, headers=auth(ADMIN)), 422,
                   "industrialisation_rate", "greater_than_equal")
    r = await api.post(url, json=body, headers=auth(ADMIN))
    assert r.status_code == 201


# ============================================================================ reads and scoping

async def test_history_of_an_enterprise_lists_every_membership(api, runtime):
    uscc = await pool_enterprise(api, WUHAN, figures_year=2024)
    first = await apply(api, uscc, applied_on=date(2025, 1, 5))
    await api.post(f"/api/v1/pool/memberships/{first['id']}/reject", json={"reason": "材料不全"},
                   headers=auth(ADMIN))
    second = await apply(api, uscc, applied_on=date(2025, 2, 1))
    await admit(api, second["id"], date(2025, 3, 1))
    await graduate(api, second["id"], date(2026, 3, 1))
    r = await api.get(f"/api/v1/enterprises/{uscc}/pool-history", headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200
    assert [(m["id"], [h["action"] for h in m["history"]]) for m in r.json()] == [
        (first["id"], ["applied", "rejected"]), (second["id"], ["applied", "admitted", "graduated"])]
    assert all(h["actor"] and h["recorded_at"] and h["reason"] for m in r.json() for h in m["history"])
    assert_problem(await api.get(f"/api/v1/enterprises/{uscc}/pool-history", headers=auth(OFFICER, city=YICHANG)),
                   403)
    assert (await api.get(f"/api/v1/enterprises/{uscc}/pool-history", headers=auth("viewer"))).status_code == 200


async def test_history_is_append_only(api, runtime):
    m = await member(api, WUHAN)
    async with runtime.sessions.write() as session:
        entry = (await session.scalars(select(PoolHistory).where(PoolHistory.membership_id == m["id"]))).first()
    assert entry is not None
    history = PoolHistory.__table__
    assert isinstance(history, Table)
    with pytest.raises(DBAPIError, match="append-only"):
        async with runtime.sessions.write() as session:
            await session.execute(history.update().where(PoolHistory.id == entry.id)
                                  .values(reason="改写"))
    with pytest.raises(DBAPIError, match="append-only"):
        async with runtime.sessions.write() as session:
            await session.execute(history.delete().where(PoolHistory.id == entry.id))


async def test_list_city_scoping(api, runtime):
    await apply(api, await pool_enterprise(api, WUHAN), WUHAN)
    await apply(api, await pool_enterprise(api, YICHANG), YICHANG)
    mine = (await api.get("/api/v1/pool/memberships", headers=auth(OFFICER, city=YICHANG))).json()
    assert mine["total"] == 1 and {m["city"] for m in mine["items"]} == {YICHANG}
    assert_problem(await api.get("/api/v1/pool/memberships", params={"city": WUHAN},
                                 headers=auth(OFFICER, city=YICHANG)), 403, slug="forbidden-city")
    every = (await api.get("/api/v1/pool/memberships", headers=auth("integration"))).json()
    assert every["total"] == 2
    assert_problem(await api.get("/api/v1/pool/memberships", params={"status": "pending"}, headers=auth(ADMIN)), 422,
                   "status", "literal_error")
    assert_problem(await api.get("/api/v1/pool/memberships", params={"city": "110000"}, headers=auth(ADMIN)), 422,
                   "city", "division.not_hubei")
    wuhan_id = next(m["id"] for m in every["items"] if m["city"] == WUHAN)
    assert_problem(await api.get(f"/api/v1/pool/memberships/{wuhan_id}", headers=auth(OFFICER, city=YICHANG)), 403)


async def test_summary_counts_per_city(api, runtime):
    a = await member(api, WUHAN, applied_on=date(2025, 1, 10))
    b = await member(api, WUHAN, applied_on=date(2025, 1, 11))
    await member(api, YICHANG, applied_on=date(2025, 1, 12))
    await apply(api, await pool_enterprise(api, YICHANG), YICHANG)
    await graduate(api, a["id"], date(2025, 11, 1))
    await api.post(f"/api/v1/pool/memberships/{b['id']}/remove",
                   json={"effective_date": "2025-11-02", "removal_reason": "safety_accident",
                         "reason": "发生重大安全事故"}, headers=auth(ADMIN))
    s = (await api.get("/api/v1/pool/summary", headers=auth("viewer"))).json()
    assert (s["cap"], s["members"], s["free_places"], s["pending"]) == (500, 1, 499, 1)
    wuhan = next(c for c in s["cities"] if c["city"] == WUHAN)
    assert (wuhan["members"], wuhan["admitted"], wuhan["graduated"], wuhan["removed"]) == (0, 2, 1, 1)
    assert wuhan["first_graduation"] == "2025-11-01" and wuhan["topups_allowed"] == 2
    assert len(s["cities"]) == 17
    mine = (await api.get("/api/v1/pool/summary", headers=auth(OFFICER, city=YICHANG))).json()
    assert [c["city"] for c in mine["cities"]] == [YICHANG]


async def test_member_moving_city_moves_its_membership(api, runtime):
    m = await member(api, WUHAN, applied_on=date(2025, 1, 10))
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{m['uscc']}", json={"city": YICHANG}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    payload = await single_event(runtime, since, "ipp.enterprise.enterprise.updated.v1", m["uscc"])
    assert payload["in_pool"] is True and payload["previous_city"] == WUHAN
    moved = (await api.get(f"/api/v1/pool/memberships/{m['id']}", headers=auth(OFFICER, city=YICHANG))).json()
    assert moved["city"] == YICHANG


async def test_reference(api, runtime):
    r = await api.get("/api/v1/pool/reference", headers=auth("viewer"))
    assert r.json()["cap"] == 500 and len(r.json()["criteria"]) == 10
    assert set(r.json()["removal_reasons"]) == {"no_progress", "safety_accident", "serious_dishonesty", "tax_evasion",
                                                "data_fraud", "abnormal_patent_applications"}
