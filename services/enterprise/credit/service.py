"""Use cases of the credit register 信用记录: one transaction each (state + audit + outbox event).

Who may act is :mod:`services.enterprise.policy`, what the rules allow
:mod:`services.enterprise.credit.domain`. :func:`active_facts` is what the pool (criterion 10,
removals, the review queue) and tier recommendations read.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from services.enterprise import events as ev
from services.enterprise import policy
from services.enterprise.credit import domain
from services.enterprise.credit.domain import CreditFact
from services.enterprise.credit.models import CreditEntry
from services.enterprise.credit.schemas import CreditEntryIn, CreditLiftIn
from services.enterprise.models import Enterprise
from services.enterprise.reference import Ownership

REGISTER = "信用记录"


def fact(e: CreditEntry) -> CreditFact:
    return CreditFact(entry_id=e.id, kind=e.kind, authority=e.authority, document_no=e.document_no,
                      decided_on=e.decided_on, effective_from=e.effective_from, effective_until=e.effective_until,
                      lifted_on=e.lifted_on)


def _event_fields(e: CreditEntry) -> dict[str, Any]:
    return {"entry_id": e.id, "uscc": e.uscc, "city": e.city, "is_private": e.is_private, "kind": e.kind,
            "authority": e.authority, "document_no": e.document_no, "decided_on": e.decided_on,
            "effective_from": e.effective_from, "effective_until": e.effective_until, "lifted_on": e.lifted_on}


def _snapshot(e: CreditEntry) -> dict[str, Any]:
    return {**_event_fields(e), "summary": e.summary, "lift_reason": e.lift_reason}


async def _registered(session, uscc: str) -> Enterprise:
    """The enterprise of a new entry: registered in the enterprise table, or a 422 naming ``uscc``."""
    enterprise = await session.get(Enterprise, uscc)
    if enterprise is None:
        raise RuleViolation("enterprise-registered", f"企业 {uscc} 未在企业库登记，不能记录信用信息", "uscc")
    return enterprise


async def record(rt: Runtime, principal: Principal, data: CreditEntryIn) -> CreditEntry:
    domain.check_entry(data.decided_on, data.effective_from, data.effective_until, today())
    async with rt.unit_of_work() as uow:
        enterprise = await _registered(uow.session, data.uscc)
        policy.ensure_credit_recorder(principal, enterprise.city)
        entry = CreditEntry(uscc=enterprise.uscc, city=enterprise.city,
                            is_private=enterprise.ownership == Ownership.PRIVATE, kind=data.kind.value,
                            authority=data.authority, decided_on=data.decided_on,
                            document_no=data.document_no, effective_from=data.effective_from,
                            effective_until=data.effective_until, summary=data.summary, recorded_by=principal.sub)
        uow.session.add(entry)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("credit.duplicate", f"企业 {data.uscc} 已有文书 {data.document_no} 的同类信用记录",
                                "document_no") from None
        await record_audit(uow.session, principal, "credit.record", "enterprise", entry.uscc, None, _snapshot(entry))
        uow.emit(ev.CreditRecorded(**_event_fields(entry), year=entry.decided_on.year))
        await uow.commit()
    return entry


async def lift(rt: Runtime, principal: Principal, entry_id: int, data: CreditLiftIn) -> CreditEntry:
    async with rt.unit_of_work() as uow:
        entry = await get_or_404(uow.session, CreditEntry, entry_id, REGISTER, lock=True)
        domain.check_lift(entry.id, entry.effective_from, entry.effective_until, entry.lifted_on, data.lifted_on,
                          today())
        before = _snapshot(entry)
        entry.lifted_on, entry.lift_reason, entry.lifted_by = data.lifted_on, data.reason, principal.sub
        await uow.session.flush()
        await record_audit(uow.session, principal, "credit.lift", "enterprise", entry.uscc,
                           {"entry_id": entry.id, "lifted_on": before["lifted_on"]},
                           {"entry_id": entry.id, "lifted_on": entry.lifted_on, "reason": data.reason})
        uow.emit(ev.CreditLifted(**_event_fields(entry), year=data.lifted_on.year, reason=data.reason))
        await uow.commit()
    return entry


# ----------------------------------------------------------------------------------------- reads

async def names_of(session, usccs: set[str]) -> dict[str, str]:
    if not usccs:
        return {}
    return dict((await session.execute(select(Enterprise.uscc, Enterprise.name)
                                       .where(Enterprise.uscc.in_(usccs)))).all())


async def with_names(session, rows: list[CreditEntry]) -> list[tuple[CreditEntry, str]]:
    names = await names_of(session, {e.uscc for e in rows})
    return [(e, names.get(e.uscc, "")) for e in rows]


def _active_on(stmt: Any, day: date) -> Any:
    return stmt.where(CreditEntry.effective_from <= day,
                      (CreditEntry.effective_until.is_(None)) | (CreditEntry.effective_until >= day),
                      (CreditEntry.lifted_on.is_(None)) | (CreditEntry.lifted_on > day))


async def active_facts(session, usccs: list[str] | set[str], day: date) -> dict[str, list[CreditFact]]:
    """The entries active on ``day`` of each enterprise (every one of ``usccs`` is a key)."""
    out: dict[str, list[CreditFact]] = defaultdict(list)
    usccs = list(usccs)
    for i in range(0, len(usccs), 500):
        stmt = _active_on(select(CreditEntry).where(CreditEntry.uscc.in_(usccs[i:i + 500])), day)
        for e in (await session.scalars(stmt.order_by(CreditEntry.effective_from, CreditEntry.id))).all():
            out[e.uscc].append(fact(e))
    return {u: out.get(u, []) for u in usccs}


async def get_entry(rt: Runtime, principal: Principal, entry_id: int) -> tuple[CreditEntry, str]:
    async with rt.sessions() as session:
        entry = await get_or_404(session, CreditEntry, entry_id, REGISTER)
        policy.readable_city(principal, entry.city, REGISTER)
        names = await names_of(session, {entry.uscc})
    return entry, names.get(entry.uscc, "")


async def list_entries(rt: Runtime, principal: Principal, page: PageParams, city: str | None, kind: str | None,
                       uscc: str | None, active_on: date | None) -> tuple[list[CreditEntry], dict[str, str], int]:
    city = policy.readable_city(principal, city, REGISTER)
    stmt = where_equal(select(CreditEntry), CreditEntry, city=city, kind=kind, uscc=uscc)
    if active_on is not None:
        stmt = _active_on(stmt, active_on)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, CreditEntry.id)
        names = await names_of(session, {e.uscc for e in rows})
    return rows, names, total


async def enterprise_entries(rt: Runtime, principal: Principal, uscc: str) -> tuple[list[CreditEntry], str]:
    async with rt.sessions() as session:
        enterprise = await get_or_404(session, Enterprise, uscc, "企业")
        policy.readable_city(principal, enterprise.city, REGISTER)
        rows = list((await session.scalars(select(CreditEntry).where(CreditEntry.uscc == uscc)
                                           .order_by(CreditEntry.effective_from, CreditEntry.id))).all())
    return rows, enterprise.name
