"""The dashboard's routes: ``/`` redirects, the page and its files are served without a token (they hold
no data), the session check admits only the dashboard's roles, and the live stream opens with a
short-lived ticket that is good for nothing else. (The page itself is tested in a browser:
tests/e2e/test_dashboard.py.)"""
from __future__ import annotations

import asyncio
import json
import re
import time

import jwt
import pytest

from libs.common.auth import Principal, Role, issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.testing import assert_problem, auth, token
from services.reporting.dashboard.routes import ECHARTS
from services.reporting.live import KpiBroadcaster, StreamStatus
from services.reporting.tickets import AUDIENCE, issue_ticket

STREAM = "/api/v1/indicators/stream"
TICKETS = "/api/v1/indicators/stream/tickets"


async def test_the_root_redirects_to_the_dashboard_keeping_the_view(api):
    r = await api.get("/", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/dashboard"
    r = await api.get("/?view=city&city=420100&year=2025", follow_redirects=False)
    assert r.headers["location"] == "/dashboard?view=city&city=420100&year=2025"


async def test_the_page_is_chinese_needs_no_token_and_carries_only_public_definitions(api):
    r = await api.get("/dashboard")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="zh-CN">' in html and "湖北省知识产权工作指标看板" in html and "下载进度报告 (Excel)" in html
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["referrer-policy"] == "no-referrer" and r.headers["cache-control"] == "no-store"
    assert "cdn" not in html.lower() and "https://" not in html  # everything from the platform itself
    found = re.search(r'<script id="config" type="application/json">(.*?)</script>', html, re.S)
    assert found, "the page carries its configuration"
    config = json.loads(found[1])
    assert len(config["cities"]) == 17 and config["province"] == "420000"
    # 003's headline figures, the transfers counted two ways (contracts and patent-times)
    assert {i["code"] for i in config["indicators"]} >= set(config["headline"]) and len(config["headline"]) == 8
    assert config["statuses"]["off_track"] == "明显滞后"
    assert "value" not in json.dumps(config["indicators"][0])  # definitions, never figures


async def test_the_script_style_and_chart_library_are_served_by_the_platform(api):
    js = await api.get("/dashboard/static/dashboard.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "EventSource" in js.text and "sessionStorage" in js.text and "replaceState" in js.text
    css = await api.get("/dashboard/static/dashboard.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert (await api.get("/dashboard/static/nothing.js")).status_code == 404
    if not ECHARTS.is_dir():
        pytest.skip("the front-end libraries are not installed (make assets)")
    lib = await api.get("/dashboard/vendor/echarts/echarts.min.js")
    assert lib.status_code == 200 and len(lib.content) > 500_000


async def test_the_session_check_admits_the_dashboard_roles_only(api):
    assert_problem(await api.get("/dashboard/session"), 401, slug="unauthorized")
    body = assert_problem(await api.get("/dashboard/session", headers={"Authorization": "Bearer nonsense"}), 401)
    assert body["detail"].startswith("令牌无效")
    expired = issue_token(DEV_JWT_SECRET, role="viewer", sub="v", ttl_seconds=-5)
    body = assert_problem(await api.get("/dashboard/session", headers={"Authorization": f"Bearer {expired}"}), 401)
    assert body["detail"] == "令牌已过期"
    r = await api.get("/dashboard/session", headers=auth("province-admin"))
    assert r.status_code == 200 and r.json()["role_name"] == "省级管理员" and r.json()["city"] is None
    r = await api.get("/dashboard/session", headers=auth("city-officer", city="421300"))
    assert (r.json()["role"], r.json()["city"], r.json()["city_name"]) == ("city-officer", "421300", "随州市")
    assert (await api.get("/dashboard/session", headers=auth("viewer"))).json()["role_name"] == "只读用户"
    for role, extra in (("bank", {"org": "HUBEI-BANK"}), ("agency", {}), ("integration", {})):
        body = assert_problem(await api.get("/dashboard/session", headers=auth(role, **extra)), 403,
                              slug="dashboard-role")
        assert role in body["detail"]


# --- the live stream: tickets ---------------------------------------------------------------------

async def open_stream(app, query: str, headers: list[tuple[bytes, bytes]] | None = None,
                      until: bytes = b"event: status") -> tuple[int, bytes]:
    """Open the stream at the ASGI level, read until ``until`` appears (or the response ends), disconnect;
    the status and what was received."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": STREAM, "raw_path": STREAM.encode(), "query_string": query.encode(),
             "root_path": "", "client": ("test", 1), "server": ("test", 80),
             "headers": [(b"host", b"test"), *(headers or [])]}
    status, body, seen = 0, b"", asyncio.Event()
    requested = False

    async def receive():
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await seen.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        nonlocal status, body
        if message["type"] == "http.response.start":
            status = message["status"]
        if message["type"] == "http.response.body":
            body += message.get("body", b"")
            if until in body or not message.get("more_body"):
                seen.set()

    task = asyncio.create_task(app(scope, receive, send))
    await asyncio.wait_for(seen.wait(), 10)
    await asyncio.wait_for(task, 10)
    return status, body


async def ticket_for(api, **who) -> str:
    r = await api.post(TICKETS, headers=auth(**who))
    assert r.status_code == 200, r.text
    assert r.json()["expires_in"] == 60
    return r.json()["ticket"]


async def test_a_ticket_opens_the_stream_with_a_snapshot_and_the_feed_status(api):
    ticket = await ticket_for(api, role="city-officer", city="421300")
    status, body = await open_stream(api.app, f"year=2025&city=421300&ticket={ticket}")
    assert status == 200
    text = body.decode()
    assert "event: snapshot" in text and "event: status" in text
    assert '"live": false' in text  # no broker in this test: the page is told its data may be stale
    found = re.search(r"event: snapshot\r?\ndata: (.*?)\r?\n", text)
    assert found, text
    snapshot = json.loads(found[1])
    assert {row["city"] for row in snapshot} == {"421300"}


async def test_a_ticket_is_short_lived_bound_to_the_stream_and_good_for_nothing_else(api):
    assert_problem(await api.post(TICKETS), 401)
    ticket = await ticket_for(api, role="province-admin")
    claims = jwt.decode(ticket, DEV_JWT_SECRET, algorithms=["HS256"], audience=AUDIENCE)
    assert claims["exp"] - claims["iat"] == 60 and claims["aud"] == AUDIENCE and claims["role"] == "province-admin"
    # Not a bearer token for any other route.
    body = assert_problem(await api.get("/api/v1/indicators", headers={"Authorization": f"Bearer {ticket}"}), 401)
    assert body["detail"] == "令牌无效"
    assert_problem(await api.post(TICKETS, headers={"Authorization": f"Bearer {ticket}"}), 401)
    # A bearer token is not a ticket; an expired or forged ticket is refused.
    status, sent = await open_stream(api.app, f"ticket={token('province-admin')}")
    assert status == 401 and "推送凭证无效" in sent.decode()
    old = issue_ticket(DEV_JWT_SECRET, Principal(sub="x", role=Role.VIEWER), "ipp", ttl=-1)
    status, sent = await open_stream(api.app, f"ticket={old}")
    assert status == 401 and "推送凭证已过期" in sent.decode()
    forged = issue_ticket("another-key-" + "x" * 40, Principal(sub="x", role=Role.VIEWER), "ipp", ttl=60)
    status, sent = await open_stream(api.app, f"ticket={forged}")
    assert status == 401 and "推送凭证无效" in sent.decode()
    status, _ = await open_stream(api.app, "ticket=" + "a" * 2001)
    assert status == 422
    # The bearer header still works as before (curl, other systems).
    status, _ = await open_stream(api.app, "", headers=[(b"authorization", f"Bearer {ticket}".encode())])
    assert status == 401
    status, _ = await open_stream(api.app, "", headers=[(b"authorization", f"Bearer {token('viewer')}".encode())])
    assert status == 200


def test_the_broadcaster_tells_subscribers_when_the_feed_stops_and_comes_back():
    b = KpiBroadcaster("127.0.0.1:1", 1)
    sub = b.subscribe(None, None, owner="u")
    assert b.live is False
    b.set_live(True)
    b.set_live(True)  # no change, no message
    b.set_live(False)
    got = [sub.queue.get_nowait() for _ in range(sub.queue.qsize())]
    assert got == [StreamStatus(live=True), StreamStatus(live=False)]
    assert all(isinstance(g, StreamStatus) for g in got)


async def test_the_watch_marks_the_feed_stale_when_the_broker_does_not_answer():
    b = KpiBroadcaster("127.0.0.1:1", 1)
    b.set_live(True)  # as if connected; the probe finds no consumer, i.e. no broker answering
    sub = b.subscribe(None, None)
    watch = asyncio.create_task(b.watch(0.05))
    deadline = time.monotonic() + 5
    while b.live and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    watch.cancel()
    assert b.live is False and sub.queue.get_nowait() == StreamStatus(live=False)
