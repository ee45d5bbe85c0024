"""The 500 cap under concurrency: with 499 members, many admissions at once let exactly one in and
refuse the others with a 409 stating the numbers — on SQLite and on PostgreSQL (where admissions
take a transaction-scoped lock before counting)."""
from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, insert, select

from libs.common.outbox import outbox_table
from libs.common.testing import auth, random_uscc
from services.enterprise.models import Enterprise
from services.enterprise.pool.models import PoolHistory, PoolMembership
from services.enterprise.tests.pool_helpers import ADMIN, apply, pool_enterprise
from services.enterprise.tests.test_api import assert_problem

CITY = "420100"
ON = date(2025, 3, 1)
CONCURRENT = 8


async def prefill(runtime, n: int) -> None:
    """``n`` admitted members written straight into the tables (fast; the API is tested elsewhere)."""
    usccs: set[str] = set()
    while len(usccs) < n:
        usccs.add(random_uscc(CITY))
    enterprises = [dict(uscc=u, name=f"预置在库企业{i}有限公司", city=CITY, registered_division=CITY, industry="P1",
                        size_class="small", ownership="private", qualifications=["high_tech"],
                        ip_management_certified=True, own_brand=True, patent_product_filed=True, version=1)
                   for i, u in enumerate(sorted(usccs))]
    members = [dict(uscc=e["uscc"], city=CITY, status="admitted", applied_on=ON, applied_by="prefill",
                    application_reason="预置", declarations={}, evaluation_year=2024, evaluation=[],
                    failed_criteria=[], unknown_criteria=[], decided_on=ON, decided_by="prefill", admitted_on=ON)
               for e in enterprises]
    async with runtime.sessions.write() as session:
        await session.execute(insert(Enterprise), enterprises)
        await session.execute(insert(PoolMembership), members)


async def count(runtime, stmt) -> int:
    async with runtime.sessions() as session:
        return int(await session.scalar(stmt))


async def test_two_concurrent_admissions_cannot_make_501(api, runtime):
    await prefill(runtime, 499)
    apps = [await apply(api, await pool_enterprise(api, CITY, figures_year=2024), CITY, ON)
            for _ in range(CONCURRENT)]
    responses = await asyncio.gather(*[
        api.post(f"/api/v1/pool/memberships/{m['id']}/admit", json={"effective_date": ON.isoformat()},
                 headers=auth(ADMIN)) for m in apps])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * (CONCURRENT - 1), [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            body = assert_problem(r, 409, slug="pool.full")
            assert (body["members"], body["cap"]) == (500, 500)
            assert "500 家" in body["detail"]
    admitted = await count(runtime, select(func.count()).select_from(PoolMembership)
                           .where(PoolMembership.status == "admitted"))
    assert admitted == 500
    events = await count(runtime, select(func.count()).select_from(outbox_table)
                         .where(outbox_table.c.event_type == "ipp.enterprise.pool.admitted.v1"))
    assert events == 1
    assert await count(runtime, select(func.count()).select_from(PoolHistory)
                       .where(PoolHistory.action == "admitted")) == 1
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert winner["history"][-1]["details"]["members_after"] == 500
    summary = (await api.get("/api/v1/pool/summary", headers=auth(ADMIN))).json()
    assert (summary["members"], summary["free_places"]) == (500, 0)


async def test_graduation_frees_a_place(api, runtime):
    await prefill(runtime, 499)
    first = await apply(api, await pool_enterprise(api, CITY, figures_year=2024), CITY, ON)
    second = await apply(api, await pool_enterprise(api, CITY, figures_year=2024), CITY, ON)
    assert (await api.post(f"/api/v1/pool/memberships/{first['id']}/admit", json={"effective_date": "2025-03-01"},
                           headers=auth(ADMIN))).status_code == 200
    url = f"/api/v1/pool/memberships/{second['id']}/admit"
    assert_problem(await api.post(url, json={"effective_date": "2025-03-01"}, headers=auth(ADMIN)), 409,
                   slug="pool.full")
    r = await api.post(f"/api/v1/pool/memberships/{first['id']}/remove",
                       json={"effective_date": "2025-04-01", "removal_reason": "serious_dishonesty",
                             "reason": "被列入严重失信主体名单"}, headers=auth(ADMIN))
    assert r.status_code == 200
    assert (await api.post(url, json={"effective_date": "2025-04-02"}, headers=auth(ADMIN))).status_code == 200


async def test_concurrent_applications_for_one_enterprise_make_one(api, runtime):
    uscc = await pool_enterprise(api, CITY)
    body = {"uscc": uscc, "reason": "并发申报测试"}
    responses = await asyncio.gather(*[api.post("/api/v1/pool/memberships", json=body,
                                                headers=auth("city-officer", city=CITY)) for _ in range(5)])
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409, 409], [r.text for r in responses]
