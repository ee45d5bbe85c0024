"""The credit register 信用记录 (the enterprise service; 鄂知发〔2019〕1号 § 5, 鄂知发〔2025〕2号 §§ 8, 16):
entries recorded per kind, and entries lifted early, per city and year. No seed sets a target for
them, so they are shown without one.

* ``credit_recorded_<kind>`` — flow: entries of the kind decided in the period (the month of
  ``decided_on``), in the enterprise's city when recorded; a later lifting does not undo it.
* ``credit_lifted`` — flow: entries lifted before their end (信用修复 …) in the period (the month of
  ``lifted_on``).

Every event carries kind, city and year, so no lookup is needed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

#: kind code → (zh-CN name, source)
KINDS: dict[str, tuple[str, str]] = {
    "serious_dishonesty": ("知识产权严重违法失信", "鄂知发〔2025〕2号 第16条；鄂知发〔2019〕1号 第5条"),
    "abnormal_patent_application": ("非正常专利申请", "鄂知发〔2025〕2号 第8条"),
    "violation": ("违法违规", "专利产业化促进中小企业成长计划（2024）附件第10条"),
    "major_accident": ("重大事故", "专利产业化促进中小企业成长计划（2024）附件第10条"),
}
NO_TARGET = "无目标值：记录数不是工作目标，用于掌握惩戒情况"

INDICATORS = [
    *(Indicator(f"credit_recorded_{kind}", f"记入信用记录的{name}", "条", "flow", "<=", source,
                note=f"按决定日期所在月计；{NO_TARGET}") for kind, (name, source) in KINDS.items()),
    Indicator("credit_lifted", "提前解除的信用记录（信用修复等）", "条", "flow", ">=", "鄂知发〔2019〕1号 第5条",
              note=f"按解除日期所在月计；{NO_TARGET}"),
]

PREFIX = "ipp.enterprise.credit."
RECORDED = PREFIX + "recorded.v1"
LIFTED = PREFIX + "lifted.v1"
EVENT_TYPES = frozenset({RECORDED, LIFTED})
ONE = Decimal(1)


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    kind = data.get("kind")
    if event_type not in EVENT_TYPES or kind not in KINDS:
        return []
    city, year = data["city"], int(data["year"])
    if event_type == RECORDED:
        return [Delta(f"credit_recorded_{kind}", city, year, ONE, month_in_year(data, "decided_on"))]
    return [Delta("credit_lifted", city, year, ONE, month_in_year(data, "lifted_on"))]
