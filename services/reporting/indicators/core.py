"""What every indicator module builds on: definitions, deltas, stock/flow/ratio arithmetic. No I/O.

Every stored indicator value is a sum of signed deltas keyed by (indicator, city, year, month).
Stock indicators (enterprises holding a tier, pool members) report, for a period, the sum of all
deltas up to the period's last month; flow indicators report the deltas within the period's
months. Ratio indicators store nothing: they are computed on read as numerator ÷ denominator ×
``factor`` of two other indicators of the same city and period (null without a denominator).
Folding is commutative, so the order in which partitions deliver events never changes a value,
and the consumer's inbox makes each event count once.

Indicators fed by official statistics (``statistic`` set) are not folded into deltas: their
values are approved figures per period (see ``indicators.statistics``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from libs.common.clock import CHINA

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
    #: For ``ratio`` indicators: 100 for a percentage, 10000 for "per 10,000 people".
    factor: int = 100
    #: Indicators fed by official statistics: the data element's code.
    statistic: str | None = None
    #: A remark shown in the catalogue (e.g. another seed's different target for the same figure).
    note: str | None = None

    @property
    def pace(self) -> Literal["cumulative", "level"]:
        """How the expected value by today is computed: ``cumulative`` indicators build up over the
        year towards the target (flows; stocks from last year's level); ``level`` indicators (ratios,
        ranks, caps) are held to the target at every moment."""
        if self.kind == "ratio" or self.comparator == "<=" or self.unit == "%":
            return "level"
        return "cumulative"


@dataclass(frozen=True)
class Delta:
    indicator: str
    city: str
    year: int
    amount: Decimal
    month: int


#: A module's fold: the deltas one event causes (empty for events it does not use).
Fold = Callable[[str, dict[str, Any]], list[Delta]]


def year_of(value: Any) -> int:
    """The year of an ISO date or datetime string (or a date)."""
    return int(str(value)[:4])


def month_in_year(data: Mapping[str, Any], field: str) -> int:
    """The month (1–12) of the event's business date ``data[field]`` within its KPI year
    ``data["year"]``. Datetimes count in China time. A date outside the KPI year (a class that
    started in December and finished in January, say) is clamped into it, so that the month never
    moves a value to another year than the one the event names."""
    raw = data[field]
    if isinstance(raw, str):
        raw = datetime.fromisoformat(raw.replace("Z", "+00:00")) if "T" in raw else date.fromisoformat(raw)
    if isinstance(raw, datetime):
        raw = (raw.astimezone(CHINA) if raw.tzinfo else raw).date()
    value: date = raw
    kpi_year = int(data.get("year", value.year))
    if value.year < kpi_year:
        return 1
    if value.year > kpi_year:
        return 12
    return value.month


def value_for_period(indicator: Indicator, by_month: Mapping[tuple[int, int], Decimal], year: int,
                     first_month: int = 1, last_month: int = 12) -> Decimal:
    """Stock: the level at the end of ``last_month`` of ``year``; flow: the sum of months
    ``first_month`` … ``last_month`` of ``year``. ``by_month`` maps (year, month) to the net delta."""
    if indicator.kind == "stock":
        end = (year, last_month)
        return sum((a for ym, a in by_month.items() if ym <= end), Decimal(0))
    return sum((a for (y, m), a in by_month.items() if y == year and first_month <= m <= last_month), Decimal(0))


def value_for_year(indicator: Indicator, amounts_by_year: dict[int, Decimal], year: int) -> Decimal:
    if indicator.kind == "stock":
        return sum((a for y, a in amounts_by_year.items() if y <= year), Decimal(0))
    return amounts_by_year.get(year, Decimal(0))


def ratio(numerator: Decimal | None, denominator: Decimal | None, factor: int = 100) -> Decimal | None:
    """numerator ÷ denominator × factor with one decimal (two for "per 10,000"); ``None`` — no value,
    not 0 — when either part is missing or the denominator is 0."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    places = Decimal("0.01") if factor > 100 else Decimal("0.1")
    return (numerator * factor / denominator).quantize(places, rounding=ROUND_HALF_UP)


def progress(value: Decimal | None, target: Decimal | None) -> Decimal | None:
    """Value as a percentage of the target (one decimal), or None without a target or value."""
    if target is None or target == 0 or value is None:
        return None
    return (value * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def met(indicator: Indicator, value: Decimal | None, target: Decimal | None) -> bool | None:
    if target is None or value is None:
        return None
    if indicator.comparator == ">":
        return value > target
    if indicator.comparator == "<=":
        return value <= target
    return value >= target
