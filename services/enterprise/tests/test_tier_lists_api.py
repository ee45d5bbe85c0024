"""Tier selection and the published tier lists through HTTP (鄂知发〔2022〕9号 § 三(二)):
criteria evaluated on recommendations, the dry evaluation, and the numbered, dated, immutable lists
“定期向社会发布” with their diff."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from libs.common.export_testing import assert_export_matches
from libs.common.testing import assert_problem, auth, random_uscc
from services.enterprise.exports import TIER_LIST, TIER_LIST_DIFF, TIER_LIST_VERSIONS
from services.enterprise.models import Enterprise, TierRecommendation
from services.enterprise.tests.helpers import audit_rows, china_today, create, headers, mark, nothing_written
from services.enterprise.tests.helpers import written_since as written

ADMIN, OFFICER = "province-admin", "city-officer"
WUHAN, YICHANG = "420100", "420500"
PUBLISHED = "ipp.enterprise.tier-list.published.v1"
LAST_YEAR = china_today().year - 1


def days_ago(n: int) -> str:
    return (china_today() - timedelta(days=n)).isoformat()


async def enterprise(api, city: str = WUHAN, **profile) -> str:
    county = {WUHAN: "420106", YICHANG: "420502"}[city]
    return (await create(api, random_uscc(city), city=city, county=county, **profile))["uscc"]


async def figures(api, uscc: str, **values) -> None:
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{LAST_YEAR}", json=values, headers=auth(ADMIN))
    assert r.status_code == 200, r.text


async def recommend(api, uscc: str, tier: str, city: str = WUHAN) -> dict:
    r = await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations", json={"tier": tier, "reason": "推荐理由"},
                       headers=auth(OFFICER, city=city))
    assert r.status_code == 201, r.text
    return r.json()


async def designate(api, tier: str, city: str = WUHAN, on: int = 30) -> str:
    uscc = await enterprise(api, city)
    rec = await recommend(api, uscc, tier, city)
    r = await api.post(f"/api/v1/tier-recommendations/{rec['id']}/approve",
                       json={"effective_date": days_ago(on), "reason": "经评审同意认定"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    return uscc


# ================================================================================ evaluations

async def test_a_recommendation_carries_its_tiers_criteria_evaluated(api, runtime):
    uscc = await enterprise(api, own_brand=False, ip_management_certified=False)
    await figures(api, uscc, invention_patents=25, industrialisation_rate="40", revenue="100000000",
                  rd_spend="6000000")
    rec = await recommend(api, uscc, "advantage")

    r = await api.get(f"/api/v1/tier-recommendations/{rec['id']}", headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    e = r.json()["evaluation"]
    assert (e["tier"], e["year"], e["no_fail"]) == ("advantage", LAST_YEAR, False)
    assert e["failed"] == ["advantage.strategic_management", "advantage.brand"]
    assert e["passed"] == ["advantage.creation", "advantage.utilisation", "advantage.rd_investment",
                           "advantage.patent_intensive"]
    creation = e["criteria"][0]
    assert (creation["clause"], creation["outcome"], creation["figure"]) == (
        "000 § 二.1", "pass", f"{LAST_YEAR}年有效发明专利 25 件")

    page = (await api.get("/api/v1/tier-recommendations", params={"city": WUHAN}, headers=auth(ADMIN))).json()
    listed = next(i for i in page["items"] if i["id"] == rec["id"])
    assert listed["evaluation"] == e
    mine = await api.get(f"/api/v1/tier-recommendations/{rec['id']}", headers=auth(OFFICER, city=WUHAN))
    assert mine.status_code == 200
    assert_problem(await api.get(f"/api/v1/tier-recommendations/{rec['id']}", headers=auth(OFFICER, city=YICHANG)),
                   403)
    assert_problem(await api.get(f"/api/v1/tier-recommendations/{rec['id']}", headers=headers("bank", org="B")), 403)
    assert_problem(await api.get("/api/v1/tier-recommendations/999999", headers=auth(ADMIN)), 404)
    assert_problem(await api.get("/api/v1/tier-recommendations/0", headers=auth(ADMIN)), 422)


async def test_missing_figures_are_unknown_never_a_silent_pass(api, runtime):
    uscc = await enterprise(api)
    rec = await recommend(api, uscc, "seed")
    e = (await api.get(f"/api/v1/tier-recommendations/{rec['id']}", headers=auth(ADMIN))).json()["evaluation"]
    assert e["unknown"] == ["seed.ip_foundation", "seed.rd_investment"] and e["failed"] == []
    assert not e["all_pass"]
    # unknowns are weighed by the province: approving needs no reason
    r = await api.post(f"/api/v1/tier-recommendations/{rec['id']}/approve", json={"effective_date": days_ago(1)},
                       headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["evaluation"]["unknown"] == e["unknown"] and r.json()["to_tier"] == "seed"


async def test_approving_over_a_failed_criterion_needs_a_reason(api, runtime):
    uscc = await enterprise(api, own_brand=False)
    await figures(api, uscc, invention_patents=0)
    rec = await recommend(api, uscc, "growth")
    approve = f"/api/v1/tier-recommendations/{rec['id']}/approve"
    since = await mark(runtime)
    r = await api.post(approve, json={"effective_date": days_ago(1)}, headers=auth(ADMIN))
    body = assert_problem(r, 422, "reason", "tier.criteria_failed")
    assert "growth.patents_or_brand" in body["detail"]
    assert await nothing_written(runtime, since)
    async with runtime.sessions() as session:
        assert (await session.get(TierRecommendation, rec["id"])).status == "pending"
        assert (await session.get(Enterprise, uscc)).tier is None

    r = await api.post(approve, json={"effective_date": days_ago(1), "reason": "品牌注册在审，专家评审同意认定"},
                       headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert r.json()["evaluation"]["failed"] == ["growth.patents_or_brand"]
    audit = [a for a in await audit_rows(runtime, uscc) if a["action"] == "tier.designated"][0]
    assert audit["after"]["evaluation"] == {"year": LAST_YEAR, "failed": ["growth.patents_or_brand"],
                                            "unknown": [], "warned": []}


async def test_dry_evaluation(api, runtime):
    uscc = await enterprise(api, qualifications=[])
    await figures(api, uscc, invention_patents=5)
    since = await mark(runtime)
    r = await api.post("/api/v1/tiers/evaluate", json={"uscc": uscc, "tier": "growth"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert (r.json()["passed"], r.json()["warned"]) == (["growth.patents_or_brand"], ["growth.innovative_enterprise"])
    r = await api.post("/api/v1/tiers/evaluate", json={"uscc": uscc, "tier": "seed", "year": LAST_YEAR - 1},
                       headers=auth(OFFICER, city=WUHAN))
    assert r.json()["year"] == LAST_YEAR - 1 and "seed.ip_foundation" in r.json()["unknown"]
    viewer = await api.post("/api/v1/tiers/evaluate", json={"uscc": uscc, "tier": "seed"}, headers=auth("viewer"))
    assert viewer.status_code == 200
    assert await nothing_written(runtime, since)

    for body, field, rule in (({"uscc": uscc, "tier": "gold"}, "tier", "enum"),
                              ({"uscc": "91420100MA4K0000XA", "tier": "seed"}, "uscc", "uscc.check_digit"),
                              ({"tier": "seed"}, "uscc", "missing"),
                              ({"uscc": uscc, "tier": "seed", "year": 1999}, "year", "greater_than_equal"),
                              ({"uscc": uscc, "tier": "seed", "x": 1}, "x", "extra_forbidden")):
        assert_problem(await api.post("/api/v1/tiers/evaluate", json=body, headers=auth(ADMIN)), 422, field, rule)
    assert_problem(await api.post("/api/v1/tiers/evaluate", json={"uscc": random_uscc(), "tier": "seed"},
                                  headers=auth(ADMIN)), 404)
    assert_problem(await api.post("/api/v1/tiers/evaluate", json={"uscc": uscc, "tier": "seed"},
                                  headers=auth(OFFICER, city=YICHANG)), 403)
    assert_problem(await api.post("/api/v1/tiers/evaluate", json={"uscc": uscc, "tier": "seed"},
                                  headers=auth("agency", org="A")), 403)


async def test_criteria_are_reference_data(api):
    r = await api.get("/api/v1/tier-criteria", headers=auth("viewer"))
    assert r.status_code == 200
    tiers = {t["tier"]: t for t in r.json()}
    assert list(tiers) == ["advantage", "seed", "growth"]
    seed = tiers["seed"]["criteria"][0]
    assert (seed["code"], seed["clause"], seed["threshold"], seed["weighed"]) == (
        "seed.ip_foundation", "000 § 二.3", "5", False)
    assert "知识产权工作基础较好" in seed["quote"]
    reference = (await api.get("/api/v1/reference", headers=auth("viewer"))).json()
    assert [t["tier"] for t in reference["tier_criteria"]] == ["advantage", "seed", "growth"]


# ============================================================================= published lists

def _types(events: list[dict]) -> list[str]:
    return [e["event_type"] for e in events]


async def test_publish_read_and_diff_versions(api, runtime):
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/tier-lists", json={}, headers=auth(ADMIN)), 409, slug=None)
    assert await nothing_written(runtime, since)
    assert_problem(await api.get("/api/v1/tier-lists/current", headers=auth("viewer")), 404, slug="not-found")

    a, b = await designate(api, "growth"), await designate(api, "seed", YICHANG)
    c, d = await designate(api, "advantage"), await designate(api, "growth", YICHANG)
    since = await mark(runtime)
    r = await api.post("/api/v1/tier-lists", json={"note": "首次发布"}, headers=headers(ADMIN, sub="admin-hb"))
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert r.headers["location"] == "/api/v1/tier-lists/1"
    assert (v1["number"], v1["entry_count"], v1["advantage_count"], v1["seed_count"], v1["growth_count"]) == (
        1, 4, 1, 1, 2)
    assert v1["title"].startswith("湖北省企业知识产权“百千万”梯队企业名单（第1版") and v1["published_by"] == "admin-hb"
    assert v1["published_on"] == china_today().isoformat() and v1["note"] == "首次发布"
    # advantage first, then seed, then growth; within a tier by city
    assert [(e["uscc"], e["tier"]) for e in v1["entries"]] == [(c, "advantage"), (b, "seed"), (a, "growth"),
                                                              (d, "growth")]
    assert v1["entries"][0]["since"] == days_ago(30) and v1["entries"][1]["city_name"] == "宜昌市"
    events, audits = await written(runtime, since)
    assert [(e["event_type"], e["key"]) for e in events] == [(PUBLISHED, "1")]
    payload = events[0]["payload"]
    assert payload["counts"] == {"advantage": 1, "seed": 1, "growth": 2}
    assert payload["by_city"] == [{"city": WUHAN, "advantage": 1, "seed": 0, "growth": 1},
                                  {"city": YICHANG, "advantage": 0, "seed": 1, "growth": 1}]
    assert (payload["added"], payload["removed"], payload["tier_changed"]) == (4, 0, 0)
    assert [(x["action"], x["entity_id"]) for x in audits] == [("tier_list.publish", "1")]

    # promote a, revoke d, designate e, then publish version 2
    r = await api.post(f"/api/v1/enterprises/{a}/tier/promote",
                       json={"to_tier": "seed", "effective_date": days_ago(2), "reason": "晋级"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    r = await api.post(f"/api/v1/enterprises/{d}/tier/revoke", json={"effective_date": days_ago(2), "reason": "撤销"},
                       headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    e = await designate(api, "growth", on=1)
    since = await mark(runtime)
    r = await api.post("/api/v1/tier-lists", json={"title": "2026年梯队企业名单"}, headers=auth(ADMIN))
    assert r.status_code == 201 and r.json()["number"] == 2
    events, _ = await written(runtime, since)
    assert (events[0]["payload"]["added"], events[0]["payload"]["removed"],
            events[0]["payload"]["tier_changed"]) == (1, 1, 1)

    current = (await api.get("/api/v1/tier-lists/current", headers=headers("bank", org="ICBC-HB"))).json()
    assert current["number"] == 2 and [x["uscc"] for x in current["entries"]] == [c, a, b, e]
    first = (await api.get("/api/v1/tier-lists/1", headers=headers("agency", org="A"))).json()
    assert first["entry_count"] == 4 and len(first["entries"]) == 4  # version 1 unchanged by later decisions
    only_yichang = (await api.get("/api/v1/tier-lists/1", params={"city": YICHANG}, headers=auth("viewer"))).json()
    assert [x["uscc"] for x in only_yichang["entries"]] == [b, d] and only_yichang["city"] == YICHANG
    other_city = await api.get("/api/v1/tier-lists/current", params={"city": YICHANG},
                               headers=auth(OFFICER, city=WUHAN))
    assert other_city.status_code == 200  # published to society: every city's enterprises are public
    versions = (await api.get("/api/v1/tier-lists", headers=headers("bank", org="B"))).json()
    assert [v["number"] for v in versions] == [2, 1] and versions[0]["title"] == "2026年梯队企业名单"

    diff = (await api.get("/api/v1/tier-lists/diff", params={"from": 1, "to": 2}, headers=auth("viewer"))).json()
    assert [x["uscc"] for x in diff["added"]] == [e]
    assert [x["uscc"] for x in diff["removed"]] == [d]
    assert [(x["uscc"], x["tier_before"], x["tier_after"], x["change_name"]) for x in diff["tier_changed"]] == [
        (a, "growth", "seed", "梯队变化")]
    assert diff["unchanged"] == 2
    reverse = (await api.get("/api/v1/tier-lists/diff", params={"from": 2, "to": 1}, headers=auth("viewer"))).json()
    assert [x["uscc"] for x in reverse["added"]] == [d] and [x["uscc"] for x in reverse["removed"]] == [e]
    assert [(x["tier_before"], x["tier_after"]) for x in reverse["tier_changed"]] == [("seed", "growth")]
    yichang = (await api.get("/api/v1/tier-lists/diff", params={"from": 1, "to": 2, "city": YICHANG},
                             headers=auth("viewer"))).json()
    assert ([x["uscc"] for x in yichang["removed"]], yichang["added"], yichang["tier_changed"],
            yichang["unchanged"]) == ([d], [], [], 1)

    # the same as workbooks
    for path, params in (("/api/v1/tier-lists/current", {}), ("/api/v1/tier-lists/1", {"city": YICHANG})):
        listed = await api.get(path, params=params, headers=auth("viewer"))
        exported = await api.get(path, params={**params, "format": "xlsx"}, headers=auth("viewer"))
        assert_export_matches(exported, TIER_LIST, listed.json()["entries"])
    exported = await api.get("/api/v1/tier-lists", params={"format": "xlsx"}, headers=auth("viewer"))
    assert_export_matches(exported, TIER_LIST_VERSIONS, versions)
    exported = await api.get("/api/v1/tier-lists/diff", params={"from": 1, "to": 2, "format": "xlsx"},
                             headers=auth("viewer"))
    rows = assert_export_matches(exported, TIER_LIST_DIFF, [
        {"change_name": "新增", "uscc": e, "enterprise_name": diff["added"][0]["enterprise_name"], "city": WUHAN,
         "tier_before": None, "tier_after": "growth"},
        {"change_name": "移出", "uscc": d, "enterprise_name": diff["removed"][0]["enterprise_name"], "city": YICHANG,
         "tier_before": "growth", "tier_after": None},
        {"change_name": "梯队变化", "uscc": a, "enterprise_name": diff["tier_changed"][0]["enterprise_name"],
         "city": WUHAN, "tier_before": "growth", "tier_after": "seed"}])
    assert len(rows) == 3


async def test_published_lists_are_immutable_in_the_database(api, runtime):
    await designate(api, "seed")
    assert (await api.post("/api/v1/tier-lists", json={}, headers=auth(ADMIN))).status_code == 201
    for statement in ("UPDATE tier_list_entries SET tier = 'advantage'", "DELETE FROM tier_list_entries",
                      "UPDATE tier_list_versions SET title = 'x'", "DELETE FROM tier_list_versions"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.sessions.write() as session:
                await session.execute(text(statement))
    r = await api.get("/api/v1/tier-lists/1", headers=auth(ADMIN))
    assert r.json()["entries"][0]["tier"] == "seed"
    # and no route changes or deletes one
    for method in ("put", "patch", "delete"):
        r = await getattr(api, method)("/api/v1/tier-lists/1", headers=auth(ADMIN))
        assert r.status_code == 405


async def test_only_the_province_publishes(api, runtime):
    await designate(api, "growth")
    since = await mark(runtime)
    for h in (auth(OFFICER, city=WUHAN), headers("bank", org="B"), auth("viewer"), headers("agency", org="A")):
        assert_problem(await api.post("/api/v1/tier-lists", json={}, headers=h), 403, slug="forbidden")
    assert_problem(await api.post("/api/v1/tier-lists", json={}), 401)
    assert_problem(await api.get("/api/v1/tier-lists"), 401)
    assert await nothing_written(runtime, since)


@pytest.mark.parametrize(("body", "field", "rule"), [
    ({"published_on": "2099-01-01"}, "published_on", "date_range"),
    ({"published_on": "not a date"}, "published_on", "date_from_datetime_parsing"),
    ({"title": "短"}, "title", "string_too_short"),
    ({"note": "x" * 2001}, "note", "string_too_long"),
    ({"number": 7}, "number", "extra_forbidden"),
])
async def test_bad_publication_input_is_a_422_naming_field_and_rule(api, runtime, body, field, rule):
    await designate(api, "growth")
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/tier-lists", json=body, headers=auth(ADMIN)), 422, field, rule)
    assert await nothing_written(runtime, since)


async def test_publication_rules_through_the_api(api, runtime):
    await designate(api, "growth")
    assert (await api.post("/api/v1/tier-lists", json={"title": "第一批名单", "published_on": days_ago(3)},
                           headers=auth(ADMIN))).status_code == 201
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/tier-lists", json={"published_on": days_ago(4)}, headers=auth(ADMIN)),
                   422, "published_on", "tier_list.date_order")
    assert_problem(await api.post("/api/v1/tier-lists", json={"title": "第一批名单"}, headers=auth(ADMIN)),
                   422, "title", "tier_list.duplicate_title")
    tomorrow = (china_today() + timedelta(days=1)).isoformat()
    assert_problem(await api.post("/api/v1/tier-lists", json={"published_on": tomorrow}, headers=auth(ADMIN)),
                   422, "published_on", "date.future")
    assert await nothing_written(runtime, since)


async def test_bad_list_queries(api, runtime):
    await designate(api, "growth")
    await api.post("/api/v1/tier-lists", json={}, headers=auth(ADMIN))
    viewer = auth("viewer")
    assert_problem(await api.get("/api/v1/tier-lists/diff", params={"from": 1, "to": 9}, headers=viewer),
                   422, "to", "tier_list.unknown_version")
    assert_problem(await api.get("/api/v1/tier-lists/diff", params={"to": 1}, headers=viewer), 422, "from", "missing")
    assert_problem(await api.get("/api/v1/tier-lists/diff", params={"from": 0, "to": 1}, headers=viewer), 422)
    assert_problem(await api.get("/api/v1/tier-lists/current", params={"city": "110000"}, headers=viewer), 422,
                   "city", "division.not_hubei")
    assert_problem(await api.get("/api/v1/tier-lists/0", headers=viewer), 422)
    assert_problem(await api.get("/api/v1/tier-lists/99", headers=viewer), 404, slug="not-found")
    assert_problem(await api.get(f"/api/v1/tier-lists/{2**63}", headers=viewer), 422)
