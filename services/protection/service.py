"""Use cases of the protection service: one transaction each (state + audit + outbox event).

Each loads what it needs, lets ``policy`` say who may act and ``domain`` whether the rules allow it,
then writes the state, its audit row and its event in one unit of work.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import CHINA, today
from libs.common.db import utcnow
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.readmodels.enterprises import require_enterprise
from services.protection import events as ev
from services.protection import policy
from services.protection.domain import (
    CaseKind,
    CaseStatus,
    CentreMonths,
    HostKind,
    Limits,
    Overdue,
    check_case_kind,
    check_centre_changes,
    check_centre_dates,
    check_centre_running,
    check_deregistration,
    check_host_city,
    check_month_range,
    check_not_future,
    check_outcome,
    check_step_time,
    check_transition,
    check_visit,
    check_visited_private,
    check_workstation_host,
    elapsed_seconds,
    month_key,
    months_between,
    overdue,
    summarise,
    timings,
    visit_duty,
    within,
)
from services.protection.models import Case, CaseStep, Centre, Visit, Workstation, known_enterprises
from services.protection.schemas import (
    CaseCreate,
    CentreCreate,
    CentreUpdate,
    CloseIn,
    DeregisterIn,
    StepIn,
    VisitCreate,
    WorkstationCreate,
)


def china_year(at: datetime) -> int:
    return at.astimezone(CHINA).year


def limits_of(rt: Runtime) -> Limits:
    s = rt.settings
    return Limits(accept_days=s.accept_days, start_days=s.start_days, close_days=dict(s.close_days))


# ------------------------------------------------------------------------------------------ helpers

async def _add_unique(session, row, code: str, message: str) -> None:
    """Write ``row`` (None: the pending changes); a clash with a unique key is the 409 ``code``."""
    if row is not None:
        session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise RuleViolation(code, message) from None


def _where(stmt, *pairs):
    """``stmt`` narrowed to ``column == value`` for every (column, value) pair with a value."""
    for column, value in pairs:
        if value:
            stmt = stmt.where(column == value)
    return stmt


def _received_in(year: int) -> tuple:
    """Cases received in ``year`` (Asia/Shanghai)."""
    return (Case.received_at >= datetime(year, 1, 1, tzinfo=CHINA),
            Case.received_at < datetime(year + 1, 1, 1, tzinfo=CHINA))


# ------------------------------------------------------------------------------------------ centres

def centre_snapshot(c: Centre) -> dict[str, Any]:
    return {k: getattr(c, k) for k in ("id", "name", "kind", "city", "established_on", "closed_on", "phone")}


async def _centre_field(session, centre_id: str, field: str = "centre_id") -> Centre:
    """A centre named in a request body: unknown is a 422 on that field."""
    centre = await session.get(Centre, centre_id)
    if centre is None:
        raise RuleViolation("centre.unknown", f"中心 {centre_id} 不存在，请先登记中心", field=field)
    return centre


async def register_centre(rt: Runtime, principal: Principal, data: CentreCreate) -> Centre:
    policy.ensure_city_writer(principal, data.city, "登记中心")
    if data.established_on:
        check_not_future(data.established_on, "established_on", today())
    centre = Centre(id=data.id, name=data.name.strip(), kind=data.kind.value, city=data.city,
                    established_on=data.established_on, phone=data.phone, version=1)
    async with rt.unit_of_work() as uow:
        await _add_unique(uow.session, centre, "centre.exists", f"中心编号 {data.id} 或名称“{data.name}”已登记")
        await record_audit(uow.session, principal, "centre.register", "centre", centre.id, None,
                           centre_snapshot(centre))
        uow.emit(ev.CentreRegistered(centre_id=centre.id, name=centre.name, kind=centre.kind, city=centre.city,
                                     established_on=centre.established_on))
        await uow.commit()
    return centre


async def update_centre(rt: Runtime, principal: Principal, centre_id: str, data: CentreUpdate) -> Centre:
    changes = data.model_dump(exclude_unset=True)
    check_centre_changes(changes, today())
    async with rt.unit_of_work() as uow:
        centre = await get_or_404(uow.session, Centre, centre_id, "中心", lock=True)
        policy.ensure_city_writer(principal, centre.city, "修改中心信息")
        before = centre_snapshot(centre)
        for key, value in changes.items():
            setattr(centre, key, value.strip() if isinstance(value, str) and key == "name" else value)
        check_centre_dates(centre.established_on, centre.closed_on)
        after = centre_snapshot(centre)
        changed = sorted(k for k in after if before[k] != after[k])
        if not changed:
            uow.session.expunge(centre)
            return centre
        centre.version += 1
        await _add_unique(uow.session, None, "centre.exists", f"名称“{centre.name}”已被其他中心使用")
        await record_audit(uow.session, principal, "centre.update", "centre", centre.id,
                           {k: before[k] for k in changed}, {k: after[k] for k in changed})
        uow.emit(ev.CentreUpdated(centre_id=centre.id, name=centre.name, city=centre.city,
                                  established_on=centre.established_on, closed_on=centre.closed_on,
                                  changed_fields=changed))
        await uow.commit()
    return centre


async def get_centre(rt: Runtime, principal: Principal, centre_id: str) -> Centre:
    policy.ensure_reader(principal)
    async with rt.sessions() as session:
        return await get_or_404(session, Centre, centre_id, "中心")


async def list_centres(rt: Runtime, principal: Principal, city: str | None, kind: str | None) -> list[Centre]:
    policy.ensure_reader(principal)  # the centres themselves are public: everyone may see where to turn
    stmt = _where(select(Centre), (Centre.city, city), (Centre.kind, kind))
    async with rt.sessions() as session:
        return list((await session.scalars(stmt.order_by(Centre.city, Centre.id))).all())


# ------------------------------------------------------------------------------------- workstations

def workstation_snapshot(w: Workstation) -> dict[str, Any]:
    return {k: getattr(w, k) for k in ("name", "city", "level", "host_kind", "host_uscc", "host_name", "centre_id",
                                       "established_on", "deregistered_on", "deregister_reason")}


async def _workstation_host(session, data: WorkstationCreate) -> tuple[str, str, bool | None]:
    """(city, host name, host is private) of the host: an enterprise of the registry, or a park."""
    if data.host_kind != HostKind.ENTERPRISE:
        assert data.city is not None and data.host_name is not None  # a park's are required (check_workstation_host)
        return data.city, data.host_name, None
    assert data.host_uscc is not None  # an enterprise host's is required (check_workstation_host)
    host = await require_enterprise(session, known_enterprises, data.host_uscc, field="host_uscc")
    check_host_city(data.city, host.uscc, host.city)
    return host.city, data.host_name or host.name, bool(host.is_private)


async def establish_workstation(rt: Runtime, principal: Principal, data: WorkstationCreate) -> Workstation:
    check_not_future(data.established_on, "established_on", today())
    check_workstation_host(data.host_kind, data.host_uscc, data.host_name, data.city)
    policy.ensure_writer(principal, "设立保护工作站")
    async with rt.unit_of_work() as uow:
        city, host_name, host_is_private = await _workstation_host(uow.session, data)
        policy.ensure_city_writer(principal, city, "设立保护工作站")
        if data.centre_id:
            await _centre_field(uow.session, data.centre_id)
        ws = Workstation(name=data.name.strip(), city=city, level=data.level.value, host_kind=data.host_kind.value,
                         host_uscc=data.host_uscc, host_name=host_name.strip(), host_is_private=host_is_private,
                         centre_id=data.centre_id, established_on=data.established_on, version=1)
        await _add_unique(uow.session, ws, "workstation.exists",
                          f"市州 {city} 已有名为“{data.name.strip()}”的保护工作站")
        await record_audit(uow.session, principal, "workstation.establish", "workstation", str(ws.id), None,
                           workstation_snapshot(ws))
        uow.emit(ev.WorkstationEstablished(
            workstation_id=ws.id, name=ws.name, city=city, level=ws.level, host_kind=ws.host_kind,
            host_uscc=ws.host_uscc, host_name=ws.host_name, is_private=host_is_private, centre_id=ws.centre_id,
            established_on=ws.established_on, year=ws.established_on.year))
        await uow.commit()
    return ws


async def deregister_workstation(rt: Runtime, principal: Principal, ws_id: int, data: DeregisterIn) -> Workstation:
    check_not_future(data.deregistered_on, "deregistered_on", today())
    async with rt.unit_of_work() as uow:
        ws = await get_or_404(uow.session, Workstation, ws_id, "保护工作站", lock=True)
        policy.ensure_city_writer(principal, ws.city, "撤销保护工作站")
        check_deregistration(ws_id, ws.established_on, ws.deregistered_on, data.deregistered_on)
        ws.deregistered_on, ws.deregister_reason = data.deregistered_on, data.reason
        ws.version += 1
        await record_audit(uow.session, principal, "workstation.deregister", "workstation", str(ws.id),
                           {"deregistered_on": None}, {"deregistered_on": data.deregistered_on, "reason": data.reason})
        uow.emit(ev.WorkstationDeregistered(
            workstation_id=ws.id, name=ws.name, city=ws.city, level=ws.level, established_on=ws.established_on,
            deregistered_on=data.deregistered_on, year=data.deregistered_on.year, reason=data.reason))
        await uow.commit()
    return ws


async def get_workstation(rt: Runtime, principal: Principal, ws_id: int) -> Workstation:
    policy.ensure_reader(principal)
    async with rt.sessions() as session:
        ws = await get_or_404(session, Workstation, ws_id, "保护工作站")
    policy.ensure_workstation_visible(principal, ws.city)
    return ws


async def list_workstations(rt: Runtime, principal: Principal, page: PageParams, city: str | None, level: str | None,
                            year: int | None, active: bool | None, host_uscc: str | None
                            ) -> tuple[list[Workstation], int]:
    city = policy.workstation_city(principal, city)
    stmt = _where(select(Workstation), (Workstation.city, city), (Workstation.level, level),
                  (Workstation.host_uscc, host_uscc))
    if year:
        stmt = stmt.where(Workstation.established_on >= date(year, 1, 1),
                           Workstation.established_on <= date(year, 12, 31))
    if active is True:
        stmt = stmt.where(Workstation.deregistered_on.is_(None))
    elif active is False:
        stmt = stmt.where(Workstation.deregistered_on.is_not(None))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Workstation.established_on.desc(), Workstation.id)
    return rows, total


# -------------------------------------------------------------------------------------------- cases

def _case_fact(case: Case) -> dict[str, Any]:
    return {"case_id": case.id, "case_no": case.case_no, "kind": case.kind, "centre_id": case.centre_id,
            "city": case.city, "uscc": case.uscc, "enterprise_city": case.enterprise_city,
            "is_private": case.is_private}


def case_snapshot(case: Case) -> dict[str, Any]:
    return {k: getattr(case, k) for k in ("case_no", "kind", "centre_id", "city", "uscc", "ip_type", "title",
                                          "status", "received_at", "accepted_at", "handling_at", "closed_at",
                                          "outcome", "transferred_to")}


def _new_case(data: CaseCreate, centre: Centre, enterprise, received_at: datetime, principal: Principal) -> Case:
    return Case(case_no=data.case_no, kind=data.kind.value, centre_id=centre.id, city=centre.city,
                uscc=enterprise.uscc, enterprise_name=enterprise.name, enterprise_city=enterprise.city,
                is_private=bool(enterprise.is_private), ip_type=data.ip_type.value, title=data.title.strip(),
                counterparty=data.counterparty, overseas_country=data.overseas_country,
                amount_involved=data.amount_involved, status=CaseStatus.RECEIVED.value, received_at=received_at,
                received_by=principal.sub, version=1)


async def receive_case(rt: Runtime, principal: Principal, data: CaseCreate) -> Case:
    now = utcnow()
    received_at = data.received_at or now
    check_step_time(received_at, None, now, "received_at")
    check_case_kind(data.kind, data.overseas_country)
    async with rt.unit_of_work() as uow:
        centre = await _centre_field(uow.session, data.centre_id)
        policy.ensure_centre_actor(principal, centre.id, centre.city)
        check_centre_running(centre.id, centre.closed_on, received_at.astimezone(CHINA).date(), "centre_id")
        enterprise = await require_enterprise(uow.session, known_enterprises, data.uscc, field="uscc")
        case = _new_case(data, centre, enterprise, received_at, principal)
        await _add_unique(uow.session, case, "case.exists", f"案件编号 {data.case_no} 已登记")
        uow.session.add(CaseStep(case_id=case.id, status=CaseStatus.RECEIVED.value, at=received_at, note=data.note,
                                 actor=principal.sub, actor_role=principal.role.value, recorded_at=now))
        await record_audit(uow.session, principal, "case.receive", "case", case.case_no, None, case_snapshot(case))
        uow.emit(ev.CaseReceived(
            **_case_fact(case), ip_type=case.ip_type, overseas_country=case.overseas_country,
            amount_involved=str(case.amount_involved) if case.amount_involved is not None else None,
            received_at=received_at, year=china_year(received_at)))
        await uow.commit()
    return case


_STAMP = {CaseStatus.RECEIVED: "received_at", CaseStatus.ACCEPTED: "accepted_at", CaseStatus.HANDLING: "handling_at",
          CaseStatus.CLOSED: "closed_at"}
_PREVIOUS = {CaseStatus.ACCEPTED: CaseStatus.RECEIVED, CaseStatus.HANDLING: CaseStatus.ACCEPTED,
             CaseStatus.CLOSED: CaseStatus.HANDLING}
_STEP_EVENTS = {CaseStatus.ACCEPTED: ev.CaseAccepted, CaseStatus.HANDLING: ev.CaseHandlingStarted,
                CaseStatus.CLOSED: ev.CaseClosed}


def stamps_of(case: Case) -> dict[CaseStatus, datetime | None]:
    return {s: getattr(case, attr) for s, attr in _STAMP.items()}


def _check_step(case: Case, target: CaseStatus, at: datetime, data: StepIn | CloseIn, now: datetime) -> None:
    """The rules of a step: the next one, at a time after the previous step's, a fitting outcome."""
    check_transition(CaseStatus(case.status), target)
    check_step_time(at, getattr(case, _STAMP[_PREVIOUS[target]]), now)
    if isinstance(data, CloseIn):
        check_outcome(CaseKind(case.kind), data.outcome, data.transferred_to)


def _apply_step(case: Case, target: CaseStatus, at: datetime, data: StepIn | CloseIn) -> None:
    setattr(case, _STAMP[target], at)
    case.status = target.value
    case.version += 1
    if isinstance(data, CloseIn):
        case.outcome, case.transferred_to, case.result_summary = (data.outcome.value, data.transferred_to,
                                                                  data.result_summary)


def _step_event(case: Case, target: CaseStatus, at: datetime, data: StepIn | CloseIn, limits: Limits,
                now: datetime):
    """The step's event: its duration against the limit of the status it left (and, closing, the whole case's)."""
    kind, previous = CaseKind(case.kind), _PREVIOUS[target]
    started = getattr(case, _STAMP[previous])
    limit = limits.days_for(previous, kind)
    assert limit is not None, previous  # every step but the last has a limit
    fields = dict(**_case_fact(case), at=at, previous_at=started, duration_seconds=elapsed_seconds(started, at),
                  limit_days=limit, within_limit=within(started, at, limit), year=china_year(at))
    if target == CaseStatus.CLOSED:
        assert isinstance(data, CloseIn)  # closing takes a CloseIn (see the route)
        steps = timings(kind, stamps_of(case), limits, now)
        fields.update(outcome=data.outcome.value, transferred_to=data.transferred_to, received_at=case.received_at,
                      total_seconds=elapsed_seconds(case.received_at, at),
                      all_steps_within_limit=all(s.within_limit for s in steps))
    return _STEP_EVENTS[target](**fields)


async def advance_case(rt: Runtime, principal: Principal, case_id: int, target: CaseStatus,
                       data: StepIn | CloseIn) -> Case:
    """Move a case to its next step (accepted / handling / closed), timed against the limits."""
    now, limits = utcnow(), limits_of(rt)
    async with rt.unit_of_work() as uow:
        case = await get_or_404(uow.session, Case, case_id, "案件", lock=True)
        centre = await get_or_404(uow.session, Centre, case.centre_id, "中心")
        policy.ensure_centre_actor(principal, centre.id, centre.city)
        at = data.at or now
        _check_step(case, target, at, data, now)
        before = case_snapshot(case)
        _apply_step(case, target, at, data)
        note = data.note if isinstance(data, StepIn) else data.result_summary
        uow.session.add(CaseStep(case_id=case.id, status=target.value, at=at, note=note, actor=principal.sub,
                                 actor_role=principal.role.value, recorded_at=now))
        after = case_snapshot(case)
        await record_audit(uow.session, principal, f"case.{target.value}", "case", case.case_no,
                           {k: before[k] for k in after if before[k] != after[k]},
                           {k: after[k] for k in after if before[k] != after[k]})
        uow.emit(_step_event(case, target, at, data, limits, now))
        await uow.commit()
    return case


async def get_case(rt: Runtime, principal: Principal, case_id: int) -> tuple[Case, list[CaseStep]]:
    async with rt.sessions() as session:
        case = await get_or_404(session, Case, case_id, "案件")
        policy.ensure_case_visible(principal, case.city, case.centre_id)
        steps = (await session.scalars(select(CaseStep).where(CaseStep.case_id == case.id)
                                       .order_by(CaseStep.at, CaseStep.id))).all()
    return case, list(steps)


async def list_cases(rt: Runtime, principal: Principal, page: PageParams, city: str | None, centre_id: str | None,
                     kind: str | None, status: str | None, uscc: str | None, case_no: str | None,
                     year: int | None) -> tuple[list[Case], int]:
    city, centre_id = policy.scope(principal, city, centre_id)
    stmt = _where(select(Case), (Case.city, city), (Case.centre_id, centre_id), (Case.kind, kind),
                  (Case.status, status), (Case.uscc, uscc), (Case.case_no, case_no))
    if year:
        stmt = stmt.where(*_received_in(year))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Case.received_at.desc(), Case.id.desc())
    return rows, total


async def overdue_cases(rt: Runtime, principal: Principal, city: str | None, centre_id: str | None,
                        kind: str | None) -> list[tuple[Case, Overdue]]:
    """Open cases past the limit of the step they are in, most overdue first."""
    city, centre_id = policy.scope(principal, city, centre_id)
    stmt = _where(select(Case).where(Case.status != CaseStatus.CLOSED.value), (Case.city, city),
                  (Case.centre_id, centre_id), (Case.kind, kind))
    now, limits = utcnow(), limits_of(rt)
    async with rt.sessions() as session:
        rows = (await session.scalars(stmt)).all()
    out = []
    for case in rows:
        status = CaseStatus(case.status)
        late = overdue(CaseKind(case.kind), status, getattr(case, _STAMP[status]), limits, now)
        if late is not None:
            out.append((case, late))
    out.sort(key=lambda pair: (-pair[1].overdue_seconds, pair[0].id))
    return out


async def case_summary(rt: Runtime, principal: Principal, year: int, city: str | None, centre_id: str | None):
    """Cases received in ``year`` (Asia/Shanghai), per kind and in all, as the reader may see them."""
    city, centre_id = policy.scope(principal, city, centre_id)
    stmt = _where(select(Case).where(*_received_in(year)), (Case.city, city), (Case.centre_id, centre_id))
    async with rt.sessions() as session:
        rows = (await session.scalars(stmt)).all()
    now = utcnow()
    kinds, total = summarise([(CaseKind(c.kind), CaseStatus(c.status), stamps_of(c), c.outcome) for c in rows],
                             limits_of(rt), now)
    return city, centre_id, now, kinds, total


# ------------------------------------------------------------------------------------------- visits

async def record_visit(rt: Runtime, principal: Principal, data: VisitCreate) -> Visit:
    check_not_future(data.visit_date, "visit_date", today())
    async with rt.unit_of_work() as uow:
        centre = await _centre_field(uow.session, data.centre_id)
        policy.ensure_centre_actor(principal, centre.id, centre.city)
        check_visit(centre.id, centre.established_on, centre.closed_on, data.visit_date)
        enterprise = await require_enterprise(uow.session, known_enterprises, data.uscc, field="uscc")
        check_visited_private(enterprise.uscc, enterprise.name, enterprise.is_private)
        services = [s.value for s in dict.fromkeys(data.services)]
        visit = Visit(centre_id=centre.id, city=centre.city, uscc=enterprise.uscc, enterprise_name=enterprise.name,
                      enterprise_city=enterprise.city, visit_date=data.visit_date, month=month_key(data.visit_date),
                      services=services, staff=list(data.staff), issues=data.issues, follow_up=data.follow_up,
                      recorded_by=principal.sub)
        await _add_unique(uow.session, visit, "visit.exists",
                          f"中心 {data.centre_id} 已登记 {data.visit_date} 对企业 {data.uscc} 的上门服务")
        await record_audit(uow.session, principal, "visit.record", "visit", str(visit.id), None,
                           {"centre_id": centre.id, "uscc": visit.uscc, "visit_date": visit.visit_date,
                            "services": services, "staff": visit.staff, "issues": visit.issues,
                            "follow_up": visit.follow_up})
        uow.emit(ev.VisitRecorded(visit_id=visit.id, centre_id=centre.id, city=centre.city, uscc=visit.uscc,
                                  enterprise_city=visit.enterprise_city, is_private=True, visit_date=visit.visit_date,
                                  month=visit.month, year=visit.visit_date.year, services=services))
        await uow.commit()
    return visit


async def list_visits(rt: Runtime, principal: Principal, page: PageParams, city: str | None, centre_id: str | None,
                      month: str | None, uscc: str | None) -> tuple[list[Visit], int]:
    city, centre_id = policy.scope(principal, city, centre_id)
    stmt = _where(select(Visit), (Visit.city, city), (Visit.centre_id, centre_id), (Visit.month, month),
                  (Visit.uscc, uscc))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Visit.visit_date.desc(), Visit.id.desc())
    return rows, total


async def _visits_per_month(session, ids: list[str], from_month: str, to_month: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    if ids:
        rows = (await session.execute(
            select(Visit.centre_id, Visit.month, func.count()).where(
                Visit.centre_id.in_(ids), Visit.month >= from_month, Visit.month <= to_month)
            .group_by(Visit.centre_id, Visit.month))).all()
        for cid, month, n in rows:
            counts[cid][month] = int(n)
    return counts


async def visit_compliance(rt: Runtime, principal: Principal, from_month: str, to_month: str, city: str | None,
                           centre_id: str | None) -> list[tuple[Centre, CentreMonths]]:
    """Per centre in scope: the months it owed a visit in the range, and those it missed (only
    assistance centres owe them: 鄂知发〔2019〕1号 第4条)."""
    check_month_range(from_month, to_month)
    city, centre_id = policy.scope(principal, city, centre_id)
    months = months_between(from_month, to_month)
    stmt = _where(select(Centre), (Centre.city, city), (Centre.id, centre_id))
    async with rt.sessions() as session:
        centres = (await session.scalars(stmt.order_by(Centre.city, Centre.id))).all()
        counts = await _visits_per_month(session, [c.id for c in centres], from_month, to_month)
    day = today()
    return [(c, visit_duty(months, counts[c.id], c.established_on, c.closed_on, day, kind=c.kind)) for c in centres]


__all__ = ["register_centre", "update_centre", "get_centre", "list_centres", "establish_workstation",
           "deregister_workstation", "get_workstation", "list_workstations", "receive_case", "advance_case",
           "get_case", "list_cases", "overdue_cases", "record_visit", "list_visits", "visit_compliance"]
