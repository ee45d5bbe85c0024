"""Use cases of open licences 开放许可声明: publish, list with their licensee counts, withdraw.
One transaction each (state change + audit + outbox event)."""
from __future__ import annotations

from sqlalchemy import Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.search import ESCAPE, contains, escape_like, where_equal
from services.transfer import domain, lookups, policy
from services.transfer import events as ev
from services.transfer.domain import money_str
from services.transfer.models import OpenLicence, TransferRecord
from services.transfer.schemas import OpenLicenceCreate

WHAT = "开放许可声明"


async def publish_open_licence(rt: Runtime, principal: Principal, data: OpenLicenceCreate) -> OpenLicence:
    policy.ensure_role(principal, policy.WRITERS, "不能发布开放许可")
    patents = lookups.unique_patents(data.patents)
    domain.check_fee(data.fee_kind, data.fee_amount, data.royalty_rate, data.valid_from, data.valid_to)
    async with rt.unit_of_work() as uow:
        licensor, city = await lookups.listing_owner(uow.session, principal, "licensor", data.licensor, data.city,
                                                     "许可人")
        lic = OpenLicence(patents=patents, title=data.title.strip(), licensor_kind=licensor.kind.value,
                          licensor_name=licensor.name, licensor_uscc=licensor.uscc, city=city,
                          fee_kind=data.fee_kind.value, fee_amount=data.fee_amount, royalty_rate=data.royalty_rate,
                          valid_from=data.valid_from, valid_to=data.valid_to, status="active",
                          created_by=principal.sub)
        uow.session.add(lic)
        await uow.session.flush()
        await record_audit(uow.session, principal, "open_licence.publish", "open_licence", str(lic.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.OpenLicencePublished(
            open_licence_id=str(lic.id), patents=patents, licensor_kind=lic.licensor_kind,
            licensor_name=lic.licensor_name, city=city, fee_kind=lic.fee_kind, fee_amount=money_str(lic.fee_amount),
            royalty_rate=money_str(lic.royalty_rate), valid_from=lic.valid_from, valid_to=lic.valid_to,
            year=lic.valid_from.year))
        await uow.commit()
    return lic


async def licensee_counts(session: AsyncSession, ids: list[int]) -> dict[int, int]:
    """Registered records made through each of these open licences."""
    if not ids:
        return {}
    rows = await session.execute(select(TransferRecord.open_licence_id, func.count()).where(
        TransferRecord.open_licence_id.in_(ids), TransferRecord.status == "registered")
        .group_by(TransferRecord.open_licence_id))
    return {i: n for i, n in rows.all() if i is not None}  # (in ids: never None)


async def with_licensees(session: AsyncSession, rows: list[OpenLicence]) -> list[tuple[OpenLicence, int]]:
    """Each open licence with its registered licensees (a page, or a chunk of a workbook export)."""
    counts = await licensee_counts(session, [r.id for r in rows])
    return [(r, counts.get(r.id, 0)) for r in rows]


async def search_open_licences(rt: Runtime, page: PageParams, *, city: str | None = None, status: str | None = None,
                               in_force: bool | None = None, patent: str | None = None,
                               q: str | None = None) -> tuple[list[tuple[OpenLicence, int]], int]:
    stmt = where_equal(select(OpenLicence), OpenLicence, city=city, status=status)
    if in_force is not None:
        on = today()
        cond = (OpenLicence.status == "active") & (OpenLicence.valid_from <= on) & (OpenLicence.valid_to >= on)
        stmt = stmt.where(cond if in_force else ~cond)
    if patent:
        stmt = stmt.where(cast(OpenLicence.patents, Text).like(f'%"{escape_like(patent)}"%', escape=ESCAPE))
    if q:
        stmt = stmt.where(contains(q.strip(), OpenLicence.title, OpenLicence.licensor_name))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, OpenLicence.id.desc())
        return await with_licensees(session, rows), total


async def get_open_licence(rt: Runtime, licence_id: int) -> tuple[OpenLicence, int]:
    async with rt.sessions() as session:
        lic = await get_or_404(session, OpenLicence, licence_id, WHAT)
        counts = await licensee_counts(session, [lic.id])
    return lic, counts.get(lic.id, 0)


async def withdraw_open_licence(rt: Runtime, principal: Principal, licence_id: int, reason: str) -> OpenLicence:
    return await lookups.end_with_reason(
        rt, principal, OpenLicence, licence_id, reason, what=WHAT, machine=domain.OPEN_LICENCE, action="withdraw",
        reason_attr="withdrawn_reason", audit="open_licence.withdraw",
        event=lambda lic: ev.OpenLicenceWithdrawn(open_licence_id=str(lic.id), city=lic.city, withdrawn_on=today(),
                                                  reason=reason))


__all__ = ["get_open_licence", "licensee_counts", "publish_open_licence", "search_open_licences",
           "withdraw_open_licence"]
