"""Enterprises, tier recommendations and pool memberships as workbooks: the same rows, filters and scoping
as the JSON lists, and a large list streamed whole."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from libs.common.export_testing import assert_export_matches, bodies_from_export, list_and_export, read_sheet
from libs.common.testing import auth, random_uscc
from services.enterprise.exports import ENTERPRISES, MEMBERSHIPS, RECOMMENDATIONS
from services.enterprise.models import Enterprise
from services.enterprise.schemas import EnterpriseCreate
from services.enterprise.tests.helpers import create
from services.enterprise.tests.pool_helpers import apply, member, pool_enterprise

ADMIN, OFFICER = "province-admin", "city-officer"
WUHAN, YICHANG = "420100", "420500"


async def _registry(api) -> None:
    for _ in range(3):
        await create(api, random_uscc(WUHAN), qualifications=["high_tech", "srdi_provincial"])
    for _ in range(2):
        await create(api, random_uscc(YICHANG), city=YICHANG, county="420502", ownership="state", industry="A01")


async def test_an_enterprise_export_equals_the_json_list(api):
    await _registry(api)
    for params, who in (({}, auth(ADMIN)), ({"city": YICHANG}, auth(ADMIN)), ({"ownership": "private"}, auth(ADMIN)),
                        ({}, auth(OFFICER, city=WUHAN))):
        items, exported = await list_and_export(api, "/api/v1/enterprises", params, who)
        assert items
        assert_export_matches(exported, ENTERPRISES, items)


async def test_a_city_officers_export_holds_only_their_city(api):
    await _registry(api)
    items, exported = await list_and_export(api, "/api/v1/enterprises", {}, auth(OFFICER, city=YICHANG))
    _, codes, data = read_sheet(exported.content)
    assert len(data) == len(items) == 2
    assert {row[codes.index("city")] for row in data} == {YICHANG}
    assert {row[codes.index("city_name")] for row in data} == {"宜昌市"}


async def test_recommendations_and_memberships_export(api):
    await _registry(api)
    for city in (WUHAN, YICHANG):
        r = await api.get("/api/v1/enterprises", params={"city": city}, headers=auth(ADMIN))
        uscc = r.json()["items"][0]["uscc"]
        rec = await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                             json={"tier": "seed", "reason": "研发投入高"}, headers=auth(OFFICER, city=city))
        assert rec.status_code == 201, rec.text
    for params, who in (({}, auth(ADMIN)), ({}, auth(OFFICER, city=WUHAN)), ({"status": "pending"}, auth(ADMIN))):
        items, exported = await list_and_export(api, "/api/v1/tier-recommendations", params, who)
        assert items
        assert_export_matches(exported, RECOMMENDATIONS, items)
    await member(api, WUHAN)
    await apply(api, await pool_enterprise(api, YICHANG), YICHANG)
    for params, who in (({}, auth(ADMIN)), ({"status": "applied"}, auth(ADMIN)), ({}, auth(OFFICER, city=YICHANG))):
        items, exported = await list_and_export(api, "/api/v1/pool/memberships", params, who)
        assert items and all(i["enterprise_name"] for i in items)
        assert_export_matches(exported, MEMBERSHIPS, items)


async def test_a_large_export_holds_every_row_in_list_order(api, runtime):
    per_city = 10_000
    rows: list[dict[str, Any]] = [
            {"uscc": random_uscc(city), "name": f"测试企业{city}-{n:05d}有限公司", "city": city, "county": None,
             "registered_division": city, "industry": "P1", "size_class": "small", "ownership": "private",
             "qualifications": [], "ip_management_certified": False, "own_brand": False,
             "patent_product_filed": False, "version": 1}
            for city in (WUHAN, YICHANG) for n in range(per_city)]
    async with runtime.sessions() as session:
        await session.execute(insert(Enterprise), rows)
        await session.commit()
    r = await api.get("/api/v1/enterprises", params={"format": "xlsx"}, headers=auth(ADMIN))
    _, codes, data = read_sheet(r.content)
    usccs = [row[codes.index("uscc")] for row in data]
    assert len(usccs) == len(set(usccs)) == 2 * per_city
    keys = [(row[codes.index("city")], row[codes.index("uscc")]) for row in data]
    assert keys == sorted(keys)  # the list's order: city, then USCC
    for offset in (0, 2 * per_city - 500):
        page = await api.get("/api/v1/enterprises", params={"limit": 500, "offset": offset}, headers=auth(ADMIN))
        assert [i["uscc"] for i in page.json()["items"]] == usccs[offset:offset + 500]


async def test_an_enterprise_export_has_the_registration_fields_as_codes(api):
    await _registry(api)
    exported = await api.get("/api/v1/enterprises", params={"format": "xlsx"}, headers=auth(ADMIN))
    bodies = bodies_from_export(exported.content, EnterpriseCreate)
    assert {f.alias or n for n, f in EnterpriseCreate.model_fields.items()} <= {h[1] for h in ENTERPRISES.headings()}
    listed = (await api.get("/api/v1/enterprises", headers=auth(ADMIN))).json()["items"]
    for body, item in zip(bodies, listed, strict=True):  # each row is a valid registration of the same profile
        again = EnterpriseCreate.model_validate(body)
        assert again.model_dump(mode="json") == {k: item[k] for k in EnterpriseCreate.model_fields}
