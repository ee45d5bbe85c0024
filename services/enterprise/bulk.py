"""Bulk use cases of the registry: up to 10,000 enterprises (register or update, with a year's
figures) and tier recommendations in one request, each row checked by the rules of the single call.

One transaction per request: the good rows are written with the audit rows and events the single
calls write (``enterprise.register`` / ``enterprise.update`` / ``enterprise.figures`` /
``tier.recommend``); the bad rows are reported (row, field, rule, message) and never written.
``atomic``: any bad row and nothing is written (422 ``bulk-rejected``). ``dry_run``: nothing is
written, the answer says what would be. Re-sending the same rows registers nothing twice: an
enterprise already registered with the same profile and figures is ``unchanged``; a recommendation
still pending is reported (``tier.recommendation_pending``).
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audits
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import ProblemError, rule_problem, validation_errors
from libs.common.identifiers import uscc_division
from libs.common.rules import RuleViolation
from libs.common.sheets.results import RowError
from services.enterprise import domain, policy
from services.enterprise import events as ev
from services.enterprise.domain import Tier, TierState
from services.enterprise.models import Enterprise, TierRecommendation, YearFigures
from services.enterprise.schemas import (
    EnterpriseBulkOut,
    EnterpriseCreate,
    EnterpriseRow,
    EnterpriseRowResult,
    RecommendationBulkOut,
    RecommendationRow,
    YearFiguresIn,
)
from services.enterprise.service import PROFILE_FIELDS, _move_pool_membership, is_private, snapshot

FIGURE_FIELDS = tuple(YearFiguresIn.model_fields)
_CHUNK = 500


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i:i + _CHUNK]


def _parse(model: type[BaseModel], rows: list[dict[str, Any]]) -> tuple[list[tuple[int, Any]], list[dict[str, Any]]]:
    parsed: list[tuple[int, Any]] = []
    errors: list[dict[str, Any]] = []
    for i, raw in enumerate(rows):
        try:
            parsed.append((i, model.model_validate(raw)))
        except ValidationError as exc:
            errors.extend({"row": i, **e} for e in validation_errors(RequestValidationError(exc.errors())))
    return parsed, errors


def _row_errors(row: int, exc: ProblemError | RuleViolation, default_field: str) -> list[dict[str, Any]]:
    problem = rule_problem(exc) if isinstance(exc, RuleViolation) else exc
    if problem.errors:
        return [{"row": row, **e} for e in problem.errors]
    field = "city" if problem.slug == "forbidden-city" else default_field
    return [{"row": row, "field": field, "rule": problem.slug, "message": problem.detail or problem.title}]


def _value(v: Any) -> Any:
    if isinstance(v, list):
        return [_value(x) for x in v]
    return v.value if hasattr(v, "value") else v


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (Decimal, int, float)) and isinstance(b, (Decimal, int, float)) and not isinstance(a, bool):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


# ------------------------------------------------------------------------------- enterprises

@dataclass
class _Plan:
    row: int
    data: EnterpriseRow
    action: str  # registered / updated / unchanged
    enterprise: Enterprise | None = None       # stored (update) or to add (register)
    changes: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    figures: YearFiguresIn | None = None
    figures_before: dict[str, Any] | None = None
    figures_changed: bool = False


def _figures(data: EnterpriseRow) -> YearFiguresIn | None:
    given = {k: getattr(data, k) for k in FIGURE_FIELDS}
    if all(v is None for v in given.values()):
        return None
    if data.year is None:
        raise RuleViolation("year.required", "填写了年度数据，须同时填写年度（year）", "year")
    figures = YearFiguresIn(**given)
    domain.check_figures(data.year, today().year, figures.staff, figures.rd_staff)
    return figures


def _plan_register(principal: Principal, row: int, data: EnterpriseRow) -> _Plan:
    profile = data.model_dump(include={"uscc", *PROFILE_FIELDS}, exclude_none=True)
    try:
        create = EnterpriseCreate.model_validate(profile)
    except ValidationError as exc:
        raise ProblemError(422, "validation-error", "请求参数校验失败",
                           errors=validation_errors(RequestValidationError(exc.errors()))) from None
    city, warnings = domain.registration_city(create.uscc, create.city)
    policy.ensure_writer(principal, city)
    domain.check_county(city, create.county)
    enterprise = Enterprise(uscc=create.uscc, name=create.name.strip(), city=city, county=create.county,
                            registered_division=uscc_division(create.uscc), industry=create.industry,
                            size_class=create.size_class.value, ownership=create.ownership.value,
                            qualifications=[q.value for q in create.qualifications],
                            ip_management_certified=create.ip_management_certified, own_brand=create.own_brand,
                            patent_product_filed=create.patent_product_filed, version=1)
    return _Plan(row, data, "registered", enterprise, warnings=warnings)


def _plan_update(principal: Principal, row: int, data: EnterpriseRow, stored: Enterprise) -> _Plan:
    policy.ensure_writer(principal, stored.city)
    changes = {k: _value(v) for k, v in data.model_dump(include=set(PROFILE_FIELDS), exclude_none=True).items()}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    new_city = changes.get("city", stored.city)
    if new_city != stored.city:
        policy.ensure_writer(principal, new_city)
    county = changes["county"] if "county" in changes else (stored.county if new_city == stored.city else None)
    domain.check_county(new_city, county)
    changes["county"] = county
    changed = {k: v for k, v in changes.items() if not _same(getattr(stored, k), v)}
    return _Plan(row, data, "updated" if changed else "unchanged", stored, changed)


def _plan_enterprise(principal: Principal, row: int, data: EnterpriseRow, stored: Enterprise | None,
                     stored_figures: YearFigures | None) -> _Plan:
    figures = _figures(data)
    plan = _plan_register(principal, row, data) if stored is None else _plan_update(principal, row, data, stored)
    if figures is not None:
        plan.figures = figures
        if stored_figures is not None:
            plan.figures_before = {k: getattr(stored_figures, k) for k in FIGURE_FIELDS}
            plan.figures_changed = any(not _same(plan.figures_before[k], getattr(figures, k))
                                       if plan.figures_before[k] is not None or getattr(figures, k) is not None
                                       else False for k in FIGURE_FIELDS)
        else:
            plan.figures_changed = True
    return plan


async def _stored(session: Any, data: Iterable[EnterpriseRow]) -> tuple[dict[str, Enterprise],
                                                                      dict[tuple[str, int], YearFigures]]:
    rows = list(data)
    usccs = sorted({d.uscc for d in rows})
    enterprises: dict[str, Enterprise] = {}
    for chunk in _chunks(usccs):
        found = await session.scalars(select(Enterprise).where(Enterprise.uscc.in_(chunk)).with_for_update())
        enterprises.update({e.uscc: e for e in found})
    figures: dict[tuple[str, int], YearFigures] = {}
    with_year = sorted({d.uscc for d in rows if d.year is not None and d.uscc in enterprises})
    for chunk in _chunks(with_year):
        found = await session.scalars(select(YearFigures).where(YearFigures.uscc.in_(chunk)))
        figures.update({(f.uscc, f.year): f for f in found})
    return enterprises, figures


def _figures_event(uscc: str, city: str, year: int, f: YearFiguresIn) -> ev.FiguresReported:
    return ev.FiguresReported(
        uscc=uscc, city=city, year=year, staff=f.staff, rd_staff=f.rd_staff, invention_patents=f.invention_patents,
        **{k: (str(v) if v is not None else None) for k, v in
           (("revenue", f.revenue), ("rd_spend", f.rd_spend), ("industrialisation_rate", f.industrialisation_rate))})


async def _apply(uow: Any, principal: Principal, plans: list[_Plan],
                 stored_figures: dict[tuple[str, int], YearFigures]) -> None:
    """Write the plans: rows, audit rows and events as the single calls write them."""
    session, on = uow.session, today()
    audits: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]] = []
    new = [p.enterprise for p in plans if p.action == "registered" and p.enterprise is not None]
    session.add_all(new)
    for p in plans:
        e = p.enterprise
        assert e is not None
        if p.action == "registered":
            audits.append(("enterprise.register", "enterprise", e.uscc, None, snapshot(e)))
            uow.emit(ev.EnterpriseRegistered(
                uscc=e.uscc, name=e.name, city=e.city, county=e.county, industry=e.industry,
                size_class=e.size_class, ownership=e.ownership, is_private=is_private(e),
                qualifications=e.qualifications, registered_on=on))
        elif p.action == "updated":
            previous_city, before = e.city, snapshot(e)
            for key, value in p.changes.items():
                setattr(e, key, value)
            e.version += 1
            in_pool = await _move_pool_membership(session, e.uscc, previous_city, e.city)
            changed = sorted(p.changes)
            audits.append(("enterprise.update", "enterprise", e.uscc, {k: before[k] for k in changed},
                           {k: getattr(e, k) for k in changed}))
            uow.emit(ev.EnterpriseUpdated(
                uscc=e.uscc, name=e.name, city=e.city, previous_city=previous_city, ownership=e.ownership,
                is_private=is_private(e), tier=e.tier, in_pool=in_pool, changed_fields=changed, updated_on=on))
    try:
        await session.flush()
    except IntegrityError:  # a concurrent registration of one of these USCCs
        raise RuleViolation("enterprise.exists", "部分企业已被同时提交的其他请求登记，请重试") from None
    for p in plans:
        if p.figures is None or not p.figures_changed or p.data.year is None:
            continue
        e, year = p.enterprise, p.data.year
        assert e is not None
        row = stored_figures.get((e.uscc, year))
        if row is None:
            row = YearFigures(uscc=e.uscc, year=year)
            session.add(row)
        for key, value in p.figures.model_dump().items():
            setattr(row, key, value)
        audits.append(("enterprise.figures", "enterprise", e.uscc, p.figures_before,
                       {"year": year, **p.figures.model_dump()}))
        uow.emit(_figures_event(e.uscc, e.city, year, p.figures))
    await session.flush()
    await record_audits(session, principal, audits)


def _plan_all(principal: Principal, parsed: list[tuple[int, EnterpriseRow]], enterprises: dict[str, Enterprise],
              figures: dict[tuple[str, int], YearFigures]) -> tuple[list[_Plan], list[dict[str, Any]]]:
    plans: list[_Plan] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, data in parsed:
        if data.uscc in seen:
            errors.append({"row": i, "field": "uscc", "rule": "uscc.duplicate_in_batch",
                           "message": f"信用代码 {data.uscc} 在本批次中重复出现"})
            continue
        seen.add(data.uscc)
        stored_figures = figures.get((data.uscc, data.year)) if data.year is not None else None
        try:
            plans.append(_plan_enterprise(principal, i, data, enterprises.get(data.uscc), stored_figures))
        except (ProblemError, RuleViolation) as exc:
            errors.extend(_row_errors(i, exc, "uscc"))
    return plans, errors


async def bulk_enterprises(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool,
                           dry_run: bool) -> EnterpriseBulkOut:
    started = time.perf_counter()
    parsed, errors = _parse(EnterpriseRow, rows)
    async with rt.unit_of_work() as uow:
        enterprises, figures = await _stored(uow.session, (d for _, d in parsed))
        plans, plan_errors = _plan_all(principal, parsed, enterprises, figures)
        errors = sorted(errors + plan_errors, key=lambda e: e["row"])
        rejected = len({e["row"] for e in errors})
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入未写入：存在不合法的行",
                               f"{rejected} 行不合法（atomic=true：全部不写入）", errors=errors,
                               received=len(rows), rejected=rejected)
        writes = [p for p in plans if p.action != "unchanged" or p.figures_changed]
        if writes and not dry_run:
            await _apply(uow, principal, writes, figures)
            await uow.commit()
    count = {a: sum(1 for p in plans if p.action == a) for a in ("registered", "updated", "unchanged")}
    return EnterpriseBulkOut(
        atomic=atomic, dry_run=dry_run, received=len(rows), **count,
        figures_reported=sum(1 for p in plans if p.figures_changed), written=0 if dry_run else len(writes),
        rejected=rejected, errors=[RowError(**e) for e in errors],
        results=[EnterpriseRowResult(row=p.row, uscc=p.data.uscc, action=p.action,
                                     figures=None if p.figures is None else
                                     "reported" if p.figures_changed else "unchanged") for p in plans],
        elapsed_ms=int((time.perf_counter() - started) * 1000))


# ----------------------------------------------------------------------------- recommendations

async def bulk_recommendations(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool,
                               dry_run: bool) -> RecommendationBulkOut:
    parsed, errors = _parse(RecommendationRow, rows)
    ids: list[int | None] = [None] * len(rows)
    async with rt.unit_of_work() as uow:
        s = uow.session
        usccs = sorted({d.uscc for _, d in parsed})
        enterprises: dict[str, Enterprise] = {}
        pending: set[str] = set()
        for chunk in _chunks(usccs):
            enterprises.update({e.uscc: e for e in await s.scalars(
                select(Enterprise).where(Enterprise.uscc.in_(chunk)).with_for_update())})
            pending.update(await s.scalars(select(TierRecommendation.uscc).where(
                TierRecommendation.uscc.in_(chunk), TierRecommendation.status == "pending")))
        staged: list[tuple[int, TierRecommendation, Enterprise]] = []
        for i, data in parsed:
            e = enterprises.get(data.uscc)
            try:
                if e is None:
                    raise RuleViolation("enterprise.not_found", f"企业 {data.uscc} 未登记", "uscc")
                policy.ensure_writer(principal, e.city)
                domain.check_recommendation(TierState(Tier(e.tier) if e.tier else None, e.tier_since), data.tier,
                                            data.uscc in pending)
            except (ProblemError, RuleViolation) as exc:
                errors.extend(_row_errors(i, exc, "uscc" if isinstance(exc, ProblemError) or
                                          getattr(exc, "code", "") == "tier.recommendation_pending" else "tier"))
                continue
            pending.add(data.uscc)
            staged.append((i, TierRecommendation(uscc=data.uscc, city=e.city, tier=data.tier.value,
                                                 reason=data.reason, status="pending",
                                                 recommended_by=principal.sub), e))
        errors.sort(key=lambda e: e["row"])
        rejected = len({e["row"] for e in errors})
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入未写入：存在不合法的行",
                               f"{rejected} 行不合法（atomic=true：全部不写入）", errors=errors,
                               received=len(rows), rejected=rejected)
        if staged and not dry_run:
            s.add_all([r for _, r, _ in staged])
            await s.flush()
            for i, rec, e in staged:
                ids[i] = rec.id
                uow.emit(ev.TierRecommended(uscc=rec.uscc, city=rec.city, recommendation_id=rec.id, tier=rec.tier,
                                            current_tier=e.tier, reason=rec.reason))
            await record_audits(s, principal, [
                ("tier.recommend", "enterprise", rec.uscc, None,
                 {"recommendation_id": rec.id, "tier": rec.tier, "reason": rec.reason}) for _, rec, _ in staged])
            await uow.commit()
    return RecommendationBulkOut(atomic=atomic, dry_run=dry_run, received=len(rows),
                                 written=0 if dry_run else len(staged), rejected=rejected, ids=ids,
                                 errors=[RowError(**e) for e in errors])
