"""Indicator definitions and folds, one module per programme; pure code, no I/O.

Each module (``tiers``, ``pool``, ``finance``, ``protection``, ``transfer``, ``training``) declares
its ``INDICATORS``, the ``EVENT_TYPES`` it folds and a ``fold(event_type, data) -> list[Delta]``. This package assembles the
catalogue (in display order) and folds an event through every module. See ``core`` for the
stock / flow / ratio arithmetic.
"""
from __future__ import annotations

from typing import Any

from services.reporting.indicators import finance, pool, protection, tiers, training, transfer
from services.reporting.indicators.core import (PROVINCE, Delta, Indicator, met, progress, ratio,
                                                value_for_year, year_of)

MODULES = (tiers, pool, finance, protection, transfer, training)

INDICATORS: dict[str, Indicator] = {i.code: i for m in MODULES for i in m.INDICATORS}


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    """The indicator deltas one event causes (empty for events no indicator uses)."""
    out: list[Delta] = []
    for module in MODULES:
        if event_type in getattr(module, "EVENT_TYPES", (event_type,)):
            out.extend(module.fold(event_type, data))
    return out


def ratios_using(code: str) -> list[Indicator]:
    """Ratio indicators computed from ``code``."""
    return [i for i in INDICATORS.values() if i.kind == "ratio" and code in (i.ratio_of or ())]


__all__ = ["INDICATORS", "MODULES", "PROVINCE", "Delta", "Indicator", "fold", "met", "progress", "ratio",
           "ratios_using", "value_for_year", "year_of"]
