"""Live streams per token subject are bounded: one more is a 429 problem; a closed stream frees its slot."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from libs.common.testing import app_client, assert_problem, fresh_database, migrate, token
from services.reporting.app import create_app
from services.reporting.config import ReportingSettings
from services.reporting.live import KpiBroadcaster, TooManyStreams

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
STREAM = "/api/v1/indicators/stream"


class Stream:
    """One SSE connection driven at the ASGI level: open until ``close()`` (a client disconnect)."""

    def __init__(self, app, bearer: str) -> None:
        self.app, self.bearer = app, bearer
        self.started = asyncio.Event()
        self._closed = asyncio.Event()
        self.status: int | None = None
        self.task: asyncio.Task | None = None

    async def open(self) -> Stream:
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": STREAM, "raw_path": STREAM.encode(), "query_string": b"",
                 "root_path": "", "client": ("test", 1), "server": ("test", 80),
                 "headers": [(b"host", b"test"), (b"authorization", f"Bearer {self.bearer}".encode())]}
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await self._closed.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                self.status = message["status"]
            if message["type"] == "http.response.body" and b"snapshot" in message.get("body", b""):
                self.started.set()

        self.task = asyncio.create_task(self.app(scope, receive, send))
        await asyncio.wait_for(self.started.wait(), 10)
        return self

    async def close(self) -> None:
        self._closed.set()
        assert self.task is not None, "close() of a stream never opened"
        await asyncio.wait_for(self.task, 10)


@pytest.fixture
async def live(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "reporting_live") as url:
        await migrate(MIGRATIONS, url)
        app = create_app(ReportingSettings(database_url=url, kafka_enabled=False, env="test",
                                           max_streams_per_subject=2))
        async with app_client(app) as client:
            yield app, client


async def test_one_stream_too_many_is_a_429_and_a_closed_stream_frees_its_slot(live):
    app, client = live
    broadcaster: KpiBroadcaster = app.state.runtime.extras["broadcaster"]
    mine, other = token("viewer", sub="dashboard-1"), token("viewer", sub="dashboard-2")
    first, second = await Stream(app, mine).open(), await Stream(app, mine).open()
    assert (first.status, second.status) == (200, 200)
    assert broadcaster.streams_of("dashboard-1") == 2

    r = await client.get(STREAM, headers={"Authorization": f"Bearer {mine}"})
    body = assert_problem(r, 429, slug="too-many-streams")
    assert body["max_streams"] == 2 and "2" in body["detail"] and r.headers["retry-after"]
    r = await client.get(STREAM, params={"access_token": mine})  # the query-string token counts alike
    assert_problem(r, 429, slug="too-many-streams")
    assert broadcaster.streams_of("dashboard-1") == 2  # a refused stream takes no slot

    third = await Stream(app, other).open()  # another subject has its own allowance
    await first.close()
    assert broadcaster.streams_of("dashboard-1") == 1
    again = await Stream(app, mine).open()
    assert again.status == 200
    for stream in (second, third, again):
        await stream.close()
    assert broadcaster.streams_of("dashboard-1") == broadcaster.streams_of("dashboard-2") == 0


async def test_streams_that_never_stream_release_their_slot(live):
    app, client = live
    broadcaster: KpiBroadcaster = app.state.runtime.extras["broadcaster"]
    mine = token("viewer", sub="dashboard-3")
    for _ in range(3):  # the connection is gone before the headers go out: the generator never runs
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": STREAM, "raw_path": STREAM.encode(), "query_string": b"",
                 "root_path": "", "client": ("test", 1), "server": ("test", 80),
                 "headers": [(b"host", b"test"), (b"authorization", f"Bearer {mine}".encode())]}

        async def receive():
            await asyncio.sleep(3600)

        async def send(message):
            if message["type"] == "http.response.start" and message["status"] == 200:
                raise OSError("connection reset by peer")

        with pytest.raises(OSError):  # the send above fails: the app sees the connection gone
            await asyncio.wait_for(app(scope, receive, send), 10)
    assert broadcaster.streams_of("dashboard-3") == 0
    for _ in range(3):  # refused after subscribing (an unknown city): released at once
        r = await client.get(STREAM, params={"city": "999999"}, headers={"Authorization": f"Bearer {mine}"})
        assert r.status_code == 422
    assert broadcaster.streams_of("dashboard-3") == 0


def test_broadcaster_counts_per_owner():
    b = KpiBroadcaster("127.0.0.1:1", 1, max_per_owner=1)
    sub = b.subscribe(None, None, owner="u")
    with pytest.raises(TooManyStreams):
        b.subscribe(None, None, owner="u")
    b.unsubscribe(sub)
    b.unsubscribe(sub)  # idempotent: never below zero
    assert b.streams_of("u") == 0
    b.subscribe(None, None, owner="u")
    assert b.streams_of("u") == 1
    b.subscribe(None, None)  # no owner (internal use): not counted
