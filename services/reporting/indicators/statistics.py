"""Indicators fed by official statistics 统计数据 (鄂知发〔2025〕2号 主要预期目标; 鄂知发〔2022〕8号).

Figures no programme service owns — invention patents in force, trademarks, PCT applications,
the resident population, the national protection assessment — are submitted per (data element,
org unit, period) through the reporting API and approved by the province. An approval is an
event on the reporting outbox (``ipp.reporting.statistics.approved.v1``) carrying, for every value
of the approved (period, org unit), the new value and the previously approved one. The fold adds
``new − previous`` (and one to the count when a value appears, minus one when it goes), so the sum
of all folded approvals is the latest approved value: commutative like every other fold, exact
under redelivery (the inbox) and replay.

Reading (``kpi.py``) takes, for a period of a year, the approved value of the period itself, or —
for stocks — of the latest shorter period ending within it (a level as last reported), or — for
flows — the sum of its approved parts. The province's value is its own approved figure, else the
sum of the cities'. The per-10,000 ratio divides by the approved resident population.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator

WORK_POINTS = "鄂知发〔2025〕2号 主要预期目标"
SERVICE_PLAN = "鄂知发〔2022〕8号"
INDICATORS = [
    Indicator("invention_patents_in_force", "发明专利有效量", "件", "stock", ">", WORK_POINTS,
              statistic="invention_patents_in_force"),
    Indicator("high_value_patents_per_10k", "每万人口高价值发明专利拥有量", "件", "ratio", ">", WORK_POINTS,
              ratio_of=("high_value_invention_patents", "resident_population"), factor=10000,
              note="鄂知发〔2022〕8号 一(二) 对2025年的同一指标提出 12 件；采用鄂知发〔2025〕2号的 15 件"),
    Indicator("trademark_registrations", "有效商标注册量", "件", "stock", ">", WORK_POINTS,
              statistic="trademark_registrations"),
    Indicator("pct_applications", "PCT国际专利申请量", "件", "flow", ">", WORK_POINTS, statistic="pct_applications"),
    Indicator("protection_national_tier", "知识产权保护水平全国方阵（1=第一方阵）", "方阵", "stock", "<=", WORK_POINTS,
              statistic="protection_national_tier"),
    Indicator("high_value_invention_patents", "高价值发明专利拥有量", "件", "stock", ">=", WORK_POINTS,
              statistic="high_value_invention_patents"),
    Indicator("resident_population", "常住人口", "人", "stock", ">=", "统计部门", statistic="population"),
    Indicator("geographical_indications", "地理标志", "件", "stock", ">=", "鄂知发〔2025〕2号",
              statistic="geographical_indications"),
    Indicator("registered_patent_attorneys", "备案专利代理师", "人", "stock", ">", SERVICE_PLAN,
              statistic="registered_patent_attorneys"),
    Indicator("ip_practitioners", "知识产权从业人员", "人", "stock", ">=", SERVICE_PLAN, statistic="ip_practitioners"),
    Indicator("brand_service_institutions", "国家和省市规模品牌服务机构", "家", "stock", ">", SERVICE_PLAN,
              statistic="brand_service_institutions"),
    Indicator("ip_service_revenue", "知识产权服务业营收总规模", "元", "flow", ">=", SERVICE_PLAN,
              statistic="ip_service_revenue"),
    Indicator("prefecture_public_service_coverage", "地市级知识产权公共服务机构覆盖率", "%", "stock", ">=",
              f"{SERVICE_PLAN} 二(二)", statistic="prefecture_public_service_coverage"),
]

APPROVED = "ipp.reporting.statistics.approved.v1"
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset({APPROVED})


@dataclass(frozen=True)
class StatDelta:
    """Change of the approved value of (element, org unit, period): ``amount`` to add to the value,
    ``count`` +1 when a value appears, −1 when it is withdrawn."""

    element: str
    org_unit: str
    period: str
    amount: Decimal
    count: int


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    """Statistics change no delta-kept indicator (see :func:`fold_statistics`)."""
    return []


def fold_statistics(event_type: str, data: dict[str, Any]) -> list[StatDelta]:
    if event_type != APPROVED:
        return []
    out = []
    for v in data["values"]:
        new = None if v.get("value") is None else Decimal(str(v["value"]))
        old = None if v.get("previous") is None else Decimal(str(v["previous"]))
        if new == old:
            continue
        count = (new is not None) - (old is not None)
        out.append(StatDelta(v["element"], data["org_unit"], data["period"],
                             (new or Decimal(0)) - (old or Decimal(0)), count))
    return out
