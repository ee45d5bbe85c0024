"""Rendered indicator reads are kept until the next KPI change, and never outlive one.

Without a broker (these tests) the broadcaster never enables the cache; the API tests here turn it on
as a connected broadcaster would, then play the events it would receive."""
from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from libs.common.testing import auth
from services.reporting.kpi_cache import RenderedCache
from services.reporting.models import IndicatorDelta

ADMIN = auth("province-admin")
WUHAN = "420100"


def counter_render(values: list[int]):
    async def render() -> bytes:
        values[0] += 1
        return str(values[0]).encode()
    return render


async def test_disabled_cache_renders_every_time():
    cache, n = RenderedCache(), [0]
    assert [await cache.get("k", counter_render(n)) for _ in range(3)] == [b"1", b"2", b"3"]


async def test_enabled_cache_keeps_an_answer_until_invalidated():
    cache, n = RenderedCache(), [0]
    cache.set_enabled(True)
    assert [await cache.get("k", counter_render(n)) for _ in range(3)] == [b"1", b"1", b"1"]
    assert await cache.get("other", counter_render(n)) == b"2"
    cache.invalidate()
    assert await cache.get("k", counter_render(n)) == b"3"


async def test_an_answer_computed_across_a_change_is_not_kept():
    cache = RenderedCache()
    cache.set_enabled(True)
    started, go = asyncio.Event(), asyncio.Event()

    async def slow() -> bytes:
        started.set()
        await go.wait()
        return b"before the change"

    task = asyncio.create_task(cache.get("k", slow))
    await started.wait()
    cache.invalidate()  # an event arrives while the answer is being computed
    go.set()
    assert await task == b"before the change"  # that request gets what it read
    assert await cache.get("k", counter_render([0])) == b"1"  # the next one reads again


async def test_concurrent_misses_share_one_render():
    cache, calls = RenderedCache(), [0]
    cache.set_enabled(True)
    go = asyncio.Event()

    async def render() -> bytes:
        calls[0] += 1
        await go.wait()
        return b"x"

    tasks = [asyncio.create_task(cache.get("k", render)) for _ in range(5)]
    await asyncio.sleep(0)
    go.set()
    assert await asyncio.gather(*tasks) == [b"x"] * 5 and calls == [1]


async def test_a_failed_render_reaches_every_waiter_and_is_not_kept():
    cache = RenderedCache()
    cache.set_enabled(True)
    go = asyncio.Event()

    async def boom() -> bytes:
        await go.wait()
        raise RuntimeError("database gone")

    tasks = [asyncio.create_task(cache.get("k", boom)) for _ in range(3)]
    await asyncio.sleep(0)
    go.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await cache.get("k", counter_render([0])) == b"1"


async def test_entries_expire_after_max_age():
    cache, n = RenderedCache(max_age=0.05), [0]
    cache.set_enabled(True)
    assert await cache.get("k", counter_render(n)) == b"1"
    await asyncio.sleep(0.1)
    assert await cache.get("k", counter_render(n)) == b"2"


async def test_disconnecting_and_reconnecting_drops_everything():
    cache, n = RenderedCache(), [0]
    cache.set_enabled(True)
    await cache.get("k", counter_render(n))
    cache.set_enabled(False)
    cache.set_enabled(True)
    assert await cache.get("k", counter_render(n)) == b"2"


# --- through the API ---------------------------------------------------------------------------------

async def add_delta(api, amount: str, month: int = 6) -> None:
    async with api.app.state.runtime.sessions() as session, session.begin():
        session.add(IndicatorDelta(indicator="pledge_projects", city=WUHAN, year=2025, month=month,
                                   amount=Decimal(amount)))


def value(body: dict, city: str = WUHAN) -> str | None:
    return next(i["value"] for i in body["items"] if i["indicator"] == "pledge_projects" and i["city"] == city)


@pytest.fixture
def cached(api):
    runtime = api.app.state.runtime
    cache: RenderedCache = runtime.extras["kpi_cache"]
    assert cache is runtime.extras["broadcaster"].cache and not cache.enabled  # no broker here
    cache.set_enabled(True)
    return api, runtime.extras["broadcaster"]


async def test_cached_answer_equals_the_computed_one(api):
    await add_delta(api, "3")
    params = {"city": "all", "year": 2025}
    computed = await api.get("/api/v1/indicators", params=params, headers=ADMIN)
    api.app.state.runtime.extras["kpi_cache"].set_enabled(True)
    first = await api.get("/api/v1/indicators", params=params, headers=ADMIN)
    second = await api.get("/api/v1/indicators", params=params, headers=ADMIN)
    assert computed.status_code == first.status_code == second.status_code == 200
    assert computed.json() == first.json() == second.json()
    assert first.headers["content-type"] == "application/json"
    assert value(first.json()) == "3" and len(first.json()["items"]) > 18


async def test_a_kpi_update_drops_the_cached_answer(cached):
    api, broadcaster = cached
    params = {"city": WUHAN, "year": 2025}
    await add_delta(api, "3")
    assert value((await api.get("/api/v1/indicators", params=params, headers=ADMIN)).json()) == "3"
    await add_delta(api, "4", month=7)  # the worker commits ...
    assert value((await api.get("/api/v1/indicators", params=params, headers=ADMIN)).json()) == "3"
    broadcaster.publish({"indicator": "pledge_projects", "city": WUHAN, "year": 2025, "value": "7"})  # ... its event
    assert value((await api.get("/api/v1/indicators", params=params, headers=ADMIN)).json()) == "7"


async def test_cities_periods_and_years_are_answered_apart(cached):
    api, _ = cached
    await add_delta(api, "5")
    wuhan = (await api.get("/api/v1/indicators", params={"city": WUHAN, "year": 2025}, headers=ADMIN)).json()
    province = (await api.get("/api/v1/indicators", params={"year": 2025}, headers=ADMIN)).json()
    june = (await api.get("/api/v1/indicators", params={"city": WUHAN, "period": "202506"}, headers=ADMIN)).json()
    may = (await api.get("/api/v1/indicators", params={"city": WUHAN, "period": "202505"}, headers=ADMIN)).json()
    other_year = (await api.get("/api/v1/indicators", params={"city": WUHAN, "year": 2024}, headers=ADMIN)).json()
    assert {i["city"] for i in wuhan["items"]} == {WUHAN} and {i["city"] for i in province["items"]} == {"420000"}
    assert (value(june), value(may)) == ("5", "0")
    assert other_year["year"] == 2024 and value(other_year) != "5"


async def test_a_target_change_is_read_back_at_once(cached):
    api, _ = cached
    params = {"city": WUHAN, "year": 2025}
    before = (await api.get("/api/v1/indicators", params=params, headers=ADMIN)).json()
    r = await api.put("/api/v1/targets/2025", headers=ADMIN, json={"targets": [
        {"indicator": "pledge_projects", "city": WUHAN, "value": "123"}]})
    assert r.status_code == 200, r.text
    after = (await api.get("/api/v1/indicators", params=params, headers=ADMIN)).json()
    target = {i["indicator"]: i["target"] for i in after["items"]}["pledge_projects"]
    assert target == "123" and before != after


async def test_a_cached_read_still_needs_a_token_and_valid_parameters(cached):
    api, _ = cached
    assert (await api.get("/api/v1/indicators", params={"year": 2025}, headers=ADMIN)).status_code == 200
    assert (await api.get("/api/v1/indicators", params={"year": 2025})).status_code == 401
    r = await api.get("/api/v1/indicators", params={"year": 2025, "city": "999999"}, headers=ADMIN)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "city"


async def test_max_age_zero_switches_the_cache_off():
    cache, n = RenderedCache(max_age=0), [0]
    cache.set_enabled(True)
    assert not cache.enabled
    assert [await cache.get("k", counter_render(n)) for _ in range(2)] == [b"1", b"2"]
