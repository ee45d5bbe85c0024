"""Rules of the credit register 信用记录 (鄂知发〔2019〕1号 § 5; 鄂知发〔2025〕2号 §§ 8, 16; the SME
patent-industrialisation plan's annex criterion 10 and § 12(3)): plain code, no I/O.

An entry records one decision about an enterprise: its kind, the deciding authority, the decision
date, the document and the period of effect. It is **active** on a day when
``effective_from <= day <= effective_until`` (an open end allowed) and it was not lifted on or before
that day. Lifting (信用修复, a court or review quashing the decision …) ends it early.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from libs.common.rules import RuleViolation


class CreditKind(StrEnum):
    """The kinds, in the seeds' words."""

    #: 003 § 16 “依法依规对知识产权严重违法失信行为进行惩戒”; 002 § 5 “对严重失信主体开展联合惩戒”.
    SERIOUS_DISHONESTY = "serious_dishonesty"
    #: 003 § 8 “严厉打击不以保护创新为目的的非正常专利申请行为”; annex criterion 10 “非正常申请专利行为”.
    ABNORMAL_PATENT_APPLICATION = "abnormal_patent_application"
    #: annex criterion 10 “违法违规”; § 12(3) “偷漏税、数据造假……等违法违规行为”.
    VIOLATION = "violation"
    #: annex criterion 10 “各类重大事故”; § 12(3) “出现重大安全事故”.
    MAJOR_ACCIDENT = "major_accident"


KIND_NAMES = {
    CreditKind.SERIOUS_DISHONESTY: "知识产权严重违法失信",
    CreditKind.ABNORMAL_PATENT_APPLICATION: "非正常专利申请",
    CreditKind.VIOLATION: "违法违规",
    CreditKind.MAJOR_ACCIDENT: "重大事故",
}
KIND_SOURCES = {
    CreditKind.SERIOUS_DISHONESTY: "鄂知发〔2019〕1号 第5条；鄂知发〔2025〕2号 第16条",
    CreditKind.ABNORMAL_PATENT_APPLICATION: "鄂知发〔2025〕2号 第8条；专利产业化成长计划 附件第10条",
    CreditKind.VIOLATION: "专利产业化成长计划 附件第10条、第12条第3款",
    CreditKind.MAJOR_ACCIDENT: "专利产业化成长计划 附件第10条、第12条第3款",
}


class EntryStatus(StrEnum):
    PENDING = "pending"  # 尚未生效
    ACTIVE = "active"    # 有效期内
    EXPIRED = "expired"  # 有效期届满
    LIFTED = "lifted"    # 已提前解除（信用修复等）


STATUS_NAMES = {EntryStatus.PENDING: "尚未生效", EntryStatus.ACTIVE: "有效", EntryStatus.EXPIRED: "已届满",
                EntryStatus.LIFTED: "已解除"}


@dataclass(frozen=True)
class CreditFact:
    """One entry as the other rules (the pool's criterion 10, removals, tier decisions) see it."""

    entry_id: int
    kind: str
    authority: str
    document_no: str
    decided_on: date
    effective_from: date
    effective_until: date | None
    lifted_on: date | None = None

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)  # type: ignore[call-overload]

    def active_on(self, day: date) -> bool:
        return is_active(self.effective_from, self.effective_until, self.lifted_on, day)

    def describe(self) -> str:
        """``非正常专利申请（湖北省知识产权局 鄂知管〔2025〕12号，2025-03-01 决定，2025-03-01 至 2026-02-28）``"""
        until = self.effective_until.isoformat() if self.effective_until else "长期"
        return (f"{self.kind_name}（{self.authority} {self.document_no}，{self.decided_on} 决定，"
                f"有效期 {self.effective_from} 至 {until}，记录编号 {self.entry_id}）")


def is_active(effective_from: date, effective_until: date | None, lifted_on: date | None, day: date) -> bool:
    """Active on ``day``: ``effective_from <= day <= effective_until`` (open end allowed), and not lifted
    on or before ``day`` (lifting takes effect on its date)."""
    if day < effective_from or (effective_until is not None and day > effective_until):
        return False
    return lifted_on is None or day < lifted_on


def status_on(effective_from: date, effective_until: date | None, lifted_on: date | None, day: date) -> EntryStatus:
    if lifted_on is not None and lifted_on <= day:
        return EntryStatus.LIFTED
    if day < effective_from:
        return EntryStatus.PENDING
    if effective_until is not None and day > effective_until:
        return EntryStatus.EXPIRED
    return EntryStatus.ACTIVE


def check_entry(decided_on: date, effective_from: date, effective_until: date | None, today: date) -> None:
    """A decision already taken; its effect starts no earlier than the decision and ends no earlier
    than it starts."""
    if decided_on > today:
        raise RuleViolation("credit.decided_in_future", f"决定日期 {decided_on} 晚于今天 {today}", "decided_on")
    if effective_from < decided_on:
        raise RuleViolation("credit.effective_before_decision",
                            f"生效日期 {effective_from} 早于决定日期 {decided_on}", "effective_from")
    if effective_until is not None and effective_until < effective_from:
        raise RuleViolation("credit.period_order",
                            f"有效期截止日期 {effective_until} 早于生效日期 {effective_from}", "effective_until")


def check_lift(entry_id: int, effective_from: date, effective_until: date | None, lifted_on: date | None,
               lift_on: date, today: date) -> None:
    """An entry is lifted once, on a day within its period of effect and not in the future."""
    if lifted_on is not None:
        raise RuleViolation("credit.already_lifted", f"信用记录 {entry_id} 已于 {lifted_on} 解除",
                            lifted_on=lifted_on.isoformat())
    if lift_on > today:
        raise RuleViolation("credit.lift_in_future", f"解除日期 {lift_on} 晚于今天 {today}", "lifted_on")
    if lift_on <= effective_from:
        raise RuleViolation("credit.lift_before_effect",
                            f"解除日期 {lift_on} 须晚于生效日期 {effective_from}（生效前的错误记录不以解除处理）",
                            "lifted_on")
    if effective_until is not None and lift_on > effective_until:
        raise RuleViolation("credit.lift_after_end",
                            f"信用记录 {entry_id} 已于 {effective_until} 届满，无需解除", "lifted_on",
                            effective_until=effective_until.isoformat())
