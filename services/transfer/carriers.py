"""Use cases of the innovation carriers and bases register 载体 (003 §§ 5, 7, 9, 11, 22): approve,
record establishment, review yearly, revoke, read and list. One transaction each (state change +
audit + outbox event); the domain decides, the policy says who may."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from libs.readmodels.enterprises import require_enterprise
from services.transfer import domain, policy
from services.transfer import events as ev
from services.transfer.domain import PROVINCE_LEVELS, CarrierLevel
from services.transfer.models import Carrier, CarrierReview, known_enterprises
from services.transfer.schemas import CarrierCreate, CarrierReviewIn, EstablishIn, RevokeIn

WHAT = "载体"
CarrierView = tuple[Carrier, list[CarrierReview]]


def _province_level(level: str) -> bool:
    return CarrierLevel(level) in PROVINCE_LEVELS


def _established(c: Carrier) -> ev.CarrierEstablished:
    assert c.established_on is not None
    return ev.CarrierEstablished(carrier_id=str(c.id), kind=c.kind, level=c.level, city=c.city,
                                 approved_on=c.approved_on, established_on=c.established_on,
                                 year=c.established_on.year)


async def _reviews(session, carrier_id: int) -> list[CarrierReview]:
    return list((await session.scalars(select(CarrierReview).where(CarrierReview.carrier_id == carrier_id)
                                       .order_by(CarrierReview.year))).all())


async def approve_carrier(rt: Runtime, principal: Principal, data: CarrierCreate) -> CarrierView:
    """Enter an approved carrier (and, with ``established_on``, its start of operation too)."""
    policy.ensure_may_approve(principal, _province_level(data.level), data.city)
    domain.check_carrier_host(data.host_kind, data.host_uscc, data.host_name)
    domain.check_carrier_dates(data.approved_on, data.established_on, today())
    async with rt.unit_of_work() as uow:
        host_name = (data.host_name or "").strip()
        if data.host_uscc:
            host_name = (await require_enterprise(uow.session, known_enterprises, data.host_uscc, "host_uscc")).name
        c = Carrier(kind=data.kind, name=data.name.strip(), host_kind=data.host_kind, host_name=host_name,
                    host_uscc=data.host_uscc, city=data.city, level=data.level, field=data.field,
                    approved_on=data.approved_on, established_on=None, status="approved", created_by=principal.sub)
        uow.session.add(c)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("carrier.exists", f"同类载体“{data.name.strip()}”已登记") from None
        await record_audit(uow.session, principal, "carrier.approve", "carrier", str(c.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.CarrierApproved(carrier_id=str(c.id), kind=c.kind, level=c.level, name=c.name,
                                    host_kind=c.host_kind, host_name=c.host_name,
                                    host_uscc=c.host_uscc, city=c.city, approved_on=c.approved_on,
                                    year=c.approved_on.year))
        if data.established_on is not None:
            c.status = domain.CARRIER.next(c.status, "establish")
            c.established_on = data.established_on
            uow.emit(_established(c))
        await uow.commit()
    return c, []


async def _writable(session, principal: Principal, carrier_id: int) -> Carrier:
    c: Carrier = await get_or_404(session, Carrier, carrier_id, WHAT, lock=True)
    policy.ensure_may_write(principal, c.city)
    return c


async def establish_carrier(rt: Runtime, principal: Principal, carrier_id: int, data: EstablishIn) -> CarrierView:
    """Record that an approved carrier started operating (the carrier's city or the province)."""
    async with rt.unit_of_work() as uow:
        c = await _writable(uow.session, principal, carrier_id)
        c.status = domain.CARRIER.next(c.status, "establish")
        domain.check_carrier_dates(c.approved_on, data.established_on, today())
        c.established_on = data.established_on
        await record_audit(uow.session, principal, "carrier.establish", "carrier", str(c.id), {"status": "approved"},
                           {"status": c.status, "established_on": data.established_on})
        uow.emit(_established(c))
        reviews = await _reviews(uow.session, c.id)
        await uow.commit()
    return c, reviews


async def review_carrier(rt: Runtime, principal: Principal, carrier_id: int, data: CarrierReviewIn) -> CarrierView:
    """Record the yearly review result of an operating carrier (one per year)."""
    async with rt.unit_of_work() as uow:
        c = await _writable(uow.session, principal, carrier_id)
        domain.CARRIER.next(c.status, "review")
        assert c.established_on is not None  # operating carriers have started
        domain.check_review_year(data.year, c.established_on, today())
        exists = RuleViolation("carrier.review.exists", f"载体 {c.id} 的 {data.year} 年度评价已登记")
        if any(r.year == data.year for r in await _reviews(uow.session, c.id)):
            raise exists
        uow.session.add(CarrierReview(carrier_id=c.id, year=data.year, result=data.result, note=data.note,
                                      reviewed_by=principal.sub))
        try:
            await uow.session.flush()
        except IntegrityError:  # the same review recorded concurrently
            raise exists from None
        await record_audit(uow.session, principal, "carrier.review", "carrier", str(c.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.CarrierReviewed(carrier_id=str(c.id), kind=c.kind, level=c.level, city=c.city,
                                    year=data.year, result=data.result, note=data.note))
        reviews = await _reviews(uow.session, c.id)
        await uow.commit()
    return c, reviews


async def revoke_carrier(rt: Runtime, principal: Principal, carrier_id: int, data: RevokeIn) -> CarrierView:
    """Revoke a carrier's approval, with the reason (who approves it revokes it)."""
    async with rt.unit_of_work() as uow:
        c: Carrier = await get_or_404(uow.session, Carrier, carrier_id, WHAT, lock=True)
        policy.ensure_may_approve(principal, _province_level(c.level), c.city)
        before = c.status
        c.status = domain.CARRIER.next(c.status, "revoke")
        domain.check_revocation_date(data.revoked_on, c.approved_on, c.established_on, today())
        c.revoked_on, c.revoked_reason = data.revoked_on, data.reason
        await record_audit(uow.session, principal, "carrier.revoke", "carrier", str(c.id), {"status": before},
                           {"status": c.status, "revoked_on": data.revoked_on, "reason": data.reason})
        uow.emit(ev.CarrierRevoked(carrier_id=str(c.id), kind=c.kind, level=c.level, city=c.city,
                                   approved_on=c.approved_on, established_on=c.established_on,
                                   was_operating=before == "operating", revoked_on=data.revoked_on,
                                   year=data.revoked_on.year, reason=data.reason))
        reviews = await _reviews(uow.session, c.id)
        await uow.commit()
    return c, reviews


async def get_carrier(rt: Runtime, principal: Principal, carrier_id: int) -> CarrierView:
    policy.readable_city(principal, None)  # a role that reads no carrier learns of none
    async with rt.sessions() as session:
        c: Carrier = await get_or_404(session, Carrier, carrier_id, WHAT)
        policy.ensure_may_read(principal, c.city)
        return c, await _reviews(session, c.id)


async def search_carriers(rt: Runtime, principal: Principal, page: PageParams, *, kind: str | None = None,
                          city: str | None = None, level: str | None = None, status: str | None = None,
                          year: int | None = None, host_uscc: str | None = None) -> tuple[list[CarrierView], int]:
    """Carriers by kind, city, level, status, host and year of approval (newest approval first)."""
    city = policy.readable_city(principal, city)
    stmt = where_equal(select(Carrier), Carrier, kind=kind, city=city, level=level, status=status, host_uscc=host_uscc)
    if year:
        stmt = stmt.where(Carrier.approved_on.between(date(year, 1, 1), date(year, 12, 31)))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Carrier.approved_on.desc(), Carrier.id.desc())
        return await with_reviews(session, rows), total


async def with_reviews(session, rows: list[Carrier]) -> list[CarrierView]:
    """Each carrier with its yearly reviews (a page, or a chunk of a workbook export)."""
    by_carrier: dict[int, list[CarrierReview]] = {c.id: [] for c in rows}
    if by_carrier:
        for r in (await session.scalars(select(CarrierReview)
                                        .where(CarrierReview.carrier_id.in_(sorted(by_carrier))))).all():
            by_carrier[r.carrier_id].append(r)
    return [(c, by_carrier[c.id]) for c in rows]


__all__ = ["approve_carrier", "establish_carrier", "get_carrier", "review_carrier", "revoke_carrier",
           "search_carriers", "with_reviews"]
