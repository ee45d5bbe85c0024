"""Reading and writing indicator values in the reporting database (shared by worker and API)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.divisions import CITIES, PROVINCE_NAME
from services.reporting.indicators import (INDICATORS, PROVINCE, Delta, met, progress, ratio, ratios_using,
                                           value_for_year)
from services.reporting.models import IndicatorDelta, Target


@dataclass(frozen=True)
class KpiRow:
    indicator: str
    name: str
    unit: str
    city: str
    city_name: str
    year: int
    value: Decimal
    target: Decimal | None
    progress: Decimal | None
    met: bool | None
    comparator: str


def city_label(city: str) -> str:
    return PROVINCE_NAME if city == PROVINCE else CITIES.get(city, city)


async def apply_deltas(session: AsyncSession, deltas: Iterable[Delta]) -> set[tuple[str, str, int]]:
    """Add deltas to the stored amounts (upsert); returns the (indicator, city, year) keys touched."""
    summed: dict[tuple[str, str, int], Decimal] = defaultdict(Decimal)
    for d in deltas:
        summed[(d.indicator, d.city, d.year)] += d.amount
    if not summed:
        return set()
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    table = IndicatorDelta.__table__
    stmt = insert(table).values([
        {"indicator": i, "city": c, "year": y, "amount": a} for (i, c, y), a in sorted(summed.items())])
    stmt = stmt.on_conflict_do_update(index_elements=["indicator", "city", "year"],
                                      set_={"amount": table.c.amount + stmt.excluded.amount})
    await session.execute(stmt)
    return set(summed)


async def read_kpis(session: AsyncSession, year: int, cities: list[str] | None = None,
                    indicators: Iterable[str] | None = None) -> list[KpiRow]:
    """Values for ``year`` per city (and ``420000`` for the province), with targets and progress."""
    codes = list(indicators or INDICATORS)
    stored = set(codes)  # ratio indicators are computed from their numerator and denominator
    for code in codes:
        if INDICATORS[code].ratio_of:
            stored.update(INDICATORS[code].ratio_of)
    rows = (await session.execute(select(IndicatorDelta).where(
        IndicatorDelta.indicator.in_(stored), IndicatorDelta.year <= year))).scalars().all()
    amounts: dict[tuple[str, str], dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        amounts[(r.indicator, r.city)][r.year] += r.amount
        amounts[(r.indicator, PROVINCE)][r.year] += r.amount
    targets = {(t.indicator, t.city): t.value for t in (await session.execute(
        select(Target).where(Target.year == year, Target.indicator.in_(codes)))).scalars().all()}
    wanted = cities if cities is not None else [PROVINCE]

    def value_of(code: str, city: str) -> Decimal:
        ind = INDICATORS[code]
        if ind.kind == "ratio":
            num, den = ind.ratio_of
            return ratio(value_of(num, city), value_of(den, city))
        return value_for_year(ind, amounts.get((code, city), {}), year)

    out = []
    for code in codes:
        ind = INDICATORS[code]
        for city in wanted:
            value = value_of(code, city)
            target = targets.get((code, city))
            out.append(KpiRow(code, ind.name, ind.unit, city, city_label(city), year, value, target,
                              progress(value, target), met(ind, value, target), ind.comparator))
    return out


async def rows_for_keys(session: AsyncSession, keys: set[tuple[str, str, int]], up_to_year: int) -> list[KpiRow]:
    """Current values affected by changes at ``keys``: the city and the province, from the change's
    year to ``up_to_year`` for stock indicators (a stock change carries into later years)."""
    wanted: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for indicator, city, year in keys:
        last = max(year, up_to_year) if INDICATORS[indicator].kind == "stock" else year
        affected = [indicator, *(r.code for r in ratios_using(indicator))]
        for y in range(year, last + 1):
            for code in affected:
                wanted[y].add((code, city))
                wanted[y].add((code, PROVINCE))
    out = []
    for y, pairs in sorted(wanted.items()):
        cities = sorted({c for _, c in pairs})
        codes = sorted({i for i, _ in pairs})
        out.extend(r for r in await read_kpis(session, y, cities, codes) if (r.indicator, r.city) in pairs)
    return out


def kpi_dict(row: KpiRow) -> dict:
    return {
        "indicator": row.indicator, "name": row.name, "unit": row.unit, "city": row.city, "city_name": row.city_name,
        "year": row.year, "value": fmt_decimal(row.value), "target": fmt_decimal(row.target),
        "progress": fmt_decimal(row.progress),
        "met": row.met, "comparator": row.comparator,
    }


def fmt_decimal(value: Decimal | None) -> str | None:
    """Exact decimal string without trailing zeros (100.00 → "100", 12.50 → "12.5")."""
    if value is None:
        return None
    return format(value.normalize(), "f")
