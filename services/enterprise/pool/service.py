"""Use cases of the pool programme: one transaction each (state + history + audit + outbox event)."""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.errors import Conflict, FieldInvalid, Forbidden, NotFound, ProblemError
from libs.common.pagination import PageParams, fetch_page
from services.enterprise import events as ev
from services.enterprise.models import Enterprise, YearFigures
from services.enterprise.pool import domain
from services.enterprise.pool.domain import (
    OPEN_STATUSES,
    REMOVAL_REASON_NAMES,
    Declarations,
    Evaluation,
    Figures,
    GraduationEvidence,
    Outcome,
    PoolRuleViolation,
    Profile,
    RemovalReason,
    Status,
    TopupState,
)
from services.enterprise.pool.models import PoolHistory, PoolMembership
from services.enterprise.pool.schemas import AdmitIn, ApplicationIn, GraduateIn, ProgressIn, RejectIn, RemoveIn
from services.enterprise.reference import Ownership
from services.enterprise.service import _get as get_enterprise
from services.enterprise.service import today

#: Transaction-scoped PostgreSQL advisory lock serialising admissions (cap and top-up checks).
ADMISSION_LOCK_KEY = 0x1_9900_0100


def _problem(exc: PoolRuleViolation) -> ProblemError:
    if exc.field:
        return FieldInvalid(exc.field, exc.code, exc.message)
    return Conflict(exc.code, exc.message, **exc.numbers)


def _is_private(e: Enterprise) -> bool:
    return e.ownership == Ownership.PRIVATE


def profile_of(e: Enterprise) -> Profile:
    return Profile(registered_in_hubei=divisions.is_hubei(e.registered_division),
                   registered_division=e.registered_division, size_class=e.size_class,
                   qualifications=tuple(e.qualifications or ()), industry=e.industry,
                   patent_product_filed=e.patent_product_filed, own_brand=e.own_brand,
                   ip_management_certified=e.ip_management_certified)


async def _figures(session, uscc: str, year: int) -> Figures | None:
    row = await session.get(YearFigures, (uscc, year))
    if row is None:
        return None
    return Figures(year=year, revenue=row.revenue, rd_spend=row.rd_spend, staff=row.staff, rd_staff=row.rd_staff,
                   industrialisation_rate=row.industrialisation_rate)


async def _rates(session, usccs: list[str]) -> dict[str, dict[int, Decimal | None]]:
    out: dict[str, dict[int, Decimal | None]] = {u: {} for u in usccs}
    if not usccs:
        return out
    rows = await session.execute(select(YearFigures.uscc, YearFigures.year, YearFigures.industrialisation_rate)
                                 .where(YearFigures.uscc.in_(usccs)))
    for uscc, year, rate in rows:
        out[uscc][year] = rate
    return out


def _latest_rate(rates: dict[int, Decimal | None]) -> Decimal | None:
    known = [(y, r) for y, r in rates.items() if r is not None]
    return max(known)[1] if known else None


async def _evaluate(session, enterprise: Enterprise, declarations: Declarations, applied_on: date) -> Evaluation:
    year = applied_on.year - 1
    return domain.evaluate(profile_of(enterprise), await _figures(session, enterprise.uscc, year), declarations, year)


def _declarations(data: ApplicationIn) -> Declarations:
    return Declarations(**data.declarations.model_dump())


def _require_writer(principal: Principal, city: str) -> None:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER):
        raise Forbidden(f"角色 {principal.role.value} 不能修改培育库数据")
    ensure_city_access(principal, city)


def _require_reader(principal: Principal, city: str | None = None) -> str | None:
    """The city filter a reader may use: a city officer sees only their city."""
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city
    if not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看培育库")
    return city


def _applied_on(data: ApplicationIn) -> date:
    applied_on = data.applied_on or today()
    try:
        domain.check_date("applied_on", applied_on, today(), domain.PROGRAMME_START, "实施方案印发日")
    except PoolRuleViolation as exc:
        raise _problem(exc) from None
    return applied_on


async def preview(rt: Runtime, principal: Principal, data: ApplicationIn) -> Evaluation:
    """Evaluate the criteria as an application would, writing nothing."""
    applied_on = _applied_on(data)
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, data.uscc)
        _require_writer(principal, enterprise.city)
        return await _evaluate(session, enterprise, _declarations(data), applied_on)


def _history(uow, principal: Principal, m: PoolMembership, action: str, on: date, reason: str,
             details: dict[str, Any] | None = None) -> PoolHistory:
    entry = PoolHistory(membership_id=m.id, uscc=m.uscc, city=m.city, action=action, effective_date=on,
                        reason=reason, details=details, actor=principal.sub, actor_role=principal.role.value)
    uow.session.add(entry)
    return entry


async def apply(rt: Runtime, principal: Principal, data: ApplicationIn) -> PoolMembership:
    applied_on = _applied_on(data)
    declarations = _declarations(data)
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, data.uscc, lock=True)
        if principal.role != Role.CITY_OFFICER:
            raise Forbidden("入库申报由企业所在市州知识产权局提交")
        ensure_city_access(principal, enterprise.city)
        open_one = (await uow.session.scalars(select(PoolMembership).where(
            PoolMembership.uscc == data.uscc, PoolMembership.status.in_([s.value for s in OPEN_STATUSES])))).first()
        if open_one is not None:
            raise Conflict("pool.already_open",
                           f"该企业已有{domain.STATUS_NAMES[Status(open_one.status)]}的入库记录（编号 {open_one.id}）",
                           membership_id=open_one.id, current_status=open_one.status)
        evaluation = await _evaluate(uow.session, enterprise, declarations, applied_on)
        m = PoolMembership(
            uscc=enterprise.uscc, city=enterprise.city, status=Status.APPLIED.value, applied_on=applied_on,
            applied_by=principal.sub, application_reason=data.reason, declarations=asdict(declarations),
            evaluation_year=evaluation.year, evaluation=[asdict(c) for c in evaluation.criteria],
            failed_criteria=evaluation.codes(Outcome.FAIL), unknown_criteria=evaluation.codes(Outcome.UNKNOWN))
        uow.session.add(m)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("pool.already_open", "该企业已有待审核或在库的入库记录") from None
        _history(uow, principal, m, "applied", applied_on, data.reason,
                 {"failed": m.failed_criteria, "unknown": m.unknown_criteria, "evaluation_year": evaluation.year})
        await record_audit(uow.session, principal, "pool.apply", "enterprise", m.uscc, None,
                           {"membership_id": m.id, "city": m.city, "applied_on": applied_on,
                            "declarations": m.declarations,
                            "failed": m.failed_criteria, "unknown": m.unknown_criteria, "reason": data.reason})
        uow.emit(ev.PoolApplied(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=_is_private(enterprise),
                                applied_on=applied_on, year=applied_on.year, evaluation_year=evaluation.year,
                                passed=evaluation.codes(Outcome.PASS), failed=m.failed_criteria,
                                unknown=m.unknown_criteria))
        await uow.commit()
    return m


async def _membership(session, membership_id: int, lock: bool = False) -> PoolMembership:
    stmt = select(PoolMembership).where(PoolMembership.id == membership_id)
    if lock:
        stmt = stmt.with_for_update()
    m = (await session.scalars(stmt)).first()
    if m is None:
        raise NotFound("入库记录", str(membership_id))
    return m


def _expect(m: PoolMembership, status: Status, action: str) -> None:
    if m.status != status.value:
        raise Conflict(f"pool.not_{status.value}",
                       f"入库记录 {m.id} 当前状态为“{domain.STATUS_NAMES[Status(m.status)]}”，不能{action}",
                       current_status=m.status)


def _check(fn, *args, **kwargs) -> Any:
    try:
        return fn(*args, **kwargs)
    except PoolRuleViolation as exc:
        raise _problem(exc) from None


async def _lock_admissions(session) -> None:
    """Serialise admissions: PostgreSQL takes a transaction-scoped advisory lock; SQLite writers are
    serialised already (one in-process writer queue, BEGIN IMMEDIATE)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMISSION_LOCK_KEY})


async def members_count(session) -> int:
    return int(await session.scalar(select(func.count()).select_from(PoolMembership)
                                    .where(PoolMembership.status == Status.ADMITTED.value)) or 0)


async def topup_state(session, city: str) -> TopupState:
    rows = (await session.execute(select(PoolHistory.action, PoolHistory.effective_date).where(
        PoolHistory.city == city, PoolHistory.action.in_(["admitted", "graduated"])))).all()
    return TopupState(graduation_dates=tuple(d for a, d in rows if a == "graduated"),
                      admission_dates=tuple(d for a, d in rows if a == "admitted"))


async def admit(rt: Runtime, principal: Principal, membership_id: int, data: AdmitIn) -> PoolMembership:
    async with rt.unit_of_work() as uow:
        await _lock_admissions(uow.session)
        m = await _membership(uow.session, membership_id, lock=True)
        _expect(m, Status.APPLIED, "入库")
        _check(domain.check_date, "effective_date", data.effective_date, today(), m.applied_on, "申报日期")
        members = await members_count(uow.session)
        _check(domain.check_capacity, members)
        _check(domain.check_topup, await topup_state(uow.session, m.city), data.effective_date,
               divisions.CITIES.get(m.city, m.city))
        enterprise = await get_enterprise(uow.session, m.uscc)
        figures = await _figures(uow.session, m.uscc, data.effective_date.year - 1)
        m.status, m.decided_on, m.decided_by, m.decision_reason = (
            Status.ADMITTED.value, data.effective_date, principal.sub, data.reason)
        m.admitted_on = data.effective_date
        m.admission_rate = figures.industrialisation_rate if figures else None
        reason = data.reason or "经省局审核，同意入库培育"
        _history(uow, principal, m, "admitted", data.effective_date, reason,
                 {"members_after": members + 1,
                  "admission_rate": str(m.admission_rate) if m.admission_rate is not None else None})
        await record_audit(uow.session, principal, "pool.admit", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.APPLIED.value},
                           {"status": m.status, "admitted_on": m.admitted_on, "reason": data.reason,
                            "members_after": members + 1})
        uow.emit(ev.PoolAdmitted(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=_is_private(enterprise),
                                 admitted_on=data.effective_date, year=data.effective_date.year,
                                 members_after=members + 1, failed=list(m.failed_criteria), reason=data.reason))
        await uow.commit()
    return m


async def reject(rt: Runtime, principal: Principal, membership_id: int, data: RejectIn) -> PoolMembership:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _expect(m, Status.APPLIED, "作出不予入库决定")
        enterprise = await get_enterprise(uow.session, m.uscc)
        on = today()
        m.status, m.decided_on, m.decided_by, m.decision_reason = Status.REJECTED.value, on, principal.sub, data.reason
        _history(uow, principal, m, "rejected", on, data.reason)
        await record_audit(uow.session, principal, "pool.reject", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.APPLIED.value},
                           {"status": m.status, "reason": data.reason})
        uow.emit(ev.PoolApplicationRejected(uscc=m.uscc, membership_id=m.id, city=m.city,
                                            is_private=_is_private(enterprise), rejected_on=on, year=on.year,
                                            reason=data.reason))
        await uow.commit()
    return m


async def graduate(rt: Runtime, principal: Principal, membership_id: int, data: GraduateIn) -> PoolMembership:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _expect(m, Status.ADMITTED, "出库")
        _check(domain.check_date, "effective_date", data.effective_date, today(), m.admitted_on, "入库日期")
        rates = (await _rates(uow.session, [m.uscc]))[m.uscc]
        evidence = GraduationEvidence(
            rate_before=data.industrialisation_rate_before if data.industrialisation_rate_before is not None
            else m.admission_rate,
            rate_after=data.industrialisation_rate_after if data.industrialisation_rate_after is not None
            else _latest_rate(rates),
            new_patent_intensive_products=data.new_patent_intensive_products,
            sales_growth_pct=data.sales_growth_pct, profit_growth_pct=data.profit_growth_pct)
        _check(domain.check_graduation, evidence)
        enterprise = await get_enterprise(uow.session, m.uscc)
        evidence_doc = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(evidence).items()}
        m.status, m.ended_on, m.ended_by, m.end_reason = (
            Status.GRADUATED.value, data.effective_date, principal.sub, data.reason)
        m.graduation_evidence = evidence_doc
        _history(uow, principal, m, "graduated", data.effective_date, data.reason, evidence_doc)
        await record_audit(uow.session, principal, "pool.graduate", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.ADMITTED.value},
                           {"status": m.status, "graduated_on": data.effective_date, "evidence": evidence_doc,
                            "reason": data.reason})
        uow.emit(ev.PoolGraduated(
            uscc=m.uscc, membership_id=m.id, city=m.city, is_private=_is_private(enterprise),
            admitted_on=m.admitted_on, graduated_on=data.effective_date, year=data.effective_date.year,
            industrialisation_rate_before=str(evidence.rate_before),
            industrialisation_rate_after=str(evidence.rate_after),
            new_patent_intensive_products=evidence.new_patent_intensive_products,
            sales_growth_pct=evidence_doc["sales_growth_pct"], profit_growth_pct=evidence_doc["profit_growth_pct"],
            reason=data.reason))
        await uow.commit()
    return m


def _admitted_on(m: PoolMembership) -> date:
    """The admission date of a member that has been admitted (set on admission, never cleared)."""
    if m.admitted_on is None:
        raise RuntimeError(f"pool membership {m.id} ({m.status}) has no admission date")
    return m.admitted_on


async def remove(rt: Runtime, principal: Principal, membership_id: int, data: RemoveIn) -> PoolMembership:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _expect(m, Status.ADMITTED, "退库")
        admitted_on = _admitted_on(m)
        _check(domain.check_date, "effective_date", data.effective_date, today(), admitted_on, "入库日期")
        if data.removal_reason == RemovalReason.NO_PROGRESS and not domain.review_due(admitted_on,
                                                                                       data.effective_date):
            raise Conflict("pool.no_progress_too_early",
                           f"该企业于 {admitted_on} 入库，{data.effective_date} 尚未满 2 年，"
                           f"自 {domain.review_from(admitted_on)} 起方可以“2年内未取得实质性进展”退库",
                           admitted_on=admitted_on.isoformat(),
                           review_from=domain.review_from(admitted_on).isoformat())
        enterprise = await get_enterprise(uow.session, m.uscc)
        m.status, m.ended_on, m.ended_by, m.end_reason = (
            Status.REMOVED.value, data.effective_date, principal.sub, data.reason)
        m.removal_reason = data.removal_reason.value
        _history(uow, principal, m, "removed", data.effective_date, data.reason,
                 {"removal_reason": m.removal_reason,
                  "removal_reason_name": REMOVAL_REASON_NAMES[data.removal_reason]})
        await record_audit(uow.session, principal, "pool.remove", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.ADMITTED.value},
                           {"status": m.status, "removed_on": data.effective_date,
                            "removal_reason": m.removal_reason, "reason": data.reason})
        uow.emit(ev.PoolRemoved(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=_is_private(enterprise),
                                admitted_on=m.admitted_on, removed_on=data.effective_date,
                                year=data.effective_date.year, removal_reason=m.removal_reason, reason=data.reason))
        await uow.commit()
    return m


async def record_progress(rt: Runtime, principal: Principal, membership_id: int, data: ProgressIn) -> PoolHistory:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _require_writer(principal, m.city)
        _expect(m, Status.ADMITTED, "登记产业化进展")
        _check(domain.check_date, "recorded_on", data.recorded_on, today(), m.admitted_on, "入库日期")
        enterprise = await get_enterprise(uow.session, m.uscc)
        before = m.last_progress_on
        m.last_progress_on = max(filter(None, [m.last_progress_on, data.recorded_on]))
        rate = str(data.industrialisation_rate) if data.industrialisation_rate is not None else None
        entry = _history(uow, principal, m, "progress", data.recorded_on, data.description,
                         {"industrialisation_rate": rate})
        await uow.session.flush()
        await record_audit(uow.session, principal, "pool.progress", "enterprise", m.uscc,
                           {"membership_id": m.id, "last_progress_on": before},
                           {"last_progress_on": m.last_progress_on, "recorded_on": data.recorded_on,
                            "industrialisation_rate": rate, "description": data.description})
        uow.emit(ev.PoolProgressRecorded(uscc=m.uscc, membership_id=m.id, city=m.city,
                                         is_private=_is_private(enterprise), recorded_on=data.recorded_on,
                                         year=data.recorded_on.year, industrialisation_rate=rate,
                                         description=data.description))
        await uow.commit()
    return entry


# ----------------------------------------------------------------------------------------- reads

async def names_of(session, usccs: set[str]) -> dict[str, str]:
    if not usccs:
        return {}
    return dict((await session.execute(select(Enterprise.uscc, Enterprise.name)
                                       .where(Enterprise.uscc.in_(usccs)))).all())


async def history_of(session, membership_ids: list[int]) -> dict[int, list[PoolHistory]]:
    out: dict[int, list[PoolHistory]] = {i: [] for i in membership_ids}
    if membership_ids:
        rows = (await session.scalars(select(PoolHistory).where(PoolHistory.membership_id.in_(membership_ids))
                                      .order_by(PoolHistory.effective_date, PoolHistory.id))).all()
        for h in rows:
            out[h.membership_id].append(h)
    return out


async def get_membership(rt: Runtime, principal: Principal, membership_id: int
                         ) -> tuple[PoolMembership, str, list[PoolHistory]]:
    async with rt.sessions() as session:
        m = await _membership(session, membership_id)
        _require_reader(principal, m.city)
        names = await names_of(session, {m.uscc})
        history = (await history_of(session, [m.id]))[m.id]
    return m, names.get(m.uscc, ""), history


async def list_memberships(rt: Runtime, principal: Principal, page: PageParams, status: str | None,
                           city: str | None, uscc: str | None) -> tuple[list[PoolMembership], dict[str, str], int]:
    city = _require_reader(principal, city)
    stmt = select(PoolMembership)
    if status:
        stmt = stmt.where(PoolMembership.status == status)
    if city:
        stmt = stmt.where(PoolMembership.city == city)
    if uscc:
        stmt = stmt.where(PoolMembership.uscc == uscc)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, PoolMembership.id)
        names = await names_of(session, {m.uscc for m in rows})
    return rows, names, total


async def enterprise_history(rt: Runtime, principal: Principal, uscc: str
                             ) -> tuple[list[PoolMembership], str, dict[int, list[PoolHistory]]]:
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, uscc)
        _require_reader(principal, enterprise.city)
        rows = list((await session.scalars(select(PoolMembership).where(PoolMembership.uscc == uscc)
                                           .order_by(PoolMembership.id))).all())
        history = await history_of(session, [m.id for m in rows])
    return rows, enterprise.name, history


async def review_list(rt: Runtime, principal: Principal, as_of: date | None, city: str | None
                      ) -> tuple[date, list[dict[str, Any]]]:
    """Members on ``as_of`` admitted more than two years before it without recorded progress
    (computed on read, so it is right on any day)."""
    city = _require_reader(principal, city)
    as_of = as_of or today()
    stmt = select(PoolMembership).where(PoolMembership.admitted_on.is_not(None), PoolMembership.admitted_on <= as_of,
                                        (PoolMembership.ended_on.is_(None)) | (PoolMembership.ended_on > as_of),
                                        PoolMembership.status.in_([Status.ADMITTED.value, Status.GRADUATED.value,
                                                                   Status.REMOVED.value]))
    if city:
        stmt = stmt.where(PoolMembership.city == city)
    async with rt.sessions() as session:
        ordered = stmt.order_by(PoolMembership.admitted_on, PoolMembership.id)
        members = [m for m in (await session.scalars(ordered)).all()
                   if domain.review_due(_admitted_on(m), as_of)]
        progress = await session.execute(select(PoolHistory.membership_id, PoolHistory.effective_date).where(
            PoolHistory.membership_id.in_([m.id for m in members]), PoolHistory.action == "progress"))
        dates: dict[int, list[date]] = {}
        for mid, d in progress:
            dates.setdefault(mid, []).append(d)
        rates = await _rates(session, list({m.uscc for m in members}))
        names = await names_of(session, {m.uscc for m in members})
    out = []
    for m in members:
        r = rates.get(m.uscc, {})
        admitted_on = _admitted_on(m)
        if domain.has_progress(m.admission_rate, admitted_on, as_of, dates.get(m.id, []), r):
            continue
        out.append({
            "membership_id": m.id, "uscc": m.uscc, "enterprise_name": names.get(m.uscc, ""), "city": m.city,
            "city_name": divisions.CITIES.get(m.city, m.city), "admitted_on": admitted_on,
            "review_from": domain.review_from(admitted_on), "days_in_pool": (as_of - admitted_on).days,
            "admission_rate": m.admission_rate,
            "latest_rate": _latest_rate({y: v for y, v in r.items() if y <= as_of.year}),
            "reason": f"{admitted_on} 入库，至 {as_of} 已满 2 年，未登记专利产业化进展，"
                      "年度数据中专利产业化率未高于入库时水平"
                      f"（{m.admission_rate if m.admission_rate is not None else '未知'} %）"})
    return as_of, out


async def summary(rt: Runtime, principal: Principal, as_of: date | None) -> dict[str, Any]:
    _require_reader(principal)
    as_of = as_of or today()
    async with rt.sessions() as session:
        status_rows = (await session.execute(select(PoolMembership.city, PoolMembership.status, func.count())
                                             .group_by(PoolMembership.city, PoolMembership.status))).all()
        history_rows = (await session.execute(select(PoolHistory.city, PoolHistory.action, PoolHistory.effective_date)
                                              .where(PoolHistory.action.in_(["admitted", "graduated", "removed"]))
                                              )).all()
    by_status: Counter = Counter()
    for c, s, n in status_rows:
        by_status[(c, s)] += n
    cities: list[dict[str, Any]] = []
    for city, name in divisions.CITIES.items():
        dated = [(a, d) for c, a, d in history_rows if c == city and d <= as_of]
        state = TopupState(graduation_dates=tuple(d for a, d in dated if a == "graduated"),
                           admission_dates=tuple(d for a, d in dated if a == "admitted"))
        cities.append({
            "city": city, "city_name": name, "members": by_status[(city, "admitted")],
            "applications": sum(v for (c, _), v in by_status.items() if c == city),
            "pending": by_status[(city, "applied")],
            "admitted": sum(1 for a, _ in dated if a == "admitted"),
            "graduated": sum(1 for a, _ in dated if a == "graduated"),
            "removed": sum(1 for a, _ in dated if a == "removed"),
            "first_graduation": state.first_graduation(), "topups_used": state.topups(as_of),
            "topups_allowed": domain.topup_allowance(state, as_of)})
    members = sum(c["members"] for c in cities)
    if principal.role == Role.CITY_OFFICER:
        cities = [c for c in cities if c["city"] == principal.city]
    return {"as_of": as_of, "cap": domain.POOL_CAP, "members": members, "free_places": domain.POOL_CAP - members,
            "pending": sum(v for (c, s), v in by_status.items() if s == "applied"), "cities": cities}
