"""Pledge loans through HTTP: registration, roles and scoping, status changes, problems, outbox, audit."""
from __future__ import annotations

from decimal import Decimal

import pytest

from services.finance.models import PledgedItem, PledgeLoan
from services.finance.tests.helpers import (
    AGENCY,
    VIEWER,
    WUHAN,
    YICHANG,
    admin,
    assert_problem,
    bank,
    china_today,
    count,
    days_ago,
    headers,
    known,
    mark,
    new_patent,
    new_trademark,
    nothing_written,
    officer,
    pledge_body,
    register,
    single_event,
)

#: Requests refused before any database work: one backend is enough.
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])
REGISTERED = "ipp.finance.pledge.registered.v1"


# ============================================================================ registration

async def test_a_bank_registers_its_own_loan(api, runtime):
    uscc = await known(runtime, YICHANG, "private", name="宜昌测试光电有限公司")
    patent, mark_no = new_patent(2019, 2), new_trademark()
    since = await mark(runtime)
    body = pledge_body(uscc, lender_bank=None, amount="12345678.90", annual_rate="3.85", term_months=18,
                       registration_date="2025-01-31", risk_sharing=["guarantee_insurance", "interest_subsidy"],
                       items=[{"kind": "patent", "number": f"ZL{patent}"}, {"kind": "trademark", "number": mark_no},
                              {"kind": "geographical_indication", "number": "第8888888号"}])
    r = await api.post("/api/v1/pledges", json=body, headers=bank("HUBEI-BANK"))
    assert r.status_code == 201, r.text
    loan = r.json()
    assert r.headers["location"] == f"/api/v1/pledges/{loan['id']}"
    assert (loan["lender_bank"], loan["city"], loan["city_name"], loan["is_private"], loan["status"]) == (
        "HUBEI-BANK", YICHANG, "宜昌市", True, "registered")
    assert Decimal(loan["amount"]) == Decimal("12345678.90")
    assert loan["maturity_date"] == "2026-07-31" and loan["registered_by_role"] == "bank"
    assert [(i["kind"], i["number"]) for i in loan["items"]] == [
        ("patent", patent), ("trademark", mark_no), ("geographical_indication", "8888888")]
    payload = await single_event(runtime, since, REGISTERED, str(loan["id"]), "pledge.register")
    assert payload["amount"] == "12345678.90" and payload["year"] == 2025
    assert (payload["city"], payload["is_private"], payload["ownership"]) == (YICHANG, True, "private")
    assert payload["risk_sharing"] == ["guarantee_insurance", "interest_subsidy"]
    assert (payload["patent_count"], payload["trademark_count"], payload["geographical_indication_count"]) == (1, 1, 1)
    assert payload["enterprise_name"] == "宜昌测试光电有限公司" and payload["lender_bank"] == "HUBEI-BANK"


async def test_the_enterprise_ownership_is_stamped_on_the_event(api, runtime):
    uscc = await known(runtime, WUHAN, "state")
    since = await mark(runtime)
    loan = await register(api, uscc)
    payload = await single_event(runtime, since, REGISTERED, str(loan["id"]))
    assert (payload["is_private"], payload["ownership"]) == (False, "state")


async def test_a_city_officer_registers_a_loan_a_bank_reported_in_their_city(api, runtime):
    uscc = await known(runtime, WUHAN)
    loan = await register(api, uscc, auth=officer(WUHAN), lender_bank="WUHAN-RCB", lender_name="武汉农商银行")
    assert (loan["lender_bank"], loan["registered_by_role"]) == ("WUHAN-RCB", "city-officer")


async def test_a_city_officer_may_not_register_for_another_city(api, runtime):
    uscc = await known(runtime, YICHANG)
    since = await mark(runtime)
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc), headers=officer(WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since) and await count(runtime, PledgeLoan) == 0


async def test_an_officer_must_name_the_lender(api, runtime):
    uscc = await known(runtime, WUHAN)
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, lender_bank=None), headers=officer(WUHAN))
    assert_problem(r, 422, "lender_bank", "lender_bank.required")


async def test_a_bank_may_not_register_in_another_banks_name(api, runtime):
    uscc = await known(runtime)
    since = await mark(runtime)
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, lender_bank="CCB-HB"), headers=bank("ICBC-HB"))
    assert_problem(r, 403, slug="forbidden-lender")
    assert await nothing_written(runtime, since)


async def test_an_unknown_enterprise_is_a_clear_422_and_nothing_is_written(api, runtime):
    from libs.common.testing import random_uscc

    since = await mark(runtime)
    r = await api.post("/api/v1/pledges", json=pledge_body(random_uscc()), headers=admin())
    body = assert_problem(r, 422, "uscc", "enterprise-registered")
    assert "企业库" in body["errors"][0]["message"]
    assert await nothing_written(runtime, since) and await count(runtime, PledgeLoan) == 0


@SQLITE_ONLY
@pytest.mark.parametrize("overrides, field, rule", [
    ({"uscc": "91420100MA4K0000X4"}, "uscc", "uscc.check_digit"),
    ({"amount": "0"}, "amount", "greater_than"),
    ({"amount": "-5"}, "amount", "greater_than"),
    ({"amount": "1.005"}, "amount", "decimal_max_places"),
    ({"amount": "10000000000000.00"}, "amount", "decimal_whole_digits"),
    ({"amount": 1e6}, None, None),  # a JSON number is accepted as an exact decimal
    ({"annual_rate": "24.5"}, "annual_rate", "less_than_equal"),
    ({"annual_rate": "0"}, "annual_rate", "greater_than"),
    ({"term_months": 0}, "term_months", "greater_than_equal"),
    ({"term_months": 121}, "term_months", "less_than_equal"),
    ({"risk_sharing": ["lottery"]}, "risk_sharing.0", "enum"),
    ({"items": []}, "items", "too_short"),
    ({"items": [{"kind": "copyright", "number": "1"}]}, "items.0.kind", "enum"),
    ({"items": [{"kind": "patent", "number": "200710308494.1"}]}, "items.0.number", "patent.check_digit"),
    ({"items": [{"kind": "trademark", "number": "0123"}]}, "items.0.number", "trademark.format"),
    ({"items": [{"kind": "geographical_indication", "number": "GI-12"}]}, "items.0.number",
     "geographical_indication.format"),
    ({"items": [{"kind": "trademark", "number": "123"}, {"kind": "trademark", "number": "第123号"}]},
     "items.1.number", "items.duplicate"),
    ({"registration_date": "2025-02-30"}, "registration_date", "date_from_datetime_parsing"),
    ({"registration_date": "1999-12-31"}, "registration_date", "date.too_early"),
    ({"lender_bank": "工商银行"}, "lender_bank", "string_pattern_mismatch"),
    ({"contract_no": ""}, "contract_no", "string_too_short"),
    ({"surprise": 1}, "surprise", "extra_forbidden"),
])
async def test_bad_input_is_a_422_naming_the_field(api, runtime, overrides, field, rule):
    uscc = await known(runtime)
    since = await mark(runtime)
    r = await api.post("/api/v1/pledges", json={**pledge_body(uscc), **overrides}, headers=admin())
    if field is None:
        assert r.status_code == 201, r.text
        return
    assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_a_registration_date_in_the_future_is_refused(api, runtime):
    from datetime import timedelta

    uscc = await known(runtime)
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, registration_date=tomorrow), headers=admin())
    assert_problem(r, 422, "registration_date", "date.future")
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, registration_date=china_today().isoformat()),
                       headers=admin())
    assert r.status_code == 201, r.text


async def test_the_same_contract_twice_is_a_conflict(api, runtime):
    uscc = await known(runtime)
    first = await register(api, uscc, auth=bank("ICBC-HB"), lender_bank=None, contract_no="HT-001")
    since = await mark(runtime)
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, lender_bank=None, contract_no="HT-001"),
                       headers=bank("ICBC-HB"))
    body = assert_problem(r, 409, slug="pledge.duplicate_contract")
    assert body["loan_id"] == first["id"]
    assert await nothing_written(runtime, since)
    # another bank may use the same contract number
    await register(api, uscc, auth=bank("CCB-HB"), lender_bank=None, contract_no="HT-001")


async def test_an_item_under_a_registered_pledge_cannot_be_pledged_again_until_released(api, runtime):
    uscc = await known(runtime)
    patent = new_patent()
    first = await register(api, uscc, items=[{"kind": "patent", "number": patent}])
    since = await mark(runtime)
    again = pledge_body(uscc, items=[{"kind": "trademark", "number": new_trademark()},
                                     {"kind": "patent", "number": f"CN{patent}"}])
    r = await api.post("/api/v1/pledges", json=again, headers=admin())
    body = assert_problem(r, 409, slug="pledge.item_already_pledged")
    assert body["items"] == [{"kind": "patent", "number": patent, "loan_id": first["id"]}]
    assert await nothing_written(runtime, since)
    r = await api.post(f"/api/v1/pledges/{first['id']}/release", json={"released_on": days_ago(1)}, headers=admin())
    assert r.status_code == 200, r.text
    r = await api.post("/api/v1/pledges", json=again, headers=admin())
    assert r.status_code == 201, r.text


async def test_the_database_guards_an_active_item_too(api, runtime):
    """The partial unique index refuses a second active pledge of one item even without the service check."""
    from sqlalchemy.exc import IntegrityError

    uscc = await known(runtime)
    patent = new_patent()
    await register(api, uscc, items=[{"kind": "patent", "number": patent}])
    other = await register(api, uscc)
    with pytest.raises(IntegrityError):
        async with runtime.sessions.write() as session:
            session.add(PledgedItem(loan_id=other["id"], position=5, kind="patent", number=patent, active=True))
    async with runtime.sessions.write() as session:  # an inactive (released) row of the same item is fine
        session.add(PledgedItem(loan_id=other["id"], position=6, kind="patent", number=patent, active=False))


# ============================================================================ auth and scoping

@SQLITE_ONLY
async def test_no_token_is_401(api):
    r = await api.get("/api/v1/pledges")
    assert_problem(r, 401, slug="unauthorized")
    r = await api.post("/api/v1/pledges", json={})
    assert_problem(r, 401)


@SQLITE_ONLY
@pytest.mark.parametrize("role", [AGENCY, VIEWER, "integration"])
async def test_roles_that_may_not_register(api, runtime, role):
    uscc = await known(runtime)
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc), headers=headers(role))
    assert_problem(r, 403, slug="forbidden")


@SQLITE_ONLY
async def test_an_agency_may_not_read_loans(api):
    assert_problem(await api.get("/api/v1/pledges", headers=headers(AGENCY)), 403)


async def test_banks_see_only_their_own_loans(api, runtime):
    uscc = await known(runtime)
    mine = await register(api, uscc, auth=bank("BOC-HB"), lender_bank=None)
    theirs = await register(api, uscc, auth=bank("ABC-HB"), lender_bank=None)
    r = await api.get("/api/v1/pledges", headers=bank("BOC-HB"))
    assert [x["id"] for x in r.json()["items"]] == [mine["id"]] and r.json()["total"] == 1
    assert (await api.get(f"/api/v1/pledges/{mine['id']}", headers=bank("BOC-HB"))).status_code == 200
    assert_problem(await api.get(f"/api/v1/pledges/{theirs['id']}", headers=bank("BOC-HB")), 403,
                   slug="forbidden-lender")
    r = await api.post(f"/api/v1/pledges/{theirs['id']}/release", json={"released_on": days_ago(1)},
                       headers=bank("BOC-HB"))
    assert_problem(r, 403, slug="forbidden-lender")
    # the filter cannot widen a bank's view
    r = await api.get("/api/v1/pledges", params={"lender_bank": "ABC-HB"}, headers=bank("BOC-HB"))
    assert r.json()["total"] == 0


async def test_city_officers_see_their_city(api, runtime):
    wuhan, yichang = await known(runtime, WUHAN), await known(runtime, YICHANG)
    a = await register(api, wuhan)
    b = await register(api, yichang)
    r = await api.get("/api/v1/pledges", headers=officer(WUHAN))
    assert [x["id"] for x in r.json()["items"]] == [a["id"]]
    assert_problem(await api.get("/api/v1/pledges", params={"city": YICHANG}, headers=officer(WUHAN)), 403,
                   slug="forbidden-city")
    assert_problem(await api.get(f"/api/v1/pledges/{b['id']}", headers=officer(WUHAN)), 403, slug="forbidden-city")
    r = await api.post(f"/api/v1/pledges/{b['id']}/default", json={"defaulted_on": days_ago(1)},
                       headers=officer(WUHAN))
    assert_problem(r, 403, slug="forbidden-city")
    r = await api.get("/api/v1/pledges", headers=headers(VIEWER))
    assert r.json()["total"] == 2


async def test_list_filters(api, runtime):
    private, state = await known(runtime, ownership="private"), await known(runtime, ownership="state")
    a = await register(api, private, registration_date="2024-05-01", term_months=12)
    b = await register(api, state, registration_date="2025-05-01", term_months=60)
    ids = lambda r: [x["id"] for x in r.json()["items"]]  # noqa: E731
    assert ids(await api.get("/api/v1/pledges", params={"year": 2024}, headers=admin())) == [a["id"]]
    assert ids(await api.get("/api/v1/pledges", params={"is_private": "false"}, headers=admin())) == [b["id"]]
    assert ids(await api.get("/api/v1/pledges", params={"uscc": state}, headers=admin())) == [b["id"]]
    assert ids(await api.get("/api/v1/pledges", params={"maturing_before": "2025-12-31"},
                             headers=admin())) == [a["id"]]
    assert_problem(await api.get("/api/v1/pledges", params={"uscc": "bad"}, headers=admin()), 422, "uscc",
                   "uscc.length")
    assert_problem(await api.get("/api/v1/pledges", params={"status": "lost"}, headers=admin()), 422, "status", "enum")


# ============================================================================ status changes

async def test_release_then_nothing_else(api, runtime):
    uscc = await known(runtime)
    loan = await register(api, uscc, auth=bank("ICBC-HB"), lender_bank=None, registration_date="2025-03-01")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pledges/{loan['id']}/release", json={"released_on": "2025-09-01"},
                       headers=bank("ICBC-HB"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["status_date"], r.json()["version"]) == ("released", "2025-09-01", 2)
    payload = await single_event(runtime, since, "ipp.finance.pledge.released.v1", str(loan["id"]), "pledge.released")
    assert (payload["released_on"], payload["year"], payload["amount"]) == ("2025-09-01", 2025, "5000000.00")
    since = await mark(runtime)
    for action, body in (("release", {"released_on": days_ago(1)}), ("default", {"defaulted_on": days_ago(1)}),
                         ("cancel", {"reason": "录入错误"})):
        r = await api.post(f"/api/v1/pledges/{loan['id']}/{action}", json=body, headers=admin())
        assert_problem(r, 409, slug="pledge.transition")
    assert await nothing_written(runtime, since)


async def test_default_is_recorded_with_its_note(api, runtime):
    uscc = await known(runtime)
    loan = await register(api, uscc, registration_date="2025-03-01")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pledges/{loan['id']}/default", json={"defaulted_on": "2025-12-01",
                                                                     "note": "进入质押物处置"}, headers=admin())
    assert r.status_code == 200 and r.json()["status"] == "defaulted"
    payload = await single_event(runtime, since, "ipp.finance.pledge.defaulted.v1", str(loan["id"]))
    assert payload["note"] == "进入质押物处置"
    r = await api.post(f"/api/v1/pledges/{loan['id']}/release", json={"released_on": days_ago(1)}, headers=admin())
    assert_problem(r, 409, slug="pledge.transition")


async def test_cancel_carries_what_reporting_must_subtract(api, runtime):
    uscc = await known(runtime, YICHANG, "private")
    loan = await register(api, uscc, auth=officer(YICHANG), amount="800000.50", registration_date="2024-11-11")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pledges/{loan['id']}/cancel", json={"reason": "与第12号重复登记"},
                       headers=officer(YICHANG))
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    payload = await single_event(runtime, since, "ipp.finance.pledge.cancelled.v1", str(loan["id"]), "pledge.cancelled")
    assert (payload["amount"], payload["year"], payload["city"], payload["is_private"], payload["reason"]) == (
        "800000.50", 2024, YICHANG, True, "与第12号重复登记")
    assert payload["cancelled_on"] == china_today().isoformat()


async def test_status_dates_are_checked(api, runtime):
    uscc = await known(runtime)
    loan = await register(api, uscc, registration_date="2025-03-01")
    since = await mark(runtime)
    r = await api.post(f"/api/v1/pledges/{loan['id']}/release", json={"released_on": "2025-02-28"}, headers=admin())
    assert_problem(r, 422, "released_on", "date.before_registration")
    r = await api.post(f"/api/v1/pledges/{loan['id']}/cancel", json={"reason": "x"}, headers=admin())
    assert_problem(r, 422, "reason", "string_too_short")
    assert await nothing_written(runtime, since)


async def test_unknown_loan_is_404(api):
    assert_problem(await api.get("/api/v1/pledges/999999", headers=admin()), 404, slug="not-found")
    r = await api.post("/api/v1/pledges/999999/release", json={"released_on": days_ago(1)}, headers=admin())
    assert_problem(r, 404)


# ============================================================================ summary

async def test_summary_per_city_without_cancelled_loans(api, runtime):
    p1, p2, s1 = await known(runtime, WUHAN), await known(runtime, YICHANG), await known(runtime, WUHAN, "state")
    await register(api, p1, amount="100.10", registration_date="2025-02-01", risk_sharing=[])
    await register(api, p2, amount="200.20", registration_date="2025-03-01", lender_bank="CCB-HB")
    await register(api, s1, amount="300.30", registration_date="2025-04-01")
    gone = await register(api, p1, amount="999.99", registration_date="2025-05-01")
    await register(api, p1, amount="5", registration_date="2024-05-01")
    await api.post(f"/api/v1/pledges/{gone['id']}/cancel", json={"reason": "重复登记"}, headers=admin())
    r = await api.get("/api/v1/pledges/summary", params={"year": 2025}, headers=headers(VIEWER))
    assert r.status_code == 200, r.text
    s = r.json()
    assert (s["total"]["loans"], Decimal(s["total"]["amount"]), s["total"]["private_loans"]) == (
        3, Decimal("600.60"), 2)
    assert Decimal(s["total"]["private_share"]) == Decimal("66.7")
    assert s["total"]["with_risk_sharing"] == 2
    assert {c["city"]: c["loans"] for c in s["by_city"]} == {WUHAN: 2, YICHANG: 1}
    assert {k: Decimal(v) for k, v in s["by_bank"].items()} == {"CCB-HB": Decimal("200.20"),
                                                                "ICBC-HB": Decimal("400.40")}
    r = await api.get("/api/v1/pledges/summary", params={"year": 2025}, headers=officer(YICHANG))
    assert r.json()["total"]["loans"] == 1
    assert (s["whitelist_version"], s["whitelist_enterprises"]) == (None, 0)


async def test_summary_counts_white_listed_enterprises_that_borrowed(api, runtime):
    a, b, c = await known(runtime, WUHAN), await known(runtime, WUHAN), await known(runtime, YICHANG)
    entries = [{"uscc": u, "suggested_credit_line": "1000000"} for u in (a, b, c)]
    r = await api.post("/api/v1/whitelists", json={"title": "2025年第一批", "published_on": "2025-03-01",
                                                   "entries": entries}, headers=admin())
    assert r.status_code == 201, r.text
    await register(api, a, registration_date="2025-05-01")
    await register(api, a, registration_date="2025-06-01")
    await register(api, c, registration_date="2024-06-01")  # another year
    s = (await api.get("/api/v1/pledges/summary", params={"year": 2025}, headers=admin())).json()
    assert (s["whitelist_version"], s["whitelist_enterprises"], s["whitelist_enterprises_financed"]) == (1, 3, 1)
    s = (await api.get("/api/v1/pledges/summary", params={"year": 2025}, headers=officer(YICHANG))).json()
    assert (s["whitelist_enterprises"], s["whitelist_enterprises_financed"]) == (1, 0)
    s = (await api.get("/api/v1/pledges/summary", params={"year": 2024}, headers=admin())).json()
    assert s["whitelist_version"] is None  # published in 2025
