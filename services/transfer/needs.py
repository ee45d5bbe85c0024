"""Use cases of enterprise needs 企业技术需求: register, read, close, and rank the library for one.
One transaction each (state change + audit + outbox event)."""
from __future__ import annotations

from sqlalchemy import select

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.search import where_equal
from libs.readmodels.enterprises import require_enterprise
from services.transfer import domain, lookups, policy
from services.transfer import events as ev
from services.transfer.domain import money_str
from services.transfer.models import EnterpriseNeed, LibraryEntry, known_enterprises
from services.transfer.schemas import CloseNeedIn, NeedCreate

WHAT = "企业需求"


async def register_need(rt: Runtime, principal: Principal, data: NeedCreate) -> EnterpriseNeed:
    policy.ensure_role(principal, policy.WRITERS, "不能登记企业需求")
    domain.check_need_terms(data.ipc_classes, data.keywords)
    async with rt.unit_of_work() as uow:
        ent = await require_enterprise(uow.session, known_enterprises, data.uscc)
        policy.ensure_may_write(principal, ent.city)
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
                                   budget=money_str(need.budget), registered_on=on, year=on.year))
        await uow.commit()
    return need


async def get_need(rt: Runtime, principal: Principal, need_id: int) -> EnterpriseNeed:
    policy.readable_city(principal, None, policy.NEED_READERS)  # a role that reads no need learns of none
    async with rt.sessions() as session:
        need = await get_or_404(session, EnterpriseNeed, need_id, WHAT)
    policy.ensure_may_read(principal, need.city, policy.NEED_READERS)
    return need


async def search_needs(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                       status: str | None = None, uscc: str | None = None) -> tuple[list[EnterpriseNeed], int]:
    city = policy.readable_city(principal, city, policy.NEED_READERS)
    stmt = where_equal(select(EnterpriseNeed), EnterpriseNeed, city=city, status=status, uscc=uscc)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, EnterpriseNeed.id.desc())
    return rows, total


async def close_need(rt: Runtime, principal: Principal, need_id: int, data: CloseNeedIn) -> EnterpriseNeed:
    async with rt.unit_of_work() as uow:
        need = await lookups.writable(uow.session, principal, EnterpriseNeed, need_id, WHAT)
        need.status = domain.NEED.next(need.status, "resolve" if data.outcome == "resolved" else "withdraw")
        need.closed_reason = data.reason
        await record_audit(uow.session, principal, f"need.{data.outcome}", "need", str(need.id), {"status": "open"},
                           {"status": need.status, "reason": data.reason})
        uow.emit(ev.NeedClosed(need_id=str(need.id), uscc=need.uscc, city=need.city, is_private=need.is_private,
                               outcome=data.outcome, closed_on=today(), reason=data.reason))
        await uow.commit()
    return need


async def match_need(rt: Runtime, principal: Principal, need_id: int,
                     limit: int) -> list[tuple[domain.MatchScore, LibraryEntry]]:
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


__all__ = ["close_need", "get_need", "match_need", "register_need", "search_needs"]
