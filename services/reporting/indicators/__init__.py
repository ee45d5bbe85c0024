"""Indicator definitions and folds, one module per programme; pure code, no I/O.

Each module (``tiers``, ``pool``, ``credit``, ``finance``, ``protection``, ``transfer``, ``carriers``,
``training``, ``activities``, ``statistics``) declares its ``INDICATORS``, the ``EVENT_TYPES`` it folds and a
``fold(event_type, data) -> list[Delta]``. This package assembles the catalogue (in display order)
and folds an event through every module. See ``core`` for the
stock / flow / ratio arithmetic.
"""
from __future__ import annotations

from functools import cache
from typing import Any

from services.reporting.indicators import (
    activities,
    carriers,
    credit,
    finance,
    pool,
    protection,
    statistics,
    tiers,
    training,
    transfer,
)
from services.reporting.indicators.core import (
    PROVINCE,
    Delta,
    Indicator,
    met,
    progress,
    ratio,
    value_for_period,
    value_for_year,
    year_of,
)
from services.reporting.indicators.statistics import StatDelta, fold_statistics

MODULES = (tiers, pool, credit, finance, protection, transfer, carriers, training, activities, statistics)

INDICATORS: dict[str, Indicator] = {i.code: i for m in MODULES for i in m.INDICATORS}

#: The seven headline targets of 2025 (鄂知发〔2025〕2号 主要预期目标), in the document's order; the
#: transfer target in both units side by side, patent-times (the target's unit) first.
HEADLINE = ("invention_patents_in_force", "high_value_patents_per_10k", "trademark_registrations",
            "pct_applications", "pledge_amount", "transfer_patents", "transfers_licences", "protection_national_tier")

#: The programme each indicator belongs to (its module), for grouping on screens and in reports.
PROGRAMME = {i.code: m.__name__.rsplit(".", 1)[1] for m in MODULES for i in m.INDICATORS}
PROGRAMME_NAMES = {"tiers": "企业知识产权“百千万”", "pool": "专利产业化样板企业培育库",
                   "credit": "知识产权信用记录", "finance": "知识产权金融",
                   "protection": "知识产权保护", "transfer": "专利转化运用",
                   "carriers": "创新载体与基地", "training": "知识产权人才培训",
                   "activities": "面向企业的服务活动",
                   "statistics": "统计指标"}


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    """The indicator deltas one event causes (empty for events no indicator uses)."""
    out: list[Delta] = []
    for module in MODULES:
        if event_type in getattr(module, "EVENT_TYPES", (event_type,)):
            out.extend(module.fold(event_type, data))
    return out


@cache
def ratios_using(code: str) -> tuple[Indicator, ...]:
    """Ratio indicators computed from ``code`` (the catalogue is fixed at import: cached)."""
    return tuple(i for i in INDICATORS.values() if i.kind == "ratio" and code in (i.ratio_of or ()))


__all__ = ["HEADLINE", "INDICATORS", "MODULES", "PROGRAMME", "PROGRAMME_NAMES", "PROVINCE", "Delta", "Indicator",
           "StatDelta", "fold", "fold_statistics", "met", "progress", "ratio", "ratios_using", "value_for_period",
           "value_for_year", "year_of"]
