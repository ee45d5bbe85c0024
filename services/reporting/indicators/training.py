"""IP commissioner training (鄂知发〔2022〕9号 § 二.9) and private-enterprise training (鄂知发〔2019〕1号 § 22).

* ``training_private_classes`` (flow): private-enterprise classes held — a class counts when it is
  finished, in its class year (the year it starts) and its city. Finished is final, so it never
  needs taking back.
* ``training_private_person_times`` (flow): person-times 人次 of trainees from private enterprises in
  classes of any track ("各类培训"), counted in the class's city and year. A trainee is one
  person-time per class, from their first attended day; each ``attendance.recorded`` event carries
  the trainee's attended days before and after the change, so a correction to zero days takes the
  person-time back (−1) and the fold needs no state.
* ``commissioners_preparatory`` (stock): persons who completed a finished preparatory class (once
  per person), in their enterprise's city and the class year; ``commissioner.withdrawn`` takes one
  back where it was added.
* ``commissioners_assessed`` (stock): assessed-track certificates (one per person), in the
  enterprise's city and the year of issue.

The month of each count: a class's finish date, an attendance's session day, a completion's class
start, a certificate's date of issue — each clamped into the KPI year (``core.month_in_year``).

Redelivered events change nothing twice (the reporting inbox); every delta is a function of one
event alone, so folding commutes.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.reporting.indicators.core import Delta, Indicator, month_in_year

PLAN, PRIVATE = "鄂知发〔2022〕9号", "鄂知发〔2019〕1号"
INDICATORS = [
    Indicator("training_private_classes", "面向民营企业培训班次", "期", "flow", ">=", PRIVATE),
    Indicator("training_private_person_times", "面向民营企业培训人次", "人次", "flow", ">=", PRIVATE),
    Indicator("commissioners_preparatory", "万名专员（预科）培训结业人数", "人", "stock", ">=", PLAN),
    Indicator("commissioners_assessed", "千名专员（考核）发证人数", "人", "stock", ">=", PLAN),
]

FINISHED = "ipp.training.class.finished.v1"
ATTENDANCE = "ipp.training.attendance.recorded.v1"
QUALIFIED = "ipp.training.commissioner.qualified.v1"
WITHDRAWN = "ipp.training.commissioner.withdrawn.v1"
CERTIFIED = "ipp.training.certificate.issued.v1"
ONE = Decimal(1)
#: The event types this module folds (documented in the AsyncAPI catalogue).
EVENT_TYPES = frozenset({FINISHED, ATTENDANCE, QUALIFIED, WITHDRAWN, CERTIFIED})


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    if event_type == FINISHED:
        if data["track"] == "private":
            return [Delta("training_private_classes", data["city"], int(data["year"]), ONE,
                          month_in_year(data, "finished_on"))]
        return []
    if event_type == ATTENDANCE:
        if not data["is_private"]:
            return []
        change = int(int(data["attended_days_after"]) > 0) - int(int(data["attended_days_before"]) > 0)
        if change == 0:
            return []
        return [Delta("training_private_person_times", data["city"], int(data["year"]), Decimal(change),
                      month_in_year(data, "day"))]
    if event_type in (QUALIFIED, WITHDRAWN):
        return [Delta("commissioners_preparatory", data["enterprise_city"], int(data["year"]),
                      ONE if event_type == QUALIFIED else -ONE, month_in_year(data, "class_start"))]
    if event_type == CERTIFIED and data["track"] == "assessed":
        return [Delta("commissioners_assessed", data["enterprise_city"] or data["city"], int(data["year"]), ONE,
                      month_in_year(data, "issued_on"))]
    return []
