"""Tier rules (鄂知发〔2022〕9号): plain code, no I/O.

Three tiers, ranked growth 成长型 < seed 种子 < advantage 优势. A city recommends, the province
designates; an enterprise holds at most one tier; promotions, demotions and revocations are dated
and reasoned, and a decision may not be dated before the enterprise's previous tier decision.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Tier(StrEnum):
    GROWTH = "growth"
    SEED = "seed"
    ADVANTAGE = "advantage"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label(self) -> str:
        return TIER_NAMES[self]


_RANK = {Tier.GROWTH: 1, Tier.SEED: 2, Tier.ADVANTAGE: 3}
TIER_NAMES = {Tier.GROWTH: "成长型企业", Tier.SEED: "种子企业", Tier.ADVANTAGE: "优势企业"}
#: Goals of the 百千万 plan (also loaded as reporting targets, which are data).
TIER_GOALS = {Tier.ADVANTAGE: 100, Tier.SEED: 1000, Tier.GROWTH: 10000}


class TierChange(StrEnum):
    DESIGNATED = "designated"  # first tier
    PROMOTED = "promoted"
    DEMOTED = "demoted"
    REVOKED = "revoked"


class TierRuleViolation(Exception):
    """A request that contradicts the tier rules; ``code`` is stable, ``message`` is Chinese."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class TierState:
    tier: Tier | None
    since: date | None  # effective date of the last tier decision


def classify(current: Tier | None, target: Tier) -> TierChange:
    if current is None:
        return TierChange.DESIGNATED
    if target == current:
        raise TierRuleViolation("tier.unchanged", f"企业已是{target.label}，无需重复认定", "tier")
    return TierChange.PROMOTED if target.rank > current.rank else TierChange.DEMOTED


def check_date(state: TierState, effective: date, today: date) -> None:
    if effective > today:
        raise TierRuleViolation("tier.date_in_future", f"生效日期 {effective} 晚于今天 {today}", "effective_date")
    if state.since is not None and effective < state.since:
        raise TierRuleViolation(
            "tier.date_before_previous",
            f"生效日期 {effective} 早于该企业上一次梯队变更的生效日期 {state.since}", "effective_date")


def decide(state: TierState, target: Tier | None, effective: date, today: date,
           expected: TierChange | None = None) -> TierChange:
    """Validate a province decision and say what kind of change it is.

    ``target`` None means revoke. ``expected`` pins the kind (a promote request may not demote).
    """
    check_date(state, effective, today)
    if target is None:
        if state.tier is None:
            raise TierRuleViolation("tier.none_to_revoke", "企业当前不在任何梯队，无法撤销", "tier")
        change = TierChange.REVOKED
    else:
        change = classify(state.tier, target)
    if expected is not None and change != expected:
        current = state.tier.label if state.tier else "无梯队"
        raise TierRuleViolation(
            f"tier.not_{expected.value}",
            f"从{current}到{target.label if target else '无梯队'}不是{_CHANGE_NAMES[expected]}", "to_tier")
    return change


def check_recommendation(state: TierState, target: Tier, pending_exists: bool) -> None:
    if pending_exists:
        raise TierRuleViolation("tier.recommendation_pending", "该企业已有待省局审核的梯队推荐", "tier")
    if state.tier == target:
        raise TierRuleViolation("tier.unchanged", f"企业已是{target.label}，无需推荐", "tier")


_CHANGE_NAMES = {TierChange.DESIGNATED: "认定", TierChange.PROMOTED: "晋级", TierChange.DEMOTED: "降级",
                 TierChange.REVOKED: "撤销"}


def change_label(change: TierChange) -> str:
    return _CHANGE_NAMES[change]
