"""What a fuzz probe found, fixed: bounded paging, literal search text, plausible dates, body limit."""
from __future__ import annotations

import pytest

from libs.common.testing import assert_oversized_bodies_refused, assert_problem, auth, random_uscc
from services.enterprise.app import create_app
from services.enterprise.config import EnterpriseSettings
from services.enterprise.tests.helpers import create, mark, nothing_written

ADMIN = "province-admin"
LISTS = ["/api/v1/enterprises", "/api/v1/tier-recommendations", "/api/v1/pool/memberships"]


@pytest.mark.parametrize("path", LISTS)
async def test_an_offset_no_database_can_hold_is_a_422(api, path):
    for offset in ("9223372036854775808", "1000000001"):
        assert_problem(await api.get(path, params={"offset": offset}, headers=auth(ADMIN)), 422, "offset",
                       "less_than_equal")
    r = await api.get(path, params={"offset": 1_000_000_000}, headers=auth(ADMIN))
    assert r.status_code == 200 and r.json()["items"] == [], r.text


async def test_search_text_is_matched_literally(api):
    underscore = (await create(api, name="武汉测试_下划线科技有限公司"))["uscc"]
    percent = (await create(api, name="武汉百分之100%测试科技有限公司"))["uscc"]
    plain = (await create(api, name="武汉测试普通科技有限公司"))["uscc"]

    async def found(q: str) -> set[str]:
        r = await api.get("/api/v1/enterprises", params={"q": q, "limit": 500}, headers=auth(ADMIN))
        assert r.status_code == 200, r.text
        return {e["uscc"] for e in r.json()["items"]} & {underscore, percent, plain}

    assert await found("%") == {percent}
    assert await found("_") == {underscore}
    assert await found("测试_") == {underscore}  # "_" is not "any one character"
    assert await found("\\") == set()
    assert await found("测试") == {underscore, percent, plain}


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1984-12-31"])
@pytest.mark.parametrize("action", ["promote", "demote", "revoke"])
async def test_implausible_effective_dates_are_a_422_naming_the_field(api, runtime, action, value):
    uscc = (await create(api))["uscc"]
    since = await mark(runtime)
    body = {"effective_date": value, "reason": "测试理由", **({"to_tier": "seed"} if action != "revoke" else {})}
    r = await api.post(f"/api/v1/enterprises/{uscc}/tier/{action}", json=body, headers=auth(ADMIN))
    problem = assert_problem(r, 422, "effective_date", "date_range")
    assert "1985-01-01" in problem["errors"][0]["message"]
    assert await nothing_written(runtime, since)


async def test_implausible_pool_dates_are_a_422(api):
    r = await api.post("/api/v1/pool/memberships", json={"uscc": random_uscc(), "reason": "申报入库培育",
                                                          "applied_on": "0001-01-01"},
                       headers=auth("city-officer", city="420100"))
    assert_problem(r, 422, "applied_on", "date_range")
    for path in ("/api/v1/pool/review", "/api/v1/pool/summary"):
        assert_problem(await api.get(path, params={"as_of": "9999-12-31"}, headers=auth(ADMIN)), 422, "as_of",
                       "date_range")
    for action, field in (("admit", "effective_date"), ("graduate", "effective_date"), ("remove", "effective_date"),
                          ("progress", "recorded_on")):
        r = await api.post(f"/api/v1/pool/memberships/1/{action}", json={field: "0001-01-01"}, headers=auth(ADMIN))
        assert_problem(r, 422, field, "date_range")


async def test_every_write_refuses_an_oversized_body(db_url):
    from libs.common.testing import app_client

    app = create_app(EnterpriseSettings(database_url=db_url, kafka_enabled=False, env="test", max_body_bytes=65536))
    async with app_client(app) as client:
        assert await assert_oversized_bodies_refused(app, client, 65536) >= 10
