"""Use cases of supply-demand matching events 供需对接活动: plan, record that one was held, cancel, list.
One transaction each (state change + audit + outbox event)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from services.transfer import domain, lookups, policy
from services.transfer import events as ev
from services.transfer.domain import money_str
from services.transfer.models import MatchingEvent
from services.transfer.schemas import HeldIn, MatchingEventCreate

WHAT = "对接活动"


async def plan_matching_event(rt: Runtime, principal: Principal, data: MatchingEventCreate) -> MatchingEvent:
    policy.ensure_may_write(principal, data.city)
    async with rt.unit_of_work() as uow:
        mev = MatchingEvent(ref=data.ref, title=data.title.strip(), city=data.city, planned_date=data.planned_date,
                            organiser=data.organiser.strip(), field=data.field, status="planned",
                            created_by=principal.sub)
        uow.session.add(mev)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("matching_event.exists", f"活动编号 {data.ref} 已存在") from None
        await record_audit(uow.session, principal, "matching_event.plan", "matching_event", str(mev.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.MatchingEventPlanned(matching_event_id=str(mev.id), title=mev.title, city=mev.city,
                                         planned_date=mev.planned_date, organiser=mev.organiser, field=mev.field))
        await uow.commit()
    return mev


async def hold_matching_event(rt: Runtime, principal: Principal, event_id: int, data: HeldIn) -> MatchingEvent:
    async with rt.unit_of_work() as uow:
        mev = await lookups.writable(uow.session, principal, MatchingEvent, event_id, WHAT)
        held_on = domain.held_date(data.held_on, mev.planned_date, today())
        mev.status = domain.MATCHING.next(mev.status, "hold")
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
            amount_intended=money_str(data.amount_intended)))
        await uow.commit()
    return mev


async def cancel_matching_event(rt: Runtime, principal: Principal, event_id: int, reason: str) -> MatchingEvent:
    return await lookups.end_with_reason(
        rt, principal, MatchingEvent, event_id, reason, what=WHAT, machine=domain.MATCHING, action="cancel",
        reason_attr="cancelled_reason", audit="matching_event.cancel",
        event=lambda m: ev.MatchingEventCancelled(matching_event_id=str(m.id), city=m.city, planned_date=m.planned_date,
                                                  reason=reason))


async def search_matching_events(rt: Runtime, page: PageParams, *, city: str | None = None, year: int | None = None,
                                 status: str | None = None, ref: str | None = None) -> tuple[list[MatchingEvent], int]:
    stmt = where_equal(select(MatchingEvent), MatchingEvent, city=city, status=status, ref=ref)
    if year:
        stmt = stmt.where(func.coalesce(MatchingEvent.held_on, MatchingEvent.planned_date)
                          .between(date(year, 1, 1), date(year, 12, 31)))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, MatchingEvent.planned_date.desc(), MatchingEvent.id)
    return rows, total


async def get_matching_event(rt: Runtime, event_id: int) -> MatchingEvent:
    async with rt.sessions() as session:
        return await get_or_404(session, MatchingEvent, event_id, WHAT)


__all__ = ["cancel_matching_event", "get_matching_event", "hold_matching_event", "plan_matching_event",
           "search_matching_events"]
