"""Request bodies over ``max_body_bytes`` are a 413 problem before they are parsed, or read whole."""
from __future__ import annotations

import httpx
from fastapi import FastAPI
from pydantic import BaseModel

from libs.common.auth import CurrentPrincipal
from libs.common.config import CommonSettings
from libs.common.errors import install_problem_handlers
from libs.common.limits import BodyLimitMiddleware, human_size
from libs.common.testing import assert_problem, auth

LIMIT = 64 * 1024
MB = 1 << 20


class Item(BaseModel):
    text: str


def _app(limit: int = LIMIT) -> FastAPI:
    app = FastAPI()
    app.state.settings = CommonSettings()
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=limit)

    @app.post("/items")
    async def create(item: Item, principal: CurrentPrincipal) -> dict:
        return {"length": len(item.text)}

    @app.get("/items")
    async def read() -> dict:
        return {"ok": True}

    return app


class Body:
    """A body of ``total`` bytes sent in 1 MB chunks, counting how many were pulled."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self):
        sent = 0
        while sent < self.total:
            chunk = min(MB, self.total - sent)
            self.pulled += chunk
            sent += chunk
            yield b" " * chunk


def client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def assert_too_large(r: httpx.Response, limit: int) -> None:
    body = assert_problem(r, 413, slug="payload-too-large")
    assert body["title"] == "请求体过大"
    assert body["max_body_bytes"] == limit and human_size(limit) in body["detail"]


async def test_a_declared_length_over_the_limit_is_refused_without_reading_a_byte():
    body = Body(100 * MB)
    async with client(_app()) as c:  # no token either: the size is judged first
        r = await c.post("/items", content=body, headers={"content-length": str(100 * MB),
                                                          "content-type": "application/json"})
    assert_too_large(r, LIMIT)
    assert body.pulled <= MB  # httpx's transport may buffer one chunk; the app read none of it


async def test_a_chunked_body_is_counted_and_refused_once_over_the_limit():
    body = Body(100 * MB)
    async with client(_app(limit=2 * MB)) as c:
        r = await c.post("/items", content=body, headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers  # chunked
    assert_too_large(r, 2 * MB)
    assert body.pulled <= 4 * MB  # stopped at the limit, not read to the end


async def test_bodies_within_the_limit_pass():
    async with client(_app()) as c:
        r = await c.post("/items", json={"text": "x" * 1000}, headers=auth("viewer"))
        assert r.status_code == 200 and r.json() == {"length": 1000}
        assert (await c.get("/items")).status_code == 200
        # within the limit, without a token: the usual 401, not a 413
        assert_problem(await c.post("/items", json={"text": "x"}), 401)


async def test_just_over_the_limit_with_and_without_content_length():
    payload = b'{"text": "' + b"x" * LIMIT + b'"}'
    async with client(_app()) as c:
        assert_too_large(await c.post("/items", content=payload, headers={"content-type": "application/json"}), LIMIT)

        async def chunks():
            yield payload

        assert_too_large(await c.post("/items", content=chunks(), headers={"content-type": "application/json"}),
                         LIMIT)


def test_the_limit_is_a_setting(monkeypatch):
    assert CommonSettings().max_body_bytes == 20 * MB
    monkeypatch.setenv("IPP_MAX_BODY_BYTES", "1048576")
    assert CommonSettings().max_body_bytes == MB
    assert human_size(20 * MB) == "20 MB"


async def test_the_nul_character_is_a_422_naming_where_it_was():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as api:
        assert_problem(await api.post("/items", json={"text": "a\x00b"}, headers=auth("province-admin")), 422,
                       "body", "nul_character")
        assert_problem(await api.get("/items?q=a%00b"), 422, "query", "nul_character")
        ok = await api.post("/items", json={"text": "正常文本"}, headers=auth("province-admin"))
        assert ok.status_code == 200
