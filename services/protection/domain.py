"""Protection rules as plain code, no I/O: case workflow, step time limits, visit months.

Cases (鄂知发〔2019〕1号 第4条): the centre that first receives a case owns it (首问负责制) and
works "fast to respond, fast to handle, fast to report back": received → accepted → handling →
closed, in that order, each step timed; a case may not skip or reverse a step. On-site visits
(第4条 “全省各知识产权维权援助中心要……每月至少开展一次民营企业上门服务活动”): the monthly duty
binds the assistance centres 维权援助中心 only; other centre kinds' visits count, but they owe none.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from itertools import pairwise
from typing import Any

from libs.common.rules import RuleViolation


class CaseKind(StrEnum):
    ASSISTANCE = "assistance"
    ADJUDICATION = "adjudication"
    MEDIATION = "mediation"
    ARBITRATION = "arbitration"
    OVERSEAS = "overseas"


CASE_KIND_NAMES = {CaseKind.ASSISTANCE: "维权援助", CaseKind.ADJUDICATION: "专利侵权纠纷行政裁决",
                   CaseKind.MEDIATION: "纠纷调解", CaseKind.ARBITRATION: "仲裁", CaseKind.OVERSEAS: "海外纠纷应对"}


class CaseStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    HANDLING = "handling"
    CLOSED = "closed"


STATUS_NAMES = {CaseStatus.RECEIVED: "已接收", CaseStatus.ACCEPTED: "已受理", CaseStatus.HANDLING: "办理中",
                CaseStatus.CLOSED: "已结案"}
ORDER = [CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.HANDLING, CaseStatus.CLOSED]


class Outcome(StrEnum):
    RESOLVED = "resolved"
    MEDIATED = "mediated"
    RULED = "ruled"
    WITHDRAWN = "withdrawn"
    TRANSFERRED = "transferred"


OUTCOME_NAMES = {Outcome.RESOLVED: "已解决", Outcome.MEDIATED: "调解结案", Outcome.RULED: "裁决/裁定结案",
                 Outcome.WITHDRAWN: "当事人撤回", Outcome.TRANSFERRED: "移送其他部门"}


class IpType(StrEnum):
    PATENT = "patent"
    TRADEMARK = "trademark"
    COPYRIGHT = "copyright"
    GEOGRAPHICAL_INDICATION = "geographical_indication"
    TRADE_SECRET = "trade_secret"
    OTHER = "other"


IP_TYPE_NAMES = {IpType.PATENT: "专利", IpType.TRADEMARK: "商标", IpType.COPYRIGHT: "著作权",
                 IpType.GEOGRAPHICAL_INDICATION: "地理标志", IpType.TRADE_SECRET: "商业秘密", IpType.OTHER: "其他"}


class CentreKind(StrEnum):
    ASSISTANCE = "assistance"
    PROTECTION = "protection"
    RAPID = "rapid"
    OVERSEAS = "overseas"


CENTRE_KIND_NAMES = {CentreKind.ASSISTANCE: "知识产权维权援助中心", CentreKind.PROTECTION: "知识产权保护中心",
                     CentreKind.RAPID: "知识产权快速维权中心", CentreKind.OVERSEAS: "海外知识产权维权服务中心"}


class WorkstationLevel(StrEnum):
    PROVINCIAL_JOINT = "provincial_joint"
    PROVINCIAL = "provincial"
    CITY = "city"
    COUNTY = "county"


LEVEL_NAMES = {WorkstationLevel.PROVINCIAL_JOINT: "省级联合保护工作站", WorkstationLevel.PROVINCIAL: "省级保护工作站",
               WorkstationLevel.CITY: "市级保护工作站", WorkstationLevel.COUNTY: "县级保护工作站"}


class HostKind(StrEnum):
    ENTERPRISE = "enterprise"
    PARK = "park"


HOST_KIND_NAMES = {HostKind.ENTERPRISE: "企业", HostKind.PARK: "园区"}


class VisitService(StrEnum):
    CONSULTATION = "consultation"
    RISK_SCREENING = "risk_screening"
    RIGHTS_GUIDANCE = "rights_guidance"
    TRAINING = "training"
    CASE_INTAKE = "case_intake"
    OVERSEAS_ALERT = "overseas_alert"


VISIT_SERVICE_NAMES = {VisitService.CONSULTATION: "政策与法律咨询", VisitService.RISK_SCREENING: "知识产权风险排查",
                       VisitService.RIGHTS_GUIDANCE: "维权指导", VisitService.TRAINING: "上门培训",
                       VisitService.CASE_INTAKE: "现场受理维权申请", VisitService.OVERSEAS_ALERT: "海外纠纷预警"}


# --------------------------------------------------------------------------------------- workflow

def next_status(current: CaseStatus) -> CaseStatus | None:
    i = ORDER.index(current)
    return ORDER[i + 1] if i + 1 < len(ORDER) else None


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Only the next step is allowed: no skipping, no going back, nothing after closing."""
    if target == current:
        raise RuleViolation("case.already_in_status", f"案件已处于“{STATUS_NAMES[current]}”状态")
    if current == CaseStatus.CLOSED:
        raise RuleViolation("case.closed", "案件已结案，不能再变更状态")
    expected = next_status(current)
    assert expected is not None, current  # only a closed case has no next step
    if ORDER.index(target) < ORDER.index(current):
        raise RuleViolation("case.step_reversed",
                                f"案件已处于“{STATUS_NAMES[current]}”，不能退回到“{STATUS_NAMES[target]}”")
    if target != expected:
        raise RuleViolation(
            "case.step_skipped",
            f"案件处于“{STATUS_NAMES[current]}”，下一步应为“{STATUS_NAMES[expected]}”，不能跳到“{STATUS_NAMES[target]}”")


#: Clock skew tolerated for a step time "now" given by a client.
SKEW = timedelta(minutes=5)


def check_step_time(at: datetime, previous: datetime | None, now: datetime, field: str = "at") -> None:
    """A step's time is not in the future and not before the previous step."""
    if at > now + SKEW:
        raise RuleViolation("step.time_in_future", f"时间 {at.isoformat()} 晚于当前时间", field)
    if previous is not None and at < previous:
        raise RuleViolation("step.time_before_previous",
                                f"时间 {at.isoformat()} 早于上一环节的时间 {previous.isoformat()}", field)


def check_outcome(kind: CaseKind, outcome: Outcome, transferred_to: str | None) -> None:
    if outcome == Outcome.TRANSFERRED and not (transferred_to and transferred_to.strip()):
        raise RuleViolation("outcome.transferred_to_required", "结案方式为“移送”时须填写移送单位", "transferred_to")
    if outcome != Outcome.TRANSFERRED and transferred_to:
        raise RuleViolation("outcome.transferred_to_unexpected", "仅在结案方式为“移送”时填写移送单位",
                                "transferred_to")
    if outcome == Outcome.RULED and kind not in (CaseKind.ADJUDICATION, CaseKind.ARBITRATION):
        raise RuleViolation("outcome.ruled_kind",
                                f"“裁决/裁定结案”只适用于行政裁决和仲裁案件，本案为{CASE_KIND_NAMES[kind]}", "outcome")


# ----------------------------------------------------------------------- centres, stations, visits

def check_not_future(value: date, field: str, today: date) -> None:
    """A date that records something done (established, deregistered, visited) is not after today."""
    if value > today:
        raise RuleViolation("date.in_future", f"日期 {value} 晚于今天 {today}", field)


def check_centre_changes(changes: dict[str, Any], today: date) -> None:
    """An update of a centre names something to change, keeps its name, and dates already past."""
    if not changes:
        raise RuleViolation("update.empty", "请求体中没有要修改的字段", "body")
    if "name" in changes and changes["name"] is None:
        raise RuleViolation("not_nullable", "名称不能置空", "name")
    for key in ("established_on", "closed_on"):
        if changes.get(key):
            check_not_future(changes[key], key, today)


def check_centre_dates(established_on: date | None, closed_on: date | None) -> None:
    if closed_on and established_on and closed_on < established_on:
        raise RuleViolation("closed_on.before_established", f"停止运行日期 {closed_on} 早于成立日期 {established_on}",
                            "closed_on")


def check_centre_running(centre_id: str, closed_on: date | None, day: date, field: str) -> None:
    """A centre that stopped running receives no case and makes no visit after its closing day."""
    if closed_on and day > closed_on:
        raise RuleViolation("centre.closed", f"中心 {centre_id} 已于 {closed_on} 停止运行", field)


def check_workstation_host(host_kind: HostKind, host_uscc: str | None, host_name: str | None,
                           city: str | None) -> None:
    """An enterprise host is named by its credit code; a park by its name and city."""
    if host_kind == HostKind.ENTERPRISE and not host_uscc:
        raise RuleViolation("host_uscc.required", "依托单位为企业时须填写企业统一社会信用代码", "host_uscc")
    if host_kind == HostKind.PARK:
        if host_uscc:
            raise RuleViolation("host_uscc.unexpected", "依托单位为园区时不填写企业信用代码", "host_uscc")
        if not host_name:
            raise RuleViolation("host_name.required", "依托单位为园区时须填写园区名称", "host_name")
        if not city:
            raise RuleViolation("city.required", "依托单位为园区时须填写所属市州", "city")


def check_host_city(city: str | None, host_uscc: str, host_city: str) -> None:
    if city and city != host_city:
        raise RuleViolation("city.host_mismatch", f"依托企业 {host_uscc} 属于市州 {host_city}，与填写的 {city} 不一致",
                            "city")


def check_deregistration(ws_id: int, established_on: date, deregistered_on: date | None, on: date) -> None:
    """A workstation is deregistered once, not before it was established."""
    if deregistered_on is not None:
        raise RuleViolation("workstation.deregistered", f"保护工作站 {ws_id} 已于 {deregistered_on} 撤销")
    if on < established_on:
        raise RuleViolation("deregistered_on.before_established", f"撤销日期 {on} 早于设立日期 {established_on}",
                            "deregistered_on")


def check_case_kind(kind: CaseKind, overseas_country: str | None) -> None:
    if kind == CaseKind.OVERSEAS and not (overseas_country and overseas_country.strip()):
        raise RuleViolation("overseas_country.required", "海外纠纷案件须填写纠纷所在国家或地区", "overseas_country")


def check_visit(centre_id: str, established_on: date | None, closed_on: date | None, visit_date: date) -> None:
    """A visit falls within the centre's running days."""
    if established_on and visit_date < established_on:
        raise RuleViolation("visit.before_centre_established",
                            f"走访日期 {visit_date} 早于中心成立日期 {established_on}", "visit_date")
    check_centre_running(centre_id, closed_on, visit_date, "visit_date")


def check_visited_private(uscc: str, name: str, is_private: bool | None) -> None:
    if not is_private:
        raise RuleViolation("enterprise-private",
                            f"企业 {uscc}（{name}）不是民营企业；"
                            "上门服务记录针对民营企业（鄂知发〔2019〕1号第4条）", "uscc")


# ------------------------------------------------------------------------------------ time limits

@dataclass(frozen=True)
class Limits:
    """Days allowed for each step (to reach the next status), from settings."""

    accept_days: int
    start_days: int
    close_days: dict[str, int]

    def days_for(self, status: CaseStatus, kind: CaseKind) -> int | None:
        """Days allowed while in ``status`` (to reach the next one); None when closed."""
        if status == CaseStatus.RECEIVED:
            return self.accept_days
        if status == CaseStatus.ACCEPTED:
            return self.start_days
        if status == CaseStatus.HANDLING:
            return self.close_days[kind.value]
        return None


@dataclass(frozen=True)
class StepTiming:
    step: str               # the status reached: accepted / handling / closed
    started_at: datetime    # when the previous status was entered
    ended_at: datetime | None
    seconds: int            # elapsed (to ``now`` while the step is still running)
    limit_days: int
    within_limit: bool
    done: bool


def elapsed_seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def within(start: datetime, end: datetime, limit_days: int) -> bool:
    """The boundary belongs to the step: exactly ``limit_days`` after the start is still in time."""
    return end - start <= timedelta(days=limit_days)


def deadline(entered_at: datetime, limit_days: int) -> datetime:
    return entered_at + timedelta(days=limit_days)


def timings(kind: CaseKind, stamps: dict[CaseStatus, datetime | None], limits: Limits,
            now: datetime) -> list[StepTiming]:
    """Each step's duration against its limit; the running step is measured to ``now``."""
    out: list[StepTiming] = []
    for prev, step in pairwise(ORDER):
        start = stamps.get(prev)
        if start is None:
            break
        end = stamps.get(step)
        limit = limits.days_for(prev, kind)
        assert limit is not None
        until = end or now
        out.append(StepTiming(step.value, start, end, elapsed_seconds(start, until), limit,
                              within(start, until, limit), end is not None))
    return out


@dataclass(frozen=True)
class Overdue:
    status: CaseStatus
    entered_at: datetime
    limit_days: int
    due_at: datetime
    overdue_seconds: int


def overdue(kind: CaseKind, status: CaseStatus, entered_at: datetime, limits: Limits, now: datetime) -> Overdue | None:
    """An open case past the limit of the step it is in (None when in time or closed)."""
    limit = limits.days_for(status, kind)
    if limit is None:
        return None
    due = deadline(entered_at, limit)
    if now <= due:
        return None
    return Overdue(status, entered_at, limit, due, elapsed_seconds(due, now))


# ------------------------------------------------------------------------------------------ months

def parse_month(value: str) -> tuple[int, int]:
    """``YYYY-MM`` → (year, month); ValueError otherwise."""
    if len(value) != 7 or value[4] != "-" or not (value[:4].isdigit() and value[5:].isdigit()):
        raise ValueError(value)
    year, month = int(value[:4]), int(value[5:])
    # 1985: the first year of a business month (libs.common.fields.BusinessMonth); the API refuses
    # earlier and later months with a 422 before they get here.
    if not (1985 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(value)
    return year, month


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def _index(year: int, month: int) -> int:
    return year * 12 + (month - 1)


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` inclusive (across year ends); [] if first > last."""
    a, b = _index(*parse_month(first)), _index(*parse_month(last))
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(a, b + 1)]


def month_span(first: str, last: str) -> int:
    return _index(*parse_month(last)) - _index(*parse_month(first)) + 1


#: The longest month range the visit-compliance report covers.
MAX_MONTHS = 60


def check_month_range(first: str, last: str) -> None:
    if last < first:
        raise RuleViolation("month.range_order", f"结束月份 {last} 早于开始月份 {first}", "to_month")
    if month_span(first, last) > MAX_MONTHS:
        raise RuleViolation("month.range_too_long", f"月份范围不能超过 {MAX_MONTHS} 个月", "to_month")


#: 鄂知发〔2019〕1号 第4条 “全省各知识产权维权援助中心……每月至少开展一次民营企业上门服务活动”:
#: the centre kinds the monthly on-site duty binds.
MONTHLY_VISIT_KINDS = frozenset({CentreKind.ASSISTANCE})


def owes_monthly_visits(kind: CentreKind | str) -> bool:
    return CentreKind(kind) in MONTHLY_VISIT_KINDS


@dataclass(frozen=True)
class CentreMonths:
    """A centre's duty months within a range: the months it had to visit, and those it missed
    (both empty for a kind the monthly duty does not bind)."""

    due: list[str]
    missed: list[str]
    counts: dict[str, int]
    bound: bool = True


def visit_duty(months: list[str], visits_per_month: dict[str, int], established_on: date | None,
               closed_on: date | None, today: date, *, kind: CentreKind | str) -> CentreMonths:
    """Months a centre owed a visit: for an assistance centre, from its establishment month to its
    closing month, up to the last completed month (the current month is not missed yet); missed =
    due with no visit. Other kinds owe none; their visits are still counted."""
    if not owes_monthly_visits(kind):
        return CentreMonths(due=[], missed=[], counts={m: visits_per_month.get(m, 0) for m in months}, bound=False)
    current = month_key(today)
    first = month_key(established_on) if established_on else None
    last = month_key(closed_on) if closed_on else None
    due = [m for m in months if m < current and (first is None or m >= first) and (last is None or m <= last)]
    counts = {m: visits_per_month.get(m, 0) for m in months}
    return CentreMonths(due=due, missed=[m for m in due if counts[m] == 0], counts=counts)


# ------------------------------------------------------------------------------------------ summary

@dataclass
class KindSummary:
    """Counts and average step durations of one case kind (or of all, ``kind`` None)."""

    kind: str | None
    received: int = 0
    open: int = 0
    closed: int = 0
    overdue: int = 0
    closed_in_time: int = 0
    outcomes: dict[str, int] | None = None
    _seconds: dict[str, list[int]] | None = None

    def add(self, kind: CaseKind, status: CaseStatus, stamps: dict[CaseStatus, datetime | None], outcome: str | None,
            limits: Limits, now: datetime) -> None:
        self.outcomes = self.outcomes or {}
        self._seconds = self._seconds or {}
        self.received += 1
        steps = timings(kind, stamps, limits, now)
        for t in steps:
            if t.done:
                self._seconds.setdefault(t.step, []).append(t.seconds)
        if status == CaseStatus.CLOSED:
            self.closed += 1
            self.closed_in_time += all(t.within_limit for t in steps)
            if outcome:
                self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        else:
            self.open += 1
            entered = stamps[status]
            if entered is not None and overdue(kind, status, entered, limits, now) is not None:
                self.overdue += 1

    def average_days(self) -> dict[str, float | None]:
        seconds = self._seconds or {}
        return {step: (round(sum(v) / len(v) / 86400, 2) if (v := seconds.get(step)) else None)
                for step in ("accepted", "handling", "closed")}


def summarise(cases: list[tuple[CaseKind, CaseStatus, dict[CaseStatus, datetime | None], str | None]],
              limits: Limits, now: datetime) -> tuple[list[KindSummary], KindSummary]:
    """Per-kind and overall counts (received, open, closed, overdue, closed in time, outcomes) and
    the average days each step took."""
    per_kind = {k: KindSummary(k.value) for k in CaseKind}
    total = KindSummary(None)
    for kind, status, stamps, outcome in cases:
        per_kind[kind].add(kind, status, stamps, outcome, limits, now)
        total.add(kind, status, stamps, outcome, limits, now)
    return list(per_kind.values()), total
