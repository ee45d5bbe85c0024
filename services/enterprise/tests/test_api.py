"""The enterprise service through HTTP: registry, figures, tiers, auth, problems, outbox and audit."""
from __future__ import annotations

import time
from datetime import date, timedelta

import httpx
import jwt
import pytest

from libs.common import outbox as outbox_module
from libs.common.auth import issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.testing import assert_problem, auth, random_uscc
from services.enterprise.models import Enterprise, TierDecision, TierRecommendation
from services.enterprise.tests.helpers import (
    audit_rows,
    china_today,
    count_rows,
    create,
    enterprise_body,
    headers,
    mark,
    nothing_written,
    outbox_rows,
    single_event,
    table_counts,
    written_since,
)

#: For requests refused before any database work (parsing, auth, field rules): running them on one
#: backend is enough, and keeps the PostgreSQL run short (each test gets its own fresh database).
SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])

ADMIN = "province-admin"
OFFICER = "city-officer"




def days_ago(n: int) -> str:
    return (china_today() - timedelta(days=n)).isoformat()


# ============================================================================ registration

async def test_province_admin_registers_enterprise(api, runtime):
    uscc = random_uscc("420100")
    since = await mark(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc, name="  武汉芯联科技有限公司 "),
                       headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/v1/enterprises/{uscc}"
    body = r.json()
    assert {k: body[k] for k in ("uscc", "name", "city", "city_name", "county", "registered_division", "industry",
                                 "industry_name", "size_class", "ownership", "qualifications", "tier", "version",
                                 "warnings")} == {
        "uscc": uscc, "name": "武汉芯联科技有限公司", "city": "420100", "city_name": "武汉市", "county": "420106",
        "registered_division": "420100", "industry": "P1", "industry_name": "新一代信息技术（光芯屏端网）",
        "size_class": "small", "ownership": "private", "qualifications": ["high_tech"], "tier": None, "version": 1,
        "warnings": []}
    payload = await single_event(runtime, since, "ipp.enterprise.enterprise.registered.v1", uscc,
                                 "enterprise.register")
    assert payload["city"] == "420100" and payload["is_private"] is True
    assert payload["registered_on"] == china_today().isoformat()
    async with runtime.sessions() as session:
        row = await session.get(Enterprise, uscc)
    assert (row.name, row.city, row.county, row.version) == ("武汉芯联科技有限公司", "420100", "420106", 1)


async def test_city_officer_registers_in_own_city(api, runtime):
    uscc = random_uscc("420502")
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc, city="420500", county="420502"),
                       headers=auth(OFFICER, city="420500"))
    assert r.status_code == 201, r.text
    assert (r.json()["city"], r.json()["city_name"]) == ("420500", "宜昌市")
    audit = await audit_rows(runtime, uscc)
    assert [(a["action"], a["actor_role"], a["actor_city"]) for a in audit] == [
        ("enterprise.register", "city-officer", "420500")]


@pytest.mark.parametrize(("division", "city"), [
    ("420100", "420100"),  # a city code
    ("420502", "420500"),  # a county code rolls up to its city
    ("421023", "421000"),  # historical 监利县 → 监利市 → 荆州市
    ("429004", "429004"),  # 仙桃市 is its own city
])
async def test_city_defaults_from_hubei_uscc(api, runtime, division, city):
    uscc = random_uscc(division)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc, city=..., county=...),
                       headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    assert (r.json()["city"], r.json()["registered_division"], r.json()["warnings"]) == (city, division, [])


async def test_non_hubei_uscc_with_explicit_city_is_accepted_with_a_warning(api, runtime):
    r = await api.post("/api/v1/enterprises", json=enterprise_body("91110000600037341L", city="420600", county=...),
                       headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["city"], body["registered_division"]) == ("420600", "110000")
    assert len(body["warnings"]) == 1 and "110000" in body["warnings"][0]
    assert (await table_counts(runtime))["enterprises"] == 1


@SQLITE_ONLY
async def test_non_hubei_uscc_without_city_is_refused(api, runtime):
    before = await table_counts(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body("91110000600037341L", city=..., county=...),
                       headers=auth(ADMIN))
    assert_problem(r, 422, "city", "city.required", slug="validation-error")
    assert await table_counts(runtime) == before


def _bad_check_digit() -> str:
    uscc = random_uscc("420100")
    return uscc[:17] + ("0" if uscc[17] != "0" else "1")


@SQLITE_ONLY
@pytest.mark.parametrize(("overrides", "field", "rule"), [
    ({"uscc": _bad_check_digit()}, "uscc", "uscc.check_digit"),
    ({"uscc": "91420100ABC"}, "uscc", "uscc.length"),
    ({"uscc": "9142010O6000373410"}, "uscc", "uscc.charset"),
    ({"city": "420100", "county": "420502"}, "county", "county.not_in_city"),
    ({"city": "420100", "county": "420100"}, "county", "county.not_in_city"),
    ({"county": "110101"}, "county", "division.not_hubei"),
    ({"industry": "P9"}, "industry", "industry.unknown"),
    ({"name": ...}, "name", "missing"),
    ({"name": "武"}, "name", "string_too_short"),
    ({"unexpected": "x"}, "unexpected", "extra_forbidden"),
    ({"city": "420106"}, "city", "division.not_city"),
    ({"city": "420000"}, "city", "division.not_city"),
    ({"city": "110000"}, "city", "division.not_hubei"),
    ({"city": "429000"}, "city", "division.unknown"),
    ({"size_class": "huge"}, "size_class", "enum"),
    ({"qualifications": ["nobel"]}, "qualifications.0", "enum"),
])
async def test_bad_input_is_a_422_naming_field_and_rule_and_writes_nothing(api, runtime, overrides, field, rule):
    before = await table_counts(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(**overrides), headers=auth(ADMIN))
    body = assert_problem(r, 422, field, rule, slug="validation-error")
    assert body["instance"] == "/api/v1/enterprises"
    assert await table_counts(runtime) == before


@SQLITE_ONLY
async def test_body_that_is_not_json_is_a_422(api, runtime):
    r = await api.post("/api/v1/enterprises", content=b"{not json", headers={**auth(ADMIN),
                                                                             "content-type": "application/json"})
    assert_problem(r, 422, slug="validation-error")
    assert r.json()["errors"][0]["rule"] == "json_invalid"


async def test_duplicate_uscc_is_a_conflict(api, runtime):
    first = await create(api)
    before = await table_counts(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(first["uscc"], name="另一家公司"),
                       headers=auth(ADMIN))
    assert_problem(r, 409, slug="enterprise.exists")
    assert await table_counts(runtime) == before


async def test_lowercase_uscc_is_normalised_and_still_a_duplicate(api, runtime):
    uscc = random_uscc("420100")
    while not any(c.isalpha() for c in uscc):  # need a letter to lower-case
        uscc = random_uscc("420100")
    await create(api, uscc)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(uscc.lower()), headers=auth(ADMIN))
    assert_problem(r, 409, slug="enterprise.exists")


async def test_city_officer_cannot_register_in_another_city(api, runtime):
    before = await table_counts(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(city="420500", county="420502"),
                       headers=auth(OFFICER, city="420100"))
    assert_problem(r, 403, slug="forbidden-city")
    # the default city of a Wuhan USCC is also another city for a Yichang officer
    r = await api.post("/api/v1/enterprises", json=enterprise_body(random_uscc("420106"), city=..., county=...),
                       headers=auth(OFFICER, city="420500"))
    assert_problem(r, 403, slug="forbidden-city")
    assert await table_counts(runtime) == before


@SQLITE_ONLY
@pytest.mark.parametrize("hdrs", [auth("viewer"), auth("bank", org="bank-1"), auth("agency", org="agency-1")],
                         ids=["viewer", "bank", "agency"])
async def test_read_only_roles_cannot_register(api, runtime, hdrs):
    before = await table_counts(runtime)
    r = await api.post("/api/v1/enterprises", json=enterprise_body(), headers=hdrs)
    assert_problem(r, 403, slug="forbidden")
    assert await table_counts(runtime) == before


# ============================================================================ authentication

@SQLITE_ONLY
async def test_no_token_is_401_with_bearer_challenge(api, runtime):
    r = await api.post("/api/v1/enterprises", json=enterprise_body())
    assert_problem(r, 401, slug="unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    r = await api.get("/api/v1/enterprises")
    assert_problem(r, 401, slug="unauthorized")
    assert r.headers["www-authenticate"] == "Bearer"
    assert (await table_counts(runtime))["enterprises"] == 0


@SQLITE_ONLY
@pytest.mark.parametrize(("bad_token", "detail"), [
    (issue_token(DEV_JWT_SECRET, role="province-admin", sub="old", ttl_seconds=-60), "令牌已过期"),
    (issue_token("another-secret-that-is-long-enough-0123456789", role="province-admin", sub="x"), "令牌无效"),
    (issue_token(DEV_JWT_SECRET, role="province-admin", sub="x", issuer="elsewhere"), "令牌无效"),
    ("not-a-jwt", "令牌无效"),
], ids=["expired", "wrong-signature", "wrong-issuer", "garbage"])
async def test_bad_tokens_are_401(api, runtime, bad_token, detail):
    r = await api.post("/api/v1/enterprises", json=enterprise_body(),
                       headers={"Authorization": f"Bearer {bad_token}"})
    body = assert_problem(r, 401, slug="unauthorized")
    assert body["detail"].startswith(detail)
    assert r.headers["www-authenticate"] == "Bearer"
    assert (await table_counts(runtime))["enterprises"] == 0


@SQLITE_ONLY
async def test_unknown_role_in_token_is_401(api):
    forged = jwt.encode({"sub": "x", "role": "emperor", "iss": "ipp", "exp": int(time.time()) + 60},
                        DEV_JWT_SECRET, algorithm="HS256")
    r = await api.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {forged}"})
    assert_problem(r, 401, slug="unauthorized")


# ============================================================================ reading

async def test_get_one(api, runtime):
    created = await create(api, random_uscc("420100"))
    for hdrs in (auth(ADMIN), auth("viewer"), auth(OFFICER, city="420100"), auth("integration")):
        r = await api.get(f"/api/v1/enterprises/{created['uscc']}", headers=hdrs)
        assert r.status_code == 200, r.text
        assert r.json() == {**created, "warnings": []}


async def test_bank_and_agency_cannot_read_the_registry(api):
    uscc = (await create(api))["uscc"]
    for hdrs in (auth("bank", org="bank-1"), auth("agency", org="agency-1")):
        assert_problem(await api.get(f"/api/v1/enterprises/{uscc}", headers=hdrs), 403, slug="forbidden-city")
        # the list must not show what a single read refuses
        assert_problem(await api.get("/api/v1/enterprises", headers=hdrs), 403, slug="forbidden")


async def test_get_accepts_lowercase_uscc(api, runtime):
    uscc = random_uscc("420100")
    while not any(c.isalpha() for c in uscc):
        uscc = random_uscc("420100")
    await create(api, uscc)
    r = await api.get(f"/api/v1/enterprises/{uscc.lower()}", headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["uscc"] == uscc


@SQLITE_ONLY
async def test_get_invalid_uscc_is_422_naming_uscc(api):
    r = await api.get(f"/api/v1/enterprises/{_bad_check_digit()}", headers=auth(ADMIN))
    assert_problem(r, 422, "uscc", "uscc.check_digit")
    r = await api.get("/api/v1/enterprises/123", headers=auth(ADMIN))
    assert_problem(r, 422, "uscc", "uscc.length")


async def test_get_unknown_is_404(api):
    uscc = random_uscc("420100")
    body = assert_problem(await api.get(f"/api/v1/enterprises/{uscc}", headers=auth(ADMIN)), 404, slug="not-found")
    assert uscc in body["detail"]


async def test_get_other_citys_enterprise_is_403_for_city_officer(api):
    created = await create(api, random_uscc("420100"))
    r = await api.get(f"/api/v1/enterprises/{created['uscc']}", headers=auth(OFFICER, city="420500"))
    assert_problem(r, 403, slug="forbidden-city")


async def _seed_list(api) -> dict[str, list[str]]:
    """Three Wuhan and two Yichang enterprises; one Yichang one designated seed."""
    wuhan = [(await create(api, random_uscc("420100")))["uscc"] for _ in range(3)]
    yichang = [(await create(api, random_uscc("420500"), city="420500", county="420502",
                             ownership="state"))["uscc"] for _ in range(2)]
    rec = await api.post(f"/api/v1/enterprises/{yichang[0]}/tier-recommendations",
                         json={"tier": "seed", "reason": "研发投入高"}, headers=auth(OFFICER, city="420500"))
    assert rec.status_code == 201, rec.text
    ok = await api.post(f"/api/v1/tier-recommendations/{rec.json()['id']}/approve",
                        json={"effective_date": days_ago(1)}, headers=auth(ADMIN))
    assert ok.status_code == 200, ok.text
    return {"420100": wuhan, "420500": yichang}


async def test_list_filters_and_pagination(api):
    seeded = await _seed_list(api)
    everyone = sorted([("420100", u) for u in seeded["420100"]] + [("420500", u) for u in seeded["420500"]])

    r = await api.get("/api/v1/enterprises", headers=auth("viewer"))
    assert r.status_code == 200
    page = r.json()
    assert (page["total"], page["limit"], page["offset"]) == (5, 50, 0)
    assert [(e["city"], e["uscc"]) for e in page["items"]] == everyone  # ordered by city, then USCC

    r = await api.get("/api/v1/enterprises", params={"limit": 2, "offset": 0}, headers=auth(ADMIN))
    assert (r.json()["total"], r.json()["limit"], r.json()["offset"]) == (5, 2, 0)
    assert [e["uscc"] for e in r.json()["items"]] == [u for _, u in everyone[:2]]
    r = await api.get("/api/v1/enterprises", params={"limit": 2, "offset": 4}, headers=auth(ADMIN))
    assert [e["uscc"] for e in r.json()["items"]] == [everyone[4][1]] and r.json()["total"] == 5

    r = await api.get("/api/v1/enterprises", params={"city": "420500"}, headers=auth(ADMIN))
    assert r.json()["total"] == 2 and sorted(e["uscc"] for e in r.json()["items"]) == sorted(seeded["420500"])

    r = await api.get("/api/v1/enterprises", params={"tier": "seed"}, headers=auth(ADMIN))
    assert [(e["uscc"], e["tier"], e["tier_name"]) for e in r.json()["items"]] == [
        (seeded["420500"][0], "seed", "种子企业")]
    r = await api.get("/api/v1/enterprises", params={"tier": "none"}, headers=auth(ADMIN))
    assert r.json()["total"] == 4 and seeded["420500"][0] not in [e["uscc"] for e in r.json()["items"]]
    r = await api.get("/api/v1/enterprises", params={"tier": "advantage"}, headers=auth(ADMIN))
    assert (r.json()["total"], r.json()["items"]) == (0, [])

    r = await api.get("/api/v1/enterprises", params={"ownership": "state", "city": "420100"}, headers=auth(ADMIN))
    assert r.json()["total"] == 0
    r = await api.get("/api/v1/enterprises", params={"q": seeded["420100"][1][-8:]}, headers=auth(ADMIN))
    assert [e["uscc"] for e in r.json()["items"]] == [seeded["420100"][1]]


@SQLITE_ONLY
async def test_list_bad_query_parameters_are_422(api):
    assert_problem(await api.get("/api/v1/enterprises", params={"city": "420106"}, headers=auth(ADMIN)),
                   422, "city", "division.not_city")
    assert_problem(await api.get("/api/v1/enterprises", params={"tier": "gold"}, headers=auth(ADMIN)),
                   422, "tier", "literal_error")
    assert_problem(await api.get("/api/v1/enterprises", params={"limit": 0}, headers=auth(ADMIN)),
                   422, "limit", "greater_than_equal")
    assert_problem(await api.get("/api/v1/enterprises", params={"limit": 501}, headers=auth(ADMIN)),
                   422, "limit", "less_than_equal")


async def test_city_officer_lists_only_own_city(api):
    seeded = await _seed_list(api)
    officer = auth(OFFICER, city="420500")
    r = await api.get("/api/v1/enterprises", headers=officer)
    assert r.json()["total"] == 2
    assert sorted(e["uscc"] for e in r.json()["items"]) == sorted(seeded["420500"])
    r = await api.get("/api/v1/enterprises", params={"city": "420500", "tier": "seed"}, headers=officer)
    assert [e["uscc"] for e in r.json()["items"]] == [seeded["420500"][0]]
    assert_problem(await api.get("/api/v1/enterprises", params={"city": "420100"}, headers=officer),
                   403, slug="forbidden-city")


# ============================================================================ updating

async def test_patch_changes_fields_with_audit_and_event(api, runtime):
    created = await create(api, random_uscc("420100"))
    uscc = created["uscc"]
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", headers=auth(OFFICER, city="420100"),
                        json={"name": "武汉芯联科技股份有限公司", "industry": "A01",
                              "qualifications": ["high_tech", "srdi_national"], "own_brand": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["industry"], body["industry_name"], body["qualifications"], body["version"]) == (
        "武汉芯联科技股份有限公司", "A01", "高端装备", ["high_tech", "srdi_national"], 2)
    assert body["county"] == "420106"  # untouched
    payload = await single_event(runtime, since, "ipp.enterprise.enterprise.updated.v1", uscc, "enterprise.update")
    assert payload["changed_fields"] == ["industry", "name", "qualifications"]  # own_brand was already True
    assert (payload["city"], payload["previous_city"], payload["tier"]) == ("420100", "420100", None)
    _, audits = await written_since(runtime, since)
    assert audits[0]["before"] == {"name": "武汉光谷测试科技有限公司", "industry": "P1",
                                   "qualifications": ["high_tech"]}
    assert audits[0]["after"] == {"name": "武汉芯联科技股份有限公司", "industry": "A01",
                                  "qualifications": ["high_tech", "srdi_national"]}
    assert audits[0]["actor_role"] == "city-officer"
    got = await api.get(f"/api/v1/enterprises/{uscc}", headers=auth(ADMIN))
    assert got.json()["name"] == "武汉芯联科技股份有限公司" and got.json()["version"] == 2


async def test_patch_moving_city_resets_county_and_names_previous_city(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"city": "420600"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert (r.json()["city"], r.json()["county"]) == ("420600", None)
    payload = await single_event(runtime, since, "ipp.enterprise.enterprise.updated.v1", uscc)
    assert (payload["city"], payload["previous_city"], payload["changed_fields"]) == (
        "420600", "420100", ["city", "county"])
    _, audits = await written_since(runtime, since)
    assert (audits[0]["before"], audits[0]["after"]) == ({"city": "420100", "county": "420106"},
                                                         {"city": "420600", "county": None})


async def test_patch_county_must_belong_to_city(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"county": "420502"}, headers=auth(ADMIN))
    assert_problem(r, 422, "county", "county.not_in_city")
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"city": "420500", "county": "420106"},
                        headers=auth(ADMIN))
    assert_problem(r, 422, "county", "county.not_in_city")
    assert await nothing_written(runtime, since)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"city": "420500", "county": "420502"},
                        headers=auth(ADMIN))
    assert (r.status_code, r.json()["city"], r.json()["county"]) == (200, "420500", "420502")


async def test_patch_empty_body_is_422(api, runtime):
    uscc = (await create(api))["uscc"]
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={}, headers=auth(ADMIN))
    assert_problem(r, 422, "body", "update.empty")
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
@pytest.mark.parametrize(("body", "field", "rule"), [
    ({"name": None}, "name", "not_nullable"),
    ({"industry": "ZZ"}, "industry", "industry.unknown"),
    ({"city": "420106"}, "city", "division.not_city"),
    ({"tier": "seed"}, "tier", "extra_forbidden"),
    ({"uscc": "91110000600037341L"}, "uscc", "extra_forbidden"),
])
async def test_patch_bad_input_is_422(api, runtime, body, field, rule):
    uscc = (await create(api))["uscc"]
    since = await mark(runtime)
    assert_problem(await api.patch(f"/api/v1/enterprises/{uscc}", json=body, headers=auth(ADMIN)), 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_patch_without_a_real_change_writes_nothing(api, runtime):
    created = await create(api)
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{created['uscc']}", json={"name": created["name"], "city": "420100"},
                        headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["version"] == 1
    assert await nothing_written(runtime, since)


async def test_city_officer_cannot_move_enterprise_to_another_city(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]
    since = await mark(runtime)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"city": "420500"},
                        headers=auth(OFFICER, city="420100"))
    assert_problem(r, 403, slug="forbidden-city")
    assert await nothing_written(runtime, since)
    async with runtime.sessions() as session:
        assert (await session.get(Enterprise, uscc)).city == "420100"


async def test_patch_by_other_city_or_viewer_is_403_and_unknown_is_404(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]
    assert_problem(await api.patch(f"/api/v1/enterprises/{uscc}", json={"own_brand": False},
                                   headers=auth(OFFICER, city="420500")), 403, slug="forbidden-city")
    assert_problem(await api.patch(f"/api/v1/enterprises/{uscc}", json={"own_brand": False},
                                   headers=auth("viewer")), 403, slug="forbidden")
    assert_problem(await api.patch(f"/api/v1/enterprises/{random_uscc()}", json={"own_brand": False},
                                   headers=auth(ADMIN)), 404, slug="not-found")


# ============================================================================ yearly figures

FIGURES = {"revenue": "12345678.90", "rd_spend": "1500000.05", "staff": 120, "rd_staff": 30,
           "invention_patents": 12, "industrialisation_rate": "55.50"}


async def test_put_figures_keeps_decimals_exact(api, runtime):
    uscc = (await create(api))["uscc"]
    year = china_today().year - 1
    since = await mark(runtime)
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=FIGURES,
                      headers=auth(OFFICER, city="420100"))
    assert r.status_code == 200, r.text
    assert r.json() == {**FIGURES, "uscc": uscc, "year": year}
    payload = await single_event(runtime, since, "ipp.enterprise.figures.reported.v1", uscc, "enterprise.figures")
    assert (payload["revenue"], payload["rd_spend"], payload["industrialisation_rate"], payload["year"]) == (
        "12345678.90", "1500000.05", "55.50", year)
    listed = await api.get(f"/api/v1/enterprises/{uscc}/figures", headers=auth("viewer"))
    assert listed.json() == [{**FIGURES, "uscc": uscc, "year": year}]


async def test_put_figures_largest_amount_round_trips_exactly(api, runtime):
    uscc = (await create(api))["uscc"]
    year = china_today().year - 1
    largest = {"revenue": "9999999999999.99", "rd_spend": "1234567890123.45"}
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=largest, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    listed = (await api.get(f"/api/v1/enterprises/{uscc}/figures", headers=auth(ADMIN))).json()
    assert [(f["revenue"], f["rd_spend"]) for f in listed] == [("9999999999999.99", "1234567890123.45")]
    # one more digit than the store keeps exactly is refused up front (it used to become a 500 on read)
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json={"revenue": "10000000000000.00"},
                      headers=auth(ADMIN))
    body = assert_problem(r, 422, "revenue", "decimal_whole_digits")
    assert body["errors"][0]["message"].startswith("整数部分位数过多")


async def test_put_figures_replaces_a_year_and_audits_before(api, runtime):
    uscc = (await create(api))["uscc"]
    year = china_today().year
    assert (await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=FIGURES,
                          headers=auth(ADMIN))).status_code == 200
    since = await mark(runtime)
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json={"revenue": "0.01", "staff": 5},
                      headers=auth(ADMIN))
    assert r.status_code == 200
    assert (r.json()["revenue"], r.json()["staff"], r.json()["rd_spend"]) == ("0.01", 5, None)
    await single_event(runtime, since, "ipp.enterprise.figures.reported.v1", uscc)
    _, audits = await written_since(runtime, since)
    assert audits[0]["before"]["revenue"] == "12345678.90" and audits[0]["before"]["staff"] == 120
    listed = (await api.get(f"/api/v1/enterprises/{uscc}/figures", headers=auth(ADMIN))).json()
    assert [(f["year"], f["revenue"], f["staff"]) for f in listed] == [(year, "0.01", 5)]


@SQLITE_ONLY
@pytest.mark.parametrize(("year_offset", "body", "field", "rule"), [
    (-1, {"staff": 10, "rd_staff": 11}, "rd_staff", "rd_staff.exceeds_staff"),
    (-1, {"revenue": "-1.00"}, "revenue", "greater_than_equal"),
    (-1, {"staff": -1}, "staff", "greater_than_equal"),
    (-1, {"revenue": "1.001"}, "revenue", "decimal_max_places"),
    (-1, {"revenue": "abc"}, "revenue", "decimal_parsing"),
    (-1, {"industrialisation_rate": "100.01"}, "industrialisation_rate", "less_than_equal"),
    (-1, {"profit": "1"}, "profit", "extra_forbidden"),
    (1, {"revenue": "1.00"}, "year", "year.range"),
    (None, {"revenue": "1.00"}, "year", "greater_than_equal"),  # 1999
])
async def test_put_figures_bad_input_is_422(api, runtime, year_offset, body, field, rule):
    uscc = (await create(api))["uscc"]
    year = 1999 if year_offset is None else china_today().year + year_offset
    since = await mark(runtime)
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=body, headers=auth(ADMIN))
    assert_problem(r, 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_put_figures_other_city_is_403(api, runtime):
    uscc = (await create(api))["uscc"]
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{china_today().year - 1}", json=FIGURES,
                      headers=auth(OFFICER, city="420600"))
    assert_problem(r, 403, slug="forbidden-city")


# ============================================================================ tiers

async def _recommend(api, uscc: str, tier: str, city: str = "420100", sub: str = "officer-wh") -> httpx.Response:
    return await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                          json={"tier": tier, "reason": f"推荐为{tier}：发明专利多"},
                          headers=headers(OFFICER, city=city, sub=sub))


async def test_recommend_then_designate(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]

    since = await mark(runtime)
    r = await _recommend(api, uscc, "seed")
    assert r.status_code == 201, r.text
    rec = r.json()
    assert {k: rec[k] for k in ("uscc", "city", "tier", "status", "recommended_by", "decided_by")} == {
        "uscc": uscc, "city": "420100", "tier": "seed", "status": "pending", "recommended_by": "officer-wh",
        "decided_by": None}
    payload = await single_event(runtime, since, "ipp.enterprise.tier.recommended.v1", uscc, "tier.recommend")
    assert (payload["recommendation_id"], payload["tier"], payload["current_tier"]) == (rec["id"], "seed", None)

    # a second pending recommendation is refused
    since = await mark(runtime)
    assert_problem(await _recommend(api, uscc, "growth"), 409, slug="tier.recommendation_pending")
    assert await nothing_written(runtime, since)

    # only the province designates
    approve = f"/api/v1/tier-recommendations/{rec['id']}/approve"
    assert_problem(await api.post(approve, json={"effective_date": days_ago(3)},
                                  headers=auth(OFFICER, city="420100")), 403, slug="forbidden")
    assert await nothing_written(runtime, since)

    effective = days_ago(3)
    r = await api.post(approve, json={"effective_date": effective}, headers=headers(ADMIN, sub="admin-hb"))
    assert r.status_code == 200, r.text
    decision = r.json()
    assert {k: decision[k] for k in ("uscc", "change", "from_tier", "to_tier", "effective_date", "reason", "city",
                                     "recommendation_id", "decided_by")} == {
        "uscc": uscc, "change": "designated", "from_tier": None, "to_tier": "seed", "effective_date": effective,
        "reason": "推荐为seed：发明专利多", "city": "420100", "recommendation_id": rec["id"], "decided_by": "admin-hb"}
    payload = await single_event(runtime, since, "ipp.enterprise.tier.designated.v1", uscc, "tier.designated")
    assert {k: payload[k] for k in ("uscc", "city", "is_private", "from_tier", "to_tier", "effective_date", "year",
                                    "recommendation_id")} == {
        "uscc": uscc, "city": "420100", "is_private": True, "from_tier": None, "to_tier": "seed",
        "effective_date": effective, "year": date.fromisoformat(effective).year, "recommendation_id": rec["id"]}

    got = (await api.get(f"/api/v1/enterprises/{uscc}", headers=auth(ADMIN))).json()
    assert (got["tier"], got["tier_name"], got["tier_since"], got["version"]) == ("seed", "种子企业", effective, 2)

    recs = (await api.get("/api/v1/tier-recommendations", params={"status": "approved"}, headers=auth(ADMIN))).json()
    assert [(x["id"], x["status"], x["decided_by"]) for x in recs["items"]] == [(rec["id"], "approved", "admin-hb")]

    # approving again is a conflict and changes nothing
    since = await mark(runtime)
    assert_problem(await api.post(approve, json={"effective_date": days_ago(1)}, headers=auth(ADMIN)),
                   409, slug="recommendation.decided")
    assert await nothing_written(runtime, since)
    assert await count_rows(runtime, TierDecision) == 1

    # a recommendation for the tier it already holds is refused
    assert_problem(await _recommend(api, uscc, "seed"), 409, slug="tier.unchanged")


async def test_approve_with_future_effective_date_is_422_and_keeps_it_pending(api, runtime):
    uscc = (await create(api))["uscc"]
    rec = (await _recommend(api, uscc, "growth")).json()
    since = await mark(runtime)
    tomorrow = (china_today() + timedelta(days=2)).isoformat()
    r = await api.post(f"/api/v1/tier-recommendations/{rec['id']}/approve", json={"effective_date": tomorrow},
                       headers=auth(ADMIN))
    assert_problem(r, 422, "effective_date", "tier.date_in_future")
    assert await nothing_written(runtime, since)
    async with runtime.sessions() as session:
        assert (await session.get(TierRecommendation, rec["id"])).status == "pending"
        assert (await session.get(Enterprise, uscc)).tier is None
    assert_problem(await api.post(f"/api/v1/tier-recommendations/{rec['id']}/approve",
                                  json={"effective_date": "2025-02-30"}, headers=auth(ADMIN)),
                   422, "effective_date", "date_from_datetime_parsing")


async def test_approve_unknown_recommendation_is_404(api):
    assert_problem(await api.post("/api/v1/tier-recommendations/999999/approve",
                                  json={"effective_date": days_ago(1)}, headers=auth(ADMIN)), 404, slug="not-found")


async def test_reject_flow(api, runtime):
    uscc = (await create(api))["uscc"]
    rec = (await _recommend(api, uscc, "advantage")).json()
    reject = f"/api/v1/tier-recommendations/{rec['id']}/reject"

    since = await mark(runtime)
    assert_problem(await api.post(reject, json={"reason": "材料不全"}, headers=auth(OFFICER, city="420100")),
                   403, slug="forbidden")
    assert_problem(await api.post(reject, json={}, headers=auth(ADMIN)), 422, "reason", "missing")
    assert await nothing_written(runtime, since)

    r = await api.post(reject, json={"reason": "研发投入不足"}, headers=headers(ADMIN, sub="admin-hb"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["decision_reason"], r.json()["decided_by"]) == (
        "rejected", "研发投入不足", "admin-hb")
    payload = await single_event(runtime, since, "ipp.enterprise.tier.recommendation-rejected.v1", uscc, "tier.reject")
    assert (payload["recommendation_id"], payload["tier"], payload["reason"]) == (
        rec["id"], "advantage", "研发投入不足")
    assert (await api.get(f"/api/v1/enterprises/{uscc}", headers=auth(ADMIN))).json()["tier"] is None

    since = await mark(runtime)
    assert_problem(await api.post(reject, json={"reason": "再次驳回"}, headers=auth(ADMIN)), 409,
                   slug="recommendation.decided")
    assert_problem(await api.post(f"/api/v1/tier-recommendations/{rec['id']}/approve",
                                  json={"effective_date": days_ago(1)}, headers=auth(ADMIN)), 409,
                   slug="recommendation.decided")
    assert await nothing_written(runtime, since)
    # once rejected, the city may recommend again
    assert (await _recommend(api, uscc, "seed")).status_code == 201


async def test_recommend_permissions(api, runtime):
    uscc = (await create(api, random_uscc("420100")))["uscc"]
    since = await mark(runtime)
    assert_problem(await _recommend(api, uscc, "seed", city="420500"), 403, slug="forbidden-city")
    assert_problem(await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                                  json={"tier": "seed", "reason": "理由充分"}, headers=auth("viewer")),
                   403, slug="forbidden")
    assert_problem(await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                                  json={"tier": "gold", "reason": "理由充分"}, headers=auth(ADMIN)),
                   422, "tier", "enum")
    assert await nothing_written(runtime, since)
    # the recommendation list is scoped: an officer of another city sees none of it
    assert (await _recommend(api, uscc, "seed")).status_code == 201
    r = await api.get("/api/v1/tier-recommendations", headers=auth(OFFICER, city="420500"))
    assert (r.json()["total"], r.json()["items"]) == (0, [])
    r = await api.get("/api/v1/tier-recommendations", headers=auth(OFFICER, city="420100"))
    assert [x["uscc"] for x in r.json()["items"]] == [uscc]
    assert_problem(await api.get("/api/v1/tier-recommendations", params={"city": "420100"},
                                 headers=auth(OFFICER, city="420500")), 403, slug="forbidden-city")
    assert_problem(await api.get("/api/v1/tier-recommendations", headers=auth("bank", org="bank-1")),
                   403, slug="forbidden")


async def _designate(api, uscc: str, tier: str, effective: str) -> None:
    rec = await _recommend(api, uscc, tier)
    assert rec.status_code == 201, rec.text
    r = await api.post(f"/api/v1/tier-recommendations/{rec.json()['id']}/approve",
                       json={"effective_date": effective, "reason": "省局认定"}, headers=headers(ADMIN, sub="admin-a"))
    assert r.status_code == 200, r.text


async def test_promote_demote_revoke_and_history(api, runtime):
    uscc = (await create(api, random_uscc("420100"), ownership="state"))["uscc"]
    d0, d1, d2, d3 = days_ago(30), days_ago(20), days_ago(10), days_ago(0)
    await _designate(api, uscc, "seed", d0)
    tier_url = f"/api/v1/enterprises/{uscc}/tier"
    admin_b = headers(ADMIN, sub="admin-b")

    # promote seed → advantage
    since = await mark(runtime)
    r = await api.post(f"{tier_url}/promote", json={"to_tier": "advantage", "effective_date": d1,
                                                    "reason": "产业化成效显著"}, headers=admin_b)
    assert r.status_code == 200, r.text
    assert (r.json()["change"], r.json()["from_tier"], r.json()["to_tier"], r.json()["decided_by"]) == (
        "promoted", "seed", "advantage", "admin-b")
    payload = await single_event(runtime, since, "ipp.enterprise.tier.promoted.v1", uscc, "tier.promoted")
    assert (payload["from_tier"], payload["to_tier"], payload["is_private"], payload["city"], payload["year"],
            payload["recommendation_id"]) == ("seed", "advantage", False, "420100", date.fromisoformat(d1).year, None)

    # refused requests write nothing
    since = await mark(runtime)
    assert_problem(await api.post(f"{tier_url}/promote", json={"to_tier": "seed", "effective_date": d2,
                                                               "reason": "晋级申请"}, headers=admin_b),
                   409, slug="tier.not_promoted")
    assert_problem(await api.post(f"{tier_url}/promote", json={"to_tier": "advantage", "effective_date": d2,
                                                               "reason": "晋级申请"}, headers=admin_b),
                   409, slug="tier.unchanged")
    assert_problem(await api.post(f"{tier_url}/demote", json={"to_tier": "growth", "effective_date": d0,
                                                              "reason": "降级申请"}, headers=admin_b),
                   422, "effective_date", "tier.date_before_previous")
    future = (china_today() + timedelta(days=3)).isoformat()
    assert_problem(await api.post(f"{tier_url}/demote", json={"to_tier": "growth", "effective_date": future,
                                                              "reason": "降级申请"}, headers=admin_b),
                   422, "effective_date", "tier.date_in_future")
    assert_problem(await api.post(f"{tier_url}/demote", json={"to_tier": "growth", "effective_date": d2,
                                                              "reason": "降级申请"},
                                  headers=auth(OFFICER, city="420100")), 403, slug="forbidden")
    assert_problem(await api.post(f"{tier_url}/revoke", json={"effective_date": d2}, headers=admin_b),
                   422, "reason", "missing")
    assert await nothing_written(runtime, since)

    # demote advantage → growth
    r = await api.post(f"{tier_url}/demote", json={"to_tier": "growth", "effective_date": d2,
                                                   "reason": "研发投入下降"}, headers=admin_b)
    assert r.status_code == 200, r.text
    assert (r.json()["change"], r.json()["from_tier"], r.json()["to_tier"]) == ("demoted", "advantage", "growth")
    payload = await single_event(runtime, since, "ipp.enterprise.tier.demoted.v1", uscc, "tier.demoted")
    assert (payload["from_tier"], payload["to_tier"]) == ("advantage", "growth")

    # revoke with a reason
    since = await mark(runtime)
    r = await api.post(f"{tier_url}/revoke", json={"effective_date": d3, "reason": "存在严重失信行为"},
                       headers=admin_b)
    assert r.status_code == 200, r.text
    assert (r.json()["change"], r.json()["from_tier"], r.json()["to_tier"], r.json()["reason"]) == (
        "revoked", "growth", None, "存在严重失信行为")
    payload = await single_event(runtime, since, "ipp.enterprise.tier.revoked.v1", uscc, "tier.revoked")
    assert (payload["from_tier"], payload["to_tier"], payload["reason"]) == ("growth", None, "存在严重失信行为")
    got = (await api.get(f"/api/v1/enterprises/{uscc}", headers=auth(ADMIN))).json()
    assert (got["tier"], got["tier_name"], got["tier_since"]) == (None, None, d3)

    since = await mark(runtime)
    assert_problem(await api.post(f"{tier_url}/revoke", json={"effective_date": d3, "reason": "再次撤销"},
                                  headers=admin_b), 409, slug="tier.none_to_revoke")
    assert_problem(await api.post(f"{tier_url}/promote", json={"to_tier": "seed", "effective_date": d3,
                                                               "reason": "直接晋级"}, headers=admin_b),
                   409, slug="tier.not_promoted")
    assert await nothing_written(runtime, since)

    # the history: dated, reasoned, who decided, in order
    r = await api.get(f"/api/v1/enterprises/{uscc}/tier-history", headers=auth(OFFICER, city="420100"))
    assert r.status_code == 200
    assert [(d["change"], d["from_tier"], d["to_tier"], d["effective_date"], d["reason"], d["decided_by"])
            for d in r.json()] == [
        ("designated", None, "seed", d0, "省局认定", "admin-a"),
        ("promoted", "seed", "advantage", d1, "产业化成效显著", "admin-b"),
        ("demoted", "advantage", "growth", d2, "研发投入下降", "admin-b"),
        ("revoked", "growth", None, d3, "存在严重失信行为", "admin-b"),
    ]
    assert_problem(await api.get(f"/api/v1/enterprises/{uscc}/tier-history",
                                 headers=auth(OFFICER, city="420500")), 403, slug="forbidden-city")
    # every change above: exactly one event each, all keyed by the USCC, in order
    assert [e["event_type"].rsplit(".", 2)[-2] for e in await outbox_rows(runtime, uscc)] == [
        "registered", "recommended", "designated", "promoted", "demoted", "revoked"]


async def test_same_day_decisions_are_allowed(api, runtime):
    uscc = (await create(api))["uscc"]
    today = days_ago(0)
    await _designate(api, uscc, "growth", today)
    r = await api.post(f"/api/v1/enterprises/{uscc}/tier/promote",
                       json={"to_tier": "seed", "effective_date": today, "reason": "当日晋级"}, headers=auth(ADMIN))
    assert (r.status_code, r.json()["change"]) == (200, "promoted")
    history = (await api.get(f"/api/v1/enterprises/{uscc}/tier-history", headers=auth(ADMIN))).json()
    assert [d["change"] for d in history] == ["designated", "promoted"]


async def test_tier_change_on_unknown_or_invalid_enterprise(api):
    body = {"to_tier": "seed", "effective_date": days_ago(1), "reason": "晋级理由"}
    assert_problem(await api.post(f"/api/v1/enterprises/{random_uscc()}/tier/promote", json=body,
                                  headers=auth(ADMIN)), 404, slug="not-found")
    assert_problem(await api.post(f"/api/v1/enterprises/{_bad_check_digit()}/tier/promote", json=body,
                                  headers=auth(ADMIN)), 422, "uscc", "uscc.check_digit")


# ============================================================================ one transaction

async def test_state_and_outbox_commit_together(api, app, runtime, monkeypatch):
    """If writing the outbox row fails, the state change and its audit row are rolled back too."""
    async def broken_flush(session, topic):
        raise RuntimeError("outbox insert failed")

    monkeypatch.setattr(outbox_module, "flush_events", broken_flush)
    before = await table_counts(runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.post("/api/v1/enterprises", json=enterprise_body(), headers=auth(ADMIN))
    assert_problem(r, 500, slug="internal-error")
    assert await table_counts(runtime) == before


async def test_each_state_change_writes_exactly_one_outbox_row(api, runtime):
    uscc = (await create(api))["uscc"]
    year = china_today().year - 1
    steps = [
        ("patch", f"/api/v1/enterprises/{uscc}", {"size_class": "medium"}, "enterprise.updated"),
        ("put", f"/api/v1/enterprises/{uscc}/figures/{year}", {"revenue": "1.00"}, "figures.reported"),
        ("post", f"/api/v1/enterprises/{uscc}/tier-recommendations", {"tier": "growth", "reason": "推荐理由"},
         "tier.recommended"),
    ]
    for method, url, body, event in steps:
        since = await mark(runtime)
        r = await api.request(method.upper(), url, json=body, headers=auth(ADMIN))
        assert r.status_code in (200, 201), r.text
        await single_event(runtime, since, f"ipp.enterprise.{event}.v1", uscc)
    rows = await outbox_rows(runtime)
    assert len(rows) == 4 and {r["key"] for r in rows} == {uscc}
    assert len({r["event_id"] for r in rows}) == 4


# ============================================================================ operations

@SQLITE_ONLY
async def test_health_ready_metrics_openapi(api):
    r = await api.get("/healthz")
    assert (r.status_code, r.json()) == (200, {"status": "ok", "service": "enterprise"})
    r = await api.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "service": "enterprise",
                        "checks": {"database": "ok", "broker": "disabled"}}
    await api.get("/api/v1/enterprises", headers=auth(ADMIN))
    r = await api.get("/metrics")
    assert r.status_code == 200
    assert 'ipp_http_requests_total{method="GET",route="/api/v1/enterprises",service="enterprise",status="200"}' \
        in r.text
    r = await api.get("/openapi.json")
    paths = r.json()["paths"]
    for path in ("/api/v1/enterprises", "/api/v1/enterprises/{uscc}", "/api/v1/enterprises/{uscc}/figures/{year}",
                 "/api/v1/enterprises/{uscc}/tier-recommendations", "/api/v1/tier-recommendations/{rec_id}/approve",
                 "/api/v1/tier-recommendations/{rec_id}/reject", "/api/v1/enterprises/{uscc}/tier/promote",
                 "/api/v1/enterprises/{uscc}/tier/demote", "/api/v1/enterprises/{uscc}/tier/revoke",
                 "/api/v1/enterprises/{uscc}/tier-history"):
        assert path in paths, path
    assert set(paths["/api/v1/enterprises/{uscc}"]) == {"get", "patch"}


@SQLITE_ONLY
async def test_reference_tables(api):
    r = await api.get("/api/v1/reference", headers=auth("viewer"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["cities"]) == 17 and body["cities"]["420500"] == "宜昌市"
    assert body["tiers"] == {"growth": "成长型企业", "seed": "种子企业", "advantage": "优势企业"}
    assert body["industries"]["A08"] == "研发设计和科技服务"
    assert_problem(await api.get("/api/v1/reference"), 401)


@SQLITE_ONLY
async def test_unknown_route_is_a_problem(api):
    assert_problem(await api.get("/api/v1/nothing-here", headers=auth(ADMIN)), 404, slug="http-404")
