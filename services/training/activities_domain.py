"""Service activities for enterprises 服务活动 as plain rules (no I/O): kinds, sub-kinds, the figures an
activity counts with, and what a record, a correction and a cancellation may be.

Sources (the seeds' words):

* 鄂知发〔2019〕1号 § 12 “选派优秀知识产权特派员深入民营企业开展知识产权业务辅导” → ``commissioner_dispatch``;
* § 19 “每年至少组织 1-2 场专门面向民营企业的专利收费减缓及相关申请政策宣讲会” → ``fee_briefing``, and
  “上门为民营企业提供专利优先审查、专利权质押登记、实施许可合同备案等服务” → ``onsite_service`` with its
  sub-kind (``priority_examination``, ``pledge_registration``, ``licence_filing``);
* § 20 “配合专利审查员、专利代理师走访民营企业，全年参加走访活动的专利审查员和专利代理师不低于 100 人次”
  → ``examiner_visit``, whose staff person-times are the examiners' and attorneys';
* § 16 “组织开展知识产权代理援助活动，鼓励知识产权服务机构为初创困难民营企业提供免费知识产权服务” → ``agency_aid``;
* 鄂知发〔2022〕9号 § 二.8 “建立重点企业联系服务制度，广泛开展知识产权‘面对面’服务” and 002 § 6
  “开展民营企业品牌服务面对面行动” → ``key_enterprise_contact`` and ``face_to_face``.

An activity is one dated event: kind, date, organiser, city, the registered enterprises it served and
the staff person-times 人次 it took. The clauses of 002 are about private enterprises (民营企业), so an
activity of a kind those clauses name must serve at least one private enterprise; the kinds of 000
§ 二.8 serve any enterprise.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from libs.common.rules import RuleViolation


class ActivityKind(StrEnum):
    COMMISSIONER_DISPATCH = "commissioner_dispatch"    # 002 § 12
    FEE_BRIEFING = "fee_briefing"                      # 002 § 19
    ONSITE_SERVICE = "onsite_service"                  # 002 § 19
    EXAMINER_VISIT = "examiner_visit"                  # 002 § 20
    KEY_ENTERPRISE_CONTACT = "key_enterprise_contact"  # 000 § 二.8
    FACE_TO_FACE = "face_to_face"                      # 000 § 二.8, 002 § 6
    AGENCY_AID = "agency_aid"                          # 002 § 16


class OnsiteSubKind(StrEnum):
    PRIORITY_EXAMINATION = "priority_examination"  # 专利优先审查
    PLEDGE_REGISTRATION = "pledge_registration"    # 专利权质押登记
    LICENCE_FILING = "licence_filing"              # 实施许可合同备案


KIND_NAMES: dict[str, str] = {
    ActivityKind.COMMISSIONER_DISPATCH: "特派员服务",
    ActivityKind.FEE_BRIEFING: "专利费减政策宣讲",
    ActivityKind.ONSITE_SERVICE: "现场服务",
    ActivityKind.EXAMINER_VISIT: "审查员代理师走访",
    ActivityKind.KEY_ENTERPRISE_CONTACT: "重点企业联系服务",
    ActivityKind.FACE_TO_FACE: "面对面服务",
    ActivityKind.AGENCY_AID: "代理援助",
}
SUB_KIND_NAMES: dict[str, str] = {
    OnsiteSubKind.PRIORITY_EXAMINATION: "优先审查",
    OnsiteSubKind.PLEDGE_REGISTRATION: "质押登记",
    OnsiteSubKind.LICENCE_FILING: "许可备案",
}
#: The clause each kind answers (shown with the kind and in the indicators' sources).
KIND_CLAUSES: dict[str, str] = {
    ActivityKind.COMMISSIONER_DISPATCH: "鄂知发〔2019〕1号 第12条",
    ActivityKind.FEE_BRIEFING: "鄂知发〔2019〕1号 第19条",
    ActivityKind.ONSITE_SERVICE: "鄂知发〔2019〕1号 第19条",
    ActivityKind.EXAMINER_VISIT: "鄂知发〔2019〕1号 第20条",
    ActivityKind.KEY_ENTERPRISE_CONTACT: "鄂知发〔2022〕9号 二.8",
    ActivityKind.FACE_TO_FACE: "鄂知发〔2022〕9号 二.8；鄂知发〔2019〕1号 第6条",
    ActivityKind.AGENCY_AID: "鄂知发〔2019〕1号 第16条",
}
#: Kinds whose clause is about private enterprises: they serve at least one.
PRIVATE_KINDS = frozenset({ActivityKind.COMMISSIONER_DISPATCH, ActivityKind.FEE_BRIEFING,
                           ActivityKind.ONSITE_SERVICE, ActivityKind.EXAMINER_VISIT, ActivityKind.AGENCY_AID})
STATUS_NAMES = {"recorded": "已登记", "cancelled": "已取消"}
MAX_ENTERPRISES = 500
MAX_PERSON_TIMES = 10000


def check_sub_kind(kind: str, sub_kind: str | None) -> None:
    """An on-site service names what was served (002 § 19: priority examination, pledge registration,
    licence filing); no other kind has a sub-kind."""
    if kind == ActivityKind.ONSITE_SERVICE and sub_kind is None:
        raise RuleViolation("activity.sub_kind.required",
                            "现场服务须注明服务内容：优先审查、质押登记或许可备案（鄂知发〔2019〕1号 第19条）",
                            "sub_kind")
    if kind != ActivityKind.ONSITE_SERVICE and sub_kind is not None:
        raise RuleViolation("activity.sub_kind.not_allowed",
                            f"只有现场服务有服务内容（sub_kind），{KIND_NAMES[kind]}不填", "sub_kind")


def check_held_on(held_on: date, today: date) -> None:
    """An activity is recorded after it took place (today at the latest)."""
    if held_on > today:
        raise RuleViolation("activity.held_on.future", f"活动日期 {held_on} 晚于今天：活动举办后再登记", "held_on")


def check_enterprises(usccs: list[str]) -> None:
    """At least one enterprise served, each once."""
    if not usccs:
        raise RuleViolation("activity.enterprises.empty", "请填写服务的企业（统一社会信用代码）", "enterprises")
    seen: set[str] = set()
    for i, uscc in enumerate(usccs):
        if uscc in seen:
            raise RuleViolation("activity.enterprises.duplicate", f"企业 {uscc} 重复填写", f"enterprises.{i}")
        seen.add(uscc)


def check_private_served(kind: str, private_flags: list[bool]) -> None:
    """The 002 kinds serve private enterprises: at least one of those served is private (民营)."""
    if kind in PRIVATE_KINDS and not any(private_flags):
        raise RuleViolation("activity.private_enterprise.required",
                            f"{KIND_NAMES[kind]}面向民营企业（{KIND_CLAUSES[kind]}）：服务的企业中至少应有一家民营企业",
                            "enterprises")


def check_open(status: str) -> None:
    """A cancelled activity is neither corrected nor cancelled again (409)."""
    if status == "cancelled":
        raise RuleViolation("activity.cancelled", "该活动已取消，不能再更正或取消")


def check_changes(changes: dict[str, Any]) -> None:
    """A correction names something to change and empties no required field (``sub_kind`` may be
    emptied when the kind changes away from an on-site service; ``note`` may be emptied)."""
    if not changes:
        raise RuleViolation("update.empty", "请求体中没有要更正的字段", "body")
    for key in ("kind", "title", "held_on", "organiser", "city", "enterprises", "staff_person_times"):
        if key in changes and changes[key] is None:
            raise RuleViolation("not_nullable", f"字段 {key} 不能置空", key)


@dataclass(frozen=True)
class Figures:
    """What an activity counts with in the indicators: one activity of ``kind`` (and ``sub_kind``)
    in ``city`` in the month of ``held_on``, ``staff_person_times`` person-times, ``enterprises``
    enterprises served of which ``private_enterprises`` private. A correction publishes the figures
    before and after, a cancellation the figures it takes back, so the indicators follow exactly."""

    kind: str
    sub_kind: str | None
    city: str
    held_on: date
    year: int
    staff_person_times: int
    enterprises: int
    private_enterprises: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def figures(kind: str, sub_kind: str | None, city: str, held_on: date, staff_person_times: int,
            private_flags: list[bool]) -> Figures:
    return Figures(kind=kind, sub_kind=sub_kind, city=city, held_on=held_on, year=held_on.year,
                   staff_person_times=staff_person_times, enterprises=len(private_flags),
                   private_enterprises=sum(1 for p in private_flags if p))


__all__ = ["KIND_CLAUSES", "KIND_NAMES", "MAX_ENTERPRISES", "MAX_PERSON_TIMES", "PRIVATE_KINDS", "STATUS_NAMES",
           "SUB_KIND_NAMES", "ActivityKind", "Figures", "OnsiteSubKind", "check_changes", "check_enterprises",
           "check_held_on", "check_open", "check_private_served", "check_sub_kind", "figures"]
