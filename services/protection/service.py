"""Use cases of the protection service: one transaction each (state + audit + outbox event)."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.db import utcnow
from libs.common.errors import Conflict, FieldInvalid, Forbidden, NotFound, ProblemError
from libs.common.pagination import PageParams, fetch_page
from libs.readmodels.enterprises import require_enterprise
from services.protection import events as ev
from services.protection.domain import (
    CaseKind,
    CaseStatus,
    CentreMonths,
    HostKind,
    Limits,
    Outcome,
    WorkflowViolation,
    check_outcome,
    check_step_time,
    check_transition,
    elapsed_seconds,
    month_key,
    month_span,
    months_between,
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

CHINA = ZoneInfo("Asia/Shanghai")
#: The longest month range the visit-compliance report covers.
MAX_MONTHS = 60


def today() -> date:
    return datetime.now(CHINA).date()


def china_year(at: datetime) -> int:
    return at.astimezone(CHINA).year


def limits_of(rt: Runtime) -> Limits:
    s = rt.settings
    return Limits(accept_days=s.accept_days, start_days=s.start_days, close_days=dict(s.close_days))


def _rule_error(exc: WorkflowViolation) -> ProblemError:
    if exc.field:
        return FieldInvalid(exc.field, exc.code, exc.message)
    return Conflict(exc.code, exc.message)


# ------------------------------------------------------------------------------------ authorisation

def _require_city_writer(principal: Principal, city: str, what: str) -> None:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER):
        raise Forbidden(f"角色 {principal.role.value} 不能{what}")
    ensure_city_access(principal, city)


def _require_centre_actor(principal: Principal, centre: Centre) -> None:
    """Province admin; the officer of the centre's city; the centre itself (agency, org = centre id)."""
    if principal.role == Role.AGENCY:
        if principal.org != centre.id:
            raise ProblemError(403, "forbidden-centre", "无权办理其他中心的事项",
                               f"机构用户（{principal.org or '未绑定中心'}）只能办理本中心的事项，"
                               f"不能办理中心 {centre.id} 的事项")
        return
    _require_city_writer(principal, centre.city, "办理案件或记录上门服务")


def _require_reader(principal: Principal) -> None:
    if principal.role == Role.BANK:
        raise Forbidden(f"角色 {principal.role.value} 无权查看知识产权保护数据")


def _scope(principal: Principal, city: str | None, centre_id: str | None) -> tuple[str | None, str | None]:
    """The (city, centre) filters a reader is held to."""
    _require_reader(principal)
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city, centre_id
    if principal.role == Role.AGENCY:
        if not principal.org:
            raise Forbidden("机构用户令牌未绑定中心（org）")
        if centre_id is not None and centre_id != principal.org:
            raise ProblemError(403, "forbidden-centre", "无权查看其他中心的数据",
                               f"机构用户只能查看本中心 {principal.org} 的数据")
        return city, principal.org
    return city, centre_id


def _check_not_future(value: date, field: str) -> None:
    if value > today():
        raise FieldInvalid(field, "date.in_future", f"日期 {value} 晚于今天 {today()}")


# ------------------------------------------------------------------------------------------ centres

def centre_snapshot(c: Centre) -> dict[str, Any]:
    return {k: getattr(c, k) for k in ("id", "name", "kind", "city", "established_on", "closed_on", "phone")}


async def _centre(session, centre_id: str, lock: bool = False) -> Centre:
    stmt = select(Centre).where(Centre.id == centre_id)
    if lock:
        stmt = stmt.with_for_update()
    centre = (await session.scalars(stmt)).first()
    if centre is None:
        raise NotFound("中心", centre_id)
    return centre


async def _centre_field(session, centre_id: str, field: str = "centre_id") -> Centre:
    """A centre named in a request body: unknown is a 422 on that field."""
    centre = await session.get(Centre, centre_id)
    if centre is None:
        raise FieldInvalid(field, "centre.unknown", f"中心 {centre_id} 不存在，请先登记中心")
    return centre


async def register_centre(rt: Runtime, principal: Principal, data: CentreCreate) -> Centre:
    _require_city_writer(principal, data.city, "登记中心")
    if data.established_on:
        _check_not_future(data.established_on, "established_on")
    centre = Centre(id=data.id, name=data.name.strip(), kind=data.kind.value, city=data.city,
                    established_on=data.established_on, phone=data.phone, version=1)
    async with rt.unit_of_work() as uow:
        uow.session.add(centre)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("centre.exists", f"中心编号 {data.id} 或名称“{data.name}”已登记") from None
        await record_audit(uow.session, principal, "centre.register", "centre", centre.id, None,
                           centre_snapshot(centre))
        uow.emit(ev.CentreRegistered(centre_id=centre.id, name=centre.name, kind=centre.kind, city=centre.city,
                                     established_on=centre.established_on))
        await uow.commit()
    return centre


async def update_centre(rt: Runtime, principal: Principal, centre_id: str, data: CentreUpdate) -> Centre:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        raise FieldInvalid("body", "update.empty", "请求体中没有要修改的字段")
    if "name" in changes and changes["name"] is None:
        raise FieldInvalid("name", "not_nullable", "名称不能置空")
    for key in ("established_on", "closed_on"):
        if changes.get(key):
            _check_not_future(changes[key], key)
    async with rt.unit_of_work() as uow:
        centre = await _centre(uow.session, centre_id, lock=True)
        _require_city_writer(principal, centre.city, "修改中心信息")
        before = centre_snapshot(centre)
        for key, value in changes.items():
            setattr(centre, key, value.strip() if isinstance(value, str) and key == "name" else value)
        if centre.closed_on and centre.established_on and centre.closed_on < centre.established_on:
            raise FieldInvalid("closed_on", "closed_on.before_established",
                               f"停止运行日期 {centre.closed_on} 早于成立日期 {centre.established_on}")
        after = centre_snapshot(centre)
        changed = sorted(k for k in after if before[k] != after[k])
        if not changed:
            uow.session.expunge(centre)
            return centre
        centre.version += 1
        new_name = centre.name
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("centre.exists", f"名称“{new_name}”已被其他中心使用") from None
        await record_audit(uow.session, principal, "centre.update", "centre", centre.id,
                           {k: before[k] for k in changed}, {k: after[k] for k in changed})
        uow.emit(ev.CentreUpdated(centre_id=centre.id, name=centre.name, city=centre.city,
                                  established_on=centre.established_on, closed_on=centre.closed_on,
                                  changed_fields=changed))
        await uow.commit()
    return centre


async def get_centre(rt: Runtime, principal: Principal, centre_id: str) -> Centre:
    _require_reader(principal)
    async with rt.sessions() as session:
        return await _centre(session, centre_id)


async def list_centres(rt: Runtime, principal: Principal, city: str | None, kind: str | None) -> list[Centre]:
    _require_reader(principal)  # the centres themselves are public: everyone may see where to turn
    stmt = select(Centre)
    if city:
        stmt = stmt.where(Centre.city == city)
    if kind:
        stmt = stmt.where(Centre.kind == kind)
    async with rt.sessions() as session:
        return list((await session.scalars(stmt.order_by(Centre.city, Centre.id))).all())


# ------------------------------------------------------------------------------------- workstations

def workstation_snapshot(w: Workstation) -> dict[str, Any]:
    return {k: getattr(w, k) for k in ("name", "city", "level", "host_kind", "host_uscc", "host_name", "centre_id",
                                       "established_on", "deregistered_on", "deregister_reason")}


async def establish_workstation(rt: Runtime, principal: Principal, data: WorkstationCreate) -> Workstation:
    _check_not_future(data.established_on, "established_on")
    if data.host_kind == HostKind.ENTERPRISE and not data.host_uscc:
        raise FieldInvalid("host_uscc", "host_uscc.required", "依托单位为企业时须填写企业统一社会信用代码")
    if data.host_kind == HostKind.PARK:
        if data.host_uscc:
            raise FieldInvalid("host_uscc", "host_uscc.unexpected", "依托单位为园区时不填写企业信用代码")
        if not data.host_name:
            raise FieldInvalid("host_name", "host_name.required", "依托单位为园区时须填写园区名称")
        if not data.city:
            raise FieldInvalid("city", "city.required", "依托单位为园区时须填写所属市州")
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER):
        raise Forbidden(f"角色 {principal.role.value} 不能设立保护工作站")
    async with rt.unit_of_work() as uow:
        host_is_private = None
        if data.host_kind == HostKind.ENTERPRISE and data.host_uscc:  # (required above)
            host = await require_enterprise(uow.session, known_enterprises, data.host_uscc, field="host_uscc")
            if data.city and data.city != host.city:
                raise FieldInvalid("city", "city.host_mismatch",
                                   f"依托企业 {host.uscc} 属于市州 {host.city}，与填写的 {data.city} 不一致")
            city, host_name, host_is_private = host.city, data.host_name or host.name, bool(host.is_private)
        else:
            city, host_name = data.city, data.host_name
        ensure_city_access(principal, city)
        if data.centre_id:
            await _centre_field(uow.session, data.centre_id)
        ws = Workstation(name=data.name.strip(), city=city, level=data.level.value, host_kind=data.host_kind.value,
                         host_uscc=data.host_uscc, host_name=host_name.strip(), host_is_private=host_is_private,
                         centre_id=data.centre_id, established_on=data.established_on, version=1)
        uow.session.add(ws)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("workstation.exists", f"市州 {city} 已有名为“{data.name.strip()}”的保护工作站") from None
        await record_audit(uow.session, principal, "workstation.establish", "workstation", str(ws.id), None,
                           workstation_snapshot(ws))
        uow.emit(ev.WorkstationEstablished(
            workstation_id=ws.id, name=ws.name, city=city, level=ws.level, host_kind=ws.host_kind,
            host_uscc=ws.host_uscc, host_name=ws.host_name, is_private=host_is_private, centre_id=ws.centre_id,
            established_on=ws.established_on, year=ws.established_on.year))
        await uow.commit()
    return ws


async def deregister_workstation(rt: Runtime, principal: Principal, ws_id: int, data: DeregisterIn) -> Workstation:
    _check_not_future(data.deregistered_on, "deregistered_on")
    async with rt.unit_of_work() as uow:
        ws = (await uow.session.scalars(select(Workstation).where(Workstation.id == ws_id).with_for_update())).first()
        if ws is None:
            raise NotFound("保护工作站", str(ws_id))
        _require_city_writer(principal, ws.city, "撤销保护工作站")
        if ws.deregistered_on is not None:
            raise Conflict("workstation.deregistered", f"保护工作站 {ws_id} 已于 {ws.deregistered_on} 撤销")
        if data.deregistered_on < ws.established_on:
            raise FieldInvalid("deregistered_on", "deregistered_on.before_established",
                               f"撤销日期 {data.deregistered_on} 早于设立日期 {ws.established_on}")
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
    _require_reader(principal)
    async with rt.sessions() as session:
        ws = await session.get(Workstation, ws_id)
    if ws is None:
        raise NotFound("保护工作站", str(ws_id))
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, ws.city)
    return ws


async def list_workstations(rt: Runtime, principal: Principal, page: PageParams, city: str | None, level: str | None,
                            year: int | None, active: bool | None, host_uscc: str | None
                            ) -> tuple[list[Workstation], int]:
    _require_reader(principal)
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        city = principal.city
    stmt = select(Workstation)
    if city:
        stmt = stmt.where(Workstation.city == city)
    if level:
        stmt = stmt.where(Workstation.level == level)
    if year:
        stmt = stmt.where(Workstation.established_on >= date(year, 1, 1),
                          Workstation.established_on <= date(year, 12, 31))
    if active is True:
        stmt = stmt.where(Workstation.deregistered_on.is_(None))
    elif active is False:
        stmt = stmt.where(Workstation.deregistered_on.is_not(None))
    if host_uscc:
        stmt = stmt.where(Workstation.host_uscc == host_uscc)
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


async def receive_case(rt: Runtime, principal: Principal, data: CaseCreate) -> Case:
    now = utcnow()
    received_at = data.received_at or now
    try:
        check_step_time(received_at, None, now, "received_at")
    except WorkflowViolation as exc:
        raise _rule_error(exc) from None
    if data.kind == CaseKind.OVERSEAS and not (data.overseas_country and data.overseas_country.strip()):
        raise FieldInvalid("overseas_country", "overseas_country.required", "海外纠纷案件须填写纠纷所在国家或地区")
    async with rt.unit_of_work() as uow:
        centre = await _centre_field(uow.session, data.centre_id)
        _require_centre_actor(principal, centre)
        received_day = received_at.astimezone(CHINA).date()
        if centre.closed_on and received_day > centre.closed_on:
            raise FieldInvalid("centre_id", "centre.closed", f"中心 {centre.id} 已于 {centre.closed_on} 停止运行")
        enterprise = await require_enterprise(uow.session, known_enterprises, data.uscc, field="uscc")
        case = Case(case_no=data.case_no, kind=data.kind.value, centre_id=centre.id, city=centre.city,
                    uscc=enterprise.uscc, enterprise_name=enterprise.name, enterprise_city=enterprise.city,
                    is_private=bool(enterprise.is_private), ip_type=data.ip_type.value, title=data.title.strip(),
                    counterparty=data.counterparty, overseas_country=data.overseas_country,
                    amount_involved=data.amount_involved, status=CaseStatus.RECEIVED.value, received_at=received_at,
                    received_by=principal.sub, version=1)
        uow.session.add(case)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("case.exists", f"案件编号 {data.case_no} 已登记") from None
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


async def advance_case(rt: Runtime, principal: Principal, case_id: int, target: CaseStatus,
                       data: StepIn | CloseIn) -> Case:
    """Move a case to its next step (accepted / handling / closed), timed against the limits."""
    now = utcnow()
    limits = limits_of(rt)
    async with rt.unit_of_work() as uow:
        case = (await uow.session.scalars(select(Case).where(Case.id == case_id).with_for_update())).first()
        if case is None:
            raise NotFound("案件", str(case_id))
        centre = await _centre(uow.session, case.centre_id)
        _require_centre_actor(principal, centre)
        kind = CaseKind(case.kind)
        at = data.at or now
        previous = _PREVIOUS[target]
        try:
            check_transition(CaseStatus(case.status), target)
            check_step_time(at, getattr(case, _STAMP[previous]), now)
            if isinstance(data, CloseIn):
                check_outcome(kind, data.outcome, data.transferred_to)
        except WorkflowViolation as exc:
            raise _rule_error(exc) from None
        before = case_snapshot(case)
        started = getattr(case, _STAMP[previous])
        limit = limits.days_for(previous, kind)
        assert limit is not None, previous  # every step but the last has a limit
        setattr(case, _STAMP[target], at)
        case.status = target.value
        case.version += 1
        note = data.note if isinstance(data, StepIn) else data.result_summary
        if isinstance(data, CloseIn):
            case.outcome, case.transferred_to, case.result_summary = (data.outcome.value, data.transferred_to,
                                                                      data.result_summary)
        uow.session.add(CaseStep(case_id=case.id, status=target.value, at=at, note=note, actor=principal.sub,
                                 actor_role=principal.role.value, recorded_at=now))
        after = case_snapshot(case)
        await record_audit(uow.session, principal, f"case.{target.value}", "case", case.case_no,
                           {k: before[k] for k in after if before[k] != after[k]},
                           {k: after[k] for k in after if before[k] != after[k]})
        fields = dict(**_case_fact(case), at=at, previous_at=started, duration_seconds=elapsed_seconds(started, at),
                      limit_days=limit, within_limit=within(started, at, limit), year=china_year(at))
        if target == CaseStatus.CLOSED:
            assert isinstance(data, CloseIn)  # closing takes a CloseIn (see the route)
            steps = timings(kind, stamps_of(case), limits, now)
            fields.update(outcome=data.outcome.value, transferred_to=data.transferred_to, received_at=case.received_at,
                          total_seconds=elapsed_seconds(case.received_at, at),
                          all_steps_within_limit=all(s.within_limit for s in steps))
        uow.emit(_STEP_EVENTS[target](**fields))
        await uow.commit()
    return case


async def _visible_case(session, principal: Principal, case: Case | None, key: str) -> Case:
    if case is None:
        raise NotFound("案件", key)
    city, centre_id = _scope(principal, None, None)
    if city and case.city != city:
        ensure_city_access(principal, case.city)
    if centre_id and case.centre_id != centre_id:
        raise ProblemError(403, "forbidden-centre", "无权查看其他中心的数据",
                           f"机构用户只能查看本中心 {centre_id} 的案件")
    return case


async def get_case(rt: Runtime, principal: Principal, case_id: int) -> tuple[Case, list[CaseStep]]:
    async with rt.sessions() as session:
        case = await _visible_case(session, principal, await session.get(Case, case_id), str(case_id))
        steps = (await session.scalars(select(CaseStep).where(CaseStep.case_id == case.id)
                                       .order_by(CaseStep.at, CaseStep.id))).all()
    return case, list(steps)


async def list_cases(rt: Runtime, principal: Principal, page: PageParams, city: str | None, centre_id: str | None,
                     kind: str | None, status: str | None, uscc: str | None, case_no: str | None,
                     year: int | None) -> tuple[list[Case], int]:
    city, centre_id = _scope(principal, city, centre_id)
    stmt = select(Case)
    if city:
        stmt = stmt.where(Case.city == city)
    if centre_id:
        stmt = stmt.where(Case.centre_id == centre_id)
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if status:
        stmt = stmt.where(Case.status == status)
    if uscc:
        stmt = stmt.where(Case.uscc == uscc)
    if case_no:
        stmt = stmt.where(Case.case_no == case_no)
    if year:
        start = datetime(year, 1, 1, tzinfo=CHINA)
        stmt = stmt.where(Case.received_at >= start, Case.received_at < datetime(year + 1, 1, 1, tzinfo=CHINA))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Case.received_at.desc(), Case.id.desc())
    return rows, total


async def overdue_cases(rt: Runtime, principal: Principal, city: str | None, centre_id: str | None,
                        kind: str | None) -> list[tuple[Case, Any]]:
    """Open cases past the limit of the step they are in, most overdue first."""
    from services.protection.domain import overdue

    city, centre_id = _scope(principal, city, centre_id)
    stmt = select(Case).where(Case.status != CaseStatus.CLOSED.value)
    if city:
        stmt = stmt.where(Case.city == city)
    if centre_id:
        stmt = stmt.where(Case.centre_id == centre_id)
    if kind:
        stmt = stmt.where(Case.kind == kind)
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
    from services.protection.domain import summarise

    city, centre_id = _scope(principal, city, centre_id)
    stmt = select(Case).where(Case.received_at >= datetime(year, 1, 1, tzinfo=CHINA),
                              Case.received_at < datetime(year + 1, 1, 1, tzinfo=CHINA))
    if city:
        stmt = stmt.where(Case.city == city)
    if centre_id:
        stmt = stmt.where(Case.centre_id == centre_id)
    async with rt.sessions() as session:
        rows = (await session.scalars(stmt)).all()
    now = utcnow()
    kinds, total = summarise([(CaseKind(c.kind), CaseStatus(c.status), stamps_of(c), c.outcome) for c in rows],
                             limits_of(rt), now)
    return city, centre_id, now, kinds, total


# ------------------------------------------------------------------------------------------- visits

async def record_visit(rt: Runtime, principal: Principal, data: VisitCreate) -> Visit:
    _check_not_future(data.visit_date, "visit_date")
    async with rt.unit_of_work() as uow:
        centre = await _centre_field(uow.session, data.centre_id)
        _require_centre_actor(principal, centre)
        if centre.established_on and data.visit_date < centre.established_on:
            raise FieldInvalid("visit_date", "visit.before_centre_established",
                               f"走访日期 {data.visit_date} 早于中心成立日期 {centre.established_on}")
        if centre.closed_on and data.visit_date > centre.closed_on:
            raise FieldInvalid("visit_date", "centre.closed", f"中心 {centre.id} 已于 {centre.closed_on} 停止运行")
        enterprise = await require_enterprise(uow.session, known_enterprises, data.uscc, field="uscc")
        if not enterprise.is_private:
            raise FieldInvalid("uscc", "enterprise-private",
                               f"企业 {enterprise.uscc}（{enterprise.name}）不是民营企业；"
                               "上门服务记录针对民营企业（鄂知发〔2019〕1号第4条）")
        services = [s.value for s in dict.fromkeys(data.services)]
        visit = Visit(centre_id=centre.id, city=centre.city, uscc=enterprise.uscc, enterprise_name=enterprise.name,
                      enterprise_city=enterprise.city, visit_date=data.visit_date, month=month_key(data.visit_date),
                      services=services, staff=list(data.staff), issues=data.issues, follow_up=data.follow_up,
                      recorded_by=principal.sub)
        uow.session.add(visit)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise Conflict("visit.exists",
                           f"中心 {data.centre_id} 已登记 {data.visit_date} 对企业 {data.uscc} 的上门服务") from None
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
    city, centre_id = _scope(principal, city, centre_id)
    stmt = select(Visit)
    if city:
        stmt = stmt.where(Visit.city == city)
    if centre_id:
        stmt = stmt.where(Visit.centre_id == centre_id)
    if month:
        stmt = stmt.where(Visit.month == month)
    if uscc:
        stmt = stmt.where(Visit.uscc == uscc)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Visit.visit_date.desc(), Visit.id.desc())
    return rows, total


async def visit_compliance(rt: Runtime, principal: Principal, from_month: str, to_month: str, city: str | None,
                           centre_id: str | None) -> list[tuple[Centre, CentreMonths]]:
    """Per centre in scope: the months it owed a visit in the range, and those it missed."""
    if to_month < from_month:
        raise FieldInvalid("to_month", "month.range_order", f"结束月份 {to_month} 早于开始月份 {from_month}")
    if month_span(from_month, to_month) > MAX_MONTHS:
        raise FieldInvalid("to_month", "month.range_too_long", f"月份范围不能超过 {MAX_MONTHS} 个月")
    city, centre_id = _scope(principal, city, centre_id)
    months = months_between(from_month, to_month)
    stmt = select(Centre)
    if city:
        stmt = stmt.where(Centre.city == city)
    if centre_id:
        stmt = stmt.where(Centre.id == centre_id)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    async with rt.sessions() as session:
        centres = (await session.scalars(stmt.order_by(Centre.city, Centre.id))).all()
        ids = [c.id for c in centres]
        if ids:
            rows = (await session.execute(
                select(Visit.centre_id, Visit.month, func.count()).where(
                    Visit.centre_id.in_(ids), Visit.month >= from_month, Visit.month <= to_month)
                .group_by(Visit.centre_id, Visit.month))).all()
            for cid, month, n in rows:
                counts[cid][month] = int(n)
    day = today()
    return [(c, visit_duty(months, counts[c.id], c.established_on, c.closed_on, day)) for c in centres]


__all__ = ["register_centre", "update_centre", "get_centre", "list_centres", "establish_workstation",
           "deregister_workstation", "get_workstation", "list_workstations", "receive_case", "advance_case",
           "get_case", "list_cases", "overdue_cases", "record_visit", "list_visits", "visit_compliance", "Outcome"]
