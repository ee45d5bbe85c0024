"""The reporting API in-process (no broker): indicators with targets, targets as data, auth, errors."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from libs.common.audit import audit_table
from libs.common.divisions import CITIES
from libs.common.testing import auth
from services.reporting.indicators import INDICATORS
from services.reporting.models import IndicatorDelta

TIERS = ("tier_advantage", "tier_seed", "tier_growth")

SERVICE_DIR = Path(__file__).resolve().parents[1]
MIGRATIONS = SERVICE_DIR / "migrations"
PROVINCE, WUHAN, YICHANG, ENSHI = "420000", "420100", "420500", "422800"
PROBLEM = "application/problem+json"
VIEWER = auth("viewer")
ADMIN = auth("province-admin")


async def insert_deltas(api, rows: list[tuple[str, str, int, str]]) -> None:
    async with api.app.state.runtime.sessions() as session, session.begin():
        session.add_all([IndicatorDelta(indicator=i, city=c, year=y, month=6, amount=Decimal(a))
                         for i, c, y, a in rows])


def by_key(body: dict) -> dict[tuple[str, str], dict]:
    return {(item["indicator"], item["city"]): item for item in body["items"]}


def assert_problem(resp, status: int, field: str | None = None) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith(PROBLEM)
    body = resp.json()
    assert body["status"] == status and body["type"].startswith("urn:ipp:problem:")
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


# --- targets seeded from data files ----------------------------------------------------------------

def test_bundled_target_files_are_data_for_2025_and_2026():
    from services.reporting.indicators import INDICATORS

    paths = sorted((SERVICE_DIR / "targets").glob("*/*.json"))
    assert {p.parent.name for p in paths} == {"2025", "2026"}
    seen = set()
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["year"] == int(path.parent.name) and doc["source"]
        for t in doc["targets"]:
            assert t["indicator"] in INDICATORS, (path, t)
            seen.add((doc["year"], t["indicator"], t["city"], t["value"]))
    for year in (2025, 2026):
        assert {(year, "tier_advantage", PROVINCE, "100"), (year, "tier_seed", PROVINCE, "1000"),
                (year, "tier_growth", PROVINCE, "10000")} <= seen


@pytest.mark.parametrize("year", [2025, 2026])
async def test_targets_are_seeded_at_start(api, year):
    resp = await api.get("/api/v1/targets", params={"year": year}, headers=VIEWER)
    assert resp.status_code == 200, resp.text
    tiers = [t for t in resp.json() if t["indicator"] in TIERS]
    assert [(t["indicator"], t["city"], t["value"], t["year"]) for t in tiers] == [
        ("tier_advantage", PROVINCE, "100", year), ("tier_growth", PROVINCE, "10000", year),
        ("tier_seed", PROVINCE, "1000", year)]
    assert all("百千万" in t["source"] for t in tiers)


async def test_year_without_targets_lists_none(api):
    resp = await api.get("/api/v1/targets", params={"year": 2024}, headers=VIEWER)
    assert resp.status_code == 200 and resp.json() == []


# --- GET /indicators -----------------------------------------------------------------------------

async def test_province_is_the_default_and_sums_every_city(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2024, "300"), ("tier_seed", WUHAN, 2025, "120"),
                              ("tier_seed", YICHANG, 2025, "80"), ("tier_seed", ENSHI, 2026, "7"),
                              ("tier_advantage", WUHAN, 2025, "25"), ("tier_advantage", YICHANG, 2025, "-5")])
    resp = await api.get("/api/v1/indicators", params={"year": 2025}, headers=VIEWER)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["year"] == 2025 and body["city"] == PROVINCE
    assert [(i["indicator"], i["city"]) for i in body["items"]] == [(code, PROVINCE) for code in INDICATORS]
    assert [i["indicator"] for i in body["items"]][:3] == ["tier_advantage", "tier_seed", "tier_growth"]
    items = by_key(body)
    seed = items[("tier_seed", PROVINCE)]
    source = seed.pop("source")
    assert seed == {"indicator": "tier_seed", "name": "知识产权种子企业", "unit": "家", "city": PROVINCE,
                    "city_name": "湖北省", "year": 2025, "period": "2025", "value": "500", "ytd": None,
                    "target": "1000", "progress": "50", "met": False, "comparator": ">=",
                    # 2025 is over: the whole target was due, and 300 held at the end of 2024 was the base
                    "expected": "1000", "status": "off_track", "forecast": "500"}
    assert "鄂知发〔2022〕9号" in source
    adv = items[("tier_advantage", PROVINCE)]
    assert (adv["value"], adv["target"], adv["progress"], adv["met"]) == ("20", "100", "20", False)
    growth = items[("tier_growth", PROVINCE)]
    assert (growth["value"], growth["target"], growth["progress"], growth["met"]) == ("0", "10000", "0", False)


async def test_explicit_province_code_is_the_same_as_default(api):
    await insert_deltas(api, [("tier_growth", YICHANG, 2026, "3")])
    a = await api.get("/api/v1/indicators", params={"year": 2026}, headers=VIEWER)
    b = await api.get("/api/v1/indicators", params={"year": 2026, "city": PROVINCE}, headers=VIEWER)
    assert a.json() == b.json()
    assert by_key(b.json())[("tier_growth", PROVINCE)]["value"] == "3"


async def test_stock_values_carry_into_later_years_only(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2024, "300"), ("tier_seed", WUHAN, 2025, "200"),
                              ("tier_seed", WUHAN, 2026, "-100")])
    got = {}
    for year in (2023, 2024, 2025, 2026, 2027):
        resp = await api.get("/api/v1/indicators", params={"year": year, "city": WUHAN}, headers=VIEWER)
        got[year] = by_key(resp.json())[("tier_seed", WUHAN)]["value"]
    assert got == {2023: "0", 2024: "300", 2025: "500", 2026: "400", 2027: "400"}


async def test_one_city(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2025, "42"), ("tier_seed", YICHANG, 2025, "9"),
                              ("tier_advantage", WUHAN, 2025, "3")])
    resp = await api.get("/api/v1/indicators", params={"year": 2025, "city": WUHAN}, headers=VIEWER)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["city"] == WUHAN and {i["city"] for i in body["items"]} == {WUHAN}
    items = by_key(body)
    # targets in the bundled files are provincial: a city has none unless one is set for it
    assert {k: (v["value"], v["target"], v["progress"], v["met"], v["city_name"]) for k, v in items.items()
            if k[0] in TIERS} == {
        ("tier_advantage", WUHAN): ("3", None, None, None, "武汉市"),
        ("tier_seed", WUHAN): ("42", None, None, None, "武汉市"),
        ("tier_growth", WUHAN): ("0", None, None, None, "武汉市")}


async def test_all_gives_province_and_17_cities_per_indicator(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2025, "4"), ("tier_seed", ENSHI, 2025, "6"),
                              ("tier_growth", "429021", 2025, "1")])
    resp = await api.get("/api/v1/indicators", params={"year": 2025, "city": "all"}, headers=VIEWER)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["city"] == "all" and len(body["items"]) == len(INDICATORS) * 18
    for code in ("tier_advantage", "tier_seed", "tier_growth"):
        assert [i["city"] for i in body["items"] if i["indicator"] == code] == [PROVINCE, *CITIES]
    items = by_key(body)
    assert items[("tier_seed", PROVINCE)]["value"] == "10"
    assert items[("tier_seed", WUHAN)]["value"] == "4" and items[("tier_seed", ENSHI)]["value"] == "6"
    assert items[("tier_seed", YICHANG)]["value"] == "0"
    assert items[("tier_growth", "429021")]["value"] == "1"
    assert items[("tier_growth", "429021")]["city_name"] == "神农架林区"
    assert items[("tier_growth", PROVINCE)]["value"] == "1"


async def test_target_met_and_over_100_percent(api):
    await insert_deltas(api, [("tier_advantage", WUHAN, 2025, "100"), ("tier_advantage", YICHANG, 2026, "51")])
    resp = await api.get("/api/v1/indicators", params={"year": 2026}, headers=VIEWER)
    adv = by_key(resp.json())[("tier_advantage", PROVINCE)]
    assert (adv["value"], adv["target"], adv["progress"], adv["met"]) == ("151", "100", "151", True)


async def test_year_without_targets_has_no_progress(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2027, "10")])
    resp = await api.get("/api/v1/indicators", params={"year": 2027}, headers=VIEWER)
    seed = by_key(resp.json())[("tier_seed", PROVINCE)]
    assert (seed["value"], seed["target"], seed["progress"], seed["met"]) == ("10", None, None, None)


@pytest.mark.parametrize("role, city", [("viewer", None), ("city-officer", ENSHI), ("integration", None)])
async def test_every_authenticated_role_reads_indicators(api, role, city):
    resp = await api.get("/api/v1/indicators", params={"year": 2025}, headers=auth(role, city=city))
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("city", ["110000", "abc", "420102", "42010", "ALL"])
async def test_unknown_city_is_a_422_naming_city(api, city):
    resp = await api.get("/api/v1/indicators", params={"year": 2025, "city": city}, headers=VIEWER)
    body = assert_problem(resp, 422, "city")
    assert body["errors"][0]["rule"] == "city.unknown" and city in body["errors"][0]["message"]


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "20.5"])
async def test_bad_year_is_a_422_naming_year(api, year):
    resp = await api.get("/api/v1/indicators", params={"year": year}, headers=VIEWER)
    assert_problem(resp, 422, "year")


async def test_indicators_need_a_token(api):
    assert_problem(await api.get("/api/v1/indicators", params={"year": 2025}), 401)
    resp = await api.get("/api/v1/indicators", headers={"Authorization": "Bearer not-a-jwt"})
    assert_problem(resp, 401)
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_catalogue(api):
    resp = await api.get("/api/v1/indicators/catalogue", headers=VIEWER)
    assert resp.status_code == 200
    assert [(i["code"], i["kind"], i["comparator"], i["unit"]) for i in resp.json()][:3] == [
        ("tier_advantage", "stock", ">=", "家"), ("tier_seed", "stock", ">=", "家"),
        ("tier_growth", "stock", ">=", "家")]
    assert [i["code"] for i in resp.json()] == list(INDICATORS)
    assert_problem(await api.get("/api/v1/indicators/catalogue"), 401)


async def test_health_needs_no_token(api):
    assert (await api.get("/healthz")).json() == {"status": "ok", "service": "reporting"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "broker": "disabled"}


# --- PUT/GET /targets ----------------------------------------------------------------------------

async def test_province_admin_sets_targets_and_indicators_use_them(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2025, "30"), ("tier_seed", YICHANG, 2025, "10")])
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"source": "鄂知发〔2025〕1号", "targets": [
        {"indicator": "tier_seed", "city": PROVINCE, "value": "80"},
        {"indicator": "tier_seed", "city": WUHAN, "value": "40"},
        {"indicator": "tier_growth", "city": WUHAN, "value": "12.5"}]})
    assert resp.status_code == 200, resp.text
    listed = {(t["indicator"], t["city"]): (t["value"], t["source"]) for t in resp.json()}
    assert listed[("tier_seed", PROVINCE)] == ("80", "鄂知发〔2025〕1号")
    assert listed[("tier_seed", WUHAN)] == ("40", "鄂知发〔2025〕1号")
    assert listed[("tier_growth", WUHAN)] == ("12.5", "鄂知发〔2025〕1号")
    assert listed[("tier_advantage", PROVINCE)][0] == "100"  # untouched seeded target
    assert len([k for k in listed if k[0] in TIERS]) == 5

    get = await api.get("/api/v1/targets", params={"year": 2025}, headers=VIEWER)
    assert get.json() == resp.json()

    prov = by_key((await api.get("/api/v1/indicators", params={"year": 2025}, headers=VIEWER)).json())
    assert (prov[("tier_seed", PROVINCE)]["target"], prov[("tier_seed", PROVINCE)]["progress"]) == ("80", "50")
    city = by_key((await api.get("/api/v1/indicators", params={"year": 2025, "city": WUHAN}, headers=VIEWER)).json())
    seed, growth = city[("tier_seed", WUHAN)], city[("tier_growth", WUHAN)]
    assert (seed["value"], seed["target"], seed["progress"], seed["met"]) == ("30", "40", "75", False)
    assert (growth["value"], growth["target"], growth["progress"], growth["met"]) == ("0", "12.5", "0", False)


async def test_setting_targets_is_audited(api):
    resp = await api.put("/api/v1/targets/2026", headers=ADMIN, json={"source": "调整", "targets": [
        {"indicator": "tier_seed", "value": "1200"}, {"indicator": "tier_growth", "city": ENSHI, "value": "30"}]})
    assert resp.status_code == 200, resp.text
    async with api.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(audit_table).order_by(audit_table.c.id))).mappings().all()
    assert [(r["action"], r["entity_type"], r["entity_id"], r["actor_role"], r["before"], r["after"])
            for r in rows] == [
        ("target.set", "target", f"tier_seed:{PROVINCE}:2026", "province-admin",
         {"value": "1000", "source": rows[0]["before"]["source"], "profile": None},
         {"value": "1200", "source": "调整", "profile": None}),
        ("target.set", "target", f"tier_growth:{ENSHI}:2026", "province-admin", None,
         {"value": "30", "source": "调整", "profile": None})]
    assert rows[0]["before"]["source"].startswith("鄂知发〔2022〕9号")


async def test_integration_client_may_set_targets(api):
    resp = await api.put("/api/v1/targets/2030", headers=auth("integration"),
                         json={"targets": [{"indicator": "tier_advantage", "value": "300"}]})
    assert resp.status_code == 200, resp.text
    assert [(t["indicator"], t["city"], t["value"], t["source"]) for t in resp.json()] == [
        ("tier_advantage", PROVINCE, "300", None)]


async def test_putting_again_replaces_the_value(api):
    for value in ("5", "7"):
        resp = await api.put("/api/v1/targets/2031", headers=ADMIN,
                             json={"targets": [{"indicator": "tier_seed", "city": YICHANG, "value": value}]})
        assert resp.status_code == 200, resp.text
    assert [t["value"] for t in resp.json()] == ["7"]


async def test_same_target_twice_in_one_body_keeps_the_last(api):
    resp = await api.put("/api/v1/targets/2032", headers=ADMIN, json={"targets": [
        {"indicator": "tier_seed", "value": "5"}, {"indicator": "tier_seed", "city": PROVINCE, "value": "6"}]})
    assert resp.status_code == 200, resp.text
    assert [(t["city"], t["value"]) for t in resp.json()] == [(PROVINCE, "6")]


async def test_unknown_indicator_is_a_422_and_nothing_is_written(api):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"targets": [
        {"indicator": "tier_seed", "value": "1"}, {"indicator": "tier_platinum", "value": "5"}]})
    body = assert_problem(resp, 422, "targets.1.indicator")
    assert [e["field"] for e in body["errors"]] == ["targets.1.indicator"]
    listed = (await api.get("/api/v1/targets", params={"year": 2025}, headers=VIEWER)).json()
    assert {t["indicator"]: t["value"] for t in listed}["tier_seed"] == "1000"


async def test_unknown_indicator_in_first_place_names_targets_0_indicator(api):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"targets": [{"indicator": "nope", "value": "5"}]})
    assert_problem(resp, 422, "targets.0.indicator")


@pytest.mark.parametrize("value", ["-1", "-0.01"])
async def test_negative_target_is_a_422(api, value):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN,
                         json={"targets": [{"indicator": "tier_seed", "value": value}]})
    assert_problem(resp, 422, "targets.0.value")


@pytest.mark.parametrize("city, field", [("110000", "targets.0.city"), ("420102", "targets.0.city"),
                                         ("abc", "targets.0.city"), ("4201000", "targets.0.city")])
async def test_target_city_must_be_province_or_a_city(api, city, field):
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN,
                         json={"targets": [{"indicator": "tier_seed", "city": city, "value": "1"}]})
    assert_problem(resp, 422, field)


@pytest.mark.parametrize("body, field", [
    ({"targets": []}, "targets"), ({}, "targets"),
    ({"targets": [{"indicator": "tier_seed", "value": "1", "colour": "red"}]}, "targets.0.colour"),
    ({"targets": [{"indicator": "tier_seed", "value": "1.005"}]}, "targets.0.value")])
async def test_malformed_target_bodies_are_422(api, body, field):
    assert_problem(await api.put("/api/v1/targets/2025", headers=ADMIN, json=body), 422, field)


@pytest.mark.parametrize("year", ["abc", "1999", "2101"])
async def test_bad_target_year_is_a_422_naming_year(api, year):
    resp = await api.put(f"/api/v1/targets/{year}", headers=ADMIN,
                         json={"targets": [{"indicator": "tier_seed", "value": "1"}]})
    body = assert_problem(resp, 422, "year")
    assert [e["field"] for e in body["errors"]] == ["year"]


@pytest.mark.parametrize("role, city", [("city-officer", WUHAN), ("viewer", None), ("agency", None)])
async def test_only_province_admin_or_integration_sets_targets(api, role, city):
    resp = await api.put("/api/v1/targets/2025", headers=auth(role, city=city),
                         json={"targets": [{"indicator": "tier_seed", "value": "1"}]})
    assert_problem(resp, 403)
    listed = (await api.get("/api/v1/targets", params={"year": 2025}, headers=VIEWER)).json()
    assert {t["indicator"]: t["value"] for t in listed}["tier_seed"] == "1000"


async def test_targets_need_a_token(api):
    assert_problem(await api.get("/api/v1/targets"), 401)
    assert_problem(await api.put("/api/v1/targets/2025", json={"targets": [{"indicator": "tier_seed", "value": "1"}]}),
                   401)


# --- live stream: authentication only (delivery is covered by the e2e tests) ---------------------

async def test_stream_without_token_is_401(api):
    body = assert_problem(await api.get("/api/v1/indicators/stream"), 401)
    assert body["type"] == "urn:ipp:problem:unauthorized"


async def test_stream_with_a_bad_token_is_401(api):
    assert_problem(await api.get("/api/v1/indicators/stream", params={"access_token": "forged"}), 401)
    assert_problem(await api.get("/api/v1/indicators/stream", headers={"Authorization": "Bearer forged"}), 401)


# --- months, series, ranking, city targets -------------------------------------------------------------

async def insert_monthly(api, rows: list[tuple[str, str, int, int, str]]) -> None:
    async with api.app.state.runtime.sessions() as session, session.begin():
        session.add_all([IndicatorDelta(indicator=i, city=c, year=y, month=m, amount=Decimal(a))
                         for i, c, y, m, a in rows])


async def test_quarter_and_month_reads_give_period_values_and_year_to_date(api):
    await insert_monthly(api, [("pledge_amount", WUHAN, 2025, 1, "100"), ("pledge_amount", WUHAN, 2025, 2, "50"),
                               ("pledge_amount", WUHAN, 2025, 5, "20"), ("tier_seed", WUHAN, 2024, 12, "10"),
                               ("tier_seed", WUHAN, 2025, 2, "3"), ("tier_seed", WUHAN, 2025, 6, "-1")])
    q2 = by_key((await api.get("/api/v1/indicators", params={"period": "2025Q2", "city": WUHAN},
                               headers=VIEWER)).json())
    assert (q2[("pledge_amount", WUHAN)]["value"], q2[("pledge_amount", WUHAN)]["ytd"]) == ("20", "170")
    assert q2[("pledge_amount", WUHAN)]["period"] == "2025Q2"
    assert (q2[("tier_seed", WUHAN)]["value"], q2[("tier_seed", WUHAN)]["ytd"]) == ("12", None)  # level at June's end
    feb = by_key((await api.get("/api/v1/indicators", params={"period": "202502", "city": WUHAN},
                                headers=VIEWER)).json())
    assert (feb[("pledge_amount", WUHAN)]["value"], feb[("tier_seed", WUHAN)]["value"]) == ("50", "13")
    year = by_key((await api.get("/api/v1/indicators", params={"year": 2025, "city": WUHAN}, headers=VIEWER)).json())
    assert year[("pledge_amount", WUHAN)]["value"] == "170"  # the ?year= read keeps working


@pytest.mark.parametrize("period, rule", [("2025Q5", "period.quarter"), ("202513", "period.month"),
                                          ("2025-01", "period.format")])
async def test_bad_period_is_a_422_naming_it(api, period, rule):
    resp = await api.get("/api/v1/indicators", params={"period": period}, headers=VIEWER)
    body = assert_problem(resp, 422, "period")
    assert body["errors"][0]["rule"] == rule


async def test_series_gives_12_months_or_4_quarters(api):
    await insert_monthly(api, [("transfers_licences", YICHANG, 2025, 1, "3"),
                               ("transfers_licences", YICHANG, 2025, 3, "4"),
                               ("transfers_licences", YICHANG, 2025, 11, "5"),
                               ("transfers_licences", WUHAN, 2025, 3, "9")])
    resp = await api.get("/api/v1/indicators/series", headers=VIEWER,
                         params={"indicator": "transfers_licences", "city": YICHANG, "year": 2025})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [p["period"] for p in body["points"]] == [f"2025{m:02d}" for m in range(1, 13)]
    assert [p["value"] for p in body["points"]] == ["3", "0", "4", "0", "0", "0", "0", "0", "0", "0", "5", "0"]
    assert body["points"][2]["ytd"] == "7" and body["points"][2]["label"] == "2025年3月"
    quarters = (await api.get("/api/v1/indicators/series", headers=VIEWER, params={
        "indicator": "transfers_licences", "year": 2025, "period": "quarter"})).json()  # the province
    assert [p["value"] for p in quarters["points"]] == ["16", "0", "0", "5"]
    bad = await api.get("/api/v1/indicators/series", params={"indicator": "nope"}, headers=VIEWER)
    assert_problem(bad, 422, "indicator")


async def test_ranking_orders_the_17_cities_by_progress_on_their_own_targets(api):
    await insert_monthly(api, [("transfers_licences", WUHAN, 2025, 3, "50"),
                               ("transfers_licences", YICHANG, 2025, 3, "30"),
                               ("transfers_licences", ENSHI, 2025, 3, "2")])
    split = await api.post("/api/v1/targets/2025/split", headers=ADMIN, json={
        "indicator": "transfers_licences", "values": {WUHAN: "100", YICHANG: "40", ENSHI: "2"}})
    assert split.status_code == 200, split.text
    assert split.json()["consistent"] is False and "不一致" in split.json()["message"]
    resp = await api.get("/api/v1/indicators/ranking", params={"indicator": "transfers_licences", "year": 2025},
                         headers=VIEWER)
    items = resp.json()["items"]
    assert len(items) == 17 and [i["rank"] for i in items] == list(range(1, 18))
    assert [(i["city"], i["progress"]) for i in items[:3]] == [(ENSHI, "100"), (YICHANG, "75"), (WUHAN, "50")]
    assert items[0]["status"] == "off_track"  # "> target": exactly the target is not met, and 2025 is over


async def test_split_by_shares_adds_up_exactly_and_reports_missing_cities(api):
    resp = await api.post("/api/v1/targets/2025/split", headers=ADMIN, json={
        "indicator": "transfers_licences", "shares": {WUHAN: "1", YICHANG: "1", ENSHI: "1"}, "source": "分解"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["province_target"] == "45000" and body["city_sum"] == "45000" and body["difference"] == "0"
    assert [c["value"] for c in body["cities"]] == ["15000", "15000", "15000"]
    assert body["consistent"] is False and "未分解到" in body["message"]
    targets = {(t["indicator"], t["city"]): t["value"] for t in
               (await api.get("/api/v1/targets", params={"year": 2025}, headers=VIEWER)).json()}
    assert targets[("transfers_licences", YICHANG)] == "15000"
    uneven = await api.post("/api/v1/targets/2025/split", headers=ADMIN, json={
        "indicator": "pledge_amount", "total": "100", "shares": {WUHAN: "1", YICHANG: "2"}})
    assert [c["value"] for c in uneven.json()["cities"]] == ["33.33", "66.67"]
    for bad, field in (({"indicator": "x", "shares": {WUHAN: 1}}, "indicator"),
                       ({"indicator": "pledge_amount", "shares": {"110000": 1}}, "shares.110000"),
                       ({"indicator": "pledge_amount"}, "shares")):
        assert_problem(await api.post("/api/v1/targets/2025/split", headers=ADMIN, json=bad), 422, field)
    assert (await api.post("/api/v1/targets/2025/split", headers=VIEWER,
                           json={"indicator": "pledge_amount", "shares": {WUHAN: 1}})).status_code == 403


async def test_a_target_change_writes_kpi_updates_in_the_same_transaction(api):
    from libs.common.outbox import outbox_table
    from services.reporting.events import TOPIC as KPI_TOPIC

    async with api.app.state.runtime.sessions() as session:
        before = len((await session.execute(select(outbox_table))).all())
    resp = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"targets": [
        {"indicator": "tier_seed", "city": WUHAN, "value": "80", "profile": [1] * 12}]})
    assert resp.status_code == 200, resp.text
    assert {(t["indicator"], t["city"]): t["profile"] for t in resp.json()}[("tier_seed", WUHAN)] == ["1"] * 12
    async with api.app.state.runtime.sessions() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).mappings().all()
    new = [r for r in rows[before:] if r["topic"] == KPI_TOPIC]
    assert [r["key"] for r in new] == [f"tier_seed:{WUHAN}:2025"]
    assert new[0]["payload"]["target"] == "80" and new[0]["payload"]["status"] == "off_track"
    bad = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"targets": [
        {"indicator": "tier_seed", "value": "1", "profile": [1, 2]}]})
    assert_problem(bad, 422)
