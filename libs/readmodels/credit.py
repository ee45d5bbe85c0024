"""The local read model of the credit register 信用记录 (``known_credit_entries``), for the services
that must refuse an enterprise under an active entry without calling the enterprise service (finance's
credit white-list: 鄂知发〔2019〕1号 § 5 joint punishment of serious dishonesty).

Fed by ``ipp.enterprise.credit.recorded.v1`` / ``…lifted.v1`` on ``ipp.enterprise.events`` through its
own idempotent consumer (inbox + dead-letter, consumer group ``ipp-<service>-credit-entries``). Every
event carries the whole entry, so any one restores it; an older event never overwrites a newer one
(``as_of`` = ``ce_time`` of the last event applied). It depends only on the published event contract.

    known_credit = credit_table(Base.metadata)                  # models.py
    credit_upgrade_v1()                                         # in a migration
    on_start=[start_credit_consumer(known_credit)]              # app.py
    routers=[known_credit_router(known_credit)]                 # app.py (lets scripts wait for an entry)
    active = await active_entries(session, known_credit, usccs, day)   # service.py
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import Boolean, Column, Date, Index, MetaData, String, Table, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import CurrentPrincipal
from libs.common.db import BigId, UTCDateTime, utcnow
from libs.common.errors import Forbidden
from libs.common.fields import parse_uscc
from libs.common.inbox import Incoming
from libs.readmodels.consumer import read_model_consumer

if TYPE_CHECKING:
    from libs.common.app import StartHook

ENTERPRISE_TOPIC = "ipp.enterprise.events"
TABLE_NAME = "known_credit_entries"
RECORDED = "ipp.enterprise.credit.recorded.v1"
LIFTED = "ipp.enterprise.credit.lifted.v1"
EVENT_TYPES = frozenset({RECORDED, LIFTED})
#: The seeds' names of the kinds (for the messages of the services that refuse).
KIND_NAMES = {"serious_dishonesty": "知识产权严重违法失信", "abnormal_patent_application": "非正常专利申请",
              "violation": "违法违规", "major_accident": "重大事故"}


def credit_table(metadata: MetaData) -> Table:
    """The read-model table, declared in the consuming service's own metadata."""
    return Table(
        TABLE_NAME, metadata,
        Column("entry_id", BigId, primary_key=True, autoincrement=False),
        Column("uscc", String(18), nullable=False),
        Column("city", String(6), nullable=False),
        Column("is_private", Boolean, nullable=False),
        Column("kind", String(40), nullable=False),
        Column("authority", String(200), nullable=False),
        Column("document_no", String(200), nullable=False),
        Column("decided_on", Date, nullable=False),
        Column("effective_from", Date, nullable=False),
        Column("effective_until", Date, nullable=True),
        Column("lifted_on", Date, nullable=True),
        #: ``ce_time`` of the last event applied: an older event never overwrites a newer one.
        Column("as_of", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Index(f"ix_{TABLE_NAME}_uscc", "uscc"),
    )


def upgrade_v1() -> None:
    """Migration step creating the table (call it from the service's migration); frozen."""
    from alembic import op

    op.create_table(
        TABLE_NAME,
        sa.Column("entry_id", BigId, autoincrement=False, nullable=False),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("city", sa.String(6), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("authority", sa.String(200), nullable=False),
        sa.Column("document_no", sa.String(200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_until", sa.Date(), nullable=True),
        sa.Column("lifted_on", sa.Date(), nullable=True),
        sa.Column("as_of", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f(f"pk_{TABLE_NAME}")),
    )
    op.create_index(f"ix_{TABLE_NAME}_uscc", TABLE_NAME, ["uscc"])


def downgrade_v1() -> None:
    from alembic import op

    op.drop_index(f"ix_{TABLE_NAME}_uscc", TABLE_NAME)
    op.drop_table(TABLE_NAME)


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _values(data: dict[str, Any]) -> dict[str, Any]:
    return {"uscc": data["uscc"], "city": data["city"], "is_private": bool(data["is_private"]), "kind": data["kind"],
            "authority": data["authority"], "document_no": data["document_no"],
            "decided_on": _day(data["decided_on"]), "effective_from": _day(data["effective_from"]),
            "effective_until": _day(data.get("effective_until")), "lifted_on": _day(data.get("lifted_on"))}


async def apply_credit_events(session: AsyncSession, table: Table, records: list[Incoming]) -> int:
    """Upsert the read model from a batch of enterprise events (others are ignored); returns how many
    rows changed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    changed = 0
    for rec in records:
        ev = rec.cloud_event
        if ev.type not in EVENT_TYPES:
            continue
        entry_id = int(ev.data["entry_id"])
        values = _values(ev.data)
        as_of = ev.time if isinstance(ev.time, datetime) else datetime.fromisoformat(str(ev.time))
        row = (await session.execute(select(table.c.as_of).where(table.c.entry_id == entry_id))).first()
        if row is None:
            await session.execute(insert(table).values(entry_id=entry_id, as_of=as_of, updated_at=utcnow(), **values)
                                  .on_conflict_do_nothing(index_elements=["entry_id"]))
            changed += 1
        elif row.as_of <= as_of:
            await session.execute(table.update().where(table.c.entry_id == entry_id)
                                  .values(as_of=as_of, updated_at=utcnow(), **values))
            changed += 1
    return changed


def start_credit_consumer(table: Table) -> StartHook:
    """A start hook (``build_service_app(on_start=[...])``) running the read model's consumer."""

    async def apply(session: AsyncSession, records: list[Incoming]) -> int:
        return await apply_credit_events(session, table, records)

    return read_model_consumer("credit-entries", ENTERPRISE_TOPIC, apply)


@dataclass(frozen=True)
class ActiveEntry:
    entry_id: int
    uscc: str
    kind: str
    authority: str
    document_no: str
    effective_from: date
    effective_until: date | None

    def describe(self) -> str:
        until = self.effective_until.isoformat() if self.effective_until else "长期"
        return (f"{KIND_NAMES.get(self.kind, self.kind)}（{self.authority} {self.document_no}，"
                f"有效期 {self.effective_from} 至 {until}，记录编号 {self.entry_id}）")


async def active_entries(session: AsyncSession, table: Table, usccs: list[str], day: date
                         ) -> dict[str, list[ActiveEntry]]:
    """The entries known here that are active on ``day`` (``effective_from <= day <= effective_until``,
    open end allowed, not lifted on or before ``day``), by USCC (only enterprises that have one)."""
    out: dict[str, list[ActiveEntry]] = {}
    for i in range(0, len(usccs), 500):
        stmt = select(table).where(
            table.c.uscc.in_(usccs[i:i + 500]), table.c.effective_from <= day,
            (table.c.effective_until.is_(None)) | (table.c.effective_until >= day),
            (table.c.lifted_on.is_(None)) | (table.c.lifted_on > day)).order_by(table.c.entry_id)
        for r in (await session.execute(stmt)).all():
            out.setdefault(r.uscc, []).append(ActiveEntry(r.entry_id, r.uscc, r.kind, r.authority, r.document_no,
                                                          r.effective_from, r.effective_until))
    return out


class KnownCreditEntry(BaseModel):
    entry_id: int
    uscc: str
    city: str
    kind: str
    authority: str
    document_no: str
    decided_on: date
    effective_from: date
    effective_until: date | None
    lifted_on: date | None


def known_credit_router(table: Table) -> APIRouter:
    """``GET /api/v1/known-credit-entries/{uscc}``: the entries of an enterprise this service has learnt
    of (an empty list if none yet) — lets integrators and scripts wait until an entry has reached the
    service. Province-wide roles read every enterprise's, a city officer their city's entries."""
    router = APIRouter(tags=["信用记录读模型 known credit entries"])

    @router.get("/api/v1/known-credit-entries/{uscc}", response_model=list[KnownCreditEntry],
                summary="本服务已同步的企业信用记录 the entries as this service knows them")
    async def get_known(uscc: str, request: Request, principal: CurrentPrincipal) -> list[KnownCreditEntry]:
        uscc = parse_uscc(uscc)
        if not principal.sees_all_cities() and principal.role.value != "city-officer":
            raise Forbidden(f"角色 {principal.role.value} 无权查看信用记录")
        stmt = select(table).where(table.c.uscc == uscc).order_by(table.c.entry_id)
        if principal.role.value == "city-officer":
            stmt = stmt.where(table.c.city == principal.city)
        async with request.app.state.runtime.sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [KnownCreditEntry(**{k: getattr(r, k) for k in KnownCreditEntry.model_fields}) for r in rows]

    return router
