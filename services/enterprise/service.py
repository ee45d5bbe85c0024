"""Use cases of the enterprise service: one transaction each (state + audit + outbox event).

Who may act is :mod:`services.enterprise.policy`, what the rules allow :mod:`services.enterprise.domain`
(whose :class:`~libs.common.rules.RuleViolation` the problem handler renders as a 422 or 409).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import now_in_china, today
from libs.common.errors import get_or_404
from libs.common.identifiers import uscc_division
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import contains, where_equal
from services.enterprise import domain, policy
from services.enterprise import events as ev
from services.enterprise.domain import Tier, TierChange, TierState
from services.enterprise.models import Enterprise, TierDecision, TierRecommendation, YearFigures
from services.enterprise.pool.domain import Evaluation, Outcome
from services.enterprise.pool.models import PoolMembership
from services.enterprise.reference import Ownership
from services.enterprise.schemas import (
    ApproveIn,
    EnterpriseCreate,
    EnterpriseUpdate,
    RecommendationIn,
    RejectIn,
    RevokeIn,
    TierChangeIn,
    YearFiguresIn,
)
from services.enterprise.tiers import domain as tier_domain
from services.enterprise.tiers import evaluation as tier_evaluation

PROFILE_FIELDS = ("name", "city", "county", "industry", "size_class", "ownership", "qualifications",
                  "ip_management_certified", "own_brand", "patent_product_filed")


def snapshot(e: Enterprise) -> dict[str, Any]:
    return {f: getattr(e, f) for f in (*PROFILE_FIELDS, "tier", "tier_since")}


def is_private(e: Enterprise) -> bool:
    return e.ownership == Ownership.PRIVATE


async def get_enterprise(session, uscc: str, lock: bool = False) -> Enterprise:
    return await get_or_404(session, Enterprise, uscc, "企业", lock=lock)


# ------------------------------------------------------------------------------------- registry

async def register(rt: Runtime, principal: Principal, data: EnterpriseCreate) -> tuple[Enterprise, list[str]]:
    city, warnings = domain.registration_city(data.uscc, data.city)
    policy.ensure_writer(principal, city)
    domain.check_county(city, data.county)
    enterprise = Enterprise(uscc=data.uscc, name=data.name.strip(), city=city, county=data.county,
                            registered_division=uscc_division(data.uscc), industry=data.industry,
                            size_class=data.size_class.value, ownership=data.ownership.value,
                            qualifications=[q.value for q in data.qualifications],
                            ip_management_certified=data.ip_management_certified, own_brand=data.own_brand,
                            patent_product_filed=data.patent_product_filed, version=1)
    async with rt.unit_of_work() as uow:
        uow.session.add(enterprise)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("enterprise.exists", f"统一社会信用代码 {data.uscc} 的企业已登记") from None
        await record_audit(uow.session, principal, "enterprise.register", "enterprise", data.uscc, None,
                           snapshot(enterprise))
        uow.emit(ev.EnterpriseRegistered(
            uscc=enterprise.uscc, name=enterprise.name, city=city, county=enterprise.county,
            industry=enterprise.industry, size_class=enterprise.size_class, ownership=enterprise.ownership,
            is_private=is_private(enterprise), qualifications=enterprise.qualifications, registered_on=today()))
        await uow.commit()
    return enterprise, warnings


async def get(rt: Runtime, principal: Principal, uscc: str) -> Enterprise:
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, uscc)
    policy.ensure_reader(principal, enterprise.city)
    return enterprise


async def search(rt: Runtime, principal: Principal, page: PageParams, city: str | None, tier: str | None,
                 industry: str | None, ownership: str | None, q: str | None) -> tuple[list[Enterprise], int]:
    city = policy.readable_city(principal, city, "企业列表")
    stmt = where_equal(select(Enterprise), Enterprise, city=city)
    if tier == "none":
        stmt = stmt.where(Enterprise.tier.is_(None))
    elif tier:
        stmt = stmt.where(Enterprise.tier == tier)
    stmt = where_equal(stmt, Enterprise, industry=industry, ownership=ownership)
    if q:
        stmt = stmt.where(contains(q.strip(), Enterprise.name, Enterprise.uscc))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Enterprise.city, Enterprise.uscc)
    return rows, total


async def update(rt: Runtime, principal: Principal, uscc: str, data: EnterpriseUpdate) -> Enterprise:
    changes = data.model_dump(exclude_unset=True)
    domain.check_profile_changes(changes)
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, uscc, lock=True)
        policy.ensure_writer(principal, enterprise.city)
        previous_city, before = enterprise.city, snapshot(enterprise)
        _change_profile(principal, enterprise, changes)
        after = snapshot(enterprise)
        changed = sorted(k for k in PROFILE_FIELDS if before[k] != after[k])
        if not changed:  # nothing to write; detach first so the rollback on exit does not expire it
            uow.session.expunge(enterprise)
            return enterprise
        enterprise.version += 1
        in_pool = await _move_pool_membership(uow.session, uscc, previous_city, enterprise.city)
        await record_audit(uow.session, principal, "enterprise.update", "enterprise", uscc,
                           {k: before[k] for k in changed}, {k: after[k] for k in changed})
        uow.emit(ev.EnterpriseUpdated(
            uscc=uscc, name=enterprise.name, city=enterprise.city, previous_city=previous_city,
            ownership=enterprise.ownership, is_private=is_private(enterprise), tier=enterprise.tier,
            in_pool=in_pool, changed_fields=changed, updated_on=today()))
        await uow.commit()
    return enterprise


def _change_profile(principal: Principal, enterprise: Enterprise, changes: dict[str, Any]) -> None:
    """Check the city moved to (the writer's too) and the county, then set the fields."""
    new_city = changes.get("city", enterprise.city)
    if new_city != enterprise.city:
        policy.ensure_writer(principal, new_city)
    new_county = changes["county"] if "county" in changes else (
        enterprise.county if new_city == enterprise.city else None)
    domain.check_county(new_city, new_county)
    for key, value in changes.items():
        if key == "qualifications":
            value = [q.value if hasattr(q, "value") else q for q in value]
        elif hasattr(value, "value"):
            value = value.value
        setattr(enterprise, key, value)
    enterprise.county = new_county


async def _move_pool_membership(session, uscc: str, previous_city: str, city: str) -> bool:
    """An open pool membership (applied or admitted) moves with the enterprise's city; says whether
    the enterprise is a pool member (the pool indicator moves with it, as a tier does)."""
    open_one = (await session.scalars(select(PoolMembership).where(
        PoolMembership.uscc == uscc, PoolMembership.status.in_(["applied", "admitted"])).with_for_update())).first()
    if open_one is None:
        return False
    if previous_city != city:
        open_one.city = city
    return open_one.status == "admitted"


async def put_figures(rt: Runtime, principal: Principal, uscc: str, year: int, data: YearFiguresIn) -> YearFigures:
    domain.check_figures(year, today().year, data.staff, data.rd_staff)
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, uscc)
        policy.ensure_writer(principal, enterprise.city)
        row = await uow.session.get(YearFigures, (uscc, year))
        before = None
        if row is None:
            row = YearFigures(uscc=uscc, year=year)
            uow.session.add(row)
        else:
            before = {k: getattr(row, k) for k in YearFiguresIn.model_fields}
        for key, value in data.model_dump().items():
            setattr(row, key, value)
        await uow.session.flush()
        await record_audit(uow.session, principal, "enterprise.figures", "enterprise", uscc, before,
                           {"year": year, **data.model_dump()})
        uow.emit(ev.FiguresReported(
            uscc=uscc, city=enterprise.city, year=year, staff=data.staff, rd_staff=data.rd_staff,
            invention_patents=data.invention_patents,
            **{k: (str(v) if v is not None else None) for k, v in
               (("revenue", data.revenue), ("rd_spend", data.rd_spend),
                ("industrialisation_rate", data.industrialisation_rate))}))
        await uow.commit()
    return row


async def list_figures(rt: Runtime, principal: Principal, uscc: str) -> list[YearFigures]:
    await get(rt, principal, uscc)
    async with rt.sessions() as session:
        return list((await session.scalars(
            select(YearFigures).where(YearFigures.uscc == uscc).order_by(YearFigures.year))).all())


# ---------------------------------------------------------------------------------------- tiers

def _state(e: Enterprise) -> TierState:
    return TierState(Tier(e.tier) if e.tier else None, e.tier_since)


async def recommend(rt: Runtime, principal: Principal, uscc: str, data: RecommendationIn) -> TierRecommendation:
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, uscc, lock=True)
        policy.ensure_writer(principal, enterprise.city)
        pending = await uow.session.scalar(select(func.count()).where(
            TierRecommendation.uscc == uscc, TierRecommendation.status == "pending"))
        domain.check_recommendation(_state(enterprise), data.tier, bool(pending))
        rec = TierRecommendation(uscc=uscc, city=enterprise.city, tier=data.tier.value, reason=data.reason,
                                 status="pending", recommended_by=principal.sub)
        uow.session.add(rec)
        await uow.session.flush()
        await record_audit(uow.session, principal, "tier.recommend", "enterprise", uscc, None,
                           {"recommendation_id": rec.id, "tier": rec.tier, "reason": rec.reason})
        uow.emit(ev.TierRecommended(uscc=uscc, city=enterprise.city, recommendation_id=rec.id, tier=rec.tier,
                                    current_tier=enterprise.tier, reason=rec.reason))
        await uow.commit()
    return rec


async def list_recommendations(rt: Runtime, principal: Principal, page: PageParams, status: str | None,
                               city: str | None) -> tuple[list[TierRecommendation], int]:
    """A page of recommendations (the routes add what the province sees when it decides:
    :func:`services.enterprise.tiers.service.with_evaluations`)."""
    city = policy.readable_city(principal, city, "梯队推荐")
    stmt = where_equal(select(TierRecommendation), TierRecommendation, status=status, city=city)
    async with rt.sessions() as session:
        return await fetch_page(session, stmt, page, TierRecommendation.id)


async def _apply_change(uow, principal: Principal, enterprise: Enterprise, target: Tier | None, effective: date,
                        reason: str, expected: TierChange | None, recommendation_id: int | None,
                        audit_extra: dict[str, Any] | None = None) -> TierDecision:
    change = domain.decide(_state(enterprise), target, effective, today(), expected)
    before = snapshot(enterprise)
    decision = TierDecision(uscc=enterprise.uscc, change=change.value, from_tier=enterprise.tier,
                            to_tier=target.value if target else None, effective_date=effective, reason=reason,
                            city=enterprise.city, recommendation_id=recommendation_id, decided_by=principal.sub)
    enterprise.tier = target.value if target else None
    enterprise.tier_since = effective
    enterprise.version += 1
    uow.session.add(decision)
    await uow.session.flush()
    await record_audit(uow.session, principal, f"tier.{change.value}", "enterprise", enterprise.uscc,
                       {"tier": before["tier"], "tier_since": before["tier_since"]},
                       {"tier": enterprise.tier, "tier_since": effective, "reason": reason, **(audit_extra or {})})
    uow.emit(ev.TIER_EVENTS[change.value](
        uscc=enterprise.uscc, city=enterprise.city, is_private=is_private(enterprise),
        from_tier=decision.from_tier, to_tier=decision.to_tier, effective_date=effective, year=effective.year,
        reason=reason, recommendation_id=recommendation_id))
    return decision


async def _pending_recommendation(session, rec_id: int) -> TierRecommendation:
    rec = await get_or_404(session, TierRecommendation, rec_id, "梯队推荐", lock=True)
    domain.check_undecided(rec.id, rec.status)
    return rec


def _decide_recommendation(rec: TierRecommendation, status: str, principal: Principal, reason: str | None) -> None:
    rec.status, rec.decided_by, rec.decided_at, rec.decision_reason = status, principal.sub, now_in_china(), reason


async def approve(rt: Runtime, principal: Principal, rec_id: int, data: ApproveIn
                  ) -> tuple[TierDecision, Evaluation]:
    """The province designates the recommended tier, having seen the tier's selection criteria
    evaluated (a failed one needs its ``reason``: :func:`services.enterprise.tiers.domain.check_approval`)."""
    async with rt.unit_of_work() as uow:
        rec = await _pending_recommendation(uow.session, rec_id)
        enterprise = await get_enterprise(uow.session, rec.uscc, lock=True)
        evaluation = await tier_evaluation.evaluate_recommendation(uow.session, rec, enterprise)
        tier_domain.check_approval(evaluation, Tier(rec.tier), data.reason)
        seen = {"evaluation": {"year": evaluation.year, "failed": evaluation.codes(Outcome.FAIL),
                               "unknown": evaluation.codes(Outcome.UNKNOWN), "warned": evaluation.codes(Outcome.WARN)}}
        decision = await _apply_change(uow, principal, enterprise, Tier(rec.tier), data.effective_date,
                                       data.reason or rec.reason, None, rec.id, seen)
        _decide_recommendation(rec, "approved", principal, data.reason)
        await uow.commit()
    return decision, evaluation


async def reject(rt: Runtime, principal: Principal, rec_id: int, data: RejectIn) -> TierRecommendation:
    async with rt.unit_of_work() as uow:
        rec = await _pending_recommendation(uow.session, rec_id)
        _decide_recommendation(rec, "rejected", principal, data.reason)
        await record_audit(uow.session, principal, "tier.reject", "enterprise", rec.uscc,
                           {"recommendation_id": rec.id, "status": "pending"},
                           {"status": "rejected", "reason": data.reason})
        uow.emit(ev.TierRecommendationRejected(uscc=rec.uscc, city=rec.city, recommendation_id=rec.id,
                                               tier=rec.tier, reason=data.reason))
        await uow.commit()
    return rec


async def change_tier(rt: Runtime, principal: Principal, uscc: str, expected: TierChange,
                      data: TierChangeIn | RevokeIn) -> TierDecision:
    async with rt.unit_of_work() as uow:
        enterprise = await get_enterprise(uow.session, uscc, lock=True)
        decision = await _apply_change(uow, principal, enterprise, getattr(data, "to_tier", None),
                                       data.effective_date, data.reason, expected, None)
        await uow.commit()
    return decision


async def tier_history(rt: Runtime, principal: Principal, uscc: str) -> list[TierDecision]:
    await get(rt, principal, uscc)
    async with rt.sessions() as session:
        return list((await session.scalars(select(TierDecision).where(TierDecision.uscc == uscc)
                                           .order_by(TierDecision.effective_date, TierDecision.id))).all())


__all__ = ["register", "get", "search", "update", "put_figures", "list_figures", "recommend", "approve", "reject",
           "change_tier", "tier_history", "list_recommendations"]
