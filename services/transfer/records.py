"""Use cases of transfer records 转让许可记录: register one, bulk import thousands, read, count, cancel.
One transaction each (state change + audit + outbox events).

Records are planned row by row by :func:`plan_records` — the same checks for one record
(``register``) and for thousands (``bulk_register``): one read-model query for every USCC, one
query for every ``ref``, one per referenced listing kind, then Core ``executemany`` inserts and one
outbox flush.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.db import utcnow
from libs.common.errors import ProblemError, get_or_404, validation_errors
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import contains, where_equal
from libs.common.sheets.results import RowError
from services.transfer import domain, lookups, policy
from services.transfer import events as ev
from services.transfer.domain import ACADEMIC, LICENCES, FieldErrors, Kind, Party
from services.transfer.models import Base, LibraryEntry, MatchingEvent, OpenLicence, TransferPatent, TransferRecord
from services.transfer.schemas import BulkOut, TransferCreate

_ROW = TypeAdapter(TransferCreate)


# ---------------------------------------------------------------------------- planning rows

@dataclass
class Planned:
    row: int
    values: dict[str, Any]
    event: ev.TransferRegistered


@dataclass
class _Stored:
    """What every row of a request is checked against, read once for all of them."""

    known: dict[str, Any]
    refs: set[str]
    licences: dict[int, Any]
    entries: dict[int, Any]
    events: dict[int, Any]


async def _load_stored(session: AsyncSession, items: list[tuple[int, TransferCreate]]) -> _Stored:
    known = await lookups.known_map(session, [p.uscc for _, it in items for p in (it.from_, it.to) if p.uscc])
    refs: set[str] = set()
    for chunk in lookups.chunks(sorted({it.ref for _, it in items})):
        refs.update((await session.scalars(select(TransferRecord.ref).where(TransferRecord.ref.in_(chunk)))).all())
    return _Stored(known, refs,
                   await lookups.by_id(session, OpenLicence, {it.open_licence_id for _, it in items}),
                   await lookups.by_id(session, LibraryEntry, {it.library_entry_id for _, it in items}),
                   await lookups.by_id(session, MatchingEvent, {it.matching_event_id for _, it in items}))


def _check_row(principal: Principal, row: int, it: TransferCreate, stored: _Stored, seen_refs: dict[str, int],
               on) -> tuple[Party | None, Party | None, str | None, FieldErrors]:
    """The parties and city of one row, and everything wrong with it."""
    seller, e1 = domain.resolve_party("from", lookups.party_input(it.from_), stored.known)
    buyer, e2 = domain.resolve_party("to", lookups.party_input(it.to), stored.known)
    patents = list(it.patents)  # normalised by the schema's PatentNumber type
    errs = e1 + e2 + domain.duplicate_patents(patents) + domain.ref_errors(it.ref, row, stored.refs, seen_refs)
    city = None
    if seller and buyer:
        errs += domain.check_record(it.kind, seller, buyer, it.contract_date, it.term_end, it.amount, it.payment, on)
        city, city_errs = domain.counted_city(seller, buyer, it.city)
        errs += city_errs if city is None else policy.city_row_error(principal, city)
    errs += domain.check_links(it, patents, stored.licences, stored.entries, stored.events)
    return seller, buyer, city, errs


def _plan_row(principal: Principal, row: int, it: TransferCreate, seller: Party, buyer: Party, city: str,
              batch_id: str | None, now: datetime) -> Planned:
    """The table row and the event of a checked record."""
    record_id = uuid.uuid4().hex
    patents = list(it.patents)
    university_origin = seller.kind in ACADEMIC
    values = {
        "id": record_id, "ref": it.ref, "kind": it.kind.value, "patents": patents, "patent_count": len(patents),
        "from_kind": seller.kind.value, "from_name": seller.name, "from_uscc": seller.uscc,
        "from_city": seller.city, "from_region": seller.region.value, "from_is_private": seller.is_private,
        "to_kind": buyer.kind.value, "to_name": buyer.name, "to_uscc": buyer.uscc, "to_city": buyer.city,
        "to_region": buyer.region.value, "to_is_private": buyer.is_private,
        "university_origin": university_origin, "amount": it.amount,
        "payment": it.payment.value if it.payment else None, "contract_date": it.contract_date,
        "term_end": it.term_end, "year": it.contract_date.year, "city": city, "status": "registered",
        "open_licence_id": it.open_licence_id, "library_entry_id": it.library_entry_id,
        "matching_event_id": it.matching_event_id, "note": it.note, "batch_id": batch_id,
        "registered_by": principal.sub, "created_at": now, "updated_at": now,
    }
    event = ev.TransferRegistered(
        record_id=record_id, ref=it.ref, kind=it.kind.value, is_licence=it.kind in LICENCES, patents=patents,
        patent_count=len(patents), from_party=ev.PartyData(**seller.as_event()),
        to_party=ev.PartyData(**buyer.as_event()), university_origin=university_origin, city=city,
        contract_date=it.contract_date, year=it.contract_date.year,
        amount=domain.money_str(it.amount), payment=values["payment"], channel=domain.record_channel(it),
        batch_id=batch_id)
    return Planned(row, values, event)


async def plan_records(session: AsyncSession, principal: Principal, items: list[tuple[int, TransferCreate]],
                       batch_id: str | None) -> tuple[list[Planned], list[dict[str, Any]]]:
    """Check every row against the rules and the stored state; returns the rows to write and the
    errors (``row``, ``field``, ``rule``, ``message``) of the others."""
    stored = await _load_stored(session, items)
    now, on = utcnow(), today()
    planned: list[Planned] = []
    errors: list[dict[str, Any]] = []
    seen_refs: dict[str, int] = {}
    for row, it in items:
        seller, buyer, city, errs = _check_row(principal, row, it, stored, seen_refs, on)
        if errs:
            errors.extend({"row": row, **e} for e in errs)
        else:
            assert seller is not None and buyer is not None and city is not None  # else their errors are in errs
            planned.append(_plan_row(principal, row, it, seller, buyer, city, batch_id, now))
    return planned, errors


def _table(model: type[Base]) -> Table:
    """The table a model maps (declared as the broader FromClause)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


async def _write_records(uow, planned: list[Planned]) -> None:
    """Core executemany inserts of records and their patent index, library deal counts, events."""
    session = uow.session
    await session.execute(_table(TransferRecord).insert(), [p.values for p in planned])
    await session.execute(_table(TransferPatent).insert(), [
        {"record_id": p.values["id"], "patent_number": n} for p in planned for n in p.values["patents"]])
    deals = Counter(p.values["library_entry_id"] for p in planned if p.values["library_entry_id"])
    for entry_id, n in deals.items():
        await session.execute(update(LibraryEntry).where(LibraryEntry.id == entry_id)
                              .values(deals=LibraryEntry.deals + n))
    for p in planned:
        uow.emit(p.event)


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}


# ---------------------------------------------------------------------------- one record

def _single_row_problem(errors: list[dict]) -> ProblemError | RuleViolation:
    """The row errors of a single registration as the problem of that request: another city is a
    403, a taken ``ref`` alone a 409, anything else a 422 listing every error."""
    errs = [{k: e[k] for k in ("field", "rule", "message")} for e in errors]
    rules = {e["rule"] for e in errs}
    if "forbidden-city" in rules:
        return ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                            next(e["message"] for e in errs if e["rule"] == "forbidden-city"))
    if rules == {"ref.exists"}:
        return RuleViolation("transfer.exists", errs[0]["message"])
    return ProblemError(422, "validation-error", "请求参数校验失败",
                        "以下字段不合法：" + "、".join(sorted({e["field"] for e in errs})), errors=errs)


async def register(rt: Runtime, principal: Principal, data: TransferCreate) -> TransferRecord:
    policy.ensure_role(principal, policy.WRITERS, "不能登记转让许可记录")
    async with rt.unit_of_work() as uow:
        planned, errors = await plan_records(uow.session, principal, [(0, data)], None)
        if errors:
            raise _single_row_problem(errors)
        await _write_records(uow, planned)
        await record_audit(uow.session, principal, "transfer.register", "transfer", planned[0].values["id"], None,
                           _audit_values(planned[0].values))
        try:
            await uow.commit()
        except IntegrityError:  # a concurrent request took the same ref
            raise RuleViolation("transfer.exists", f"登记编号 {data.ref} 已存在") from None
    return await get_record(rt, principal, planned[0].values["id"])


# ---------------------------------------------------------------------------- bulk import

def _parse_rows(rows: list[dict[str, Any]]) -> tuple[list[tuple[int, TransferCreate]], list[dict[str, Any]]]:
    """Each row as a request body: the parsed ones by row number, the errors of the others."""
    items: list[tuple[int, TransferCreate]] = []
    errors: list[dict[str, Any]] = []
    for i, raw in enumerate(rows):
        try:
            items.append((i, _ROW.validate_python(raw)))
        except ValidationError as exc:
            errors.extend({"row": i, **e} for e in validation_errors(exc))
    return items, errors


async def _write_batch(uow, principal: Principal, planned: list[Planned], batch_id: str,
                       audit: dict[str, Any]) -> None:
    await _write_records(uow, planned)
    await record_audit(uow.session, principal, "transfer.bulk_import", "transfer_batch", batch_id, None,
                       {**audit, "ids": [p.values["id"] for p in planned]})
    try:
        await uow.commit()
    except IntegrityError:  # a concurrent import took one of these refs
        raise RuleViolation("transfer.exists", "部分登记编号已被同时提交的其他请求占用，请重试") from None


async def bulk_register(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool,
                        dry_run: bool = False) -> BulkOut:
    """Validate every row; write the good ones in one transaction (``atomic``: all or nothing;
    ``dry_run``: nothing, the answer says what would be refused)."""
    started = time.perf_counter()
    policy.ensure_role(principal, policy.BULK_WRITERS, "不能批量导入转让许可记录")
    items, errors = _parse_rows(rows)
    batch_id = uuid.uuid4().hex
    async with rt.unit_of_work() as uow:
        planned, plan_errors = await plan_records(uow.session, principal, items, batch_id)
        errors = sorted(errors + plan_errors, key=lambda e: e["row"])
        bad_rows = {e["row"] for e in errors}
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入未写入：存在不合法的行",
                               f"{len(bad_rows)} 行不合法（atomic=true：全部不写入）", errors=errors,
                               received=len(rows), rejected=len(bad_rows))
        if dry_run:
            planned = []
        if planned:
            await _write_batch(uow, principal, planned, batch_id, {
                "rows": len(rows), "written": len(planned), "rejected": len(bad_rows), "atomic": atomic})
    ids: list[str | None] = [None] * len(rows)
    for p in planned:
        ids[p.row] = p.values["id"]
    return BulkOut(atomic=atomic, dry_run=dry_run, received=len(rows), written=len(planned), rejected=len(bad_rows),
                   batch_id=batch_id if planned else None, ids=ids, errors=[RowError(**e) for e in errors],
                   elapsed_ms=int((time.perf_counter() - started) * 1000))


# ---------------------------------------------------------------------------- reads, counts, cancel

async def get_record(rt: Runtime, principal: Principal, record_id: str) -> TransferRecord:
    async with rt.sessions() as session:
        rec = await get_or_404(session, TransferRecord, record_id, "转让许可记录")
    policy.ensure_may_read(principal, rec.city)
    return rec


async def search_records(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                         year: int | None = None, kind: str | None = None, uscc: str | None = None,
                         patent: str | None = None, university_origin: bool | None = None,
                         status: str | None = None, batch_id: str | None = None,
                         q: str | None = None) -> tuple[list[TransferRecord], int]:
    city = policy.readable_city(principal, city)
    stmt = where_equal(select(TransferRecord), TransferRecord, city=city, year=year, kind=kind,
                               university_origin=university_origin, status=status, batch_id=batch_id)
    if uscc:
        stmt = stmt.where(or_(TransferRecord.from_uscc == uscc, TransferRecord.to_uscc == uscc))
    if patent:
        stmt = stmt.where(TransferRecord.id.in_(select(TransferPatent.record_id)
                                                .where(TransferPatent.patent_number == patent)))
    if q:
        stmt = stmt.where(contains(q.strip(), TransferRecord.from_name, TransferRecord.to_name, TransferRecord.ref))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, TransferRecord.contract_date.desc(), TransferRecord.id)
    return rows, total


async def stats(rt: Runtime, principal: Principal, year: int,
                city: str | None) -> tuple[str | None, list[dict[str, Any]]]:
    """Registered records of a year by city and kind: counts, patents, university origin, amounts;
    with the city they were limited to (a city officer's own)."""
    city = policy.readable_city(principal, city)
    r = TransferRecord
    stmt = (select(r.city, r.kind, func.count(), func.sum(r.patent_count),
                   func.sum(case((r.university_origin.is_(True), 1), else_=0)),
                   func.sum(r.amount), func.sum(case((r.amount.is_(None), 1), else_=0)))
            .where(r.year == year, r.status == "registered").group_by(r.city, r.kind).order_by(r.city, r.kind))
    if city:
        stmt = stmt.where(r.city == city)
    async with rt.sessions() as session:
        rows = (await session.execute(stmt)).all()
    return city, [{"city": c, "city_name": divisions.CITIES.get(c, c), "kind": k, "records": int(n),
                   "patents": int(p or 0), "university_origin": int(u or 0),
                   "amount_disclosed": Decimal(str(a or 0)).quantize(Decimal("0.01")), "undisclosed": int(nd or 0)}
                  for c, k, n, p, u, a, nd in rows]


async def cancel_record(rt: Runtime, principal: Principal, record_id: str, reason: str) -> TransferRecord:
    async with rt.unit_of_work() as uow:
        rec = await lookups.writable(uow.session, principal, TransferRecord, record_id, "转让许可记录")
        rec.status = domain.RECORD.next(rec.status, "cancel")
        rec.cancelled_reason, rec.cancelled_at = reason, utcnow()
        if rec.library_entry_id:
            await uow.session.execute(update(LibraryEntry).where(LibraryEntry.id == rec.library_entry_id)
                                      .values(deals=LibraryEntry.deals - 1))
        await record_audit(uow.session, principal, "transfer.cancel", "transfer", rec.id, {"status": "registered"},
                           {"status": rec.status, "reason": reason})
        uow.emit(ev.TransferCancelled(
            record_id=rec.id, ref=rec.ref, kind=rec.kind, is_licence=Kind(rec.kind) in LICENCES,
            patent_count=rec.patent_count, university_origin=rec.university_origin, city=rec.city,
            contract_date=rec.contract_date, year=rec.year,
            amount=domain.money_str(rec.amount), reason=reason))
        await uow.commit()
    return rec


__all__ = ["Planned", "bulk_register", "cancel_record", "get_record", "plan_records", "register", "search_records",
           "stats"]
