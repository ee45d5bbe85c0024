"""Tier rules (鄂知发〔2022〕9号) and the registry's input rules: plain code, no I/O.

Three tiers, ranked growth 成长型 < seed 种子 < advantage 优势. A city recommends, the province
designates; an enterprise holds at most one tier; promotions, demotions and revocations are dated
and reasoned, and a decision may not be dated before the enterprise's previous tier decision.

A broken rule is a :class:`RuleViolation`: naming a field (a 422) when the request's value is wrong,
without one (a 409) when the request conflicts with the enterprise's current tier.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from libs.common import divisions
from libs.common.identifiers import uscc_division
from libs.common.rules import RuleViolation


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


@dataclass(frozen=True)
class TierState:
    tier: Tier | None
    since: date | None  # effective date of the last tier decision


def classify(current: Tier | None, target: Tier) -> TierChange:
    if current is None:
        return TierChange.DESIGNATED
    if target == current:
        raise RuleViolation("tier.unchanged", f"企业已是{target.label}，无需重复认定")
    return TierChange.PROMOTED if target.rank > current.rank else TierChange.DEMOTED


def check_date(state: TierState, effective: date, today: date) -> None:
    if effective > today:
        raise RuleViolation("tier.date_in_future", f"生效日期 {effective} 晚于今天 {today}", "effective_date")
    if state.since is not None and effective < state.since:
        raise RuleViolation(
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
            raise RuleViolation("tier.none_to_revoke", "企业当前不在任何梯队，无法撤销")
        change = TierChange.REVOKED
    else:
        change = classify(state.tier, target)
    if expected is not None and change != expected:
        current = state.tier.label if state.tier else "无梯队"
        raise RuleViolation(
            f"tier.not_{expected.value}",
            f"从{current}到{target.label if target else '无梯队'}不是{_CHANGE_NAMES[expected]}")
    return change


def check_recommendation(state: TierState, target: Tier, pending_exists: bool) -> None:
    if pending_exists:
        raise RuleViolation("tier.recommendation_pending", "该企业已有待省局审核的梯队推荐")
    if state.tier == target:
        raise RuleViolation("tier.unchanged", f"企业已是{target.label}，无需推荐")


def check_undecided(recommendation_id: int, status: str) -> None:
    """Only a pending recommendation can be approved or rejected."""
    if status != "pending":
        raise RuleViolation("recommendation.decided", f"推荐 {recommendation_id} 已处理（状态：{status}）")


_CHANGE_NAMES = {TierChange.DESIGNATED: "认定", TierChange.PROMOTED: "晋级", TierChange.DEMOTED: "降级",
                 TierChange.REVOKED: "撤销"}


def change_label(change: TierChange) -> str:
    return _CHANGE_NAMES[change]


# ------------------------------------------------------------------------------------- registry

#: Profile fields a PATCH may not set to null.
NOT_NULLABLE = ("name", "industry", "size_class", "ownership", "qualifications", "city",
                "ip_management_certified", "own_brand", "patent_product_filed")


def registration_city(uscc: str, given: str | None) -> tuple[str, list[str]]:
    """The city an enterprise is registered in (the one given, else the one its USCC's registration
    authority lies in) and the warnings to show: a 422 when neither is known."""
    division = uscc_division(uscc)
    default = divisions.default_city_for_uscc(uscc)
    warnings = [] if default else [f"信用代码登记机关代码 {division} 不属于湖北省，请确认企业所属市州"]
    city = given or default
    if city is None:
        raise RuleViolation("city.required",
                            f"信用代码登记机关 {division} 不在湖北，无法推定所属市州，请填写 city", "city")
    return city, warnings


def check_county(city: str, county: str | None) -> None:
    if county is None:
        return
    if divisions.city_of(county) != city or county == city:
        raise RuleViolation("county.not_in_city", f"县级代码 {county} 不属于市州 {city}（{divisions.city_name(city)}）",
                            "county")


def check_profile_changes(changes: dict[str, Any]) -> None:
    """A PATCH changes something and empties no required field."""
    if not changes:
        raise RuleViolation("update.empty", "请求体中没有要修改的字段", "body")
    for key in NOT_NULLABLE:
        if key in changes and changes[key] is None:
            raise RuleViolation("not_nullable", f"字段 {key} 不能置空", key)


def check_figures(year: int, this_year: int, staff: int | None, rd_staff: int | None) -> None:
    if year < 2000 or year > this_year:
        raise RuleViolation("year.range", f"年度应在 2000 至 {this_year} 之间", "year")
    if staff is not None and rd_staff is not None and rd_staff > staff:
        raise RuleViolation("rd_staff.exceeds_staff", f"研发人员数 {rd_staff} 大于职工总数 {staff}", "rd_staff")
