"""The credit white-list 授信企业白名单 through HTTP: numbered, dated, immutable versions and their diff."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from libs.common.testing import random_uscc
from services.finance.models import WhitelistVersion
from services.finance.tests.helpers import (
    AGENCY,
    WUHAN,
    YICHANG,
    admin,
    assert_problem,
    bank,
    count,
    days_ago,
    headers,
    known,
    mark,
    nothing_written,
    officer,
    single_event,
)

PUBLISHED = "ipp.finance.whitelist.published.v1"


def body(entries: list[tuple[str, str]], title: str = "2025年第一批", published_on: str | None = None) -> dict:
    return {"title": title, "published_on": published_on or days_ago(10), "note": "测试",
            "entries": [{"uscc": u, "suggested_credit_line": c} for u, c in entries]}


async def test_publish_read_and_diff_versions(api, runtime):
    a, b = await known(runtime, WUHAN, "private"), await known(runtime, YICHANG, "state")
    c, d = await known(runtime, WUHAN, "private"), await known(runtime, YICHANG, "private")
    since = await mark(runtime)
    r = await api.post("/api/v1/whitelists", json=body([(a, "1000000"), (b, "2000000.50"), (c, "3000000")],
                                                       published_on=days_ago(20)), headers=admin())
    assert r.status_code == 201, r.text
    v1 = r.json()
    assert (v1["number"], v1["entry_count"], Decimal(v1["total_credit_line"])) == (1, 3, Decimal("6000000.50"))
    assert r.headers["location"] == "/api/v1/whitelists/1"
    assert [e["uscc"] for e in v1["entries"]] == [a, b, c]
    payload = await single_event(runtime, since, PUBLISHED, "1", "whitelist.publish")
    assert (payload["entry_count"], payload["total_credit_line"], payload["added"], payload["removed"]) == (
        3, "6000000.50", 3, 0)
    assert payload["by_city"] == [
        {"city": WUHAN, "entries": 2, "private_entries": 2, "credit_line": "4000000.00"},
        {"city": YICHANG, "entries": 1, "private_entries": 0, "credit_line": "2000000.50"}]

    since = await mark(runtime)
    r = await api.post("/api/v1/whitelists", json=body([(b, "2000000.5"), (c, "5000000"), (d, "800000")],
                                                       title="2025年第二批", published_on=days_ago(5)),
                       headers=admin())
    assert r.status_code == 201 and r.json()["number"] == 2
    payload = await single_event(runtime, since, PUBLISHED, "2")
    assert (payload["added"], payload["removed"]) == (1, 1)

    current = (await api.get("/api/v1/whitelists/current", headers=bank())).json()
    assert current["number"] == 2 and [e["uscc"] for e in current["entries"]] == [b, c, d]
    first = (await api.get("/api/v1/whitelists/1", headers=bank())).json()
    assert first["title"] == "2025年第一批" and len(first["entries"]) == 3
    only_wuhan = (await api.get("/api/v1/whitelists/1", params={"city": WUHAN}, headers=officer())).json()
    assert [e["uscc"] for e in only_wuhan["entries"]] == [a, c]
    versions = (await api.get("/api/v1/whitelists", headers=headers(AGENCY))).json()
    assert [v["number"] for v in versions] == [2, 1]

    r = await api.get("/api/v1/whitelists/diff", params={"from": 1, "to": 2}, headers=bank())
    assert r.status_code == 200, r.text
    diff = r.json()
    assert [e["uscc"] for e in diff["added"]] == [d]
    assert [e["uscc"] for e in diff["removed"]] == [a]
    assert [(x["uscc"], Decimal(x["before"]), Decimal(x["after"])) for x in diff["changed"]] == [
        (c, Decimal("3000000"), Decimal("5000000"))]
    assert diff["unchanged"] == 1
    reverse = (await api.get("/api/v1/whitelists/diff", params={"from": 2, "to": 1}, headers=bank())).json()
    assert [e["uscc"] for e in reverse["added"]] == [a] and [e["uscc"] for e in reverse["removed"]] == [d]


async def test_published_versions_are_immutable_in_the_database(api, runtime):
    a = await known(runtime)
    await api.post("/api/v1/whitelists", json=body([(a, "100")]), headers=admin())
    for statement in ("UPDATE whitelist_entries SET suggested_credit_line = 1",
                      "DELETE FROM whitelist_entries", "UPDATE whitelist_versions SET title = 'x'",
                      "DELETE FROM whitelist_versions"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.sessions.write() as session:
                await session.execute(text(statement))
    r = await api.get("/api/v1/whitelists/1", headers=admin())
    assert r.json()["entries"][0]["suggested_credit_line"] in ("100.00", "100")


async def test_no_version_yet_is_404(api):
    assert_problem(await api.get("/api/v1/whitelists/current", headers=bank()), 404, slug="not-found")
    assert_problem(await api.get("/api/v1/whitelists/7", headers=bank()), 404)


async def test_only_the_province_publishes(api, runtime):
    a = await known(runtime)
    since = await mark(runtime)
    for h in (officer(WUHAN), bank(), headers("viewer")):
        assert_problem(await api.post("/api/v1/whitelists", json=body([(a, "100")]), headers=h), 403, slug="forbidden")
    assert_problem(await api.post("/api/v1/whitelists", json=body([(a, "100")])), 401)
    assert_problem(await api.get("/api/v1/whitelists/current"), 401)
    assert await nothing_written(runtime, since)


async def test_unknown_or_repeated_enterprises_are_422_naming_the_entry(api, runtime):
    a = await known(runtime)
    since = await mark(runtime)
    r = await api.post("/api/v1/whitelists", json=body([(a, "100"), (random_uscc(), "200")]), headers=admin())
    assert_problem(r, 422, "entries.1.uscc", "enterprise-registered")
    r = await api.post("/api/v1/whitelists", json=body([(a, "100"), (a, "200")]), headers=admin())
    assert_problem(r, 422, "entries.1.uscc", "whitelist.duplicate")
    r = await api.post("/api/v1/whitelists", json=body([(a, "0")]), headers=admin())
    assert_problem(r, 422, "entries.0.suggested_credit_line", "greater_than")
    r = await api.post("/api/v1/whitelists", json=body([]), headers=admin())
    assert_problem(r, 422, "entries", "too_short")
    r = await api.post("/api/v1/whitelists", json=body([("91420100MA4K0000X4", "100")]), headers=admin())
    assert_problem(r, 422, "entries.0.uscc", "uscc.check_digit")
    assert await nothing_written(runtime, since) and await count(runtime, WhitelistVersion) == 0


async def test_dates_go_forward_and_titles_are_unique(api, runtime):
    a = await known(runtime)
    assert (await api.post("/api/v1/whitelists", json=body([(a, "100")], published_on=days_ago(3)),
                           headers=admin())).status_code == 201
    since = await mark(runtime)
    r = await api.post("/api/v1/whitelists", json=body([(a, "100")], "2025年第二批", published_on=days_ago(4)),
                       headers=admin())
    assert_problem(r, 422, "published_on", "whitelist.date_order")
    r = await api.post("/api/v1/whitelists", json=body([(a, "100")], published_on=days_ago(1)), headers=admin())
    assert_problem(r, 409, slug="whitelist.duplicate_title")
    r = await api.post("/api/v1/whitelists", json=body([(a, "100")], "2025年第三批", published_on=days_ago(-1)),
                       headers=admin())
    assert_problem(r, 422, "published_on", "date.future")
    assert await nothing_written(runtime, since)


async def test_diff_of_an_unknown_version_names_it(api, runtime):
    a = await known(runtime)
    await api.post("/api/v1/whitelists", json=body([(a, "100")]), headers=admin())
    assert_problem(await api.get("/api/v1/whitelists/diff", params={"from": 1, "to": 9}, headers=bank()), 422,
                   "to", "whitelist.unknown_version")
    assert_problem(await api.get("/api/v1/whitelists/diff", params={"from": 0, "to": 1}, headers=bank()), 422,
                   "from", "greater_than_equal")
