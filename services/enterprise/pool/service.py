"""Use cases of the pool programme: one transaction each (state + history + audit + outbox event).

Who may act is :mod:`services.enterprise.policy`, what the rules allow :mod:`services.enterprise.pool.domain`.
"""
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
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from services.enterprise import events as ev
from services.enterprise import policy
from services.enterprise.credit import service as credit_service
from services.enterprise.credit.domain import CreditFact
from services.enterprise.credit.models import CreditEntry
from services.enterprise.credit.views import brief
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
    Profile,
    Status,
    TopupState,
)
from services.enterprise.pool.models import PoolHistory, PoolMembership
from services.enterprise.pool.schemas import AdmitIn, ApplicationIn, GraduateIn, ProgressIn, RejectIn, RemoveIn
from services.enterprise.service import get_enterprise, is_private

#: Transaction-scoped PostgreSQL advisory lock serialising admissions (cap and top-up checks).
ADMISSION_LOCK_KEY = 0x1_9900_0100
#: What the policy's messages call the pool's records (“不能修改培育库数据”, “无权查看培育库”).
POOL_DATA, POOL = "培育库数据", "培育库"


def profile_of(e: Enterprise) -> Profile:
    """Annex 1 is decided on the enterprise's current registration (its city and county in the
    registry), not on its USCC's positions 3–8 (``registered_division``), which stay when it moves."""
    current = e.county or e.city
    return Profile(registered_in_hubei=divisions.is_hubei(current), registered_division=current,
                   entity_category=e.uscc[:2], size_class=e.size_class,
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
    """The 10 criteria on ``applied_on``: last year's figures, and the credit register's entries active
    that day (criterion 10)."""
    year = applied_on.year - 1
    credit = (await credit_service.active_facts(session, [enterprise.uscc], applied_on))[enterprise.uscc]
    return domain.evaluate(profile_of(enterprise), await _figures(session, enterprise.uscc, year), declarations, year,
                           tuple(credit))


def _declarations(data: ApplicationIn) -> Declarations:
    return Declarations(**data.declarations.model_dump())


def _applied_on(data: ApplicationIn) -> date:
    applied_on = data.applied_on or today()
    domain.check_date("applied_on", applied_on, today(), domain.PROGRAMME_START, "实施方案印发日")
    return applied_on


async def _membership(session, membership_id: int, lock: bool = False) -> PoolMembership:
    return await get_or_404(session, PoolMembership, membership_id, "入库记录", lock=lock)


def _history(uow, principal: Principal, m: PoolMembership, action: str, on: date, reason: str,
             details: dict[str, Any] | None = None) -> PoolHistory:
    entry = PoolHistory(membership_id=m.id, uscc=m.uscc, city=m.city, action=action, effective_date=on,
                        reason=reason, details=details, actor=principal.sub, actor_role=principal.role.value)
    uow.session.add(entry)
    return entry


# ------------------------------------------------------------------------------------ applications

async def preview(rt: Runtime, principal: Principal, data: ApplicationIn) -> Evaluation:
    """Evaluate the criteria as an application would, writing nothing."""
    applied_on = _applied_on(data)
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, data.uscc)
        policy.ensure_writer(principal, enterprise.city, POOL_DATA)
        return await _evaluate(session, enterprise, _declarations(data), applied_on)


async def apply(rt: Runtime, principal: Principal, data: ApplicationIn) -> PoolMembership:
    applied_on = _applied_on(data)
    declarations = _declarations(data)
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, data.uscc, lock=True)
        policy.ensure_applicant(principal, enterprise.city)
        domain.check_none_open((await uow.session.execute(select(PoolMembership.id, PoolMembership.status).where(
            PoolMembership.uscc == data.uscc, PoolMembership.status.in_([s.value for s in OPEN_STATUSES])))).first())
        evaluation = await _evaluate(uow.session, enterprise, declarations, applied_on)
        m = _application(principal, enterprise, data, declarations, evaluation, applied_on)
        uow.session.add(m)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("pool.already_open", "该企业已有待审核或在库的入库记录") from None
        _history(uow, principal, m, "applied", applied_on, data.reason,
                 {"failed": m.failed_criteria, "unknown": m.unknown_criteria,
                  "warned": evaluation.codes(Outcome.WARN), "evaluation_year": evaluation.year})
        await record_audit(uow.session, principal, "pool.apply", "enterprise", m.uscc, None,
                           {"membership_id": m.id, "city": m.city, "applied_on": applied_on,
                            "declarations": m.declarations, "failed": m.failed_criteria,
                            "unknown": m.unknown_criteria, "reason": data.reason})
        uow.emit(ev.PoolApplied(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=is_private(enterprise),
                                applied_on=applied_on, year=applied_on.year, evaluation_year=evaluation.year,
                                passed=evaluation.codes(Outcome.PASS), failed=m.failed_criteria,
                                unknown=m.unknown_criteria, warned=evaluation.codes(Outcome.WARN)))
        await uow.commit()
    return m


def _application(principal: Principal, enterprise: Enterprise, data: ApplicationIn, declarations: Declarations,
                 evaluation: Evaluation, applied_on: date) -> PoolMembership:
    return PoolMembership(
        uscc=enterprise.uscc, city=enterprise.city, status=Status.APPLIED.value, applied_on=applied_on,
        applied_by=principal.sub, application_reason=data.reason, declarations=asdict(declarations),
        evaluation_year=evaluation.year, evaluation=[asdict(c) for c in evaluation.criteria],
        failed_criteria=evaluation.codes(Outcome.FAIL), unknown_criteria=evaluation.codes(Outcome.UNKNOWN))


# ---------------------------------------------------------------------------- the province decides

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


async def _check_admission(session, m: PoolMembership, on: date) -> int:
    """An application dated before ``on``, a free place and the city's top-up allowance; returns the
    number of members before this admission."""
    domain.check_status(m.id, m.status, Status.APPLIED, "入库")
    domain.check_date("effective_date", on, today(), m.applied_on, "申报日期")
    members = await members_count(session)
    domain.check_capacity(members)
    domain.check_topup(await topup_state(session, m.city), on, divisions.CITIES.get(m.city, m.city))
    return members


async def admit(rt: Runtime, principal: Principal, membership_id: int, data: AdmitIn) -> PoolMembership:
    on = data.effective_date
    async with rt.unit_of_work() as uow:
        await _lock_admissions(uow.session)
        m = await _membership(uow.session, membership_id, lock=True)
        members = await _check_admission(uow.session, m, on)
        enterprise = await get_enterprise(uow.session, m.uscc)
        figures = await _figures(uow.session, m.uscc, on.year - 1)
        m.status, m.decided_on, m.decided_by, m.decision_reason = Status.ADMITTED.value, on, principal.sub, data.reason
        m.admitted_on = on
        m.admission_rate = figures.industrialisation_rate if figures else None
        _history(uow, principal, m, "admitted", on, data.reason or "经省局审核，同意入库培育",
                 {"members_after": members + 1,
                  "admission_rate": str(m.admission_rate) if m.admission_rate is not None else None})
        await record_audit(uow.session, principal, "pool.admit", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.APPLIED.value},
                           {"status": m.status, "admitted_on": m.admitted_on, "reason": data.reason,
                            "members_after": members + 1})
        uow.emit(ev.PoolAdmitted(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=is_private(enterprise),
                                 admitted_on=on, year=on.year, members_after=members + 1,
                                 failed=list(m.failed_criteria), reason=data.reason))
        await uow.commit()
    return m


async def reject(rt: Runtime, principal: Principal, membership_id: int, data: RejectIn) -> PoolMembership:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        domain.check_status(m.id, m.status, Status.APPLIED, "作出不予入库决定")
        enterprise = await get_enterprise(uow.session, m.uscc)
        on = today()
        m.status, m.decided_on, m.decided_by, m.decision_reason = Status.REJECTED.value, on, principal.sub, data.reason
        _history(uow, principal, m, "rejected", on, data.reason)
        await record_audit(uow.session, principal, "pool.reject", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.APPLIED.value},
                           {"status": m.status, "reason": data.reason})
        uow.emit(ev.PoolApplicationRejected(uscc=m.uscc, membership_id=m.id, city=m.city,
                                            is_private=is_private(enterprise), rejected_on=on, year=on.year,
                                            reason=data.reason))
        await uow.commit()
    return m


# ------------------------------------------------------------------------------------ members

def _check_member_step(m: PoolMembership, field_name: str, on: date, action: str) -> None:
    """A step for a member (graduation, removal, progress): admitted, and dated from its admission."""
    domain.check_status(m.id, m.status, Status.ADMITTED, action)
    domain.check_date(field_name, on, today(), m.admitted_on, "入库日期")


def _end(m: PoolMembership, status: Status, principal: Principal, on: date, reason: str) -> None:
    m.status, m.ended_on, m.ended_by, m.end_reason = status.value, on, principal.sub, reason


async def _graduation_evidence(session, m: PoolMembership, data: GraduateIn) -> GraduationEvidence:
    """The evidence given, the rates missing from it taken from admission and the latest yearly figures."""
    rate_before, rate_after = data.industrialisation_rate_before, data.industrialisation_rate_after
    if rate_after is None:
        rate_after = _latest_rate((await _rates(session, [m.uscc]))[m.uscc])
    return GraduationEvidence(
        rate_before=rate_before if rate_before is not None else m.admission_rate, rate_after=rate_after,
        new_patent_intensive_products=data.new_patent_intensive_products,
        sales_growth_pct=data.sales_growth_pct, profit_growth_pct=data.profit_growth_pct)


async def graduate(rt: Runtime, principal: Principal, membership_id: int, data: GraduateIn) -> PoolMembership:
    on = data.effective_date
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _check_member_step(m, "effective_date", on, "出库")
        evidence = await _graduation_evidence(uow.session, m, data)
        domain.check_graduation(evidence)
        enterprise = await get_enterprise(uow.session, m.uscc)
        evidence_doc = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in asdict(evidence).items()}
        _end(m, Status.GRADUATED, principal, on, data.reason)
        m.graduation_evidence = evidence_doc
        _history(uow, principal, m, "graduated", on, data.reason, evidence_doc)
        await record_audit(uow.session, principal, "pool.graduate", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.ADMITTED.value},
                           {"status": m.status, "graduated_on": on, "evidence": evidence_doc, "reason": data.reason})
        uow.emit(ev.PoolGraduated(
            uscc=m.uscc, membership_id=m.id, city=m.city, is_private=is_private(enterprise),
            admitted_on=m.admitted_on, graduated_on=on, year=on.year,
            industrialisation_rate_before=str(evidence.rate_before),
            industrialisation_rate_after=str(evidence.rate_after),
            new_patent_intensive_products=evidence.new_patent_intensive_products,
            sales_growth_pct=evidence_doc["sales_growth_pct"], profit_growth_pct=evidence_doc["profit_growth_pct"],
            reason=data.reason))
        await uow.commit()
    return m


async def remove(rt: Runtime, principal: Principal, membership_id: int, data: RemoveIn) -> PoolMembership:
    on = data.effective_date
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        _check_member_step(m, "effective_date", on, "退库")
        domain.check_removal(data.removal_reason, _admitted_on(m), on)
        cited = await _cited_entry(uow.session, m, data)
        enterprise = await get_enterprise(uow.session, m.uscc)
        _end(m, Status.REMOVED, principal, on, data.reason)
        m.removal_reason = data.removal_reason.value
        _history(uow, principal, m, "removed", on, data.reason,
                 {"removal_reason": m.removal_reason,
                  "removal_reason_name": REMOVAL_REASON_NAMES[data.removal_reason],
                  **({"credit_entry_id": cited.entry_id, "credit_entry": cited.describe()} if cited else {})})
        await record_audit(uow.session, principal, "pool.remove", "enterprise", m.uscc,
                           {"membership_id": m.id, "status": Status.ADMITTED.value},
                           {"status": m.status, "removed_on": on, "removal_reason": m.removal_reason,
                            "reason": data.reason, "credit_entry_id": data.credit_entry_id})
        uow.emit(ev.PoolRemoved(uscc=m.uscc, membership_id=m.id, city=m.city, is_private=is_private(enterprise),
                                admitted_on=m.admitted_on, removed_on=on, year=on.year,
                                removal_reason=m.removal_reason, reason=data.reason,
                                credit_entry_id=data.credit_entry_id))
        await uow.commit()
    return m


async def _cited_entry(session, m: PoolMembership, data: RemoveIn) -> CreditFact | None:
    """The credit-register entry a removal cites (checked against the member and the reason), if any."""
    if data.credit_entry_id is None:
        return None
    entry = await session.get(CreditEntry, data.credit_entry_id)
    if entry is None:
        raise RuleViolation("pool.credit_entry_unknown", f"信用记录 {data.credit_entry_id} 不存在", "credit_entry_id")
    cited = credit_service.fact(entry)
    domain.check_removal_citation(data.removal_reason, m.uscc, entry.uscc, cited, data.effective_date)
    return cited


async def record_progress(rt: Runtime, principal: Principal, membership_id: int, data: ProgressIn) -> PoolHistory:
    async with rt.unit_of_work() as uow:
        m = await _membership(uow.session, membership_id, lock=True)
        policy.ensure_writer(principal, m.city, POOL_DATA)
        _check_member_step(m, "recorded_on", data.recorded_on, "登记产业化进展")
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
                                         is_private=is_private(enterprise), recorded_on=data.recorded_on,
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


async def with_names(session, rows: list[PoolMembership]) -> list[tuple[PoolMembership, str]]:
    """Each membership with its enterprise's name (a chunk of a workbook export)."""
    names = await names_of(session, {m.uscc for m in rows})
    return [(m, names.get(m.uscc, "")) for m in rows]


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
        policy.readable_city(principal, m.city, POOL)
        names = await names_of(session, {m.uscc})
        history = (await history_of(session, [m.id]))[m.id]
    return m, names.get(m.uscc, ""), history


async def list_memberships(rt: Runtime, principal: Principal, page: PageParams, status: str | None,
                           city: str | None, uscc: str | None) -> tuple[list[PoolMembership], dict[str, str], int]:
    city = policy.readable_city(principal, city, POOL)
    stmt = where_equal(select(PoolMembership), PoolMembership, status=status, city=city, uscc=uscc)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, PoolMembership.id)
        names = await names_of(session, {m.uscc for m in rows})
    return rows, names, total


async def enterprise_history(rt: Runtime, principal: Principal, uscc: str
                             ) -> tuple[list[PoolMembership], str, dict[int, list[PoolHistory]]]:
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, uscc)
        policy.readable_city(principal, enterprise.city, POOL)
        rows = list((await session.scalars(select(PoolMembership).where(PoolMembership.uscc == uscc)
                                           .order_by(PoolMembership.id))).all())
        history = await history_of(session, [m.id for m in rows])
    return rows, enterprise.name, history


async def review_list(rt: Runtime, principal: Principal, as_of: date | None, city: str | None
                      ) -> tuple[date, list[dict[str, Any]]]:
    """Members on ``as_of`` admitted more than two years before it without recorded progress
    (computed on read, so it is right on any day)."""
    city = policy.readable_city(principal, city, POOL)
    as_of = as_of or today()
    async with rt.sessions() as session:
        members = await _members_on(session, as_of, city)
        due = [m for m in members if domain.review_due(_admitted_on(m), as_of)]
        progress = await session.execute(select(PoolHistory.membership_id, PoolHistory.effective_date).where(
            PoolHistory.membership_id.in_([m.id for m in due]), PoolHistory.action == "progress"))
        dates: dict[int, list[date]] = {}
        for mid, d in progress:
            dates.setdefault(mid, []).append(d)
        rates = await _rates(session, list({m.uscc for m in members}))
        credit = await credit_service.active_facts(session, {m.uscc for m in members}, as_of)
        names = await names_of(session, {m.uscc for m in members})
    stalled = {m.id for m in due if not domain.has_progress(m.admission_rate, _admitted_on(m), as_of,
                                                            dates.get(m.id, []), rates.get(m.uscc, {}))}
    return as_of, [_review_item(m, as_of, rates.get(m.uscc, {}), names, m.id in stalled, credit.get(m.uscc, []))
                   for m in members if m.id in stalled or credit.get(m.uscc)]


async def _members_on(session, as_of: date, city: str | None) -> list[PoolMembership]:
    """Members on ``as_of`` (admitted by then, not yet graduated or removed)."""
    stmt = select(PoolMembership).where(PoolMembership.admitted_on.is_not(None), PoolMembership.admitted_on <= as_of,
                                        (PoolMembership.ended_on.is_(None)) | (PoolMembership.ended_on > as_of),
                                        PoolMembership.status.in_([Status.ADMITTED.value, Status.GRADUATED.value,
                                                                   Status.REMOVED.value]))
    stmt = where_equal(stmt, PoolMembership, city=city)
    return list((await session.scalars(stmt.order_by(PoolMembership.admitted_on, PoolMembership.id))).all())


def _admitted_on(m: PoolMembership) -> date:
    """The admission date of a member that has been admitted (set on admission, never cleared)."""
    if m.admitted_on is None:
        raise RuntimeError(f"pool membership {m.id} ({m.status}) has no admission date")
    return m.admitted_on


def _review_item(m: PoolMembership, as_of: date, rates: dict[int, Decimal | None], names: dict[str, str],
                 stalled: bool, credit: list[CreditFact]) -> dict[str, Any]:
    """A member to review: two years without progress (§ 12(3)), or under an active credit-register
    entry (§ 12(3) 严重失信、非正常申请专利等违法违规行为 → 退库), or both."""
    admitted_on = _admitted_on(m)
    reasons = []
    if stalled:
        reasons.append(f"{admitted_on} 入库，至 {as_of} 已满 2 年，未登记专利产业化进展，"
                       "年度数据中专利产业化率未高于入库时水平"
                       f"（{m.admission_rate if m.admission_rate is not None else '未知'} %）")
    if credit:
        reasons.append("有在效信用记录：" + "；".join(c.describe() for c in credit))
    return {
        "membership_id": m.id, "uscc": m.uscc, "enterprise_name": names.get(m.uscc, ""), "city": m.city,
        "city_name": divisions.CITIES.get(m.city, m.city), "admitted_on": admitted_on,
        "review_from": domain.review_from(admitted_on), "days_in_pool": (as_of - admitted_on).days,
        "admission_rate": m.admission_rate,
        "latest_rate": _latest_rate({y: v for y, v in rates.items() if y <= as_of.year}),
        "reason": "；".join(reasons),
        "grounds": [g for g, on in (("no_progress", stalled), ("credit_entry", bool(credit))) if on],
        "credit_entries": [brief(c) for c in credit]}


async def summary(rt: Runtime, principal: Principal, as_of: date | None) -> dict[str, Any]:
    policy.readable_city(principal, None, POOL)
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
    cities = [_city_summary(city, name, by_status, [(a, d) for c, a, d in history_rows if c == city and d <= as_of],
                            as_of) for city, name in divisions.CITIES.items()]
    members = sum(c["members"] for c in cities)
    mine = policy.own_city(principal)
    if mine is not None:
        cities = [c for c in cities if c["city"] == mine]
    return {"as_of": as_of, "cap": domain.POOL_CAP, "members": members, "free_places": domain.POOL_CAP - members,
            "pending": sum(v for (c, s), v in by_status.items() if s == "applied"), "cities": cities}


def _city_summary(city: str, name: str, by_status: Counter, dated: list[tuple[str, date]], as_of: date
                  ) -> dict[str, Any]:
    """One city's line of the summary: ``dated`` its admissions, graduations and removals up to ``as_of``."""
    state = TopupState(graduation_dates=tuple(d for a, d in dated if a == "graduated"),
                       admission_dates=tuple(d for a, d in dated if a == "admitted"))
    return {
        "city": city, "city_name": name, "members": by_status[(city, "admitted")],
        "applications": sum(v for (c, _), v in by_status.items() if c == city),
        "pending": by_status[(city, "applied")],
        "admitted": sum(1 for a, _ in dated if a == "admitted"),
        "graduated": sum(1 for a, _ in dated if a == "graduated"),
        "removed": sum(1 for a, _ in dated if a == "removed"),
        "first_graduation": state.first_graduation(), "topups_used": state.topups(as_of),
        "topups_allowed": domain.topup_allowance(state, as_of)}
