"""Use cases of the transfer service: one transaction each (state change + audit + outbox events).

Transfer records are planned row by row by :func:`plan_records` — the same checks for one record
(``register``) and for thousands (``bulk_register``): one read-model query for every USCC, one
query for every ``ref``, one per referenced listing kind, then Core ``executemany`` inserts and one
outbox flush.
"""
from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table, Text, case, cast, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.db import utcnow
from libs.common.errors import Conflict, FieldInvalid, Forbidden, NotFound, ProblemError, validation_errors
from libs.common.pagination import PageParams, fetch_page
from libs.common.search import ESCAPE, contains, escape_like
from libs.readmodels.enterprises import require_enterprise
from services.transfer import domain
from services.transfer import events as ev
from services.transfer.domain import ACADEMIC, LICENCES, FeeKind, Kind, Party, PartyInput, PartyKind, StateError
from services.transfer.models import (
    Base,
    EnterpriseNeed,
    LibraryEntry,
    MatchingEvent,
    OpenLicence,
    TransferPatent,
    TransferRecord,
    known_enterprises,
)
from services.transfer.schemas import (
    BulkOut,
    CloseNeedIn,
    HeldIn,
    LibraryEntryCreate,
    MatchingEventCreate,
    NeedCreate,
    OpenLicenceCreate,
    PartyIn,
    RowError,
    TransferCreate,
)

CHINA = ZoneInfo("Asia/Shanghai")
WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER})
BULK_WRITERS = WRITERS | {Role.INTEGRATION}
_IN_CHUNK = 2000  # values per IN (...) list: well under SQLite's and asyncpg's parameter limits
_ROW = TypeAdapter(TransferCreate)


def today() -> date:
    return datetime.now(CHINA).date()


def _require_writer(principal: Principal, city: str, roles: frozenset[Role] = WRITERS) -> None:
    if principal.role not in roles:
        raise Forbidden(f"角色 {principal.role.value} 无权执行此操作")
    ensure_city_access(principal, city)


def _scoped_city(principal: Principal, city: str | None, extra_readers: frozenset[Role] = frozenset()) -> str | None:
    """The city filter a list may use: a city officer sees only their city."""
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city
    if not principal.sees_all_cities() and principal.role not in extra_readers:
        raise Forbidden(f"角色 {principal.role.value} 无权查看")
    return city


def _state_error(exc: StateError) -> Conflict:
    return Conflict(exc.code, exc.message)


def _chunks(values: list, size: int = _IN_CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


async def known_map(session: AsyncSession, usccs: Iterable[str]) -> dict[str, Any]:
    """Read-model rows of the given USCCs (one query per 2,000)."""
    wanted = sorted(set(usccs))
    out: dict[str, Any] = {}
    for chunk in _chunks(wanted):
        for row in (await session.execute(select(known_enterprises).where(known_enterprises.c.uscc.in_(chunk)))).all():
            out[row.uscc] = row
    return out


def _party_input(p: PartyIn) -> PartyInput:
    return PartyInput(p.kind, p.name, p.uscc, p.region, p.city)


async def _resolve_single_party(session: AsyncSession, side: str, p: PartyIn) -> Party:
    known = await known_map(session, [p.uscc] if p.uscc else [])
    party, errors = domain.resolve_party(side, _party_input(p), known)
    if errors or party is None:  # no party comes without errors saying why
        raise ProblemError(422, "validation-error", "请求参数校验失败", errors[0]["message"], errors=errors)
    return party


# ============================================================================ transfer records

@dataclass
class Planned:
    row: int
    values: dict[str, Any]
    event: ev.TransferRegistered


async def plan_records(session: AsyncSession, principal: Principal, items: list[tuple[int, TransferCreate]],
                       batch_id: str | None) -> tuple[list[Planned], list[dict[str, Any]]]:
    """Check every row against the rules and the stored state; returns the rows to write and the
    errors (``row``, ``field``, ``rule``, ``message``) of the others."""
    usccs = [p.uscc for _, it in items for p in (it.from_, it.to) if p.uscc]
    known = await known_map(session, usccs)
    refs = [it.ref for _, it in items]
    existing_refs: set[str] = set()
    for chunk in _chunks(sorted(set(refs))):
        stmt = select(TransferRecord.ref).where(TransferRecord.ref.in_(chunk))
        existing_refs.update((await session.scalars(stmt)).all())
    licences = await _by_id(session, OpenLicence, {it.open_licence_id for _, it in items})
    entries = await _by_id(session, LibraryEntry, {it.library_entry_id for _, it in items})
    events = await _by_id(session, MatchingEvent, {it.matching_event_id for _, it in items})
    now, on = utcnow(), today()
    planned: list[Planned] = []
    errors: list[dict[str, Any]] = []
    seen_refs: dict[str, int] = {}
    for row, it in items:
        errs: list[dict[str, str]] = []
        seller, e1 = domain.resolve_party("from", _party_input(it.from_), known)
        buyer, e2 = domain.resolve_party("to", _party_input(it.to), known)
        errs += e1 + e2
        patents = list(it.patents)  # normalised by the schema's PatentNumber type
        errs += domain.duplicate_patents(patents)
        if it.ref in existing_refs:
            errs.append({"field": "ref", "rule": "ref.exists", "message": f"登记编号 {it.ref} 已存在"})
        elif it.ref in seen_refs:
            errs.append({"field": "ref", "rule": "ref.duplicate_in_batch",
                         "message": f"登记编号 {it.ref} 与第 {seen_refs[it.ref]} 行重复"})
        else:
            seen_refs[it.ref] = row
        city = None
        if seller and buyer:
            errs += domain.check_record(it.kind, seller, buyer, it.contract_date, it.term_end, it.amount,
                                        it.payment, on)
            city = domain.record_city(seller, buyer, it.city)
            if city is None:
                errs.append({"field": "city", "rule": "city.required",
                             "message": "双方均无湖北市州信息，请填写 city（计入的市州）"})
            elif not principal.may_access_city(city):
                errs.append({"field": "city", "rule": "forbidden-city",
                             "message": f"用户所属市州 {principal.city or '无'} 无权登记市州 {city} 的记录"})
        errs += _check_links(it, patents, licences, entries, events)
        if errs:
            errors.extend({"row": row, **e} for e in errs)
            continue
        assert seller is not None and buyer is not None  # else their errors are in errs
        record_id = uuid.uuid4().hex
        university_origin = seller.kind in ACADEMIC
        channel = ("open_licence" if it.open_licence_id else "library" if it.library_entry_id
                   else "matching_event" if it.matching_event_id else "direct")
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
            amount=domain.money_str(it.amount), payment=values["payment"], channel=channel,
            batch_id=batch_id)
        planned.append(Planned(row, values, event))
    return planned, errors


async def _by_id(session: AsyncSession, model, ids: set[int | None]) -> dict[int, Any]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.scalars(select(model).where(model.id.in_(sorted(wanted))))).all()
    return {r.id: r for r in rows}


def _check_links(it: TransferCreate, patents: list[str], licences: dict, entries: dict, events: dict) -> list[dict]:
    errs = []
    if it.open_licence_id is not None:
        lic = licences.get(it.open_licence_id)
        if lic is None:
            errs.append({"field": "open_licence_id", "rule": "open_licence.unknown",
                         "message": f"开放许可声明 {it.open_licence_id} 不存在"})
        else:
            if it.kind != Kind.OPEN:
                errs.append({"field": "kind", "rule": "open_licence.kind",
                             "message": "经由开放许可声明达成的许可，kind 应为 open_licence"})
            if not domain.open_licence_in_force(lic.status, lic.valid_from, lic.valid_to, it.contract_date):
                errs.append({"field": "open_licence_id", "rule": "open_licence.not_in_force",
                             "message": f"开放许可声明 {lic.id} 在 {it.contract_date} 不在有效期内或已撤回"})
            outside = [p for p in patents if p not in lic.patents]
            if outside:
                errs.append({"field": "patents", "rule": "open_licence.patents",
                             "message": f"专利 {'、'.join(outside)} 不在开放许可声明 {lic.id} 中"})
    if it.library_entry_id is not None:
        entry = entries.get(it.library_entry_id)
        if entry is None:
            errs.append({"field": "library_entry_id", "rule": "library_entry.unknown",
                         "message": f"资源库条目 {it.library_entry_id} 不存在"})
        elif entry.status != "available":
            errs.append({"field": "library_entry_id", "rule": "library_entry.unavailable",
                         "message": f"资源库条目 {entry.id} 已撤回"})
    if it.matching_event_id is not None:
        mev = events.get(it.matching_event_id)
        if mev is None:
            errs.append({"field": "matching_event_id", "rule": "matching_event.unknown",
                         "message": f"对接活动 {it.matching_event_id} 不存在"})
        elif mev.status == "cancelled":
            errs.append({"field": "matching_event_id", "rule": "matching_event.cancelled",
                         "message": f"对接活动 {mev.id} 已取消"})
    return errs


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


def _single_row_problem(errors: list[dict]) -> ProblemError:
    errs = [{k: e[k] for k in ("field", "rule", "message")} for e in errors]
    rules = {e["rule"] for e in errs}
    if "forbidden-city" in rules:
        return ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                            next(e["message"] for e in errs if e["rule"] == "forbidden-city"))
    if rules == {"ref.exists"}:
        return Conflict("transfer.exists", errs[0]["message"])
    return ProblemError(422, "validation-error", "请求参数校验失败",
                        "以下字段不合法：" + "、".join(sorted({e["field"] for e in errs})), errors=errs)


async def register(rt: Runtime, principal: Principal, data: TransferCreate) -> TransferRecord:
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能登记转让许可记录")
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
            raise Conflict("transfer.exists", f"登记编号 {data.ref} 已存在") from None
    return await get_record(rt, principal, planned[0].values["id"])


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}


async def bulk_register(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool) -> BulkOut:
    """Validate every row; write the good ones in one transaction (``atomic``: all or nothing)."""
    started = time.perf_counter()
    if principal.role not in BULK_WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能批量导入转让许可记录")
    items: list[tuple[int, TransferCreate]] = []
    errors: list[dict[str, Any]] = []
    for i, raw in enumerate(rows):
        try:
            items.append((i, _ROW.validate_python(raw)))
        except ValidationError as exc:
            errors.extend({"row": i, **e} for e in validation_errors(exc))
    batch_id = uuid.uuid4().hex
    ids: list[str | None] = [None] * len(rows)
    async with rt.unit_of_work() as uow:
        planned, plan_errors = await plan_records(uow.session, principal, items, batch_id)
        errors.extend(plan_errors)
        errors.sort(key=lambda e: e["row"])
        bad_rows = {e["row"] for e in errors}
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入未写入：存在不合法的行",
                               f"{len(bad_rows)} 行不合法（atomic=true：全部不写入）", errors=errors,
                               received=len(rows), rejected=len(bad_rows))
        if planned:
            await _write_records(uow, planned)
            await record_audit(uow.session, principal, "transfer.bulk_import", "transfer_batch", batch_id, None,
                               {"rows": len(rows), "written": len(planned), "rejected": len(bad_rows),
                                "atomic": atomic, "ids": [p.values["id"] for p in planned]})
            try:
                await uow.commit()
            except IntegrityError:  # a concurrent import took one of these refs
                raise Conflict("transfer.exists", "部分登记编号已被同时提交的其他请求占用，请重试") from None
            for p in planned:
                ids[p.row] = p.values["id"]
    return BulkOut(atomic=atomic, received=len(rows), written=len(planned), rejected=len(bad_rows),
                   batch_id=batch_id if planned else None, ids=ids, errors=[RowError(**e) for e in errors],
                   elapsed_ms=int((time.perf_counter() - started) * 1000))


async def get_record(rt: Runtime, principal: Principal, record_id: str) -> TransferRecord:
    async with rt.sessions() as session:
        rec = await session.get(TransferRecord, record_id)
    if rec is None:
        raise NotFound("转让许可记录", record_id)
    _scoped_city(principal, None)
    ensure_city_access(principal, rec.city)
    return rec


async def search_records(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                         year: int | None = None, kind: str | None = None, uscc: str | None = None,
                         patent: str | None = None, university_origin: bool | None = None,
                         status: str | None = None, batch_id: str | None = None,
                         q: str | None = None) -> tuple[list[TransferRecord], int]:
    city = _scoped_city(principal, city)
    stmt = select(TransferRecord)
    if city:
        stmt = stmt.where(TransferRecord.city == city)
    if year:
        stmt = stmt.where(TransferRecord.year == year)
    if kind:
        stmt = stmt.where(TransferRecord.kind == kind)
    if uscc:
        stmt = stmt.where(or_(TransferRecord.from_uscc == uscc, TransferRecord.to_uscc == uscc))
    if patent:
        stmt = stmt.where(TransferRecord.id.in_(select(TransferPatent.record_id)
                                                .where(TransferPatent.patent_number == patent)))
    if university_origin is not None:
        stmt = stmt.where(TransferRecord.university_origin == university_origin)
    if status:
        stmt = stmt.where(TransferRecord.status == status)
    if batch_id:
        stmt = stmt.where(TransferRecord.batch_id == batch_id)
    if q:
        stmt = stmt.where(contains(q.strip(), TransferRecord.from_name, TransferRecord.to_name, TransferRecord.ref))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, TransferRecord.contract_date.desc(), TransferRecord.id)
    return rows, total


async def stats(rt: Runtime, principal: Principal, year: int, city: str | None) -> list[dict[str, Any]]:
    """Registered records of a year by city and kind: counts, patents, university origin, amounts."""
    city = _scoped_city(principal, city)
    r = TransferRecord
    stmt = (select(r.city, r.kind, func.count(), func.sum(r.patent_count),
                   func.sum(case((r.university_origin.is_(True), 1), else_=0)),
                   func.sum(r.amount), func.sum(case((r.amount.is_(None), 1), else_=0)))
            .where(r.year == year, r.status == "registered").group_by(r.city, r.kind).order_by(r.city, r.kind))
    if city:
        stmt = stmt.where(r.city == city)
    async with rt.sessions() as session:
        rows = (await session.execute(stmt)).all()
    return [{"city": c, "city_name": city_label(c), "kind": k, "records": int(n), "patents": int(p or 0),
             "university_origin": int(u or 0),
             "amount_disclosed": Decimal(str(a or 0)).quantize(Decimal("0.01")), "undisclosed": int(nd or 0)}
            for c, k, n, p, u, a, nd in rows]


async def cancel_record(rt: Runtime, principal: Principal, record_id: str, reason: str) -> TransferRecord:
    async with rt.unit_of_work() as uow:
        rec = (await uow.session.scalars(select(TransferRecord).where(TransferRecord.id == record_id)
                                         .with_for_update())).first()
        if rec is None:
            raise NotFound("转让许可记录", record_id)
        _require_writer(principal, rec.city)
        try:
            rec.status = domain.RECORD.next(rec.status, "cancel")
        except StateError as exc:
            raise _state_error(exc) from None
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


# ============================================================================ open licences

def _listing_city(party: Party, explicit: str | None, side: str) -> str:
    city = explicit or party.city
    if city is None:
        raise FieldInvalid("city", "city.required", f"{side}不在湖北或未填写市州，请填写 city")
    return city


def _check_fee(data: OpenLicenceCreate) -> None:
    if data.fee_kind == FeeKind.FREE and (data.fee_amount or data.royalty_rate):
        raise FieldInvalid("fee_amount", "fee.free_but_priced", "免费开放许可不填写许可费或提成比例")
    if data.fee_kind == FeeKind.LUMP_SUM and not data.fee_amount:
        raise FieldInvalid("fee_amount", "fee.amount_required", "固定许可费方式须填写大于 0 的每年许可费")
    if data.fee_kind == FeeKind.ROYALTY and data.royalty_rate is None:
        raise FieldInvalid("royalty_rate", "fee.rate_required", "提成方式须填写提成比例")
    if data.valid_to <= data.valid_from:
        raise FieldInvalid("valid_to", "valid_to.before_from", "有效期截止日应晚于起始日")


async def publish_open_licence(rt: Runtime, principal: Principal, data: OpenLicenceCreate) -> OpenLicence:
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能发布开放许可")
    patents = list(data.patents)
    if errs := domain.duplicate_patents(patents):
        raise ProblemError(422, "validation-error", "请求参数校验失败", errs[0]["message"], errors=errs)
    _check_fee(data)
    async with rt.unit_of_work() as uow:
        licensor = await _resolve_single_party(uow.session, "licensor", data.licensor)
        city = _listing_city(licensor, data.city, "许可人")
        _require_writer(principal, city)
        lic = OpenLicence(patents=patents, title=data.title.strip(), licensor_kind=licensor.kind.value,
                          licensor_name=licensor.name, licensor_uscc=licensor.uscc, city=city,
                          fee_kind=data.fee_kind.value, fee_amount=data.fee_amount, royalty_rate=data.royalty_rate,
                          valid_from=data.valid_from, valid_to=data.valid_to, status="active",
                          created_by=principal.sub)
        uow.session.add(lic)
        await uow.session.flush()
        await record_audit(uow.session, principal, "open_licence.publish", "open_licence", str(lic.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.OpenLicencePublished(
            open_licence_id=str(lic.id), patents=patents, licensor_kind=lic.licensor_kind,
            licensor_name=lic.licensor_name,
            city=city, fee_kind=lic.fee_kind, fee_amount=_s(lic.fee_amount), royalty_rate=_s(lic.royalty_rate),
            valid_from=lic.valid_from, valid_to=lic.valid_to, year=lic.valid_from.year))
        await uow.commit()
    return lic


def _s(value) -> str | None:
    return domain.money_str(value)


async def licensee_counts(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = await session.execute(select(TransferRecord.open_licence_id, func.count()).where(
        TransferRecord.open_licence_id.in_(ids), TransferRecord.status == "registered")
        .group_by(TransferRecord.open_licence_id))
    return {i: n for i, n in rows.all() if i is not None}  # (in ids: never None)


async def search_open_licences(rt: Runtime, page: PageParams, *, city: str | None = None, status: str | None = None,
                               in_force: bool | None = None, patent: str | None = None,
                               q: str | None = None) -> tuple[list[tuple[OpenLicence, int]], int]:
    stmt = select(OpenLicence)
    if city:
        stmt = stmt.where(OpenLicence.city == city)
    if status:
        stmt = stmt.where(OpenLicence.status == status)
    if in_force is not None:
        on = today()
        cond = (OpenLicence.status == "active") & (OpenLicence.valid_from <= on) & (OpenLicence.valid_to >= on)
        stmt = stmt.where(cond if in_force else ~cond)
    if patent:
        stmt = stmt.where(cast(OpenLicence.patents, Text).like(f'%"{escape_like(patent)}"%', escape=ESCAPE))
    if q:
        stmt = stmt.where(contains(q.strip(), OpenLicence.title, OpenLicence.licensor_name))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, OpenLicence.id.desc())
        counts = await licensee_counts(session, [r.id for r in rows])
    return [(r, counts.get(r.id, 0)) for r in rows], total


async def get_open_licence(rt: Runtime, licence_id: int) -> tuple[OpenLicence, int]:
    async with rt.sessions() as session:
        lic = await session.get(OpenLicence, licence_id)
        if lic is None:
            raise NotFound("开放许可声明", str(licence_id))
        counts = await licensee_counts(session, [lic.id])
    return lic, counts.get(lic.id, 0)


async def withdraw_open_licence(rt: Runtime, principal: Principal, licence_id: int, reason: str) -> OpenLicence:
    async with rt.unit_of_work() as uow:
        lic = await uow.session.get(OpenLicence, licence_id, with_for_update=True)
        if lic is None:
            raise NotFound("开放许可声明", str(licence_id))
        _require_writer(principal, lic.city)
        try:
            lic.status = domain.OPEN_LICENCE.next(lic.status, "withdraw")
        except StateError as exc:
            raise _state_error(exc) from None
        lic.withdrawn_reason = reason
        await record_audit(uow.session, principal, "open_licence.withdraw", "open_licence", str(lic.id),
                           {"status": "active"}, {"status": lic.status, "reason": reason})
        uow.emit(ev.OpenLicenceWithdrawn(open_licence_id=str(lic.id), city=lic.city, withdrawn_on=today(),
                                         reason=reason))
        await uow.commit()
    return lic


# ============================================================================ convertible patent library

async def list_entry(rt: Runtime, principal: Principal, data: LibraryEntryCreate) -> LibraryEntry:
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能向资源库登记专利")
    patents = list(data.patents)
    if errs := domain.duplicate_patents(patents):
        raise ProblemError(422, "validation-error", "请求参数校验失败", errs[0]["message"], errors=errs)
    async with rt.unit_of_work() as uow:
        owner = await _resolve_single_party(uow.session, "owner", data.owner)
        city = _listing_city(owner, data.city, "权利人")
        _require_writer(principal, city)
        entry = LibraryEntry(title=data.title.strip(), patents=patents,
                             ipc_classes=list(dict.fromkeys(data.ipc_classes)),
                             keywords=domain.normalise_keywords(data.keywords), description=data.description.strip(),
                             owner_kind=owner.kind.value, owner_name=owner.name, owner_uscc=owner.uscc, city=city,
                             use_first_pay_later=data.use_first_pay_later, terms=data.terms, status="available",
                             deals=0, created_by=principal.sub)
        entry.search_text = " ".join([entry.title, *entry.keywords, entry.description]).lower()
        uow.session.add(entry)
        await uow.session.flush()
        await record_audit(uow.session, principal, "library.list", "library_entry", str(entry.id), None,
                           data.model_dump(mode="json"))
        on = today()
        uow.emit(ev.LibraryEntryListed(
            entry_id=str(entry.id), title=entry.title, patents=patents, ipc_classes=entry.ipc_classes,
            owner_kind=entry.owner_kind, owner_name=entry.owner_name, university_origin=owner.kind in ACADEMIC,
            city=city, use_first_pay_later=entry.use_first_pay_later, listed_on=on, year=on.year))
        await uow.commit()
    return entry


async def search_entries(rt: Runtime, page: PageParams, *, city: str | None = None, status: str | None = None,
                         ipc: str | None = None, keyword: str | None = None, owner_kind: str | None = None,
                         use_first_pay_later: bool | None = None) -> tuple[list[LibraryEntry], int]:
    stmt = select(LibraryEntry)
    if city:
        stmt = stmt.where(LibraryEntry.city == city)
    if status:
        stmt = stmt.where(LibraryEntry.status == status)
    if ipc:
        stmt = stmt.where(cast(LibraryEntry.ipc_classes, Text).like(f'%"{escape_like(ipc)}%', escape=ESCAPE))
    if keyword:
        stmt = stmt.where(contains(domain.normalise_name(keyword).lower(), LibraryEntry.search_text))
    if owner_kind:
        stmt = stmt.where(LibraryEntry.owner_kind == owner_kind)
    if use_first_pay_later is not None:
        stmt = stmt.where(LibraryEntry.use_first_pay_later == use_first_pay_later)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, LibraryEntry.id.desc())
    return rows, total


async def get_entry(rt: Runtime, entry_id: int) -> LibraryEntry:
    async with rt.sessions() as session:
        entry = await session.get(LibraryEntry, entry_id)
    if entry is None:
        raise NotFound("资源库条目", str(entry_id))
    return entry


async def withdraw_entry(rt: Runtime, principal: Principal, entry_id: int, reason: str) -> LibraryEntry:
    async with rt.unit_of_work() as uow:
        entry = await uow.session.get(LibraryEntry, entry_id, with_for_update=True)
        if entry is None:
            raise NotFound("资源库条目", str(entry_id))
        _require_writer(principal, entry.city)
        try:
            entry.status = domain.LIBRARY.next(entry.status, "withdraw")
        except StateError as exc:
            raise _state_error(exc) from None
        entry.withdrawn_reason = reason
        await record_audit(uow.session, principal, "library.withdraw", "library_entry", str(entry.id),
                           {"status": "available"}, {"status": entry.status, "reason": reason})
        uow.emit(ev.LibraryEntryWithdrawn(entry_id=str(entry.id), city=entry.city, withdrawn_on=today(), reason=reason))
        await uow.commit()
    return entry


# ============================================================================ enterprise needs and matching

NEED_READERS = frozenset({Role.AGENCY})


async def register_need(rt: Runtime, principal: Principal, data: NeedCreate) -> EnterpriseNeed:
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能登记企业需求")
    if not data.ipc_classes and not data.keywords:
        raise FieldInvalid("keywords", "need.no_terms", "请至少填写一个 IPC 分类号或关键词，以便匹配")
    async with rt.unit_of_work() as uow:
        ent = await require_enterprise(uow.session, known_enterprises, data.uscc)
        _require_writer(principal, ent.city)
        need = EnterpriseNeed(uscc=data.uscc, enterprise_name=ent.name, city=ent.city, is_private=bool(ent.is_private),
                              size_class=ent.size_class, title=data.title.strip(),
                              ipc_classes=list(dict.fromkeys(data.ipc_classes)),
                              keywords=domain.normalise_keywords(data.keywords), description=data.description.strip(),
                              budget=data.budget, status="open", created_by=principal.sub)
        uow.session.add(need)
        await uow.session.flush()
        await record_audit(uow.session, principal, "need.register", "need", str(need.id), None,
                           data.model_dump(mode="json"))
        on = today()
        uow.emit(ev.NeedRegistered(need_id=str(need.id), uscc=need.uscc, city=need.city, is_private=need.is_private,
                                   title=need.title, ipc_classes=need.ipc_classes, keywords=need.keywords,
                                   budget=_s(need.budget), registered_on=on, year=on.year))
        await uow.commit()
    return need


async def get_need(rt: Runtime, principal: Principal, need_id: int) -> EnterpriseNeed:
    _scoped_city(principal, None, NEED_READERS)
    async with rt.sessions() as session:
        need = await session.get(EnterpriseNeed, need_id)
    if need is None:
        raise NotFound("企业需求", str(need_id))
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, need.city)
    return need


async def search_needs(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                       status: str | None = None, uscc: str | None = None) -> tuple[list[EnterpriseNeed], int]:
    city = _scoped_city(principal, city, NEED_READERS)
    stmt = select(EnterpriseNeed)
    if city:
        stmt = stmt.where(EnterpriseNeed.city == city)
    if status:
        stmt = stmt.where(EnterpriseNeed.status == status)
    if uscc:
        stmt = stmt.where(EnterpriseNeed.uscc == uscc)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, EnterpriseNeed.id.desc())
    return rows, total


async def close_need(rt: Runtime, principal: Principal, need_id: int, data: CloseNeedIn) -> EnterpriseNeed:
    async with rt.unit_of_work() as uow:
        need = await uow.session.get(EnterpriseNeed, need_id, with_for_update=True)
        if need is None:
            raise NotFound("企业需求", str(need_id))
        _require_writer(principal, need.city)
        try:
            need.status = domain.NEED.next(need.status, "resolve" if data.outcome == "resolved" else "withdraw")
        except StateError as exc:
            raise _state_error(exc) from None
        need.closed_reason = data.reason
        await record_audit(uow.session, principal, f"need.{data.outcome}", "need", str(need.id), {"status": "open"},
                           {"status": need.status, "reason": data.reason})
        uow.emit(ev.NeedClosed(need_id=str(need.id), uscc=need.uscc, city=need.city, is_private=need.is_private,
                               outcome=data.outcome, closed_on=today(), reason=data.reason))
        await uow.commit()
    return need


async def match_need(rt: Runtime, principal: Principal, need_id: int, limit: int) -> list[tuple[domain.MatchScore,
                                                                                               LibraryEntry]]:
    """Available library entries ranked for a need (score desc, then newest)."""
    need = await get_need(rt, principal, need_id)
    async with rt.sessions() as session:
        entries = (await session.scalars(select(LibraryEntry).where(LibraryEntry.status == "available"))).all()
    scored = []
    for e in entries:
        s = domain.score_match(need.ipc_classes, need.keywords, need.city, need.size_class, e.ipc_classes, e.keywords,
                               f"{e.title} {e.description}", e.city, e.use_first_pay_later)
        if s.score > 0:
            scored.append((s, e))
    scored.sort(key=lambda se: (-se[0].score, -se[1].id))
    return scored[:limit]


# ============================================================================ matching events

async def plan_matching_event(rt: Runtime, principal: Principal, data: MatchingEventCreate) -> MatchingEvent:
    _require_writer(principal, data.city)
    async with rt.unit_of_work() as uow:
        mev = MatchingEvent(ref=data.ref, title=data.title.strip(), city=data.city, planned_date=data.planned_date,
                            organiser=data.organiser.strip(), field=data.field, status="planned",
                            created_by=principal.sub)
        uow.session.add(mev)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("matching_event.exists", f"活动编号 {data.ref} 已存在") from None
        await record_audit(uow.session, principal, "matching_event.plan", "matching_event", str(mev.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.MatchingEventPlanned(matching_event_id=str(mev.id), title=mev.title, city=mev.city,
                                         planned_date=mev.planned_date, organiser=mev.organiser, field=mev.field))
        await uow.commit()
    return mev


async def hold_matching_event(rt: Runtime, principal: Principal, event_id: int, data: HeldIn) -> MatchingEvent:
    async with rt.unit_of_work() as uow:
        mev = await uow.session.get(MatchingEvent, event_id, with_for_update=True)
        if mev is None:
            raise NotFound("对接活动", str(event_id))
        _require_writer(principal, mev.city)
        held_on = data.held_on or mev.planned_date
        if held_on > today():
            raise FieldInvalid("held_on", "date.future", f"举办日期 {held_on} 晚于今天，活动举办后再登记结果")
        try:
            mev.status = domain.MATCHING.next(mev.status, "hold")
        except StateError as exc:
            raise _state_error(exc) from None
        mev.held_on = held_on
        mev.participants_enterprises = data.participants_enterprises
        mev.participants_institutions = data.participants_institutions
        mev.deals_intended = data.deals_intended
        mev.amount_intended = data.amount_intended
        await record_audit(uow.session, principal, "matching_event.hold", "matching_event", str(mev.id),
                           {"status": "planned"}, {"status": "held", **data.model_dump(mode="json"),
                                                   "held_on": held_on})
        uow.emit(ev.MatchingEventHeld(
            matching_event_id=str(mev.id), title=mev.title, city=mev.city, held_on=held_on, year=held_on.year,
            organiser=mev.organiser, field=mev.field, participants_enterprises=data.participants_enterprises,
            participants_institutions=data.participants_institutions, deals_intended=data.deals_intended,
            amount_intended=_s(data.amount_intended)))
        await uow.commit()
    return mev


async def cancel_matching_event(rt: Runtime, principal: Principal, event_id: int, reason: str) -> MatchingEvent:
    async with rt.unit_of_work() as uow:
        mev = await uow.session.get(MatchingEvent, event_id, with_for_update=True)
        if mev is None:
            raise NotFound("对接活动", str(event_id))
        _require_writer(principal, mev.city)
        try:
            mev.status = domain.MATCHING.next(mev.status, "cancel")
        except StateError as exc:
            raise _state_error(exc) from None
        mev.cancelled_reason = reason
        await record_audit(uow.session, principal, "matching_event.cancel", "matching_event", str(mev.id),
                           {"status": "planned"}, {"status": "cancelled", "reason": reason})
        uow.emit(ev.MatchingEventCancelled(matching_event_id=str(mev.id), city=mev.city, planned_date=mev.planned_date,
                                           reason=reason))
        await uow.commit()
    return mev


async def search_matching_events(rt: Runtime, page: PageParams, *, city: str | None = None, year: int | None = None,
                                 status: str | None = None, ref: str | None = None) -> tuple[list[MatchingEvent], int]:
    stmt = select(MatchingEvent)
    if city:
        stmt = stmt.where(MatchingEvent.city == city)
    if year:
        stmt = stmt.where(func.coalesce(MatchingEvent.held_on, MatchingEvent.planned_date)
                          .between(date(year, 1, 1), date(year, 12, 31)))
    if status:
        stmt = stmt.where(MatchingEvent.status == status)
    if ref:
        stmt = stmt.where(MatchingEvent.ref == ref)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, MatchingEvent.planned_date.desc(), MatchingEvent.id)
    return rows, total


async def get_matching_event(rt: Runtime, event_id: int) -> MatchingEvent:
    async with rt.sessions() as session:
        mev = await session.get(MatchingEvent, event_id)
    if mev is None:
        raise NotFound("对接活动", str(event_id))
    return mev


def city_label(code: str) -> str:
    return divisions.CITIES.get(code, code)


__all__ = ["register", "bulk_register", "get_record", "search_records", "cancel_record", "publish_open_licence",
           "search_open_licences", "get_open_licence", "withdraw_open_licence", "list_entry", "search_entries",
           "get_entry", "withdraw_entry", "register_need", "get_need", "search_needs", "close_need", "match_need",
           "plan_matching_event", "hold_matching_event", "cancel_matching_event", "search_matching_events",
           "get_matching_event", "PartyKind"]
