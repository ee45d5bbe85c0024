"""Enterprise tiers 优势/种子/成长型 (鄂知发〔2022〕9号): stock of enterprises holding each tier."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year, year_of

SOURCE = "鄂知发〔2022〕9号"
INDICATORS = [
    Indicator("tier_advantage", "知识产权优势企业", "家", "stock", ">=", SOURCE),
    Indicator("tier_seed", "知识产权种子企业", "家", "stock", ">=", SOURCE),
    Indicator("tier_growth", "知识产权成长型企业", "家", "stock", ">=", SOURCE),
]

_TIER_INDICATOR = {"advantage": "tier_advantage", "seed": "tier_seed", "growth": "tier_growth"}
_TIER_CHANGES = {f"ipp.enterprise.tier.{c}.v1" for c in ("designated", "promoted", "demoted", "revoked")}
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset({*_TIER_CHANGES, "ipp.enterprise.enterprise.updated.v1"})


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type in _TIER_CHANGES:
        city, year, month = data["city"], int(data["year"]), month_in_year(data, "effective_date")
        out = []
        if data.get("from_tier"):
            out.append(Delta(_TIER_INDICATOR[data["from_tier"]], city, year, Decimal(-1), month))
        if data.get("to_tier"):
            out.append(Delta(_TIER_INDICATOR[data["to_tier"]], city, year, Decimal(1), month))
        return out
    if event_type == "ipp.enterprise.enterprise.updated.v1":
        tier, old, new = data.get("tier"), data["previous_city"], data["city"]
        if tier and old != new:
            year, month = year_of(data["updated_on"]), int(str(data["updated_on"])[5:7])
            return [Delta(_TIER_INDICATOR[tier], old, year, Decimal(-1), month),
                    Delta(_TIER_INDICATOR[tier], new, year, Decimal(1), month)]
    return []
