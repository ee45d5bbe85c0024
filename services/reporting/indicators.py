"""Indicator definitions and folds: pure code, no I/O.

Every indicator value is a sum of signed deltas keyed by (indicator, city, year). Stock
indicators (enterprises holding a tier) report, for year Y, the sum of all deltas up to and
including Y; flow indicators report the deltas of Y alone. Folding is commutative, so the order
in which partitions deliver events never changes a value, and the consumer's inbox makes each
event count once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

PROVINCE = "420000"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    kind: Literal["stock", "flow"]
    comparator: Literal[">=", ">", "<="]
    source: str


INDICATORS: dict[str, Indicator] = {i.code: i for i in [
    Indicator("tier_advantage", "知识产权优势企业", "家", "stock", ">=", "鄂知发〔2022〕9号"),
    Indicator("tier_seed", "知识产权种子企业", "家", "stock", ">=", "鄂知发〔2022〕9号"),
    Indicator("tier_growth", "知识产权成长型企业", "家", "stock", ">=", "鄂知发〔2022〕9号"),
]}

_TIER_INDICATOR = {"advantage": "tier_advantage", "seed": "tier_seed", "growth": "tier_growth"}
_TIER_CHANGES = {f"ipp.enterprise.tier.{c}.v1" for c in ("designated", "promoted", "demoted", "revoked")}


@dataclass(frozen=True)
class Delta:
    indicator: str
    city: str
    year: int
    amount: Decimal


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    """The indicator deltas one event causes (empty for events no indicator uses)."""
    if event_type in _TIER_CHANGES:
        city, year = data["city"], int(data["year"])
        out = []
        if data.get("from_tier"):
            out.append(Delta(_TIER_INDICATOR[data["from_tier"]], city, year, Decimal(-1)))
        if data.get("to_tier"):
            out.append(Delta(_TIER_INDICATOR[data["to_tier"]], city, year, Decimal(1)))
        return out
    if event_type == "ipp.enterprise.enterprise.updated.v1":
        tier, old, new = data.get("tier"), data["previous_city"], data["city"]
        if tier and old != new:
            year = int(str(data["updated_on"])[:4])
            return [Delta(_TIER_INDICATOR[tier], old, year, Decimal(-1)),
                    Delta(_TIER_INDICATOR[tier], new, year, Decimal(1))]
    return []


def value_for_year(indicator: Indicator, amounts_by_year: dict[int, Decimal], year: int) -> Decimal:
    if indicator.kind == "stock":
        return sum((a for y, a in amounts_by_year.items() if y <= year), Decimal(0))
    return amounts_by_year.get(year, Decimal(0))


def progress(value: Decimal, target: Decimal | None) -> Decimal | None:
    """Value as a percentage of the target (one decimal), or None without a target."""
    if target is None or target == 0:
        return None
    return (value * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def met(indicator: Indicator, value: Decimal, target: Decimal | None) -> bool | None:
    if target is None:
        return None
    if indicator.comparator == ">":
        return value > target
    if indicator.comparator == "<=":
        return value <= target
    return value >= target
