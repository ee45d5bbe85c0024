"""What every indicator module builds on: definitions, deltas, stock/flow/ratio arithmetic. No I/O.

Every stored indicator value is a sum of signed deltas keyed by (indicator, city, year). Stock
indicators (enterprises holding a tier, pool members) report, for year Y, the sum of all deltas up
to and including Y; flow indicators report the deltas of Y alone. Ratio indicators store nothing:
they are computed on read as numerator ÷ denominator × 100 of two other indicators of the same
city and year. Folding is commutative, so the order in which partitions deliver events never
changes a value, and the consumer's inbox makes each event count once.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Literal

PROVINCE = "420000"


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    kind: Literal["stock", "flow", "ratio"]
    comparator: Literal[">=", ">", "<="]
    source: str
    #: For ``ratio`` indicators: the (numerator, denominator) indicator codes.
    ratio_of: tuple[str, str] | None = None


@dataclass(frozen=True)
class Delta:
    indicator: str
    city: str
    year: int
    amount: Decimal


#: A module's fold: the deltas one event causes (empty for events it does not use).
Fold = Callable[[str, dict[str, Any]], list[Delta]]


def year_of(value: Any) -> int:
    """The year of an ISO date or datetime string (or a date)."""
    return int(str(value)[:4])


def value_for_year(indicator: Indicator, amounts_by_year: dict[int, Decimal], year: int) -> Decimal:
    if indicator.kind == "stock":
        return sum((a for y, a in amounts_by_year.items() if y <= year), Decimal(0))
    return amounts_by_year.get(year, Decimal(0))


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    """Percentage with one decimal; 0 when the denominator is 0."""
    if denominator == 0:
        return Decimal(0)
    return (numerator * 100 / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


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
