"""Paging: one bounded ``Paging`` dependency (a huge offset is a 422, not a driver overflow)."""
from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

from libs.common.errors import install_problem_handlers
from libs.common.pagination import MAX_LIMIT, MAX_OFFSET, PageParams, Paging, fetch_page
from libs.common.testing import assert_problem


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/items")
    async def items(page: Paging) -> dict:
        return page.model_dump()

    return app


@pytest.mark.parametrize(("params", "field", "rule"), [
    ({"offset": "9223372036854775808"}, "offset", "less_than_equal"),
    ({"offset": str(MAX_OFFSET + 1)}, "offset", "less_than_equal"),
    ({"offset": "-1"}, "offset", "greater_than_equal"),
    ({"limit": "0"}, "limit", "greater_than_equal"),
    ({"limit": str(MAX_LIMIT + 1)}, "limit", "less_than_equal"),
])
async def test_out_of_range_paging_is_a_422_naming_the_parameter(params, field, rule):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        assert_problem(await client.get("/items", params=params), 422, field, rule)


async def test_paging_at_its_bounds_is_accepted():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        r = await client.get("/items", params={"offset": MAX_OFFSET, "limit": MAX_LIMIT})
    assert r.status_code == 200 and r.json() == {"offset": MAX_OFFSET, "limit": MAX_LIMIT}


async def test_fetch_page_returns_the_page_and_the_total():
    meta = sa.MetaData()
    t = sa.Table("t", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("even", sa.Boolean))
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.execute(t.insert(), [{"id": i, "even": i % 2 == 0} for i in range(1, 21)])
    from sqlalchemy.ext.asyncio import AsyncSession

    async with AsyncSession(engine) as session:
        stmt = sa.select(t.c.id).where(t.c.even)
        rows, total = await fetch_page(session, stmt, PageParams(limit=3, offset=2), t.c.id.desc())
        assert (rows, total) == ([16, 14, 12], 10)
        rows, total = await fetch_page(session, stmt, PageParams(limit=3, offset=MAX_OFFSET), t.c.id)
        assert (rows, total) == ([], 10)
    await engine.dispose()
