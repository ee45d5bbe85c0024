"""Response models of tier selection and the published lists: evaluations, criteria, list entries."""
from __future__ import annotations

from typing import Literal

from libs.common import divisions
from services.enterprise.credit.domain import CreditFact
from services.enterprise.credit.views import brief
from services.enterprise.domain import TIER_NAMES, Tier
from services.enterprise.models import TierDecision, TierRecommendation
from services.enterprise.pool.domain import Evaluation, Outcome
from services.enterprise.schemas import RecommendationOut, TierDecisionOut
from services.enterprise.tiers.criteria import CRITERIA, MEASURES, Criterion, by_code, criteria_of
from services.enterprise.tiers.models import TierListEntry
from services.enterprise.tiers.schemas import (
    ApprovalOut,
    CriterionRefOut,
    RecommendationDetailOut,
    TierCriteriaOut,
    TierCriterionOut,
    TierEvaluationOut,
    TierListChangeOut,
    TierListEntryOut,
)

CHANGE_NAMES = {"added": "新增", "removed": "移出", "tier_changed": "梯队变化"}


def criterion_ref(c: Criterion) -> CriterionRefOut:
    return CriterionRefOut(tier=c.tier, tier_name=TIER_NAMES[c.tier], number=c.number, code=c.code, title=c.title,
                           clause=c.clause, quote=c.quote, measure=c.measure, measure_name=MEASURES[c.measure],
                           threshold=c.threshold, qualifications=list(c.qualifications), weighed=c.weighed)


def criteria_out() -> list[TierCriteriaOut]:
    tiers = [Tier.ADVANTAGE, Tier.SEED, Tier.GROWTH]
    assert {c.tier for c in CRITERIA} <= set(tiers)
    return [TierCriteriaOut(tier=t, tier_name=TIER_NAMES[t], criteria=[criterion_ref(c) for c in criteria_of(t)])
            for t in tiers]


def evaluation_out(uscc: str, tier: Tier, e: Evaluation) -> TierEvaluationOut:
    refs = by_code()
    return TierEvaluationOut(
        uscc=uscc, tier=tier, tier_name=TIER_NAMES[tier], year=e.year, all_pass=e.all_pass, no_fail=e.no_fail,
        passed=e.codes(Outcome.PASS), failed=e.codes(Outcome.FAIL), unknown=e.codes(Outcome.UNKNOWN),
        warned=e.codes(Outcome.WARN),
        criteria=[TierCriterionOut(**c.__dict__, clause=refs[c.code].clause, weighed=refs[c.code].weighed)
                  for c in e.criteria])


def recommendation_out(rec: TierRecommendation, e: Evaluation, credit: list[CreditFact]) -> RecommendationDetailOut:
    """A recommendation as the province sees it: the criteria evaluated and the enterprise's active
    credit-register entries."""
    return RecommendationDetailOut(**RecommendationOut.model_validate(rec).model_dump(exclude={"credit_entries"}),
                                   credit_entries=[brief(c) for c in credit],
                                   evaluation=evaluation_out(rec.uscc, Tier(rec.tier), e))


def approval_out(decision: TierDecision, e: Evaluation) -> ApprovalOut:
    tier = Tier(decision.to_tier) if decision.to_tier else None
    assert tier is not None
    return ApprovalOut(**TierDecisionOut.model_validate(decision).model_dump(),
                       evaluation=evaluation_out(decision.uscc, tier, e))


def entry_out(e: TierListEntry) -> TierListEntryOut:
    return TierListEntryOut(uscc=e.uscc, enterprise_name=e.enterprise_name, city=e.city,
                            city_name=divisions.CITIES.get(e.city, e.city), tier=Tier(e.tier),
                            tier_name=TIER_NAMES[Tier(e.tier)], since=e.since)


ChangeKind = Literal["added", "removed", "tier_changed"]


def change_out(kind: ChangeKind, before: TierListEntry | None, after: TierListEntry | None) -> TierListChangeOut:
    shown = after or before
    assert shown is not None
    return TierListChangeOut(change=kind, change_name=CHANGE_NAMES[kind], uscc=shown.uscc,
                             enterprise_name=shown.enterprise_name, city=shown.city,
                             city_name=divisions.CITIES.get(shown.city, shown.city),
                             tier_before=Tier(before.tier) if before else None,
                             tier_after=Tier(after.tier) if after else None)
