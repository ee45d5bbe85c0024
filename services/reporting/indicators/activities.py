"""Service activities for enterprises 服务活动 (the training service's register), per kind:

* ``activities_<kind>`` — flow: activities held in the period (the month of ``held_on``);
* ``activities_<kind>_person_times`` — flow: staff person-times 人次 (examiner visits: the patent
  examiners and patent attorneys who took part, 002 § 20);
* ``activities_<kind>_enterprises`` — flow: enterprises served, counted per activity (家次: an
  enterprise served twice counts twice);
* ``activities_<kind>_private_enterprises`` — flow: of those, private enterprises (民营; the ownership
  the training service's read model knew when the activity was recorded or its enterprises corrected);
* ``activities_onsite_<sub_kind>`` — flow: on-site services by what was served (002 § 19: priority
  examination, pledge registration, licence filing).

Every event carries the figures it counts with: ``activity.recorded`` adds them, ``activity.corrected``
takes ``before`` back and adds ``after`` (a change of kind, city, date or numbers moves the counts
exactly), ``activity.cancelled`` takes its ``figures`` back. Each delta is a function of one event, so
folding commutes; the reporting inbox makes a redelivered event count once.

Targets (``targets/<year>/activities.json``): 002 § 19 at least 1–2 fee-reduction briefings for
private enterprises a year (the province organises them: the province's target is 1, the clause's
lower bound); 002 § 20 at least 100 examiner and attorney person-times a year on visits to private
enterprises. The other clauses set no number.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

PRIVATE_MEASURES = "鄂知发〔2019〕1号"
TIERS_PLAN = "鄂知发〔2022〕9号"

#: kind code → (zh-CN name, unit of a count, source)
KINDS: dict[str, tuple[str, str, str]] = {
    "commissioner_dispatch": ("特派员服务", "次", f"{PRIVATE_MEASURES} 第12条"),
    "fee_briefing": ("专利费减政策宣讲", "场", f"{PRIVATE_MEASURES} 第19条"),
    "onsite_service": ("现场服务", "次", f"{PRIVATE_MEASURES} 第19条"),
    "examiner_visit": ("审查员代理师走访", "次", f"{PRIVATE_MEASURES} 第20条"),
    "key_enterprise_contact": ("重点企业联系服务", "次", f"{TIERS_PLAN} 二.8"),
    "face_to_face": ("面对面服务", "次", f"{TIERS_PLAN} 二.8；{PRIVATE_MEASURES} 第6条"),
    "agency_aid": ("代理援助", "次", f"{PRIVATE_MEASURES} 第16条"),
}
SUB_KINDS: dict[str, str] = {"priority_examination": "优先审查", "pledge_registration": "质押登记",
                             "licence_filing": "许可备案"}
NOTES: dict[str, str] = {
    "fee_briefing": "每年至少组织 1-2 场专门面向民营企业的专利收费减缓及相关申请政策宣讲会",
    "examiner_visit": "全年参加走访活动的专利审查员和专利代理师不低于 100 人次",
}

INDICATORS = [
    ind
    for kind, (name, unit, source) in KINDS.items()
    for ind in (
        Indicator(f"activities_{kind}", f"{name}（{'场次' if unit == '场' else '次数'}）", unit, "flow", ">=", source,
                  note=NOTES.get(kind) if kind == "fee_briefing" else None),
        Indicator(f"activities_{kind}_person_times",
                  "参加走访的审查员和代理师人次" if kind == "examiner_visit" else f"{name}服务人员人次",
                  "人次", "flow", ">=", source, note=NOTES.get(kind) if kind == "examiner_visit" else None),
        Indicator(f"activities_{kind}_enterprises", f"{name}服务企业（家次）", "家次", "flow", ">=", source),
        Indicator(f"activities_{kind}_private_enterprises", f"{name}服务民营企业（家次）", "家次", "flow", ">=",
                  source),
    )
] + [
    Indicator(f"activities_onsite_{sub}", f"现场服务：{name}", "次", "flow", ">=", f"{PRIVATE_MEASURES} 第19条")
    for sub, name in SUB_KINDS.items()
]

PREFIX = "ipp.training.activity."
RECORDED = PREFIX + "recorded.v1"
CORRECTED = PREFIX + "corrected.v1"
CANCELLED = PREFIX + "cancelled.v1"
EVENT_TYPES = frozenset({RECORDED, CORRECTED, CANCELLED})


def _deltas(figures: dict[str, Any], sign: int) -> list[Delta]:
    kind = figures.get("kind")
    if kind not in KINDS:
        return []
    city, year = figures["city"], int(figures["year"])
    month = month_in_year(figures, "held_on")
    s = Decimal(sign)
    out = [Delta(f"activities_{kind}", city, year, s, month),
           Delta(f"activities_{kind}_person_times", city, year, s * int(figures["staff_person_times"]), month),
           Delta(f"activities_{kind}_enterprises", city, year, s * int(figures["enterprises"]), month),
           Delta(f"activities_{kind}_private_enterprises", city, year, s * int(figures["private_enterprises"]),
                 month)]
    sub = figures.get("sub_kind")
    if kind == "onsite_service" and sub in SUB_KINDS:
        out.append(Delta(f"activities_onsite_{sub}", city, year, s, month))
    return [d for d in out if d.amount]  # an activity that served no private enterprise adds no zero row


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type == RECORDED:
        return _deltas(data, 1)
    if event_type == CORRECTED:
        return _deltas(data["before"], -1) + _deltas(data["after"], 1)
    if event_type == CANCELLED:
        return _deltas(data["figures"], -1)
    return []
