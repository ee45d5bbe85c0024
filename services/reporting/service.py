"""Use cases on the reporting service's targets: read them, and write them (audited, with the
indicator updates they cause going to the KPI-update outbox in the same transaction)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.outbox import add_event, flush_events
from services.reporting.events import TOPIC as KPI_TOPIC
from services.reporting.kpi import city_label, fmt_decimal, kpi_event, rows_for_keys
from services.reporting.models import Target
from services.reporting.schemas import TargetOut


def target_view(indicator: str, year: int, city: str, value: Decimal, source: str | None,
                profile: str | None = None) -> TargetOut:
    return TargetOut(indicator=indicator, year=year, city=city, city_name=city_label(city),
                     value=fmt_decimal(value), source=source,
                     profile=[fmt_decimal(Decimal(w)) for w in profile.split(",")] if profile else None)


def target_out(t: Target) -> TargetOut:
    return target_view(t.indicator, t.year, t.city, t.value, t.source, t.profile)


async def targets_of_year(rt: Runtime, year: int) -> list[TargetOut]:
    async with rt.sessions() as session:
        rows = (await session.scalars(select(Target).where(Target.year == year)
                                      .order_by(Target.indicator, Target.city))).all()
    return [target_out(t) for t in rows]


async def target_value(rt: Runtime, indicator: str, year: int, city: str) -> Decimal | None:
    """The target set for ``city`` (None: none set)."""
    async with rt.sessions() as session:
        row = await session.get(Target, (indicator, year, city))
    return row.value if row else None


async def upsert_targets(rt: Runtime, year: int, items, source: str | None,
                         principal: Principal | None = None) -> None:
    """Insert or replace targets in one transaction; a change by a person (``principal``) is audited,
    and the changed indicators' new progress goes to the KPI-update outbox in the same transaction."""
    async with rt.sessions.write() as session:
        keys = set()
        for indicator, city, value, *rest in items:
            profile = ",".join(fmt_decimal(Decimal(w)) for w in rest[0]) if rest and rest[0] else None
            row = await session.get(Target, (indicator, year, city))
            before = None if row is None else {"value": fmt_decimal(row.value), "source": row.source,
                                               "profile": row.profile}
            if row is None:
                session.add(Target(indicator=indicator, year=year, city=city, value=value, source=source,
                                   profile=profile))
            else:
                row.value, row.source, row.profile = value, source, profile
            keys.add((indicator, city, year))
            if principal is not None:
                await record_audit(session, principal, "target.set", "target", f"{indicator}:{city}:{year}",
                                   before, {"value": fmt_decimal(value), "source": source, "profile": profile})
        await session.flush()
        for kpi in await rows_for_keys(session, keys, year):
            if (kpi.indicator, kpi.city, kpi.year) in keys:
                add_event(session, "reporting", KPI_TOPIC, kpi_event(kpi))
        await flush_events(session, KPI_TOPIC)
    # This process's own cached indicator reads go now (read-your-writes), before the KpiUpdated
    # events come back from the broker.
    cache = rt.extras.get("kpi_cache")
    if cache is not None:
        cache.invalidate()
