"""Reading and writing indicator values in the reporting database (shared by worker and API).

The worker adds deltas (``apply_deltas``, ``apply_stat_deltas``); everything else — periods,
ratios, province sums, targets, expected progress, status, forecasts, rankings — is computed on
read from one :class:`Snapshot` of the stored sums.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Literal, overload

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.clock import today
from libs.common.divisions import CITIES, PROVINCE_NAME
from services.reporting import periods
from services.reporting.events import KpiUpdated
from services.reporting.indicators import (
    INDICATORS,
    PROVINCE,
    Delta,
    StatDelta,
    met,
    progress,
    ratio,
    ratios_using,
    value_for_period,
)
from services.reporting.models import IndicatorDelta, StatFolded, Target
from services.reporting.periods import Period
from services.reporting.progress import assess

#: indicator code of each statistical data element that feeds one
STAT_INDICATOR = {i.statistic: i.code for i in INDICATORS.values() if i.statistic}


@dataclass(frozen=True)
class KpiRow:
    indicator: str
    name: str
    unit: str
    city: str
    city_name: str
    year: int
    value: Decimal | None
    target: Decimal | None
    progress: Decimal | None
    met: bool | None
    comparator: str
    period: str = ""
    #: flows read for part of a year: the sum from January to the period's end
    ytd: Decimal | None = None
    expected: Decimal | None = None
    status: str | None = None
    forecast: Decimal | None = None
    source: str | None = None


def city_label(city: str) -> str:
    return PROVINCE_NAME if city == PROVINCE else CITIES.get(city, city)


today_in_china = today


def _insert(session: AsyncSession):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


#: PostgreSQL advisory-lock key of the fold (the reporting database's own; see :func:`serialize_fold`).
FOLD_LOCK_KEY = 0x1_9900_0002


async def serialize_fold(session: AsyncSession) -> None:
    """On PostgreSQL, hold the fold's transaction-scoped advisory lock until this transaction ends.

    Several workers (replicas in one consumer group) fold into one database. Each transaction adds
    its deltas and then reads the values it publishes as ``KpiUpdated``; under READ COMMITTED two
    overlapping folds that touch the same value through different rows (two cities of the province
    sum, two months of a year) each read the sum without the other's deltas, and whichever commits
    last publishes a value that misses the other: the stored sums are right, the last published
    value is not. Taken before the first write, the lock makes folds commit one after the other, so
    each reads everything committed before it and ``KpiUpdated`` rows are written in commit order.
    SQLite needs nothing: a write transaction holds the database's write lock from its start.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(FOLD_LOCK_KEY)))


async def apply_deltas(session: AsyncSession, deltas: Iterable[Delta]) -> set[tuple[str, str, int]]:
    """Add deltas to the stored amounts (upsert); returns the (indicator, city, year) keys touched."""
    summed: dict[tuple[str, str, int, int], Decimal] = defaultdict(Decimal)
    for d in deltas:
        summed[(d.indicator, d.city, d.year, d.month)] += d.amount
    if not summed:
        return set()
    await serialize_fold(session)
    table = IndicatorDelta.__table__
    # One statement executed for many parameter sets: compiled once and cached (a multi-row VALUES
    # clause would be a new statement to compile for every batch).
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=["indicator", "city", "year", "month"],
                                      set_={"amount": table.c.amount + stmt.excluded.amount})
    await session.execute(stmt, [
        {"indicator": i, "city": c, "year": y, "month": m, "amount": a} for (i, c, y, m), a in sorted(summed.items())])
    return {(i, c, y) for i, c, y, _ in summed}


async def apply_stat_deltas(session: AsyncSession, deltas: Iterable[StatDelta]) -> set[tuple[str, str, int]]:
    """Fold approved statistics; returns the (indicator, org unit, year) keys touched."""
    summed: dict[tuple[str, str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    for d in deltas:
        acc = summed[(d.element, d.org_unit, d.period)]
        acc[0] += d.amount
        acc[1] += d.count
    if not summed:
        return set()
    await serialize_fold(session)
    table = StatFolded.__table__
    stmt = _insert(session)(table)
    stmt = stmt.on_conflict_do_update(index_elements=["element", "org_unit", "period"],
                                      set_={"amount": table.c.amount + stmt.excluded.amount,
                                            "count": table.c.count + stmt.excluded.count})
    await session.execute(stmt, [{"element": e, "org_unit": o, "period": p, "amount": a, "count": n}
                                 for (e, o, p), (a, n) in sorted(summed.items())])
    return {(STAT_INDICATOR[e], o, periods.parse(p).year) for e, o, p in summed if e in STAT_INDICATOR}


def _stored(codes: Iterable[str]) -> set[str]:
    """The codes whose stored values ``codes`` need (ratios need their parts)."""
    out: set[str] = set()
    for code in codes:
        out.add(code)
        ratio_of = INDICATORS[code].ratio_of
        if ratio_of:
            out.update(_stored(ratio_of))
    return out


class Snapshot:
    """Stored sums for one year (and everything before it, for stocks) with the year's targets."""

    def __init__(self, year: int, codes: list[str], deltas, stats, targets, today: date) -> None:
        self.year = year
        self.codes = codes
        self.today = today
        self._deltas: dict[tuple[str, str], dict[tuple[int, int], Decimal]] = deltas
        self._stats: dict[tuple[str, str], dict[Period, Decimal]] = stats
        self.targets: dict[tuple[str, str], Target] = targets
        self._memo: dict[tuple[str, str, Period], Decimal | None] = {}

    @classmethod
    async def load(cls, session: AsyncSession, year: int, codes: Iterable[str] | None = None,
                   today: date | None = None) -> Snapshot:
        return (await cls.load_years(session, [year], codes, today))[year]

    @classmethod
    async def load_years(cls, session: AsyncSession, years: Iterable[int], codes: Iterable[str] | None = None,
                         today: date | None = None) -> dict[int, Snapshot]:
        """Snapshots of several years from one read of each table (the stream worker's KpiUpdated rows
        of a batch span every year a stock change carries into)."""
        wanted = sorted(set(years))
        codes = list(codes or INDICATORS)
        stored = _stored(codes)
        today = today or today_in_china()
        # One dict of sums up to the last year serves every year: a value only reads the months it needs.
        deltas: dict[tuple[str, str], dict[tuple[int, int], Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        plain = [c for c in stored if not INDICATORS[c].statistic and INDICATORS[c].kind != "ratio"]
        if plain:
            # plain rows, not ORM objects: a city=all read loads tens of thousands of them
            t = IndicatorDelta.__table__
            for indicator, city, y, m, amount in (await session.execute(
                    select(t.c.indicator, t.c.city, t.c.year, t.c.month, t.c.amount).where(
                        t.c.indicator.in_(plain), t.c.year <= wanted[-1]))).tuples():
                deltas[(indicator, city)][(y, m)] += amount
                deltas[(indicator, PROVINCE)][(y, m)] += amount
        stats: dict[int, dict[tuple[str, str], dict[Period, Decimal]]] = {y: defaultdict(dict) for y in wanted}
        elements = [INDICATORS[c].statistic for c in stored if INDICATORS[c].statistic]
        if elements:
            t = StatFolded.__table__
            for element, org_unit, period, amount in (await session.execute(
                    select(t.c.element, t.c.org_unit, t.c.period, t.c.amount).where(
                        t.c.element.in_(elements), t.c.count > 0))).tuples():
                p = periods.parse(period)
                for y in (p.year, p.year + 1):
                    if y in stats:
                        stats[y][(STAT_INDICATOR[element], org_unit)][p] = amount
        targets: dict[int, dict[tuple[str, str], Target]] = {y: {} for y in wanted}
        for target in (await session.execute(
                select(Target).where(Target.year.in_(wanted), Target.indicator.in_(codes)))).scalars():
            targets[target.year][(target.indicator, target.city)] = target
        return {y: cls(y, codes, deltas, stats[y], targets[y], today) for y in wanted}

    # --- values ---------------------------------------------------------------------------------
    def value(self, code: str, city: str, period: Period) -> Decimal | None:
        key = (code, city, period)
        if key not in self._memo:
            self._memo[key] = self._value(code, city, period)
        return self._memo[key]

    def _value(self, code: str, city: str, period: Period) -> Decimal | None:
        ind = INDICATORS[code]
        if ind.kind == "ratio":
            assert ind.ratio_of is not None, code  # a ratio names its numerator and denominator
            num, den = ind.ratio_of
            return ratio(self.value(num, city, period), self.value(den, city, period), ind.factor)
        if ind.statistic:
            own = self._statistic(code, city, period)
            if own is None and city == PROVINCE:
                parts = [v for c in CITIES if (v := self._statistic(code, c, period)) is not None]
                return sum(parts, Decimal(0)) if parts else None
            return own
        return value_for_period(ind, self._deltas.get((code, city), {}), period.year,
                                period.first_month, period.last_month)

    def _statistic(self, code: str, org_unit: str, period: Period) -> Decimal | None:
        """An approved statistic for ``period``: the period's own figure; for a stock, else the latest
        figure of a shorter period of the same year ending within it (a longer one wins a tie); for a
        flow, else the sum of its quarters' or months' figures."""
        own = self._stats.get((code, org_unit), {})
        if period in own:
            return own[period]
        if INDICATORS[code].kind == "stock":
            inside = [p for p in own
                      if p.year == period.year and period.first_month <= p.last_month <= period.last_month]
            if not inside:
                return None
            return own[max(inside, key=lambda p: (p.last_month, -p.first_month))]
        if period.kind == "month":
            return None
        parts: list[Decimal | None] = []
        m = period.first_month
        while m <= period.last_month:  # whole quarters inside the range, months elsewhere
            if m % 3 == 1 and m + 2 <= period.last_month and Period(period.year, m, m + 2) != period:
                parts.append(self._statistic(code, org_unit, periods.quarter(period.year, (m + 2) // 3)))
                m += 3
            else:
                parts.append(own.get(periods.month(period.year, m)))
                m += 1
        known = [v for v in parts if v is not None]
        return sum(known, Decimal(0)) if known else None

    # --- rows -----------------------------------------------------------------------------------
    def row(self, code: str, city: str, period: Period | None = None) -> KpiRow:
        ind = INDICATORS[code]
        period = period or periods.year(self.year)
        value = self.value(code, city, period)
        ytd = None
        compared = value
        if ind.kind == "flow" and period.kind != "year":
            ytd = self.value(code, city, Period(period.year, 1, period.last_month))
            compared = ytd
        target_row = self.targets.get((code, city))
        target = target_row.value if target_row else None
        profile = _profile(target_row.profile) if target_row else None
        fraction = periods.fraction_elapsed(period.year, self.today, profile, until=period.end)
        base, level = Decimal(0), False
        if ind.kind == "stock" and ind.pace == "cumulative":
            last_year = self.value(code, city, periods.year(period.year - 1))
            # a statistic without last year's figure has no known starting level: hold it to the target
            level = last_year is None and ind.statistic is not None
            base = last_year or Decimal(0)
        pace = assess(ind, compared, target, fraction, base, level=level)
        return KpiRow(code, ind.name, ind.unit, city, city_label(city), period.year, value, target,
                      progress(compared, target), met(ind, compared, target), ind.comparator, period.code, ytd,
                      pace.expected, pace.status, pace.forecast,
                      target_row.source if target_row else None)

    def rows(self, cities: list[str], period: Period | None = None) -> list[KpiRow]:
        return [self.row(code, city, period) for code in self.codes for city in cities]


def _profile(text: str | None) -> list[Decimal] | None:
    return [Decimal(w) for w in text.split(",")] if text else None


async def read_kpis(session: AsyncSession, year: int, cities: list[str] | None = None,
                    indicators: Iterable[str] | None = None, period: Period | None = None,
                    today: date | None = None) -> list[KpiRow]:
    """Values for ``year`` (or ``period`` of it) per city (and ``420000`` for the province), with
    targets, progress, expected value by today, status and forecast."""
    snap = await Snapshot.load(session, period.year if period else year, indicators, today)
    return snap.rows(cities if cities is not None else [PROVINCE], period)


async def read_series(session: AsyncSession, indicator: str, city: str, year: int,
                      granularity: Literal["month", "quarter"], today: date | None = None) -> list[KpiRow]:
    """The 12 months (or 4 quarters) of ``year``: each period's value (flows: the period's sum, with
    the year to date; stocks: the level at its end) and the expected value at its end."""
    snap = await Snapshot.load(session, year, [indicator], today)
    return [snap.row(indicator, city, p) for p in periods.split(year, granularity)]


async def read_ranking(session: AsyncSession, indicator: str, year: int, today: date | None = None) -> list[KpiRow]:
    """The 17 cities, best first: by progress towards their own targets where set, then by value
    (lower is better for ``<=`` indicators); cities without a value last."""
    snap = await Snapshot.load(session, year, [indicator], today)
    rows = snap.rows(list(CITIES))
    sign = 1 if INDICATORS[indicator].comparator == "<=" else -1

    def key(r: KpiRow):
        return (r.value is None, r.progress is None, sign * (r.progress or 0), sign * (r.value or 0), r.city)

    return sorted(rows, key=key)


@lru_cache(maxsize=65536)
def affected_keys(key: tuple[str, str, int], up_to_year: int) -> frozenset[tuple[str, str, int]]:
    """The (indicator, city, year) values a change at ``key`` affects: the city and the province,
    from the change's year to ``up_to_year`` for stock indicators (a stock change carries into later
    years), and the ratios computed from the indicator."""
    indicator, city, year = key
    ind = INDICATORS[indicator]
    last = max(year, up_to_year) if ind.kind == "stock" and not ind.statistic else year
    affected = [indicator, *(r.code for r in ratios_using(indicator))]
    return frozenset((code, c, y) for y in range(year, last + 1) for code in affected for c in (city, PROVINCE))


async def rows_for_keys(session: AsyncSession, keys: set[tuple[str, str, int]], up_to_year: int) -> list[KpiRow]:
    """Current values affected by changes at ``keys`` (:func:`affected_keys`)."""
    wanted: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for key in keys:
        for code, city, y in affected_keys(key, up_to_year):
            wanted[y].add((code, city))
    if not wanted:
        return []
    snaps = await Snapshot.load_years(session, wanted, sorted({i for pairs in wanted.values() for i, _ in pairs}))
    out: list[KpiRow] = []
    for y, pairs in sorted(wanted.items()):
        out.extend(snaps[y].row(code, city) for code, city in sorted(pairs))
    return out


def kpi_event(row: KpiRow):
    """The ``KpiUpdated`` event of a year's value."""
    return KpiUpdated(key=f"{row.indicator}:{row.city}:{row.year}", indicator=row.indicator, name=row.name,
                      unit=row.unit, city=row.city, year=row.year, value=fmt_decimal(row.value),
                      target=fmt_decimal(row.target), progress=fmt_decimal(row.progress), met=row.met,
                      expected=fmt_decimal(row.expected), status=row.status, forecast=fmt_decimal(row.forecast))


def kpi_dict(row: KpiRow) -> dict:
    return {
        "indicator": row.indicator, "name": row.name, "unit": row.unit, "city": row.city, "city_name": row.city_name,
        "year": row.year, "period": row.period or str(row.year), "value": fmt_decimal(row.value),
        "ytd": fmt_decimal(row.ytd), "target": fmt_decimal(row.target), "progress": fmt_decimal(row.progress),
        "met": row.met, "comparator": row.comparator, "expected": fmt_decimal(row.expected), "status": row.status,
        "forecast": fmt_decimal(row.forecast), "source": row.source,
    }


@overload
def fmt_decimal(value: Decimal) -> str: ...
@overload
def fmt_decimal(value: None) -> None: ...
@overload
def fmt_decimal(value: Decimal | None) -> str | None: ...
def fmt_decimal(value: Decimal | None) -> str | None:
    """Exact decimal string without trailing zeros (100.00 → "100", 12.50 → "12.5")."""
    if value is None:
        return None
    return format(value.normalize(), "f")
