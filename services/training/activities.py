"""Use cases of the service activities for enterprises 服务活动 (鄂知发〔2019〕1号 §§ 12, 16, 19, 20;
鄂知发〔2022〕9号 § 二.8): record (one or a bulk import), correct, cancel, read and list.

One transaction each: the activity, the enterprises it served (stamped with their city and ownership
from the read model of known enterprises), the audit row and the event. A correction publishes the
figures before and after, a cancellation the figures it takes back, so the indicators follow an
officer's fix exactly. The rules are in ``activities_domain``, who may in ``policy``.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete, select
from sqlalchemy.engine import Row

from libs.common.app import Runtime
from libs.common.audit import record_audit, record_audits
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import ProblemError, get_or_404, validation_errors
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from libs.common.sheets.results import RowError
from libs.readmodels.enterprises import require_enterprise
from services.training import activities_domain as domain
from services.training import events as ev
from services.training import policy
from services.training.models import Activity, ActivityEnterprise, known_enterprises
from services.training.schemas import ActivityBulkOut, ActivityCorrect, ActivityCreate

WHAT = "服务活动"
ActivityView = tuple[Activity, list[ActivityEnterprise]]
_ROW: TypeAdapter[ActivityCreate] = TypeAdapter(ActivityCreate)
#: Fields a correction may change (besides ``reason``), in the order they are reported.
FIELDS = ("kind", "sub_kind", "title", "held_on", "organiser", "city", "enterprises", "staff_person_times", "note")


@dataclass(frozen=True)
class Served:
    uscc: str
    name: str
    city: str
    is_private: bool


def _served(row: Row[Any]) -> Served:
    return Served(row.uscc, row.name, row.city, bool(row.is_private))


async def _look_up(session, usccs: list[str], known: dict[str, Served] | None = None) -> list[Served]:
    """The enterprises by USCC from the read model (a 422 ``enterprise-registered`` on
    ``enterprises.N`` for one it does not know); ``known``: rows already read for a bulk import."""
    domain.check_enterprises(usccs)
    out = []
    for i, uscc in enumerate(usccs):
        if known is not None:
            if uscc not in known:
                raise RuleViolation("enterprise-registered", f"企业 {uscc} 未在企业库登记（或登记尚未同步到本服务），"
                                                             "请先在企业服务登记", f"enterprises.{i}")
            out.append(known[uscc])
        else:
            out.append(_served(await require_enterprise(session, known_enterprises, uscc, f"enterprises.{i}")))
    return out


def _figures(a: Activity) -> domain.Figures:
    return domain.Figures(kind=a.kind, sub_kind=a.sub_kind, city=a.city, held_on=a.held_on, year=a.held_on.year,
                          staff_person_times=a.staff_person_times, enterprises=a.enterprise_count,
                          private_enterprises=a.private_count)


def _event_figures(f: domain.Figures) -> ev.ServiceActivityFigures:
    return ev.ServiceActivityFigures.model_validate(f.as_dict())


async def _enterprises(session, activity_id: int) -> list[ActivityEnterprise]:
    return list((await session.scalars(select(ActivityEnterprise).where(ActivityEnterprise.activity_id == activity_id)
                                       .order_by(ActivityEnterprise.position))).all())


def _check(principal: Principal, data: ActivityCreate) -> None:
    """The rules that need no query, in the order an officer would fix them."""
    policy.ensure_may_record_activity(principal, data.city)
    domain.check_sub_kind(data.kind, data.sub_kind)
    domain.check_held_on(data.held_on, today())
    domain.check_enterprises(data.enterprises)


def _new(principal: Principal, data: ActivityCreate, served: list[Served],
         batch_id: str | None = None) -> tuple[Activity, list[ActivityEnterprise]]:
    a = Activity(kind=data.kind.value, sub_kind=data.sub_kind.value if data.sub_kind else None,
                 title=data.title.strip(), held_on=data.held_on, organiser=data.organiser.strip(), city=data.city,
                 staff_person_times=data.staff_person_times, enterprise_count=len(served),
                 private_count=sum(1 for s in served if s.is_private), note=data.note, status="recorded",
                 batch_id=batch_id, created_by=principal.sub, version=1)
    return a, [ActivityEnterprise(uscc=s.uscc, position=i, name=s.name, enterprise_city=s.city,
                                  is_private=s.is_private) for i, s in enumerate(served)]


def _recorded(a: Activity, rows: list[ActivityEnterprise]) -> ev.ServiceActivityRecorded:
    return ev.ServiceActivityRecorded(activity_id=a.id, title=a.title, organiser=a.organiser,
                                      usccs=[e.uscc for e in rows], batch_id=a.batch_id, **_figures(a).as_dict())


async def record_activity(rt: Runtime, principal: Principal, data: ActivityCreate) -> ActivityView:
    """Record one activity (an officer of its city, or the province)."""
    _check(principal, data)
    async with rt.unit_of_work() as uow:
        served = await _look_up(uow.session, data.enterprises)
        domain.check_private_served(data.kind, [s.is_private for s in served])
        a, rows = _new(principal, data, served)
        uow.session.add(a)
        await uow.session.flush()
        for r in rows:
            r.activity_id = a.id
        uow.session.add_all(rows)
        await record_audit(uow.session, principal, "activity.record", "activity", str(a.id), None,
                           data.model_dump(mode="json"))
        uow.emit(_recorded(a, rows))
        await uow.commit()
    return a, rows


# ------------------------------------------------------------------------------ bulk import

def _rule_error(row: int, exc: RuleViolation | ProblemError) -> list[dict[str, Any]]:
    if isinstance(exc, RuleViolation):
        return [{"row": row, "field": exc.field or "", "rule": exc.code, "message": exc.message}]
    return [{"row": row, **e} for e in (exc.errors or [{"field": "", "rule": exc.slug, "message": str(exc)}])]


async def bulk_record(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool = False,
                      dry_run: bool = False) -> ActivityBulkOut:
    """Each row as ``POST /activities`` would take it; the good rows are written in one transaction
    (``atomic``: only when every row is good; ``dry_run``: none), the bad ones reported by row."""
    policy.ensure_may_record_activities(principal)
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, ActivityCreate]] = []
    for i, raw in enumerate(rows):
        try:
            item = _ROW.validate_python(raw)
        except ValidationError as exc:
            errors.extend({"row": i, **e} for e in validation_errors(exc))
            continue
        city_error = policy.activity_row_error(principal, item.city)
        if city_error:
            errors.extend({"row": i, **e} for e in city_error)
            continue
        try:
            _check(principal, item)
        except (RuleViolation, ProblemError) as exc:
            errors.extend(_rule_error(i, exc))
            continue
        parsed.append((i, item))
    batch_id = uuid.uuid4().hex
    ids: list[int | None] = [None] * len(rows)
    async with rt.unit_of_work() as uow:
        wanted = sorted({u for _, item in parsed for u in item.enterprises})
        known: dict[str, Served] = {}
        for start in range(0, len(wanted), 500):
            for r in (await uow.session.execute(select(known_enterprises).where(
                    known_enterprises.c.uscc.in_(wanted[start:start + 500])))).all():
                known[r.uscc] = _served(r)
        planned: list[tuple[int, ActivityCreate, list[Served]]] = []
        for i, item in parsed:
            try:
                served = await _look_up(uow.session, item.enterprises, known)
                domain.check_private_served(item.kind, [s.is_private for s in served])
            except (RuleViolation, ProblemError) as exc:
                errors.extend(_rule_error(i, exc))
                continue
            planned.append((i, item, served))
        errors.sort(key=lambda e: e["row"])
        bad_rows = {e["row"] for e in errors}
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入未写入：存在不合法的行",
                               f"{len(bad_rows)} 行不合法（atomic=true：全部不写入）", errors=errors,
                               received=len(rows), rejected=len(bad_rows))
        if planned and not dry_run:
            made = [(i, item, *_new(principal, item, served, batch_id)) for i, item, served in planned]
            uow.session.add_all([a for _, _, a, _ in made])
            await uow.session.flush()
            for i, _, a, ents in made:
                for e in ents:
                    e.activity_id = a.id
                uow.session.add_all(ents)
                ids[i] = a.id
                uow.emit(_recorded(a, ents))
            await record_audits(uow.session, principal, [("activity.record", "activity", str(a.id), None,
                                                          {**item.model_dump(mode="json"), "batch_id": batch_id})
                                                         for _, item, a, _ in made])
            await uow.commit()
    written = 0 if dry_run else len(planned)
    return ActivityBulkOut(atomic=atomic, dry_run=dry_run, received=len(rows), written=written,
                           rejected=len(bad_rows), batch_id=batch_id if written else None, ids=ids,
                           errors=[RowError(**e) for e in errors])


# ------------------------------------------------------------------------------ correct, cancel

async def _writable(session, principal: Principal, activity_id: int) -> Activity:
    a: Activity = await get_or_404(session, Activity, activity_id, WHAT, lock=True)
    policy.ensure_may_record_activity(principal, a.city)
    domain.check_open(a.status)
    return a


async def correct_activity(rt: Runtime, principal: Principal, activity_id: int, data: ActivityCorrect) -> ActivityView:
    """Change what was recorded wrongly; the indicators take the old figures back and count the new.
    A correction equal to what is stored writes nothing."""
    changes = data.model_dump(exclude_unset=True, exclude={"reason"})
    async with rt.unit_of_work() as uow:
        a = await _writable(uow.session, principal, activity_id)
        domain.check_changes(changes)
        rows = await _enterprises(uow.session, a.id)
        current: dict[str, Any] = {"kind": a.kind, "sub_kind": a.sub_kind, "title": a.title, "held_on": a.held_on,
                                   "organiser": a.organiser, "city": a.city, "enterprises": [r.uscc for r in rows],
                                   "staff_person_times": a.staff_person_times, "note": a.note}
        new = dict(current)
        for key, value in changes.items():
            new[key] = value.value if hasattr(value, "value") else value
        for key in ("title", "organiser"):
            new[key] = new[key].strip()
        if new["kind"] != domain.ActivityKind.ONSITE_SERVICE and "sub_kind" not in changes:
            new["sub_kind"] = None  # an on-site service corrected to another kind loses its sub-kind
        changed = [k for k in FIELDS if new[k] != current[k]]
        if not changed:
            await uow.commit()  # nothing staged: no row, audit or event (and the objects stay readable)
            return a, rows
        if new["city"] != a.city:
            policy.ensure_may_record_activity(principal, new["city"])
        domain.check_sub_kind(new["kind"], new["sub_kind"])
        domain.check_held_on(new["held_on"], today())
        if "enterprises" in changed:
            served = await _look_up(uow.session, new["enterprises"])
        else:
            served = [Served(r.uscc, r.name, r.enterprise_city, r.is_private) for r in rows]
        domain.check_private_served(new["kind"], [s.is_private for s in served])
        before = _figures(a)
        a.kind, a.sub_kind, a.title, a.held_on = new["kind"], new["sub_kind"], new["title"], new["held_on"]
        a.organiser, a.city, a.note = new["organiser"], new["city"], new["note"]
        a.staff_person_times = new["staff_person_times"]
        a.enterprise_count, a.private_count = len(served), sum(1 for s in served if s.is_private)
        a.version += 1
        if "enterprises" in changed:
            await uow.session.execute(delete(ActivityEnterprise).where(ActivityEnterprise.activity_id == a.id))
            rows = [ActivityEnterprise(activity_id=a.id, uscc=s.uscc, position=i, name=s.name, enterprise_city=s.city,
                                       is_private=s.is_private) for i, s in enumerate(served)]
            uow.session.add_all(rows)
        await record_audit(uow.session, principal, "activity.correct", "activity", str(a.id),
                           {k: current[k] for k in changed}, {**{k: new[k] for k in changed}, "reason": data.reason})
        uow.emit(ev.ServiceActivityCorrected(activity_id=a.id, before=_event_figures(before),
                                             after=_event_figures(_figures(a)), changed_fields=changed,
                                             reason=data.reason, usccs=[s.uscc for s in served]))
        await uow.commit()
    return a, rows


async def cancel_activity(rt: Runtime, principal: Principal, activity_id: int, reason: str) -> ActivityView:
    """Cancel an activity recorded in error (or never held): its figures are taken back."""
    async with rt.unit_of_work() as uow:
        a = await _writable(uow.session, principal, activity_id)
        a.status, a.cancel_reason = "cancelled", reason
        a.version += 1
        await record_audit(uow.session, principal, "activity.cancel", "activity", str(a.id), {"status": "recorded"},
                           {"status": "cancelled", "reason": reason})
        uow.emit(ev.ServiceActivityCancelled(activity_id=a.id, figures=_event_figures(_figures(a)), reason=reason,
                                             cancelled_on=today()))
        rows = await _enterprises(uow.session, a.id)
        await uow.commit()
    return a, rows


# ------------------------------------------------------------------------------ reads

async def get_activity(rt: Runtime, principal: Principal, activity_id: int) -> ActivityView:
    policy.activity_scope(principal, None)  # a role that reads no activity learns of none
    async with rt.sessions() as session:
        a: Activity = await get_or_404(session, Activity, activity_id, WHAT)
        policy.ensure_may_read_activity(principal, a.city)
        return a, await _enterprises(session, a.id)


async def search_activities(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                            kind: str | None = None, sub_kind: str | None = None, status: str | None = None,
                            year: int | None = None, date_from: date | None = None, date_to: date | None = None,
                            uscc: str | None = None, batch_id: str | None = None) -> tuple[list[ActivityView], int]:
    """Activities by city, kind, status, year or dates held, enterprise served (latest first)."""
    if date_from and date_to and date_from > date_to:
        raise RuleViolation("date_range.order", f"起始日期 {date_from} 晚于截止日期 {date_to}", "date_from")
    city = policy.activity_scope(principal, city)
    stmt = where_equal(select(Activity), Activity, city=city, kind=kind, sub_kind=sub_kind, status=status,
                       batch_id=batch_id)
    if year:
        stmt = stmt.where(Activity.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    if date_from:
        stmt = stmt.where(Activity.held_on >= date_from)
    if date_to:
        stmt = stmt.where(Activity.held_on <= date_to)
    if uscc:
        served = select(ActivityEnterprise.activity_id).where(ActivityEnterprise.uscc == uscc)
        stmt = stmt.where(Activity.id.in_(served))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Activity.held_on.desc(), Activity.id.desc())
        return await with_enterprises(session, rows), total


async def with_enterprises(session, rows: list[Activity]) -> list[ActivityView]:
    """Each activity with the enterprises it served (a page, or a chunk of a workbook export)."""
    by_id: dict[int, list[ActivityEnterprise]] = {a.id: [] for a in rows}
    if by_id:
        for e in (await session.scalars(select(ActivityEnterprise).where(ActivityEnterprise.activity_id.in_(
                sorted(by_id))).order_by(ActivityEnterprise.activity_id, ActivityEnterprise.position))).all():
            by_id[e.activity_id].append(e)
    return [(a, by_id[a.id]) for a in rows]


__all__ = ["bulk_record", "cancel_activity", "correct_activity", "get_activity", "record_activity", "search_activities",
           "with_enterprises"]
