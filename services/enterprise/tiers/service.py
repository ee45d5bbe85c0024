"""Use cases of tier selection (evaluations) and the published tier lists.

Publishing is one transaction: the snapshot of every enterprise holding a tier, the new version and
its entries, the audit record and the ``tier-list.published`` outbox row.
"""
from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import NotFound, get_or_404
from libs.common.published import KeyedDiff
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from services.enterprise import events as ev
from services.enterprise import policy
from services.enterprise.credit import service as credit_service
from services.enterprise.credit.domain import CreditFact
from services.enterprise.domain import Tier
from services.enterprise.models import Enterprise, TierRecommendation
from services.enterprise.pool.domain import Evaluation
from services.enterprise.service import get_enterprise
from services.enterprise.tiers import domain, evaluation
from services.enterprise.tiers.models import TierListEntry, TierListVersion
from services.enterprise.tiers.schemas import EvaluateIn, TierListPublish

# ------------------------------------------------------------------------------------ evaluations


async def dry_evaluate(rt: Runtime, principal: Principal, data: EvaluateIn) -> Evaluation:
    """A tier's criteria against an enterprise's data, writing nothing (whoever may read it)."""
    year = data.year if data.year is not None else domain.evaluation_year(today())
    async with rt.sessions() as session:
        enterprise = await get_enterprise(session, data.uscc)
        policy.ensure_reader(principal, enterprise.city)
        return await evaluation.evaluate(session, enterprise, data.tier, year)


#: A recommendation as the province sees it when it decides: the recommended tier's criteria evaluated,
#: and the credit-register entries of the enterprise active today (002 § 5, 003 § 16).
Reviewed = tuple[TierRecommendation, Evaluation, list[CreditFact]]


async def get_recommendation(rt: Runtime, principal: Principal, rec_id: int) -> Reviewed:
    async with rt.sessions() as session:
        rec = await get_or_404(session, TierRecommendation, rec_id, "梯队推荐")
        policy.ensure_reader(principal, rec.city)
        return (await with_evaluations(session, [rec]))[0]


async def with_evaluations(session, recs: list[TierRecommendation]) -> list[Reviewed]:
    credit = await credit_service.active_facts(session, {r.uscc for r in recs}, today())
    return [(r, e, credit.get(r.uscc, [])) for r, e in await evaluation.evaluate_recommendations(session, recs)]


async def evaluations_of(rt: Runtime, recs: list[TierRecommendation]) -> list[Reviewed]:
    async with rt.sessions() as session:
        return await with_evaluations(session, recs)


# -------------------------------------------------------------------------------- published lists

_RANK = {t.value: -t.rank for t in Tier}


def _tier(e: Enterprise) -> str:
    """The tier of an enterprise selected as holding one."""
    assert e.tier is not None
    return e.tier


async def _latest(session) -> TierListVersion | None:
    return (await session.scalars(select(TierListVersion).order_by(TierListVersion.number.desc()).limit(1))).first()


async def publish(rt: Runtime, principal: Principal, data: TierListPublish) -> TierListVersion:
    """Snapshot every enterprise holding a tier as version N+1 (numbered, dated, immutable)."""
    async with rt.unit_of_work() as uow:
        s = uow.session
        previous = await _latest(s)
        holders = sorted((await s.scalars(select(Enterprise).where(Enterprise.tier.is_not(None)))).all(),
                         key=lambda e: (_RANK[_tier(e)], e.city, e.uscc))
        published_on = data.published_on or today()
        domain.check_publication(len(holders), published_on, previous.published_on if previous else None, today())
        number = previous.number + 1 if previous else 1
        title = (data.title or domain.default_title(number, published_on)).strip()
        if await s.scalar(select(TierListVersion.number).where(TierListVersion.title == title)) is not None:
            raise RuleViolation("tier_list.duplicate_title", f"名为“{title}”的梯队名单已发布", "title")
        counts = domain.tier_counts([_tier(e) for e in holders])
        version = TierListVersion(number=number, title=title, published_on=published_on, note=data.note,
                                  entry_count=len(holders), advantage_count=counts["advantage"],
                                  seed_count=counts["seed"], growth_count=counts["growth"], published_by=principal.sub)
        s.add(version)
        try:
            await s.flush()
        except IntegrityError:
            raise RuleViolation("tier_list.concurrent", "另一版梯队名单正在同时发布，请刷新后重试") from None
        s.add_all([TierListEntry(version=number, uscc=e.uscc, position=i, enterprise_name=e.name, city=e.city,
                                 tier=_tier(e), since=e.tier_since) for i, e in enumerate(holders)])
        await s.flush()
        old = await _entries(s, previous.number) if previous else []
        diff = domain.diff_lists({e.uscc: e.tier for e in old}, {e.uscc: _tier(e) for e in holders})
        await record_audit(s, principal, "tier_list.publish", "tier_list", str(number), None,
                           {"title": title, "published_on": published_on, "entries": len(holders), **counts,
                            "added": len(diff.added), "removed": len(diff.removed),
                            "tier_changed": len(diff.changed)})
        uow.emit(_published(version, holders, diff))
        await uow.commit()
    return version


def _published(version: TierListVersion, holders: list[Enterprise], diff: KeyedDiff[str]) -> ev.TierListPublished:
    per_city: dict[str, Counter[str]] = defaultdict(Counter)
    for e in holders:
        per_city[e.city][_tier(e)] += 1
    return ev.TierListPublished(
        version_id=str(version.number), number=version.number, title=version.title,
        published_on=version.published_on, year=version.published_on.year, entry_count=version.entry_count,
        counts=ev.TierCounts(advantage=version.advantage_count, seed=version.seed_count, growth=version.growth_count),
        by_city=[ev.CityTierCounts(city=c, advantage=n["advantage"], seed=n["seed"], growth=n["growth"])
                 for c, n in sorted(per_city.items())],
        added=len(diff.added), removed=len(diff.removed), tier_changed=len(diff.changed))


async def _entries(session, number: int, city: str | None = None) -> list[TierListEntry]:
    stmt = where_equal(select(TierListEntry).where(TierListEntry.version == number), TierListEntry, city=city)
    return list((await session.scalars(stmt.order_by(TierListEntry.position))).all())


async def list_versions(rt: Runtime) -> list[TierListVersion]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(TierListVersion).order_by(TierListVersion.number.desc()))).all())


async def get_list(rt: Runtime, number: int | None, city: str | None = None
                   ) -> tuple[TierListVersion, list[TierListEntry]]:
    """A version with its entries (``number`` None: the current, i.e. latest, version)."""
    async with rt.sessions() as session:
        if number is None:
            version = await _latest(session)
            if version is None:
                raise NotFound("梯队名单", "（尚未发布任何版本）")
        else:
            version = await get_or_404(session, TierListVersion, number, "梯队名单版本")
        return version, await _entries(session, version.number, city)


async def diff_versions(rt: Runtime, from_number: int, to_number: int, city: str | None = None
                        ) -> tuple[KeyedDiff[str], dict[str, TierListEntry], dict[str, TierListEntry]]:
    """What changed from one version to another (either order), optionally for one city's enterprises:
    an enterprise that moved city between them shows in the city it is listed in on either side."""
    async with rt.sessions() as session:
        for n, field in ((from_number, "from"), (to_number, "to")):
            if await session.get(TierListVersion, n) is None:
                raise RuleViolation("tier_list.unknown_version", f"梯队名单第 {n} 版不存在", field=field)
        older = {e.uscc: e for e in await _entries(session, from_number)}
        newer = {e.uscc: e for e in await _entries(session, to_number)}
    if city is not None:
        keep = {u for u, e in older.items() if e.city == city} | {u for u, e in newer.items() if e.city == city}
        older = {u: e for u, e in older.items() if u in keep}
        newer = {u: e for u, e in newer.items() if u in keep}
    diff = domain.diff_lists({u: e.tier for u, e in older.items()}, {u: e.tier for u, e in newer.items()})
    return diff, older, newer


__all__ = ["dry_evaluate", "get_recommendation", "with_evaluations", "evaluations_of", "publish", "list_versions",
           "get_list", "diff_versions"]
