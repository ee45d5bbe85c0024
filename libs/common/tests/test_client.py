"""The client base: a call written once is sent the same way by the sync and the async client."""
from __future__ import annotations

import json
from datetime import date
from enum import Enum

import httpx
import pytest
from pydantic import BaseModel, Field

from libs.common.client import (
    ApiClient,
    ApiError,
    AsyncApiClient,
    ClientCalls,
    get,
    get_or_none,
    patch,
    post,
)


class Colour(Enum):
    RED = "red"


class Thing(BaseModel):
    name: str
    note: str | None = None
    size: int = 1
    from_: str | None = Field(None, alias="from")


class Out(BaseModel):
    ok: bool


class _Calls(ClientCalls):
    body_options = {"exclude_none": True, "by_alias": True}

    def make(self, data: Thing, dry_run: bool = False) -> Out:
        return self._call(post("/things", Out, data, dry_run=dry_run))

    def make_many(self, rows: list[Thing | dict]) -> Out:
        return self._call(post("/things/bulk", Out, {"rows": rows}))

    def rename(self, data: Thing) -> Out:
        return self._call(patch("/things/1", Out, data))

    def find(self, *, on: date | None = None, colour: Colour | None = None, q: str | None = None) -> list[Out]:
        return self._call(get("/things", list[Out], on=on, colour=colour, q=q))

    def maybe(self) -> Out | None:
        return self._call(get_or_none("/things/2", Out))

    def strict(self) -> Out:
        return self._call(get("/things/2", Out))


class Client(ApiClient, _Calls):
    pass


class AsyncClient(AsyncApiClient, _Calls):
    pass


def _transport(seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/things/2":
            return httpx.Response(404, json={"title": "资源不存在", "detail": "no"})
        return httpx.Response(200, json=[{"ok": True}] if request.method == "GET" else {"ok": True})
    return httpx.MockTransport(answer)


def _wire(seen: list[httpx.Request]) -> list[tuple]:
    return [(r.method, r.url.path, dict(r.url.params), json.loads(r.content) if r.content else None) for r in seen]


EXPECTED = [
    ("POST", "/things", {"dry_run": "true"}, {"name": "a", "size": 1, "from": "b"}),  # None left out, by alias
    ("POST", "/things/bulk", {}, {"rows": [{"name": "a", "size": 1}, {"raw": None}]}),  # models inside data too
    ("PATCH", "/things/1", {}, {"name": "a"}),  # a PATCH sends only what was set
    ("GET", "/things", {"on": "2025-01-02", "colour": "red"}, None),
]


def _calls(c: _Calls) -> list:
    return [lambda: c.make(Thing.model_validate({"name": "a", "note": None, "from": "b"}), dry_run=True),
            lambda: c.make_many([Thing(name="a"), {"raw": None}]),
            lambda: c.rename(Thing(name="a")),
            lambda: c.find(on=date(2025, 1, 2), colour=Colour.RED)]


def test_the_sync_client_writes_bodies_with_the_service_options_and_drops_absent_params():
    seen: list[httpx.Request] = []
    with Client("http://x", "t", transport=_transport(seen)) as c:
        results = [call() for call in _calls(c)]
        assert results[-1] == [Out(ok=True)] and results[0] == Out(ok=True)
        assert c.maybe() is None
        with pytest.raises(ApiError) as err:
            c.strict()
    assert err.value.status == 404 and err.value.problem["title"] == "资源不存在"
    assert _wire(seen)[:4] == EXPECTED
    assert seen[0].headers["authorization"] == "Bearer t"


async def test_the_async_client_sends_the_same_requests():
    seen: list[httpx.Request] = []
    async with AsyncClient("http://x", "t", transport=_transport(seen)) as c:
        for call in _calls(c):
            await call()
        assert await c.maybe() is None
    assert _wire(seen)[:4] == EXPECTED
