"""The local read model of enterprises that every programme service keeps (``known_enterprises``).

Fed by ``ipp.enterprise.events`` through an idempotent consumer (inbox + dead-letter), it lets a
service refuse a record about an unknown enterprise with a clear 422, and stamp its own events with
the enterprise's city and ownership so reporting needs no lookups. It depends only on the enterprise
service's published event contract (event types and their JSON fields), never on its code.

A service mounts it in four lines::

    known_enterprises = enterprise_table(Base.metadata)           # models.py
    enterprises_upgrade_v1()                                      # in its first migration
    on_start=[start_enterprise_consumer(known_enterprises)]       # app.py
    row = await require_enterprise(session, known_enterprises, uscc)  # service.py
"""
from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Boolean, Column, Date, Index, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import CurrentPrincipal, ensure_enterprise_access
from libs.common.db import UTCDateTime, utcnow
from libs.common.errors import FieldInvalid, NotFound
from libs.common.fields import parse_uscc
from libs.common.inbox import Incoming
from libs.readmodels.consumer import read_model_consumer

if TYPE_CHECKING:
    from libs.common.app import StartHook

log = logging.getLogger(__name__)

ENTERPRISE_TOPIC = "ipp.enterprise.events"
TABLE_NAME = "known_enterprises"
REGISTERED = "ipp.enterprise.enterprise.registered.v1"
UPDATED = "ipp.enterprise.enterprise.updated.v1"
TIER_CHANGES = {f"ipp.enterprise.tier.{c}.v1" for c in ("designated", "promoted", "demoted", "revoked")}


def enterprise_table(metadata: MetaData) -> Table:
    """The read-model table, declared in the consuming service's own metadata."""
    return Table(
        TABLE_NAME, metadata,
        Column("uscc", String(18), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("city", String(6), nullable=False),
        Column("county", String(6), nullable=True),
        Column("industry", String(10), nullable=True),
        Column("size_class", String(10), nullable=True),
        Column("ownership", String(10), nullable=False),
        Column("is_private", Boolean, nullable=False),
        Column("tier", String(10), nullable=True),
        Column("registered_on", Date, nullable=True),
        #: ``ce_time`` of the last event applied: an older event never overwrites a newer one.
        Column("as_of", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Index(f"ix_{TABLE_NAME}_city", "city"),
    )


def upgrade_v1() -> None:
    """Migration step creating the table (call it from the service's migration); frozen."""
    from alembic import op

    op.create_table(
        TABLE_NAME,
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("county", sa.String(6), nullable=True),
        sa.Column("industry", sa.String(10), nullable=True),
        sa.Column("size_class", sa.String(10), nullable=True),
        sa.Column("ownership", sa.String(10), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("tier", sa.String(10), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=True),
        sa.Column("as_of", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("uscc", name=op.f(f"pk_{TABLE_NAME}")),
    )
    op.create_index(f"ix_{TABLE_NAME}_city", TABLE_NAME, ["city"])


def downgrade_v1() -> None:
    from alembic import op

    op.drop_index(f"ix_{TABLE_NAME}_city", TABLE_NAME)
    op.drop_table(TABLE_NAME)


def _changes(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The columns an event sets (None: the event does not concern this read model)."""
    if event_type == REGISTERED:
        return {"name": data["name"], "city": data["city"], "county": data.get("county"),
                "industry": data.get("industry"), "size_class": data.get("size_class"),
                "ownership": data["ownership"], "is_private": bool(data["is_private"]),
                "registered_on": date.fromisoformat(str(data["registered_on"])) if data.get("registered_on") else None}
    if event_type == UPDATED:
        return {"name": data["name"], "city": data["city"], "ownership": data["ownership"],
                "is_private": bool(data["is_private"]), "tier": data.get("tier")}
    if event_type in TIER_CHANGES:
        return {"tier": data.get("to_tier")}
    return None


async def apply_enterprise_events(session: AsyncSession, table: Table, records: list[Incoming]) -> int:
    """Upsert the read model from a batch of enterprise events; returns how many rows changed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    changed = 0
    for rec in records:
        ev = rec.cloud_event
        values = _changes(ev.type, ev.data)
        if values is None:
            continue
        uscc = ev.subject or ev.data["uscc"]
        as_of = ev.time if isinstance(ev.time, datetime) else datetime.fromisoformat(str(ev.time))
        row = (await session.execute(select(table.c.as_of).where(table.c.uscc == uscc))).first()
        if row is None:
            if ev.type != REGISTERED:
                # An update before its registration cannot happen per key order; tolerate it by
                # waiting for the registration (replay delivers it) rather than inventing fields.
                if "name" not in values:
                    continue
                values.setdefault("registered_on", None)
            await session.execute(insert(table).values(uscc=uscc, as_of=as_of, updated_at=utcnow(), **values)
                                  .on_conflict_do_nothing(index_elements=["uscc"]))
            changed += 1
        elif row.as_of <= as_of:
            await session.execute(table.update().where(table.c.uscc == uscc)
                                  .values(as_of=as_of, updated_at=utcnow(), **values))
            changed += 1
    return changed


def start_enterprise_consumer(table: Table) -> StartHook:
    """A start hook (``build_service_app(on_start=[...])``) running the read model's consumer."""

    async def apply(session: AsyncSession, records: list[Incoming]) -> int:
        return await apply_enterprise_events(session, table, records)

    return read_model_consumer("known-enterprises", ENTERPRISE_TOPIC, apply)


async def find_enterprise(session: AsyncSession, table: Table, uscc: str) -> Row[Any] | None:
    return (await session.execute(select(table).where(table.c.uscc == uscc))).first()


async def require_enterprise(session: AsyncSession, table: Table, uscc: str, field: str = "uscc") -> Row[Any]:
    """The enterprise's read-model row, or a 422 naming ``field`` (rule ``enterprise-registered``)."""
    row = await find_enterprise(session, table, uscc)
    if row is None:
        raise FieldInvalid(field, "enterprise-registered",
                           f"企业 {uscc} 未在企业库登记（或登记尚未同步到本服务），请先在企业服务登记")
    return row


class KnownEnterprise(BaseModel):
    uscc: str
    name: str
    city: str
    county: str | None
    industry: str | None
    size_class: str | None
    ownership: str
    is_private: bool
    tier: str | None
    registered_on: date | None


def known_enterprises_router(table: Table) -> APIRouter:
    """``GET /api/v1/known-enterprises/{uscc}``: what this service knows of an enterprise (404 if
    nothing yet) — lets integrators and scripts wait until a registration has reached the service.
    Readable as the enterprise service's ``GET /enterprises/{uscc}`` is (``ensure_enterprise_access``):
    the same token gets the same 403 or 404 here."""
    router = APIRouter(tags=["企业读模型 known enterprises"])

    @router.get("/api/v1/known-enterprises/{uscc}", response_model=KnownEnterprise,
                summary="本服务已同步的企业信息 the enterprise as this service knows it")
    async def get_known(uscc: str, request: Request, principal: CurrentPrincipal) -> KnownEnterprise:
        uscc = parse_uscc(uscc)
        async with request.app.state.runtime.sessions() as session:
            row = await find_enterprise(session, table, uscc)
        if row is None:
            raise NotFound("企业", uscc)
        ensure_enterprise_access(principal, row.city)
        return KnownEnterprise(**{k: getattr(row, k) for k in KnownEnterprise.model_fields})

    return router
