"""Offset pagination shared by list endpoints: one ``Paging`` dependency, bounded on both ends."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.sql import Select

T = TypeVar("T")

#: The most rows one page may hold.
MAX_LIMIT = 500
#: The furthest a client may skip: far beyond any table here, far below what a database's 64-bit
#: OFFSET holds (a larger value is a 422 naming ``offset``, not an overflow in the driver).
MAX_OFFSET = 1_000_000_000


class PageParams(BaseModel):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    async def fetch(self, session: Any, stmt: Select[Any], order_by: Sequence[Any]) -> tuple[list[Any], int]:
        """This page of ``stmt`` and the total (a workbook export overrides it: ``libs.common.list_export``)."""
        total = await session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = (await session.scalars(stmt.order_by(*order_by).limit(self.limit).offset(self.offset))).all()
        return list(rows), int(total or 0)


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="每页条数（1–500）")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="跳过条数（0–1000000000）")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


#: The paging parameters of every list endpoint (``limit``, ``offset``); define none by hand.
Paging = Annotated[PageParams, Depends(page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


async def fetch_page(session: Any, stmt: Select[Any], page: PageParams, *order_by: Any) -> tuple[list[Any], int]:
    """One page of ``stmt`` in ``order_by`` order and the total number of rows it selects (for a workbook
    request, every row streamed into the workbook and no page: see ``libs.common.list_export``)."""
    return await page.fetch(session, stmt, order_by)
