"""Patent transfers and licences, and supply–demand matching events (the transfer programme).

The 2025 target “专利转让许可次数超4.5万次” (鄂知发〔2025〕2号 主要预期目标) counts 次 as the
national statistics do: one per patent whose transfer or licence is registered (a contract covering
three patents is three 次). Two series stand side by side against it:

* ``transfer_patents`` — 专利转让许可次数（按专利件次计）: the patents the records cover, in the year
  of the contract date; **the unit the target is in**.
* ``transfers_licences`` — 专利转让许可次数（按合同计）: one per registered record (contract), the
  lower, contract-based reading of the same target (its code is kept from before the split).

A cancelled record takes its counts back. Bulk imports publish one event per record, so they fold
exactly like single registrations, and the consumer's inbox makes redelivery harmless.
* splits without targets (contracts): ``transfer_licences`` (licences of every kind, open licences
  included), ``transfer_university`` (the seller/licensor is a university or institute).
* ``matching_events`` — 专利技术供需对接活动: one per event held, in the year it was held; at least
  4 a year (专利产业化促进中小企业成长计划 二(一)2, a standing target).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

WORK_POINTS = "鄂知发〔2025〕2号"
SME_PLAN = "湖北省专利产业化促进中小企业成长计划（2024）"
UNIT_NOTE = ("目标“专利转让许可次数超4.5万次”按专利件次计（一份合同涉及多件专利的，每件计1次，"
             "与国家知识产权局统计口径一致）；按合同计的序列并列显示，作为同一目标的较低口径")
INDICATORS = [
    Indicator("transfer_patents", "专利转让许可次数（按专利件次计）", "次", "flow", ">", WORK_POINTS, note=UNIT_NOTE),
    Indicator("transfers_licences", "专利转让许可次数（按合同计）", "份", "flow", ">", WORK_POINTS, note=UNIT_NOTE),
    Indicator("transfer_licences", "其中：专利许可合同", "份", "flow", ">=", WORK_POINTS),
    Indicator("transfer_university", "其中：高校院所转让许可合同", "份", "flow", ">=", WORK_POINTS),
    Indicator("matching_events", "专利技术供需对接活动", "场", "flow", ">=", SME_PLAN),
]

REGISTERED = "ipp.transfer.record.registered.v1"
CANCELLED = "ipp.transfer.record.cancelled.v1"
HELD = "ipp.transfer.matching-event.held.v1"
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset({REGISTERED, CANCELLED, HELD})


def _record(data: dict[str, Any], sign: int) -> list[Delta]:
    city, year, m = data["city"], int(data["year"]), month_in_year(data, "contract_date")
    one = Decimal(sign)
    out = [Delta("transfers_licences", city, year, one, m)]
    if data.get("is_licence"):
        out.append(Delta("transfer_licences", city, year, one, m))
    if data.get("university_origin"):
        out.append(Delta("transfer_university", city, year, one, m))
    out.append(Delta("transfer_patents", city, year, one * int(data["patent_count"]), m))
    return out


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type == REGISTERED:
        return _record(data, 1)
    if event_type == CANCELLED:
        return _record(data, -1)
    if event_type == HELD:
        return [Delta("matching_events", data["city"], int(data["year"]), Decimal(1), month_in_year(data, "held_on"))]
    return []
