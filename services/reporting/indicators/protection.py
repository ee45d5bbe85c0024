"""Protection programme (鄂知发〔2025〕2号 第15条, 鄂知发〔2019〕1号 第4条, 鄂知发〔2022〕9号 二.6).

* ``protection_workstations_new`` — flow: provincial joint protection workstations established in
  the year (target 2025: 50 new, province). A later deregistration does not undo "established".
* ``protection_workstations`` — stock: workstations of every level in operation at year end.
* ``protection_cases_received`` / ``protection_cases_private`` — flow: cases received by the
  centres in the year, and those of private enterprises (002 § 1: equal protection).
* ``protection_cases_closed`` / ``protection_cases_closed_in_time`` — flow: cases closed in the
  year, and those whose every step kept its time limit ("fast to respond, handle, report back").
* ``protection_visits`` — flow: on-site service visits to private enterprises (002 § 4).

Every event carries its city (the owning centre's, or the workstation's) and its year.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

SOURCE_2025 = "鄂知发〔2025〕2号"
SOURCE_2019 = "鄂知发〔2019〕1号"
INDICATORS = [
    Indicator("protection_workstations_new", "新建省级联合保护工作站", "家", "flow", ">=", SOURCE_2025),
    Indicator("protection_workstations", "在运行的知识产权保护工作站", "家", "stock", ">=", "鄂知发〔2022〕9号"),
    Indicator("protection_cases_received", "维权援助与纠纷案件受理登记数", "件", "flow", ">=", SOURCE_2019),
    Indicator("protection_cases_private", "其中民营企业案件", "件", "flow", ">=", SOURCE_2019),
    Indicator("protection_cases_closed", "结案数", "件", "flow", ">=", SOURCE_2019),
    Indicator("protection_cases_closed_in_time", "各环节均在时限内办结的案件", "件", "flow", ">=", SOURCE_2019),
    Indicator("protection_visits", "民营企业上门服务次数", "次", "flow", ">=", SOURCE_2019),
]

PREFIX = "ipp.protection."
ONE = Decimal(1)
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset(PREFIX + k for k in ("workstation.established.v1", "workstation.deregistered.v1",
                                            "case.received.v1", "case.closed.v1", "visit.recorded.v1"))


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if not event_type.startswith(PREFIX):
        return []
    kind = event_type[len(PREFIX):]
    if kind == "workstation.established.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "established_on")
        out = [Delta("protection_workstations", city, year, ONE, m)]
        if data["level"] == "provincial_joint":
            out.insert(0, Delta("protection_workstations_new", city, year, ONE, m))
        return out
    if kind == "workstation.deregistered.v1":
        return [Delta("protection_workstations", data["city"], int(data["year"]), -ONE,
                      month_in_year(data, "deregistered_on"))]
    if kind == "case.received.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "received_at")
        out = [Delta("protection_cases_received", city, year, ONE, m)]
        if data["is_private"]:
            out.append(Delta("protection_cases_private", city, year, ONE, m))
        return out
    if kind == "case.closed.v1":
        city, year, m = data["city"], int(data["year"]), month_in_year(data, "at")
        out = [Delta("protection_cases_closed", city, year, ONE, m)]
        if data["all_steps_within_limit"]:
            out.append(Delta("protection_cases_closed_in_time", city, year, ONE, m))
        return out
    if kind == "visit.recorded.v1":
        return [Delta("protection_visits", data["city"], int(data["year"]), ONE, month_in_year(data, "visit_date"))]
    return []
