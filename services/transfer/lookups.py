"""What the transfer use cases share: the enterprise read model by USCC, parties resolved against it,
rows by id, a row locked for a change by one who may write it, and ending a listing with a reason."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.errors import ProblemError, get_or_404
from libs.common.events import EventData
from services.transfer import domain, policy
from services.transfer.domain import Party, PartyInput
from services.transfer.models import known_enterprises
from services.transfer.schemas import PartyIn

IN_CHUNK = 2000  # values per IN (...) list: well under SQLite's and asyncpg's parameter limits


def chunks(values: list, size: int = IN_CHUNK) -> Iterable[list]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def invalid(errors: list[dict[str, str]]) -> ProblemError:
    """A 422 ``validation-error`` listing ``errors``, the first one's message as the detail."""
    return ProblemError(422, "validation-error", "请求参数校验失败", errors[0]["message"], errors=errors)


async def known_map(session: AsyncSession, usccs: Iterable[str]) -> dict[str, Any]:
    """Read-model rows of the given USCCs (one query per 2,000)."""
    wanted = sorted(set(usccs))
    out: dict[str, Any] = {}
    for chunk in chunks(wanted):
        for row in (await session.execute(select(known_enterprises).where(known_enterprises.c.uscc.in_(chunk)))).all():
            out[row.uscc] = row
    return out


def party_input(p: PartyIn) -> PartyInput:
    return PartyInput(p.kind, p.name, p.uscc, p.region, p.city)


async def resolve_party(session: AsyncSession, side: str, p: PartyIn) -> Party:
    """One party as recorded, or the 422 naming what is wrong with it."""
    known = await known_map(session, [p.uscc] if p.uscc else [])
    party, errors = domain.resolve_party(side, party_input(p), known)
    if errors or party is None:  # no party comes without errors saying why
        raise invalid(errors)
    return party


def unique_patents(numbers: Iterable[str]) -> list[str]:
    """The (already normalised) patent numbers of a listing, or the 422 naming every repeated one."""
    patents = list(numbers)
    if errs := domain.duplicate_patents(patents):
        raise invalid(errs)
    return patents


async def listing_owner(session: AsyncSession, principal: Principal, side: str, owner: PartyIn, city: str | None,
                        label: str) -> tuple[Party, str]:
    """The owner of an open licence or library entry and the city it is listed in, which the
    principal must be a writer of."""
    party = await resolve_party(session, side, owner)
    city = domain.listing_city(party, city, label)
    policy.ensure_may_write(principal, city)
    return party, city


async def by_id(session: AsyncSession, model, ids: set[int | None]) -> dict[int, Any]:
    """Rows of ``model`` with these ids (``None`` ignored), by id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.scalars(select(model).where(model.id.in_(sorted(wanted))))).all()
    return {r.id: r for r in rows}


async def writable(session: AsyncSession, principal: Principal, model, key: Any, what: str) -> Any:
    """The row locked for update (404 naming ``what``), once the principal may write its city."""
    row = await get_or_404(session, model, key, what, lock=True)
    policy.ensure_may_write(principal, row.city)
    return row


async def end_with_reason(rt: Runtime, principal: Principal, model: Any, key: int, reason: str, *, what: str,
                          machine: domain.Machine, action: str, reason_attr: str, audit: str,
                          event: Callable[[Any], EventData]) -> Any:
    """Withdraw or cancel one row in one transaction: lock it (404 ``what``), let ``machine`` decide
    ``action`` from its status (409 otherwise), keep ``reason``, audit the status change (as an entity
    named ``machine.name``) and emit ``event``."""
    async with rt.unit_of_work() as uow:
        row = await writable(uow.session, principal, model, key, what)
        before = row.status
        row.status = machine.next(row.status, action)
        setattr(row, reason_attr, reason)
        await record_audit(uow.session, principal, audit, machine.name, str(row.id),
                           {"status": before}, {"status": row.status, "reason": reason})
        uow.emit(event(row))
        await uow.commit()
    return row


__all__ = ["IN_CHUNK", "by_id", "chunks", "end_with_reason", "invalid", "known_map", "listing_owner", "party_input",
           "resolve_party", "unique_patents", "writable"]
