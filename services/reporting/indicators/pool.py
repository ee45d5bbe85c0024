"""The patent-industrialisation model-enterprise pool 专利产业化样板企业培育库 (2024 SME patent-
industrialisation growth plan, § 二(六) 11–12): members now (a stock, at most 500 for the province)
and the yearly flows admitted / graduated / removed, per city.

Admission adds a member in the year of ``admitted_on``; graduation and removal take one away in
their own year; an enterprise that moves city while a member moves its membership (the
``in_pool`` flag of ``enterprise.updated``). Flows stay with the city and year where they happened.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year, year_of

SOURCE = "专利产业化促进中小企业成长计划（2024）"
INDICATORS = [
    Indicator("pool_members", "专利产业化样板企业培育库在库企业", "家", "stock", ">=", "鄂知发〔2025〕2号 § 11",
              note=f"培育500家为目标（鄂知发〔2025〕2号 § 11）；入库上限500家是企业服务的规则（{SOURCE} 二(六)11）"),
    Indicator("pool_admitted", "培育库年度入库企业", "家", "flow", ">=", SOURCE),
    Indicator("pool_graduated", "培育库年度出库企业", "家", "flow", ">=", SOURCE),
    Indicator("pool_removed", "培育库年度退库企业", "家", "flow", ">=", SOURCE),
]

ONE = Decimal(1)
_PREFIX = "ipp.enterprise.pool."
UPDATED = "ipp.enterprise.enterprise.updated.v1"
EVENT_TYPES = frozenset({_PREFIX + "admitted.v1", _PREFIX + "graduated.v1", _PREFIX + "removed.v1", UPDATED})


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type == _PREFIX + "admitted.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "admitted_on")
        return [Delta("pool_members", city, year, ONE, m), Delta("pool_admitted", city, year, ONE, m)]
    if event_type == _PREFIX + "graduated.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "graduated_on")
        return [Delta("pool_members", city, year, -ONE, m), Delta("pool_graduated", city, year, ONE, m)]
    if event_type == _PREFIX + "removed.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "removed_on")
        return [Delta("pool_members", city, year, -ONE, m), Delta("pool_removed", city, year, ONE, m)]
    if event_type == UPDATED and data.get("in_pool"):
        old, new = data["previous_city"], data["city"]
        if old != new:
            year, m = year_of(data["updated_on"]), int(str(data["updated_on"])[5:7])
            return [Delta("pool_members", old, year, -ONE, m), Delta("pool_members", new, year, ONE, m)]
    return []
