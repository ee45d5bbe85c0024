"""Search text is matched literally: LIKE wildcards in ``q`` are escaped (SQLite and PostgreSQL)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from libs.common.search import contains, contains_pattern, escape_like
from libs.common.testing import fresh_database

NAMES = ["100% 专利", "a_b 公司", "a\\b 公司", "abc 公司", "ABC 集团", "axb 公司"]


def test_escape_like_escapes_wildcards_and_the_escape_character():
    assert escape_like("100%") == "100\\%"
    assert escape_like("a_b") == "a\\_b"
    assert escape_like("a\\b") == "a\\\\b"
    assert escape_like("光谷科技") == "光谷科技"
    assert contains_pattern("%") == "%\\%%"


async def test_wildcards_match_only_themselves(db_backend, tmp_path):
    meta = sa.MetaData()
    t = sa.Table("names", meta, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))
    async with fresh_database(db_backend, tmp_path, "search") as url:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(meta.create_all)
                await conn.execute(t.insert(), [{"id": i, "name": n} for i, n in enumerate(NAMES)])

            async def found(q: str) -> list[str]:
                async with AsyncSession(engine) as session:
                    rows = await session.scalars(sa.select(t.c.name).where(contains(q, t.c.name)).order_by(t.c.id))
                    return list(rows)

            assert await found("%") == ["100% 专利"]
            assert await found("_") == ["a_b 公司"]
            assert await found("a_b") == ["a_b 公司"]  # not axb
            assert await found("\\") == ["a\\b 公司"]
            assert await found("abc") == ["abc 公司", "ABC 集团"]  # ignoring case
            assert await found("公司") == ["a_b 公司", "a\\b 公司", "abc 公司", "axb 公司"]
        finally:
            await engine.dispose()
