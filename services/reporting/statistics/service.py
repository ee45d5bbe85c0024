"""Use cases of official statistics: submit a data value set, approve, re-open. Each is one
transaction: values + audit (+ the approval event on the reporting outbox)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common import clock
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal, Role
from libs.common.db import utcnow
from libs.common.errors import Forbidden, ProblemError
from libs.common.outbox import add_event, flush_events
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from services.reporting import events as ev
from services.reporting.kpi import fmt_decimal
from services.reporting.models import StatApproval, StatValue
from services.reporting.statistics.catalogue import ELEMENTS
from services.reporting.statistics.domain import RowProblem, check_org_unit, check_period, check_value
from services.reporting.statistics.schemas import ApprovalOut, DataValueOut, DataValueSetIn

SUBMITTERS = {Role.PROVINCE_ADMIN, Role.INTEGRATION, Role.CITY_OFFICER}
APPROVED, REOPENED = "approved", "reopened"


def may_submit(principal: Principal, org_unit: str) -> None:
    if principal.role not in SUBMITTERS:
        raise Forbidden(f"角色 {principal.role.value} 不能报送统计数据（省级管理员、对接系统或本市州用户可以）")
    if principal.role == Role.CITY_OFFICER and org_unit != principal.city:
        raise ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                           f"市州用户（{principal.city}）只能报送本市州的数据，不能报送 {org_unit}")


def may_approve(principal: Principal) -> None:
    if principal.role != Role.PROVINCE_ADMIN:
        raise Forbidden("只有省级管理员可以审核或重新开放统计数据")


def _set_default(body: DataValueSetIn, name: str):
    raw = getattr(body, name)
    if raw is None:
        return None
    try:
        return check_period(raw).code if name == "period" else check_org_unit(raw)
    except RowProblem as p:
        raise RuleViolation(p.rule, p.message, field=name) from None


async def submit(rt: Runtime, principal: Principal, body: DataValueSetIn, dry_run: bool = False,
                 atomic: bool = False) -> tuple[dict, int]:
    """Validate every row, then write the good ones (all or none with ``atomic``); an import summary."""
    period_default, org_default = _set_default(body, "period"), _set_default(body, "org_unit")
    if org_default is not None:
        may_submit(principal, org_default)
    conflicts: list[dict] = []
    good: dict[tuple[str, str, str], tuple[int, Decimal]] = {}

    def conflict(i: int, element, p: RowProblem) -> None:
        conflicts.append({"index": i, "element": element, "field": f"values.{i}.{p.field}", "rule": p.rule,
                          "message": p.message})

    for i, row in enumerate(body.values):
        try:
            period_raw = row.period if row.period is not None else period_default
            org_raw = row.org_unit if row.org_unit is not None else org_default
            if period_raw is None:
                raise RowProblem("period", "period.required", "缺少期间（period）")
            if org_raw is None:
                raise RowProblem("org_unit", "org_unit.required", "缺少组织机构（org_unit）")
            period, org_unit = check_period(period_raw).code, check_org_unit(org_raw)
            element, value = check_value(row.element, row.value)
        except RowProblem as p:
            conflict(i, row.element, p)
            continue
        may_submit(principal, org_unit)
        key = (element, org_unit, period)
        if key in good:
            conflict(i, element, RowProblem("element", "value.duplicate",
                                            f"第 {good[key][0] + 1} 行已报送 {element} / {org_unit} / {period}"))
            continue
        good[key] = (i, value)

    counts = {"imported": 0, "updated": 0, "ignored": 0}
    async with rt.sessions.write() as session:
        states = {(a.period, a.org_unit): a.state for a in (await session.scalars(select(StatApproval).where(
            StatApproval.period.in_({p for _, _, p in good} or {""})))).all()}
        existing = {(v.element, v.org_unit, v.period): v for v in (await session.scalars(select(StatValue).where(
            StatValue.period.in_({p for _, _, p in good} or {""})))).all()}
        writes = []
        for (element, org_unit, period), (i, value) in good.items():
            if states.get((period, org_unit)) == APPROVED:
                conflict(i, element, RowProblem(
                    "period", "approval.locked",
                    f"{org_unit} {period} 的统计数据已审核锁定，不能修改；如需更正请省级管理员先重新开放"))
                counts["ignored"] += 1
                continue
            stored = existing.get((element, org_unit, period))
            if stored is not None and stored.value == value:
                counts["ignored"] += 1
                continue
            counts["updated" if stored is not None else "imported"] += 1
            writes.append((element, org_unit, period, value, stored))
        conflicts.sort(key=lambda c: c["index"])
        write = not dry_run and not (atomic and conflicts)
        if write:
            for element, org_unit, period, value, stored in writes:
                before = None if stored is None else {"value": fmt_decimal(stored.value),
                                                      "source_system": stored.source_system}
                if stored is None:
                    session.add(StatValue(element=element, org_unit=org_unit, period=period, value=value,
                                          source_system=body.source_system, submitted_by=principal.sub))
                else:
                    stored.value, stored.source_system, stored.submitted_by = value, body.source_system, principal.sub
                await record_audit(session, principal, "statistic.set", "statistic", f"{element}:{org_unit}:{period}",
                                   before, {"value": fmt_decimal(value), "source_system": body.source_system})
        else:
            await session.rollback()
    if not write and atomic and conflicts:
        counts = {"imported": 0, "updated": 0, "ignored": counts["ignored"] + counts["imported"] + counts["updated"]}
    written = counts["imported"] + counts["updated"]
    status = "SUCCESS" if not conflicts else ("WARNING" if written or counts["ignored"] > len(conflicts) else "ERROR")
    if atomic and conflicts:
        status = "ERROR"
    summary = {"status": status, "dry_run": dry_run, "counts": counts, "conflicts": conflicts}
    if status == "ERROR":
        # a problem document (its ``status`` is the HTTP code): the summary rides as ``import_status`` etc.
        locked = all(c["rule"] == "approval.locked" for c in conflicts)
        raise ProblemError(409 if locked else 422, "statistics-rejected" if not locked else "statistics-locked",
                           "统计数据未能导入", f"{len(conflicts)} 行有问题，未写入任何数据",
                           errors=[{k: c[k] for k in ("field", "rule", "message")} for c in conflicts],
                           import_status=status, dry_run=dry_run, counts=counts, conflicts=conflicts)
    return summary, 200


async def approve(rt: Runtime, principal: Principal, period: str, org_unit: str) -> StatApproval:
    may_approve(principal)
    period, org_unit = _checked(period, org_unit)
    today = clock.today()
    try:
        async with rt.sessions.write() as session:
            approval = await session.get(StatApproval, (period, org_unit), with_for_update=True)
            if approval is not None and approval.state == APPROVED:
                raise RuleViolation("statistics-already-approved",
                               f"{org_unit} {period} 的统计数据已审核（第 {approval.version} 次）",
                               period=period, org_unit=org_unit)
            values = (await session.scalars(select(StatValue).where(
                StatValue.period == period, StatValue.org_unit == org_unit).order_by(StatValue.element))).all()
            if not values:
                raise RuleViolation("statistics-nothing-to-approve",
                                    f"{org_unit} {period} 尚无报送的统计数据，无需审核",
                                    period=period, org_unit=org_unit)
            before = None if approval is None else {"state": approval.state, "version": approval.version}
            if approval is None:
                approval = StatApproval(period=period, org_unit=org_unit, state=APPROVED, version=0)
                session.add(approval)
            approval.state, approval.version = APPROVED, approval.version + 1
            approval.approved_by, approval.approved_at, approval.reopen_reason = principal.sub, utcnow(), None
            approved = []
            for v in values:
                approved.append(ev.ApprovedValue(element=v.element, value=fmt_decimal(v.value),
                                                 previous=fmt_decimal(v.approved_value)))
                v.approved_value = v.value
            await session.flush()
            await record_audit(session, principal, "statistics.approve", "statistics", f"{period}:{org_unit}", before,
                               {"state": APPROVED, "version": approval.version,
                                "values": {a.element: a.value for a in approved}})
            add_event(session, "reporting", ev.DOMAIN_TOPIC, ev.StatisticsApproved(
                key=f"{period}:{org_unit}", period=period, org_unit=org_unit, version=approval.version,
                approved_on=today, year=int(period[:4]), values=approved))
            await flush_events(session, ev.DOMAIN_TOPIC)
    except IntegrityError:
        raise RuleViolation("statistics-already-approved",
                       f"{org_unit} {period} 的统计数据正在被同时审核，请刷新后重试") from None
    return approval


async def reopen(rt: Runtime, principal: Principal, period: str, org_unit: str, reason: str) -> StatApproval:
    may_approve(principal)
    period, org_unit = _checked(period, org_unit)
    async with rt.sessions.write() as session:
        approval = await session.get(StatApproval, (period, org_unit), with_for_update=True)
        if approval is None or approval.state != APPROVED:
            raise RuleViolation("statistics-not-approved",
                                f"{org_unit} {period} 的统计数据未处于已审核状态，无需重新开放",
                                period=period, org_unit=org_unit)
        approval.state, approval.reopen_reason = REOPENED, reason
        await record_audit(session, principal, "statistics.reopen", "statistics", f"{period}:{org_unit}",
                           {"state": APPROVED, "version": approval.version}, {"state": REOPENED, "reason": reason})
        add_event(session, "reporting", ev.DOMAIN_TOPIC, ev.StatisticsReopened(
            key=f"{period}:{org_unit}", period=period, org_unit=org_unit, version=approval.version,
            reopened_on=clock.today(), reason=reason))
        await flush_events(session, ev.DOMAIN_TOPIC)
    return approval


def _checked(period: str, org_unit: str) -> tuple[str, str]:
    try:
        p = check_period(period).code
    except RowProblem as e:
        raise RuleViolation(e.rule, e.message, field="period") from None
    try:
        return p, check_org_unit(org_unit)
    except RowProblem as e:
        raise RuleViolation(e.rule, e.message, field="org_unit") from None


async def submitted_values(rt: Runtime, period: str | None, org_unit: str | None, element: str | None, *,
                           own_city_only: bool = False, city: str | None = None) -> list[DataValueOut]:
    """Submitted values (drafts included; at most 10 000) of ``period``, ``org_unit`` and ``element``
    when given, with each one's approval state; ``own_city_only``: only ``city``'s."""
    stmt = select(StatValue).order_by(StatValue.period, StatValue.org_unit, StatValue.element)
    stmt = where_equal(stmt, StatValue, period=period, org_unit=org_unit)
    if own_city_only:
        stmt = stmt.where(StatValue.org_unit == city)
    stmt = where_equal(stmt, StatValue, element=element)
    async with rt.sessions() as session:
        rows = (await session.scalars(stmt.limit(10000))).all()
        states = {(a.period, a.org_unit): a.state for a in (await session.scalars(select(StatApproval))).all()}
    out = []
    for v in rows:
        el = ELEMENTS.get(v.element)
        out.append(DataValueOut(element=v.element, name=el.name if el else v.element, unit=el.unit if el else "",
                                org_unit=v.org_unit, period=v.period, value=fmt_decimal(v.value),
                                approved_value=fmt_decimal(v.approved_value),
                                state=states.get((v.period, v.org_unit), "draft"), source_system=v.source_system,
                                updated_at=v.updated_at.isoformat()))
    return out


def approval_out(a: StatApproval) -> ApprovalOut:
    return ApprovalOut(period=a.period, org_unit=a.org_unit, state=a.state, version=a.version,
                       approved_by=a.approved_by, approved_at=a.approved_at.isoformat() if a.approved_at else None,
                       reopen_reason=a.reopen_reason)


async def approvals(rt: Runtime, period: str | None = None) -> list[ApprovalOut]:
    """Approval states (of ``period`` when given), by period and org unit."""
    stmt = select(StatApproval).order_by(StatApproval.period, StatApproval.org_unit)
    stmt = where_equal(stmt, StatApproval, period=period)
    async with rt.sessions() as session:
        return [approval_out(a) for a in (await session.scalars(stmt)).all()]
