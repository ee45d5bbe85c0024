"""The outbox as the service's event log, for the reporting reconciler and for operators.

Every publishing service answers, to the integration role and the province admin:
- ``GET /api/v1/outbox/events``: its outbox rows in id order after a given id (event id, type,
  topic, when written and published) — what it says it has published;
- ``POST /api/v1/outbox/lookup``: which of the given event ids it wrote;
- ``POST /api/v1/outbox/replays``: mark its published rows from an id for publishing again (the
  relay republishes them in order; consumers' inboxes absorb what they already had).
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from libs.common.audit import record_audit
from libs.common.auth import Principal, Role, require_roles
from libs.common.outbox import mark_for_replay, outbox_table

OPERATORS = require_roles(Role.INTEGRATION, Role.PROVINCE_ADMIN)
#: The largest id any database here can hold.
MAX_ID = 2**63 - 1


class OutboxRow(BaseModel):
    id: int
    event_id: str
    event_type: str
    topic: str
    created_at: datetime
    published_at: datetime | None


class OutboxPage(BaseModel):
    items: list[OutboxRow]
    #: The highest outbox id at the time of the answer (0 when empty).
    high_water: int
    #: How many rows of the asked topic (or all) are in the outbox.
    total: int


class LookupRequest(BaseModel):
    event_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        ..., max_length=5000, description="至多 5000 个事件编号")


class LookupAnswer(BaseModel):
    known: list[str]


class ReplayRequest(BaseModel):
    since_id: int = Field(0, ge=0, le=MAX_ID, description="从该出站编号起重新发布")
    reason: str = Field(..., min_length=2, max_length=500, description="重新发布的原因")


class ReplayAnswer(BaseModel):
    marked: int


def outbox_router(service: str) -> APIRouter:
    router = APIRouter(prefix="/api/v1/outbox", tags=["运维 operations"])

    @router.get("/events", summary="出站事件日志 the events this service wrote, in order", response_model=OutboxPage)
    async def events(request: Request, _: Annotated[Principal, Depends(OPERATORS)],
                     after_id: Annotated[int, Query(ge=0, le=MAX_ID, description="此编号之后")] = 0,
                     limit: Annotated[int, Query(ge=1, le=5000, description="至多条数")] = 1000,
                     topic: Annotated[str | None,
                                      Query(max_length=200, description="只看该主题")] = None) -> OutboxPage:
        t = outbox_table.c
        query = select(t.id, t.event_id, t.event_type, t.topic, t.created_at, t.published_at).where(t.id > after_id)
        summary = select(func.coalesce(func.max(t.id), 0), func.count())
        if topic is not None:
            query, summary = query.where(t.topic == topic), summary.where(t.topic == topic)
        async with request.app.state.runtime.sessions() as session:
            high, total = (await session.execute(summary)).one()
            rows = (await session.execute(query.order_by(t.id).limit(limit))).mappings().all()
        return OutboxPage(items=[OutboxRow(**r) for r in rows], high_water=high, total=total)

    @router.post("/lookup", summary="哪些事件由本服务写出 which of these events this service wrote",
                 response_model=LookupAnswer)
    async def lookup(request: Request, body: LookupRequest,
                     _: Annotated[Principal, Depends(OPERATORS)]) -> LookupAnswer:
        if not body.event_ids:
            return LookupAnswer(known=[])
        async with request.app.state.runtime.sessions() as session:
            known = (await session.scalars(select(outbox_table.c.event_id).where(
                outbox_table.c.event_id.in_(body.event_ids)))).all()
        return LookupAnswer(known=sorted(known))

    @router.post("/replays", status_code=202, summary="重新发布出站事件 publish the outbox again from an id",
                 response_model=ReplayAnswer)
    async def replay(request: Request, body: ReplayRequest,
                     principal: Annotated[Principal, Depends(OPERATORS)]) -> ReplayAnswer:
        runtime = request.app.state.runtime
        marked = await mark_for_replay(runtime.sessions, since_id=body.since_id)
        async with runtime.sessions.write() as session:
            await record_audit(session, principal, "outbox.replay", "outbox", service, None,
                               {"since_id": body.since_id, "marked": marked, "reason": body.reason})
        if runtime.relay is not None:
            runtime.relay.wake()
        return ReplayAnswer(marked=marked)

    return router
