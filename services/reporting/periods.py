"""Reporting periods and the calendar arithmetic of progress. Pure code, no I/O.

Period codes follow DHIS2's: ``2025`` (a year), ``2025Q1`` … ``2025Q4`` (quarters), ``202501`` …
``202512`` (months). Every indicator value is kept per month, so a quarter or a year is a range of
months of one year.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

FIRST_YEAR, LAST_YEAR = 2000, 2100
_CODE = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>\d)|(?P<month>\d{2}))?$")
Kind = Literal["year", "quarter", "month", "range"]  # a range: January to a month (year to date)


class PeriodError(ValueError):
    """A period code that is not a year, quarter or month; ``rule`` is a stable machine code."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    last_month: int

    @property
    def kind(self) -> Kind:
        if self.first_month == 1 and self.last_month == 12:
            return "year"
        if self.first_month == self.last_month:
            return "month"
        return "quarter" if self.first_month % 3 == 1 and self.last_month == self.first_month + 2 else "range"

    @property
    def code(self) -> str:
        if self.kind == "range":
            return f"{self.year}{self.first_month:02d}-{self.year}{self.last_month:02d}"
        if self.kind == "year":
            return str(self.year)
        if self.kind == "month":
            return f"{self.year}{self.first_month:02d}"
        return f"{self.year}Q{(self.first_month - 1) // 3 + 1}"

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def start(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        return date(self.year, self.last_month, calendar.monthrange(self.year, self.last_month)[1])

    def label(self) -> str:
        """zh-CN label: 2025年, 2025年第1季度, 2025年3月."""
        if self.kind == "year":
            return f"{self.year}年"
        if self.kind == "month":
            return f"{self.year}年{self.first_month}月"
        return f"{self.year}年第{(self.first_month - 1) // 3 + 1}季度"

    def __str__(self) -> str:
        return self.code


def year(y: int) -> Period:
    return Period(y, 1, 12)


def quarter(y: int, q: int) -> Period:
    return Period(y, 3 * q - 2, 3 * q)


def month(y: int, m: int) -> Period:
    return Period(y, m, m)


def parse(code: str) -> Period:
    """``2025`` / ``2025Q3`` / ``202503`` → Period; anything else raises :class:`PeriodError`."""
    m = _CODE.match(str(code).strip())
    if not m:
        raise PeriodError("period.format", f"期间 {code!r} 格式不正确，应为 2025（年）、2025Q1（季度）或 202503（月）")
    y = int(m["year"])
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise PeriodError("period.year_range", f"期间 {code} 的年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 之间")
    if m["quarter"] is not None:
        q = int(m["quarter"])
        if not 1 <= q <= 4:
            raise PeriodError("period.quarter", f"期间 {code} 的季度应为 Q1 至 Q4")
        return quarter(y, q)
    if m["month"] is not None:
        mo = int(m["month"])
        if not 1 <= mo <= 12:
            raise PeriodError("period.month", f"期间 {code} 的月份应为 01 至 12")
        return month(y, mo)
    return year(y)


def split(y: int, granularity: Literal["month", "quarter"]) -> list[Period]:
    """The 12 months or 4 quarters of year ``y``."""
    if granularity == "quarter":
        return [quarter(y, q) for q in range(1, 5)]
    return [month(y, m) for m in range(1, 13)]


def fraction_elapsed(y: int, today: date, profile: Sequence[Decimal] | None = None,
                     until: date | None = None) -> Decimal:
    """Share of year ``y``'s target that should be reached by ``today`` (or by ``until`` if earlier).

    Pro rata by days, or — with a monthly ``profile`` of 12 non-negative weights — the weights of the
    months already over plus the current month's weight pro rata by its days. 0 before the year,
    1 after it.
    """
    when = min(today, until) if until else today
    if when < date(y, 1, 1):
        return Decimal(0)
    if when >= date(y, 12, 31):
        return Decimal(1)
    if not profile or sum(profile) <= 0:
        days = 366 if calendar.isleap(y) else 365
        return Decimal(when.timetuple().tm_yday) / Decimal(days)
    weights = [Decimal(w) for w in profile]
    month_days = calendar.monthrange(y, when.month)[1]
    done = sum(weights[: when.month - 1], Decimal(0)) + weights[when.month - 1] * Decimal(when.day) / month_days
    return done / sum(weights)
