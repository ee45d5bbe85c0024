"""Loading what a tier evaluation reads (profile and one year's figures) and evaluating: for the
recommendation views, the approval and the dry evaluation."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from libs.common.clock import CHINA
from services.enterprise.domain import Tier
from services.enterprise.models import Enterprise, TierRecommendation, YearFigures
from services.enterprise.pool.domain import Evaluation
from services.enterprise.tiers import domain
from services.enterprise.tiers.domain import Facts, YearFacts


def _year_facts(row: YearFigures | None, year: int) -> YearFacts | None:
    if row is None:
        return None
    return YearFacts(year=year, revenue=row.revenue, rd_spend=row.rd_spend, invention_patents=row.invention_patents,
                     industrialisation_rate=row.industrialisation_rate)


def facts_of(e: Enterprise, figures: YearFigures | None, year: int) -> Facts:
    return Facts(qualifications=tuple(e.qualifications or ()), industry=e.industry, own_brand=e.own_brand,
                 ip_management_certified=e.ip_management_certified, figures=_year_facts(figures, year))


def recommended_on(rec: TierRecommendation) -> date:
    return rec.recommended_at.astimezone(CHINA).date()


async def evaluate(session, enterprise: Enterprise, tier: Tier, year: int) -> Evaluation:
    figures = await session.get(YearFigures, (enterprise.uscc, year))
    return domain.evaluate(tier, facts_of(enterprise, figures, year), year)


async def evaluate_recommendation(session, rec: TierRecommendation, enterprise: Enterprise) -> Evaluation:
    """The recommended tier's criteria against the enterprise's data as it stands, with the figures of
    the year before the recommendation (上年度)."""
    return await evaluate(session, enterprise, Tier(rec.tier), domain.evaluation_year(recommended_on(rec)))


async def evaluate_recommendations(session, recs: list[TierRecommendation]
                                   ) -> list[tuple[TierRecommendation, Evaluation]]:
    """:func:`evaluate_recommendation` for a page of recommendations, in two queries."""
    usccs = sorted({r.uscc for r in recs})
    if not usccs:
        return []
    enterprises = {e.uscc: e for e in (await session.scalars(
        select(Enterprise).where(Enterprise.uscc.in_(usccs)))).all()}
    years = {domain.evaluation_year(recommended_on(r)) for r in recs}
    figures = {(f.uscc, f.year): f for f in (await session.scalars(select(YearFigures).where(
        YearFigures.uscc.in_(usccs), YearFigures.year.in_(sorted(years))))).all()}
    out = []
    for r in recs:
        year = domain.evaluation_year(recommended_on(r))
        facts = facts_of(enterprises[r.uscc], figures.get((r.uscc, year)), year)
        out.append((r, domain.evaluate(Tier(r.tier), facts, year)))
    return out
