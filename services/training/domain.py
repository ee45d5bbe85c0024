"""Training-programme rules as plain code (no I/O): tracks, the class lifecycle, trainee identity,
completion, exams and certificate numbers.

Sources: 鄂知发〔2022〕9号 § 二.9 (万名专员（预科）and 千名专员（考核）training of enterprise IP
managers, run with the provincial training bases) and 鄂知发〔2019〕1号 § 22 (at least 10 classes
and 1,000 person-times a year for private enterprises).

Definitions (documented in docs/programmes/training.md):

* **person-time 人次**: one trainee attending one class counts once, however many of its days they
  attend (a trainee with at least one attended day);
* **completion 结业**: a trainee completed a class when the class is finished and they attended at
  least ``completion_percent`` % (default 80 %) of its session days, rounded up;
* **class year**: a class, its attendance and its completions count for the year the class starts.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from libs.common.rules import RuleViolation


class Track(StrEnum):
    PREPARATORY = "preparatory"  # 万名专员（预科）
    ASSESSED = "assessed"        # 千名专员（考核）
    PRIVATE = "private"          # 民营企业
    OTHER = "other"


TRACK_NAMES = {Track.PREPARATORY: "万名专员（预科）培训", Track.ASSESSED: "千名专员（考核）培训",
               Track.PRIVATE: "民营企业知识产权培训", Track.OTHER: "其他培训"}
#: Letter of each track in certificate numbers.
TRACK_LETTERS = {Track.PREPARATORY: "P", Track.ASSESSED: "A", Track.PRIVATE: "M", Track.OTHER: "O"}
#: Tracks whose trainees must name their enterprise (commissioners serve an enterprise; the private
#: track is for private enterprises).
ENTERPRISE_REQUIRED = frozenset({Track.PREPARATORY, Track.ASSESSED, Track.PRIVATE})
#: 5-year goals of 鄂知发〔2022〕9号 (also reporting targets, which are data).
COMMISSIONER_GOALS = {Track.PREPARATORY: 10000, Track.ASSESSED: 1000}
MAX_SESSION_DAYS = 60


class ClassStatus(StrEnum):
    PLANNED = "planned"      # announced, dates may change
    OPEN = "open"            # enrolment open and in session: trainees, attendance, exams
    FINISHED = "finished"    # held; completions count, certificates may be issued
    CANCELLED = "cancelled"  # never held (only before any attendance)


STATUS_NAMES = {ClassStatus.PLANNED: "计划中", ClassStatus.OPEN: "报名/培训中", ClassStatus.FINISHED: "已结束",
                ClassStatus.CANCELLED: "已取消"}

#: Allowed transitions: action → (states it may start from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[ClassStatus], ClassStatus]] = {
    "open": (frozenset({ClassStatus.PLANNED}), ClassStatus.OPEN),
    "finish": (frozenset({ClassStatus.OPEN}), ClassStatus.FINISHED),
    "cancel": (frozenset({ClassStatus.PLANNED, ClassStatus.OPEN}), ClassStatus.CANCELLED),
}


def transition(current: ClassStatus, action: str, *, today: date, end_date: date,
               attended_days: int = 0) -> ClassStatus:
    """The class status after ``action``, or a RuleViolation (409)."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise RuleViolation(f"class.{action}.illegal",
                            f"培训班当前状态为“{STATUS_NAMES[current]}”，不能执行此操作（{action}）")
    if action == "finish" and today < end_date:
        raise RuleViolation("class.finish.before-end", f"培训班结束日期为 {end_date}，此前不能结班")
    if action == "cancel" and attended_days:
        raise RuleViolation("class.cancel.attended", "培训班已登记出勤，不能取消；请结班")
    return target


def check_class_changes(changes: dict[str, Any]) -> None:
    """An update of a class names something to change and empties none of its required fields."""
    if not changes:
        raise RuleViolation("update.empty", "请求体中没有要修改的字段", "body")
    for key in ("title", "organiser", "capacity", "start_date", "end_date"):
        if key in changes and changes[key] is None:
            raise RuleViolation("not_nullable", f"字段 {key} 不能置空", key)


def check_class_update(status: ClassStatus, dates: bool) -> None:
    """A finished or cancelled class is not changed; its dates (``dates``) only while planned."""
    if status in (ClassStatus.FINISHED, ClassStatus.CANCELLED):
        raise RuleViolation("class.closed", f"培训班已{'结束' if status == ClassStatus.FINISHED else '取消'}，不能修改")
    if dates and status != ClassStatus.PLANNED:
        raise RuleViolation("class.dates.locked", "培训班已开班，不能再修改日期")


def check_capacity(capacity: int, enrolled: int) -> None:
    if capacity < enrolled:
        raise RuleViolation("capacity.below-enrolled", f"容量 {capacity} 小于已报名人数 {enrolled}", "capacity")


# ------------------------------------------------------------------------------ trainees

def check_enrolment_open(status: str) -> None:
    if status != ClassStatus.OPEN:
        raise RuleViolation("class.not-open", f"培训班状态为 {status}，仅“报名/培训中”的班次可以报名")


def check_trainee_enterprise(track: Track, uscc: str | None, is_private: bool | None) -> None:
    """Commissioner and private tracks name the trainee's enterprise; the private track only takes
    private enterprises' staff."""
    if uscc is None:
        if track in ENTERPRISE_REQUIRED:
            raise RuleViolation("uscc.required", "该类别培训班须填写学员所在企业信用代码", "uscc")
        return
    if track == Track.PRIVATE and not is_private:
        raise RuleViolation("enterprise.not-private", f"企业 {uscc} 不是民营企业，不能参加民营企业培训班", "uscc")


def check_enrolled(status: str) -> None:
    if status != "enrolled":
        raise RuleViolation("enrolment.withdrawn", "该学员已退出")


def check_withdrawal(enrolment_status: str, class_status: str, attended_days: int) -> None:
    """A trainee leaves an open class before attending any day."""
    check_enrolled(enrolment_status)
    if class_status != ClassStatus.OPEN:
        raise RuleViolation("class.not-open", "仅“报名/培训中”的班次可以退出")
    if attended_days:
        raise RuleViolation("enrolment.attended", f"学员已出勤 {attended_days} 天，不能退出")


def check_attendance_day(class_status: str, session_dates: list[str], day: date, today: date) -> None:
    """Attendance is kept for a session day that has come, of an open or finished class."""
    if class_status not in (ClassStatus.OPEN, ClassStatus.FINISHED):
        raise RuleViolation("attendance.class-status", "仅开班后或已结束的培训班可以登记出勤")
    if day.isoformat() not in session_dates:
        raise RuleViolation("attendance.not-session-day", f"{day} 不是本班授课日", "day")
    if day > today:
        raise RuleViolation("attendance.future", f"{day} 尚未到来，不能登记出勤", "day")


def check_exam(track: str, class_status: str, enrolment_status: str) -> None:
    """Exams are recorded for enrolled trainees of an assessed class that has opened."""
    if track != Track.ASSESSED:
        raise RuleViolation("exam.not-assessed-track", "只有千名专员（考核）班有考试成绩")
    if class_status not in (ClassStatus.OPEN, ClassStatus.FINISHED):
        raise RuleViolation("exam.class-status", "仅开班后或已结束的培训班可以登记成绩")
    check_enrolled(enrolment_status)


def check_exam_date(exam_date: date, class_start: date, today: date) -> None:
    if exam_date < class_start:
        raise RuleViolation("exam_date.before-class", f"考试日期早于开班日期 {class_start}", "exam_date")
    if exam_date > today:
        raise RuleViolation("exam_date.future", "考试日期不能晚于今天", "exam_date")


# ------------------------------------------------------------------------------ dates

def session_days(start: date, end: date, explicit: list[date] | None) -> list[date]:
    """The class's session days: the explicit list (sorted, unique) or every day from start to end."""
    if end < start:
        raise RuleViolation("class.dates.order", f"结束日期 {end} 早于开始日期 {start}", field="end_date")
    if explicit:
        days = sorted(set(explicit))
        outside = [d for d in days if d < start or d > end]
        if outside:
            raise RuleViolation("class.session_dates.outside", f"授课日 {outside[0]} 不在培训班起止日期内",
                                field="session_dates")
    else:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    if len(days) > MAX_SESSION_DAYS:
        raise RuleViolation("class.session_dates.too_many", f"授课日不得超过 {MAX_SESSION_DAYS} 天",
                            field="session_dates" if explicit else "end_date")
    return days


def required_days(total_days: int, completion_percent: int) -> int:
    """Attended days needed to complete a class of ``total_days`` session days (rounded up, ≥ 1)."""
    return max(1, math.ceil(total_days * completion_percent / 100))


def is_complete(attended: int, total_days: int, completion_percent: int) -> bool:
    return attended >= required_days(total_days, completion_percent)


def passed(score: Decimal, pass_mark: Decimal) -> bool:
    return score >= pass_mark


# ------------------------------------------------------------------------------ identity

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class IdNumberError(ValueError):
    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def id_check_char(body17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=False)) % 11]


def validate_id_number(value: object) -> str:
    """A 18-character 居民身份证号码 (GB 11643-1999), normalised (upper-case X); raises IdNumberError."""
    if not isinstance(value, str):
        raise IdNumberError("id_number.type", "身份证号必须是字符串")
    v = unicodedata.normalize("NFKC", value).strip().upper()
    if len(v) != 18:
        raise IdNumberError("id_number.length", f"身份证号应为 18 位（收到 {len(v)} 位）")
    if not v[:17].isdigit() or not (v[17].isdigit() or v[17] == "X"):
        raise IdNumberError("id_number.charset", "身份证号前 17 位应为数字，末位为数字或 X")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise IdNumberError("id_number.birth_date", f"身份证号中的出生日期 {v[6:14]} 无效") from None
    if born.year < 1900:
        raise IdNumberError("id_number.birth_date", f"身份证号中的出生日期 {v[6:14]} 无效")
    if id_check_char(v[:17]) != v[17]:
        raise IdNumberError("id_number.check_digit", "身份证号校验位不正确")
    return v


def mask_id_number(id_number: str) -> str:
    """What officers see: region (6) + 8 asterisks + last 4, e.g. ``420106********123X``."""
    return id_number[:6] + "*" * 8 + id_number[-4:]


def person_key(secret: str, id_number: str) -> str:
    """A stable pseudonymous key of a person across classes: HMAC-SHA256 of the ID number with the
    service's key (the raw number is never stored or published)."""
    return hmac.new(secret.encode(), id_number.encode(), hashlib.sha256).hexdigest()[:32]


# ------------------------------------------------------------------------------ certificates

def certificate_number(track: Track, year: int, seq: int) -> str:
    """E.g. ``HBIPT-A-2025-00042``: track letter, year of issue, sequence within (track, year)."""
    return f"HBIPT-{TRACK_LETTERS[track]}-{year}-{seq:05d}"


@dataclass(frozen=True)
class CertificateCheck:
    track: Track
    class_status: ClassStatus
    attended: int
    total_days: int
    completion_percent: int
    exam_passed: bool | None  # None: no exam recorded


def check_class_finished(status: str) -> None:
    if status != ClassStatus.FINISHED:
        raise RuleViolation("certificate.class-not-finished", "培训班结班后才能发证")


def issue_date(requested: date | None, today: date, class_end: date) -> date:
    """The day a certificate is issued: the one asked for or today, not in the future, not before the
    class ended."""
    issued_on = requested or today
    if issued_on > today:
        raise RuleViolation("issued_on.future", "发证日期不能晚于今天", "issued_on")
    if issued_on < class_end:
        raise RuleViolation("issued_on.before-end", f"发证日期不能早于结班日期 {class_end}", "issued_on")
    return issued_on


def check_certificate(c: CertificateCheck) -> None:
    """Raises RuleViolation (409) unless a certificate may be issued for this enrolment."""
    check_class_finished(c.class_status)
    if not is_complete(c.attended, c.total_days, c.completion_percent):
        need = required_days(c.total_days, c.completion_percent)
        raise RuleViolation("certificate.not-completed",
                            f"学员出勤 {c.attended} 天，未达到结业要求（{need}/{c.total_days} 天）")
    if c.track == Track.ASSESSED and not c.exam_passed:
        raise RuleViolation("certificate.exam-not-passed",
                            "考核班学员须考试合格才能发证" + ("（尚无考试成绩）" if c.exam_passed is None else ""))

