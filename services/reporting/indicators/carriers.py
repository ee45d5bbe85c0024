"""Innovation carriers and bases 载体 (the register in the transfer service), per kind:

* ``carriers_new_<kind>`` — flow: carriers of national or provincial level approved in the period
  (the month of ``approved_on``), the province's "新建" count the 2025 work points set targets for;
  city-level carriers are in the register but not counted (the targets are the province's own
  approvals). A later revocation does not undo "new".
* ``carriers_operating_<kind>`` — stock: carriers of every level operating at the end of the period:
  +1 in the month of ``established_on``, −1 in the month of ``revoked_on`` when it was operating.

Targets (``targets/2025/carriers.json``, ``targets/2026/carriers.json``): 003 § 5 ten new high-value
cultivation centres, § 7 six new navigation bases, § 9 five new operations centres (and 004 § 二(二)3 at
least two a year), § 9 ten new university conversion bases, § 11 two industrialisation parks, § 22 two
new service clusters. Every event carries kind, level, city and year, so no lookup is needed.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

WORK_POINTS = "鄂知发〔2025〕2号"
TIERS_PLAN = "鄂知发〔2022〕9号"
SERVICES_PLAN = "鄂知发〔2022〕8号"
SME_PLAN = "湖北省专利产业化促进中小企业成长计划（2024）"

#: kind code → (zh-CN name, source of the "new" target, remark)
KINDS: dict[str, tuple[str, str, str | None]] = {
    "high_value_cultivation_centre": ("高价值专利培育中心", f"{WORK_POINTS} 第5条",
                                      f"另见 {TIERS_PLAN} 二.1、{SME_PLAN} 二(一)1"),
    "navigation_base": ("省级专利导航服务基地", f"{WORK_POINTS} 第7条", f"另见 {TIERS_PLAN} 二.2"),
    "operations_centre": ("重点产业知识产权运营中心", f"{WORK_POINTS} 第9条",
                          f"{SME_PLAN} 二(二)3：每年新建2家以上省级重点产业知识产权运营中心"),
    "university_conversion_base": ("高校院所专利转化基地", f"{WORK_POINTS} 第9条", None),
    "innovation_consortium": ("产业知识产权创新联合体", f"{WORK_POINTS} 第9条", f"另见 {SERVICES_PLAN} 二(二)"),
    "patent_pool": ("产业专利池", f"{WORK_POINTS} 第9条", f"另见 {SERVICES_PLAN} 二(二)"),
    "industrialisation_park": ("专利产业化重点科技园区", f"{WORK_POINTS} 第11条", None),
    "service_cluster": ("知识产权服务业集聚区", f"{WORK_POINTS} 第22条",
                        f"{SERVICES_PLAN} 一(二)：到2025年全省重点建设5至8个省级知识产权服务业集聚示范区"),
}
#: 003 § 11 *selects* (选定) the parks; the other clauses build (新建/新组建) carriers.
NEW_WORDS = {"industrialisation_park": "新选定"}
COUNTED_LEVELS = frozenset({"national", "provincial"})

INDICATORS = [
    ind
    for kind, (name, source, note) in KINDS.items()
    for ind in (
        Indicator(f"carriers_new_{kind}", f"{NEW_WORDS.get(kind, '新建')}{name}", "家", "flow", ">=", source,
                  note="计国家级、省级认定（认定日期所在月）；市级载体在册不计" + (f"；{note}" if note else "")),
        Indicator(f"carriers_operating_{kind}", f"运行中的{name}", "家", "stock", ">=", source,
                  note="各级，建成运行起计、撤销认定时减"),
    )
]

PREFIX = "ipp.transfer.carrier."
APPROVED = PREFIX + "approved.v1"
ESTABLISHED = PREFIX + "established.v1"
REVOKED = PREFIX + "revoked.v1"
#: The event types this module folds (documented in the AsyncAPI catalogue); ``reviewed`` counts nowhere.
EVENT_TYPES = frozenset({APPROVED, ESTABLISHED, REVOKED})
ONE = Decimal(1)


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    kind = data.get("kind")
    if event_type not in EVENT_TYPES or kind not in KINDS:
        return []
    city, year = data["city"], int(data["year"])
    if event_type == APPROVED:
        if data["level"] not in COUNTED_LEVELS:
            return []
        return [Delta(f"carriers_new_{kind}", city, year, ONE, month_in_year(data, "approved_on"))]
    if event_type == ESTABLISHED:
        return [Delta(f"carriers_operating_{kind}", city, year, ONE, month_in_year(data, "established_on"))]
    if data["was_operating"]:
        return [Delta(f"carriers_operating_{kind}", city, year, -ONE, month_in_year(data, "revoked_on"))]
    return []
