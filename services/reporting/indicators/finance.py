"""Pledge financing 知识产权质押融资 and financing activities (鄂知发〔2019〕1号 § 9, 鄂知发〔2025〕2号).

All are flows of the loan's registration year (or the activity's date). A registered loan adds its
amount and one project (and one private project when the enterprise was private at registration);
release and default change nothing — the financing happened. Withdrawing an erroneous registration
(``pledge.cancelled``) subtracts exactly what the registration added, in the same year, city and
ownership (the event carries them as stamped at registration). The private share is a ratio of
projects, computed on read.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

SOURCE_2025 = "鄂知发〔2025〕2号"
SOURCE_PRIVATE = "鄂知发〔2019〕1号 § 9"
INDICATORS = [
    Indicator("pledge_amount", "知识产权质押融资金额", "元", "flow", ">", f"{SOURCE_2025} 主要预期目标"),
    Indicator("pledge_projects", "知识产权质押融资项目数", "项", "flow", ">=", SOURCE_PRIVATE),
    Indicator("pledge_private_projects", "民营企业知识产权质押融资项目数", "项", "flow", ">=", SOURCE_PRIVATE),
    Indicator("pledge_private_share", "民营企业质押融资项目数占比", "%", "ratio", ">", SOURCE_PRIVATE,
              ratio_of=("pledge_private_projects", "pledge_projects")),
    Indicator("pledge_matchmaking_events", "知识产权质押融资对接活动", "场", "flow", ">=", SOURCE_PRIVATE),
    Indicator("pledge_roadshows", "专精特新“一月一链”投融资路演", "场", "flow", ">=", f"{SOURCE_2025} § 12"),
]

REGISTERED = "ipp.finance.pledge.registered.v1"
CANCELLED = "ipp.finance.pledge.cancelled.v1"
ACTIVITY_RECORDED = "ipp.finance.activity.recorded.v1"
ACTIVITY_CANCELLED = "ipp.finance.activity.cancelled.v1"
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset({REGISTERED, CANCELLED, ACTIVITY_RECORDED, ACTIVITY_CANCELLED})
_ACTIVITY_INDICATOR = {"matchmaking": "pledge_matchmaking_events", "roadshow": "pledge_roadshows"}


def _loan(data: dict[str, Any], sign: int) -> list[Delta]:
    city, year, m = data["city"], int(data["year"]), month_in_year(data, "registration_date")
    one = Decimal(sign)
    out = [Delta("pledge_amount", city, year, Decimal(str(data["amount"])) * one, m),
           Delta("pledge_projects", city, year, one, m)]
    if data["is_private"]:
        out.append(Delta("pledge_private_projects", city, year, one, m))
    return out


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type == REGISTERED:
        return _loan(data, 1)
    if event_type == CANCELLED:
        return _loan(data, -1)
    if event_type in (ACTIVITY_RECORDED, ACTIVITY_CANCELLED):
        sign = 1 if event_type == ACTIVITY_RECORDED else -1
        return [Delta(_ACTIVITY_INDICATOR[data["kind"]], data["city"], int(data["year"]), Decimal(sign),
                      month_in_year(data, "held_on"))]
    return []
