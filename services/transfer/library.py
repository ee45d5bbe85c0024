"""Use cases of the convertible patent library 可转化专利资源库: list patents in it, browse, withdraw.
One transaction each (state change + audit + outbox event)."""
from __future__ import annotations

from sqlalchemy import Text, cast, select

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.search import ESCAPE, contains, escape_like, where_equal
from services.transfer import domain, lookups, policy
from services.transfer import events as ev
from services.transfer.domain import ACADEMIC
from services.transfer.models import LibraryEntry
from services.transfer.schemas import LibraryEntryCreate

WHAT = "资源库条目"


async def list_entry(rt: Runtime, principal: Principal, data: LibraryEntryCreate) -> LibraryEntry:
    policy.ensure_role(principal, policy.WRITERS, "不能向资源库登记专利")
    patents = lookups.unique_patents(data.patents)
    async with rt.unit_of_work() as uow:
        owner, city = await lookups.listing_owner(uow.session, principal, "owner", data.owner, data.city, "权利人")
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
    stmt = where_equal(select(LibraryEntry), LibraryEntry, city=city, status=status, owner_kind=owner_kind,
                               use_first_pay_later=use_first_pay_later)
    if ipc:
        stmt = stmt.where(cast(LibraryEntry.ipc_classes, Text).like(f'%"{escape_like(ipc)}%', escape=ESCAPE))
    if keyword:
        stmt = stmt.where(contains(domain.normalise_name(keyword).lower(), LibraryEntry.search_text))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, LibraryEntry.id.desc())
    return rows, total


async def get_entry(rt: Runtime, entry_id: int) -> LibraryEntry:
    async with rt.sessions() as session:
        return await get_or_404(session, LibraryEntry, entry_id, WHAT)


async def withdraw_entry(rt: Runtime, principal: Principal, entry_id: int, reason: str) -> LibraryEntry:
    return await lookups.end_with_reason(
        rt, principal, LibraryEntry, entry_id, reason, what=WHAT, machine=domain.LIBRARY, action="withdraw",
        reason_attr="withdrawn_reason", audit="library.withdraw",
        event=lambda e: ev.LibraryEntryWithdrawn(entry_id=str(e.id), city=e.city, withdrawn_on=today(), reason=reason))


__all__ = ["get_entry", "list_entry", "search_entries", "withdraw_entry"]
