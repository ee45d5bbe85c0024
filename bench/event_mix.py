"""A realistic, reproducible mix of every programme's events, as the services publish them.

Every event type of ``services/*/events.py`` (``ALL_EVENTS``) appears, in proportions that follow the
province's volumes (transfer records and training attendance dominate; pledges, tier changes,
protection cases, pool and statistics approvals are rarer), spread over the 17 cities, several
years and every month. Each event is built as its pydantic model (so it is valid against the
published contract) and wrapped in the CloudEvents Kafka envelope the outbox relay writes.
"""
from __future__ import annotations

import random
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel

from libs.common.divisions import CITIES
from libs.common.events import CloudEvent, EventData, dumps, topic_for
from services.enterprise import events as enterprise
from services.finance import events as finance
from services.protection import events as protection
from services.reporting import events as reporting
from services.reporting.indicators.statistics import INDICATORS as STAT_INDICATORS
from services.training import events as training
from services.transfer import events as transfer

CHINA_TZ = timezone(timedelta(hours=8))
CITY_CODES = sorted(CITIES)
STAT_ELEMENTS = sorted({i.statistic for i in STAT_INDICATORS if i.statistic})

#: Relative frequency of each event type (per 1,000 events). Unlisted types of ALL_EVENTS get 1.
WEIGHTS: dict[str, int] = {
    "ipp.transfer.record.registered.v1": 260,
    "ipp.transfer.record.cancelled.v1": 6,
    "ipp.training.attendance.recorded.v1": 200,
    "ipp.training.enrolment.enrolled.v1": 60,
    "ipp.training.exam.recorded.v1": 30,
    "ipp.training.certificate.issued.v1": 25,
    "ipp.training.commissioner.qualified.v1": 10,
    "ipp.training.class.finished.v1": 8,
    "ipp.enterprise.enterprise.registered.v1": 40,
    "ipp.enterprise.enterprise.updated.v1": 20,
    "ipp.enterprise.figures.reported.v1": 40,
    "ipp.enterprise.tier.recommended.v1": 20,
    "ipp.enterprise.tier.designated.v1": 40,
    "ipp.enterprise.tier.promoted.v1": 8,
    "ipp.enterprise.tier.demoted.v1": 4,
    "ipp.enterprise.tier.revoked.v1": 3,
    "ipp.enterprise.pool.applied.v1": 6,
    "ipp.enterprise.pool.admitted.v1": 5,
    "ipp.enterprise.pool.graduated.v1": 2,
    "ipp.finance.pledge.registered.v1": 40,
    "ipp.finance.pledge.released.v1": 15,
    "ipp.finance.activity.recorded.v1": 5,
    "ipp.protection.case.received.v1": 30,
    "ipp.protection.case.accepted.v1": 25,
    "ipp.protection.case.handling-started.v1": 25,
    "ipp.protection.case.closed.v1": 25,
    "ipp.protection.visit.recorded.v1": 30,
    "ipp.protection.workstation.established.v1": 4,
    "ipp.reporting.statistics.approved.v1": 10,
}

ALL: list[tuple[str, type[EventData]]] = [
    (svc, cls) for svc, module in (("enterprise", enterprise), ("finance", finance), ("protection", protection),
                                   ("transfer", transfer), ("training", training), ("reporting", reporting))
    for cls in module.ALL_EVENTS if cls is not reporting.KpiUpdated]

_DECIMAL_FIELDS = {"amount", "fee_amount", "budget", "revenue", "rd_spend", "amount_involved", "amount_intended",
                   "intended_amount", "total_credit_line", "credit_line"}
_PERCENT_FIELDS = {"annual_rate", "industrialisation_rate", "industrialisation_rate_before",
                   "industrialisation_rate_after", "sales_growth_pct", "profit_growth_pct", "royalty_rate", "score",
                   "pass_mark"}


@dataclass(frozen=True)
class Produced:
    """One event as it sits on its topic."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_type: str
    data: dict[str, Any]


class _Maker:
    def __init__(self, rng: random.Random, year: int) -> None:
        self.rng, self.year = rng, year
        self.day = date(year, 1, 1) + timedelta(days=rng.randrange(365 if year % 4 else 366))

    def value(self, name: str, annotation: Any) -> Any:
        rng = self.rng
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if name in ("from_tier", "to_tier", "current_tier", "tier") and rng.random() < 0.3:
                return None
            return self.value(name, args[0])
        if origin is Literal:
            return rng.choice(typing.get_args(annotation))
        if origin is list:
            (item,) = typing.get_args(annotation)
            return [self.value(name, item) for _ in range(rng.randint(1, 2))]
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return {n: self.value(n, f.annotation) for n, f in annotation.model_fields.items()}
        if annotation is bool:
            return rng.random() < 0.6
        if annotation is int:
            if name == "year":
                return self.year
            if name in ("attended_days_before", "attended_days_after", "person_time_delta"):
                return rng.randint(0, 2)
            return rng.randint(1, 40)
        if annotation is date:
            return self.day
        if annotation is datetime:
            return datetime(self.day.year, self.day.month, self.day.day, rng.randrange(8, 18), tzinfo=CHINA_TZ)
        if annotation is str:
            if "city" in name:
                return rng.choice(CITY_CODES)
            if name in _DECIMAL_FIELDS:
                return f"{rng.randrange(10_000, 50_000_000)}.{rng.randrange(100):02d}"
            if name in _PERCENT_FIELDS:
                return f"{rng.randrange(0, 100)}.{rng.randrange(10)}"
            if name == "uscc":
                return f"91420{rng.randrange(10**12):012d}X"
            if name == "month":
                return f"{self.day:%Y-%m}"
            return f"{name}-{rng.randrange(10**6)}"
        raise TypeError(f"no generator for {name}: {annotation!r}")


def _statistics(rng: random.Random, year: int) -> dict[str, Any]:
    month = rng.randint(1, 12)
    period = rng.choice([str(year), f"{year}Q{(month - 1) // 3 + 1}", f"{year}{month:02d}"])
    org = rng.choice([*CITY_CODES, "420000"])
    values = []
    for element in rng.sample(STAT_ELEMENTS, 3):
        previous = None if rng.random() < 0.7 else f"{rng.randrange(1, 10**6)}"
        values.append({"element": element, "value": f"{rng.randrange(1, 10**6)}.{rng.randrange(100):02d}",
                       "previous": previous})
    return {"key": f"{period}:{org}", "period": period, "org_unit": org, "version": 1,
            "approved_on": date(year, month, 28), "year": year, "values": values}


def generate(n: int, years: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025), seed: int = 14) -> Iterator[Produced]:
    """``n`` events of every type, deterministic for a given seed."""
    rng = random.Random(seed)
    kinds = [(svc, cls) for svc, cls in ALL]
    weights = [WEIGHTS.get(cls.event_type, 1) for _, cls in kinds]
    for i in range(n):
        svc, cls = rng.choices(kinds, weights)[0]
        year = rng.choice(years)
        if cls is reporting.StatisticsApproved:
            raw = _statistics(rng, year)
        else:
            maker = _Maker(rng, year)
            raw = {name: maker.value(name, f.annotation) for name, f in cls.model_fields.items()}
        model = cls.model_validate(raw)
        data = model.model_dump(mode="json")
        ce = CloudEvent(type=cls.event_type, source=f"/services/{svc}", subject=model.subject(), data=data,
                        id=f"bench-{seed}-{i:09d}")
        topic = reporting.DOMAIN_TOPIC if svc == "reporting" else topic_for(svc)
        yield Produced(topic, ce.subject.encode(), dumps(data), ce.kafka_headers(), cls.event_type, data)
