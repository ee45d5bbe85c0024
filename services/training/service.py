"""Use cases of the training service: one transaction each (state + audit + outbox events).

Each loads what it needs, lets ``policy`` say who may act and ``domain`` whether the rules allow it,
then writes the state, its audit rows and its events in one unit of work.
"""
from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.db import utcnow
from libs.common.errors import NotFound, ProblemError, field_error, get_or_404
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.readmodels.enterprises import require_enterprise
from services.training import events as ev
from services.training import policy
from services.training.domain import (
    CertificateCheck,
    ClassStatus,
    Track,
    certificate_number,
    check_attendance_day,
    check_capacity,
    check_certificate,
    check_class_changes,
    check_class_finished,
    check_class_update,
    check_enrolled,
    check_enrolment_open,
    check_exam,
    check_exam_date,
    check_trainee_enterprise,
    check_withdrawal,
    is_complete,
    issue_date,
    mask_id_number,
    passed,
    person_key,
    session_days,
    transition,
)
from services.training.models import (
    Attendance,
    Certificate,
    CertificateSequence,
    Commissioner,
    Enrolment,
    TrainingClass,
    known_enterprises,
)
from services.training.schemas import AttendanceSheetIn, CertificateIn, ClassCreate, ClassUpdate, EnrolmentIn, ExamIn

# ------------------------------------------------------------------------------ helpers


def _where(stmt, *pairs):
    """``stmt`` narrowed to ``column == value`` for every (column, value) pair with a value."""
    for column, value in pairs:
        if value:
            stmt = stmt.where(column == value)
    return stmt


def _scoped(stmt, scope: tuple[str | None, str | None]):
    """``stmt`` (over training classes) held to ``policy.class_scope``'s (city, organiser)."""
    city, organiser_org = scope
    return _where(stmt, (TrainingClass.organiser_org, organiser_org), (TrainingClass.city, city))


def _in_year(column, year: int) -> tuple:
    return column >= date(year, 1, 1), column <= date(year, 12, 31)


async def _enrolment_and_class(session, enrolment_id: int, lock: bool = False) -> tuple[Enrolment, TrainingClass]:
    e = await get_or_404(session, Enrolment, enrolment_id, "学员报名")
    if lock:
        return e, await get_or_404(session, TrainingClass, e.class_id, "培训班", lock=True)
    return e, await get_or_404(session, TrainingClass, e.class_id, "培训班")


# ------------------------------------------------------------------------------ snapshots and events

def class_snapshot(c: TrainingClass) -> dict[str, Any]:
    return {k: getattr(c, k) for k in ("code", "track", "title", "city", "organiser", "organiser_org", "venue",
                                       "start_date", "end_date", "session_dates", "capacity", "status", "enrolled")}


def _class_fields(c: TrainingClass) -> dict[str, Any]:
    return {"class_id": c.id, "code": c.code, "track": c.track, "city": c.city, "year": c.year}


def _trainee_fields(c: TrainingClass, e: Enrolment) -> dict[str, Any]:
    return {**_class_fields(c), "enrolment_id": e.id, "person_key": e.person_key, "uscc": e.uscc,
            "enterprise_city": e.enterprise_city, "is_private": e.is_private}


# ------------------------------------------------------------------------------ classes

async def create_class(rt: Runtime, principal: Principal, data: ClassCreate) -> TrainingClass:
    organiser_org = policy.organiser_of_new_class(principal, data.city, data.organiser_org)
    days = session_days(data.start_date, data.end_date, data.session_dates)
    cls = TrainingClass(code=data.code or f"tmp-{uuid.uuid4().hex}", track=data.track.value, title=data.title.strip(),
                        city=data.city, organiser=data.organiser.strip(), organiser_org=organiser_org,
                        venue=data.venue, start_date=data.start_date, end_date=data.end_date,
                        session_dates=[d.isoformat() for d in days], capacity=data.capacity,
                        status=ClassStatus.PLANNED.value, enrolled=0, created_by=principal.sub, version=1)
    async with rt.unit_of_work() as uow:
        uow.session.add(cls)
        try:
            await uow.session.flush()
        except IntegrityError:
            raise RuleViolation("class.exists", f"班次编号 {data.code} 已存在") from None
        if data.code is None:
            cls.code = f"TC{cls.year}-{cls.city}-{cls.id:05d}"
            await uow.session.flush()
        await record_audit(uow.session, principal, "class.plan", "training_class", str(cls.id), None,
                           class_snapshot(cls))
        uow.emit(ev.ClassPlanned(**_class_fields(cls), title=cls.title, organiser=cls.organiser,
                                 organiser_org=cls.organiser_org, start_date=cls.start_date, end_date=cls.end_date,
                                 session_days=len(days), capacity=cls.capacity))
        await uow.commit()
    return cls


async def get_class(rt: Runtime, principal: Principal, class_id: int) -> TrainingClass:
    async with rt.sessions() as session:
        cls = await get_or_404(session, TrainingClass, class_id, "培训班")
    policy.ensure_read(principal, cls)
    return cls


async def list_classes(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None, track: str | None,
                       status: str | None, year: int | None, code: str | None,
                       organiser_org: str | None) -> tuple[list[TrainingClass], int]:
    stmt = _where(_scoped(select(TrainingClass), policy.class_scope(principal, city)), (TrainingClass.track, track),
                  (TrainingClass.status, status), (TrainingClass.code, code),
                  (TrainingClass.organiser_org, organiser_org))
    if year:
        stmt = stmt.where(*_in_year(TrainingClass.start_date, year))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, TrainingClass.start_date.desc(), TrainingClass.id)
    return rows, total


def _apply_class_changes(cls: TrainingClass, changes: dict[str, Any]) -> None:
    """Set the changed fields (dates re-derive the session days); the rules refuse what may not change."""
    dates = bool({"start_date", "end_date", "session_dates"} & changes.keys())
    check_class_update(ClassStatus(cls.status), dates)
    if dates:
        start = changes.get("start_date", cls.start_date)
        end = changes.get("end_date", cls.end_date)
        days = session_days(start, end, changes.get("session_dates"))
        cls.start_date, cls.end_date, cls.session_dates = start, end, [d.isoformat() for d in days]
    if "capacity" in changes:
        check_capacity(changes["capacity"], cls.enrolled)
    for key in ("title", "organiser", "venue", "capacity"):
        if key in changes:
            value = changes[key]
            setattr(cls, key, value.strip() if isinstance(value, str) else value)


async def update_class(rt: Runtime, principal: Principal, class_id: int, data: ClassUpdate) -> TrainingClass:
    changes = data.model_dump(exclude_unset=True)
    check_class_changes(changes)
    async with rt.unit_of_work() as uow:
        cls = await get_or_404(uow.session, TrainingClass, class_id, "培训班", lock=True)
        policy.ensure_manage(principal, cls)
        before = class_snapshot(cls)
        _apply_class_changes(cls, changes)
        after = class_snapshot(cls)
        changed = sorted(k for k in after if before[k] != after[k])
        if not changed:
            uow.session.expunge(cls)
            return cls
        cls.version += 1
        await record_audit(uow.session, principal, "class.update", "training_class", str(cls.id),
                           {k: before[k] for k in changed}, {k: after[k] for k in changed})
        uow.emit(ev.ClassUpdated(**_class_fields(cls), title=cls.title, organiser=cls.organiser,
                                 start_date=cls.start_date, end_date=cls.end_date,
                                 session_days=len(cls.session_dates), capacity=cls.capacity, changed_fields=changed))
        await uow.commit()
    return cls


async def _attended_total(session, class_id: int) -> int:
    return int(await session.scalar(select(func.coalesce(func.sum(Enrolment.attended_days), 0))
                                    .where(Enrolment.class_id == class_id)) or 0)


async def _finish(uow, cls: TrainingClass, on: date, completion: int) -> None:
    """A class ends: its trainees' completion is settled and preparatory completers counted."""
    cls.finished_on = on
    trainees = await _enrolled(uow.session, cls.id)
    total = len(cls.session_dates)
    for e in trainees:
        e.completed = is_complete(e.attended_days, total, completion)
    uow.emit(ev.ClassFinished(
        **_class_fields(cls), finished_on=on, organiser=cls.organiser, session_days=total,
        enrolled=len(trainees), person_times=sum(1 for e in trainees if e.attended_days > 0),
        private_person_times=sum(1 for e in trainees if e.attended_days > 0 and e.is_private),
        completed=sum(1 for e in trainees if e.completed)))
    for e in trainees:
        await _reconcile_commissioner(uow, cls, e)


async def change_status(rt: Runtime, principal: Principal, class_id: int, action: str,
                        reason: str | None = None) -> TrainingClass:
    """``open`` | ``finish`` | ``cancel`` (the lifecycle of domain.TRANSITIONS)."""
    async with rt.unit_of_work() as uow:
        cls = await get_or_404(uow.session, TrainingClass, class_id, "培训班", lock=True)
        policy.ensure_manage(principal, cls)
        attended = await _attended_total(uow.session, class_id) if action == "cancel" else 0
        target = transition(ClassStatus(cls.status), action, today=today(), end_date=cls.end_date,
                            attended_days=attended)
        before = {"status": cls.status}
        cls.status = target.value
        cls.version += 1
        on = today()
        if action == "open":
            uow.emit(ev.ClassOpened(**_class_fields(cls), opened_on=on))
        elif action == "cancel":
            cls.cancel_reason = reason
            uow.emit(ev.ClassCancelled(**_class_fields(cls), reason=reason or "", cancelled_on=on))
        else:
            await _finish(uow, cls, on, rt.settings.completion_percent)
        await record_audit(uow.session, principal, f"class.{action}", "training_class", str(cls.id), before,
                           {"status": cls.status, **({"reason": reason} if reason else {})})
        await uow.commit()
    return cls


async def _enrolled(session, class_id: int) -> list[Enrolment]:
    return list((await session.scalars(select(Enrolment).where(Enrolment.class_id == class_id,
                                                               Enrolment.status == "enrolled")
                                       .order_by(Enrolment.id))).all())


# ------------------------------------------------------------------------------ commissioners

async def _reconcile_commissioner(uow, cls: TrainingClass, e: Enrolment) -> None:
    """Keep the preparatory commissioner row (and its events) in step with this enrolment's completion.

    A person counts once: the first finished preparatory class they completed. If a correction undoes
    that completion, the count is withdrawn where it was added and moves to another completed class
    of the person, if any."""
    if cls.track != Track.PREPARATORY or cls.status != ClassStatus.FINISHED:
        return
    session = uow.session
    row = await session.get(Commissioner, (e.person_key, Track.PREPARATORY.value))
    if e.completed and e.status == "enrolled":
        if row is None:
            await _qualify(uow, cls, e)
        return
    if row is None or row.enrolment_id != e.id:
        return
    counted = cls if cls.id == row.class_id else await session.get(TrainingClass, row.class_id)
    uow.emit(ev.CommissionerWithdrawn(person_key=row.person_key, track="preparatory", class_id=row.class_id,
                                      enrolment_id=row.enrolment_id, city=row.city,
                                      enterprise_city=row.enterprise_city, year=row.year,
                                      class_start=counted.start_date))
    await session.delete(row)
    await session.flush()
    other = (await session.execute(
        select(Enrolment, TrainingClass).join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.person_key == e.person_key, Enrolment.id != e.id, Enrolment.completed.is_(True),
               Enrolment.status == "enrolled", TrainingClass.track == Track.PREPARATORY.value,
               TrainingClass.status == ClassStatus.FINISHED.value)
        .order_by(TrainingClass.start_date, Enrolment.id).limit(1))).first()
    if other is not None:
        await _qualify(uow, other[1], other[0])


async def _qualify(uow, cls: TrainingClass, e: Enrolment) -> None:
    city = e.enterprise_city or cls.city
    uow.session.add(Commissioner(person_key=e.person_key, track=Track.PREPARATORY.value, enrolment_id=e.id,
                                 class_id=cls.id, city=cls.city, enterprise_city=city, year=cls.year))
    await uow.session.flush()
    uow.emit(ev.CommissionerQualified(person_key=e.person_key, track="preparatory", class_id=cls.id,
                                      enrolment_id=e.id, city=cls.city, enterprise_city=city, year=cls.year,
                                      class_start=cls.start_date))


# ------------------------------------------------------------------------------ enrolments

async def _trainee_enterprise(session, track: Track, uscc: str | None, field: str):
    """The trainee's enterprise from the registry (None when not named); RuleViolation / 422 when the
    class's track refuses it."""
    enterprise = None
    if uscc is not None:
        enterprise = await require_enterprise(session, known_enterprises, uscc, field=field)
    check_trainee_enterprise(track, uscc, enterprise.is_private if enterprise is not None else None)
    return enterprise


async def _plan_enrolments(session, cls: TrainingClass, items: list[EnrolmentIn], batch: bool,
                           secret: str) -> list[tuple[EnrolmentIn, str, Any, Enrolment | None]]:
    """Each item's (item, person key, enterprise, earlier row of the person in this class); every bad
    item is named in one 422, a trainee already enrolled is a 409."""
    track = Track(cls.track)
    errors: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    planned = []
    for i, item in enumerate(items):
        prefix = f"items.{i}." if batch else ""
        key = person_key(secret, item.id_number)
        if key in seen:
            errors.append(field_error(f"{prefix}id_number", "id_number.duplicate",
                                      f"与第 {seen[key] + 1} 名学员身份证号重复"))
            continue
        seen[key] = i
        try:
            enterprise = await _trainee_enterprise(session, track, item.uscc, f"{prefix}uscc")
        except RuleViolation as exc:
            errors.append(field_error(f"{prefix}{exc.field}", exc.code, exc.message))
            continue
        except ProblemError as exc:
            errors.extend(exc.errors or [])
            continue
        existing = (await session.scalars(select(Enrolment).where(
            Enrolment.class_id == cls.id, Enrolment.person_key == key))).first()
        if existing is not None and existing.status == "enrolled":
            raise RuleViolation("enrolment.exists", f"学员 {item.name}（{mask_id_number(item.id_number)}）已报名本班",
                           enrolment_id=existing.id)
        planned.append((item, key, enterprise, existing))
    if errors:
        raise ProblemError(422, "validation-error", "请求参数校验失败",
                           "以下字段不合法：" + "、".join(sorted({e["field"] for e in errors})), errors)
    return planned


def _enrolment(cls: TrainingClass, item: EnrolmentIn, key: str, enterprise, existing: Enrolment | None) -> Enrolment:
    """The enrolment row of a trainee (a withdrawn one's row reinstated)."""
    e = existing or Enrolment(class_id=cls.id, person_key=key)
    e.id_masked, e.name, e.position, e.status = mask_id_number(item.id_number), item.name.strip(), \
        item.position, "enrolled"
    e.uscc = item.uscc
    e.enterprise_name = enterprise.name if enterprise is not None else None
    e.enterprise_city = enterprise.city if enterprise is not None else None
    e.is_private = bool(enterprise.is_private) if enterprise is not None else False
    e.attended_days, e.completed = e.attended_days or 0, False
    return e


async def enrol(rt: Runtime, principal: Principal, class_id: int, items: list[EnrolmentIn],
                batch: bool = False, dry_run: bool = False) -> list[Enrolment]:
    """Enrol trainees, all or none; capacity is checked under the class's row lock. ``dry_run``:
    every check, nothing written (an empty list)."""
    secret = rt.settings.person_key_secret.get_secret_value()
    async with rt.unit_of_work() as uow:
        session = uow.session
        cls = await get_or_404(session, TrainingClass, class_id, "培训班", lock=True)
        policy.ensure_manage(principal, cls)
        check_enrolment_open(cls.status)
        planned = await _plan_enrolments(session, cls, items, batch, secret)
        if cls.enrolled + len(planned) > cls.capacity:
            raise RuleViolation("class.full", f"培训班容量 {cls.capacity} 人，已报名 {cls.enrolled} 人，"
                                         f"无法再报名 {len(planned)} 人", capacity=cls.capacity, enrolled=cls.enrolled)
        out = []
        for item, key, enterprise, existing in planned:
            e = _enrolment(cls, item, key, enterprise, existing)
            if existing is None:
                session.add(e)
            cls.enrolled += 1
            await session.flush()
            await record_audit(session, principal, "enrolment.enrol", "enrolment", str(e.id), None,
                               {"class_id": class_id, "name": e.name, "id_masked": e.id_masked, "uscc": e.uscc})
            uow.emit(ev.TraineeEnrolled(**_trainee_fields(cls, e), enrolled_count=cls.enrolled))
            out.append(e)
        if dry_run:
            return []
        await uow.commit()
    return out


async def withdraw(rt: Runtime, principal: Principal, enrolment_id: int, reason: str) -> Enrolment:
    async with rt.unit_of_work() as uow:
        e, cls = await _enrolment_and_class(uow.session, enrolment_id, lock=True)
        policy.ensure_manage(principal, cls)
        check_withdrawal(e.status, cls.status, e.attended_days)
        e.status = "withdrawn"
        cls.enrolled -= 1
        await record_audit(uow.session, principal, "enrolment.withdraw", "enrolment", str(e.id),
                           {"status": "enrolled"}, {"status": "withdrawn", "reason": reason})
        uow.emit(ev.TraineeWithdrawn(**_trainee_fields(cls, e), reason=reason, enrolled_count=cls.enrolled))
        await uow.commit()
    return e


async def list_enrolments(rt: Runtime, principal: Principal, class_id: int,
                          include_withdrawn: bool = False) -> list[tuple[Enrolment, str | None]]:
    await get_class(rt, principal, class_id)
    stmt = (select(Enrolment, Certificate.number).outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
            .where(Enrolment.class_id == class_id))
    if not include_withdrawn:
        stmt = stmt.where(Enrolment.status == "enrolled")
    async with rt.sessions() as session:
        return [(r[0], r[1]) for r in (await session.execute(stmt.order_by(Enrolment.id))).all()]


async def get_enrolment(rt: Runtime, principal: Principal, enrolment_id: int) -> tuple[Enrolment, str | None]:
    async with rt.sessions() as session:
        e, cls = await _enrolment_and_class(session, enrolment_id)
        number = await session.scalar(select(Certificate.number).where(Certificate.enrolment_id == e.id))
    policy.ensure_read(principal, cls)
    return e, number


# ------------------------------------------------------------------------------ attendance

def _check_sheet(data: AttendanceSheetIn, trainees: dict[int, Enrolment]) -> None:
    """Every row names a different enrolled trainee of the class; all bad rows in one 422."""
    errors, seen = [], set()
    for i, rec in enumerate(data.records):
        e = trainees.get(rec.enrolment_id)
        if rec.enrolment_id in seen:
            errors.append(field_error(f"records.{i}.enrolment_id", "enrolment.duplicate", "同一学员在签到表中重复"))
        elif e is None:
            errors.append(field_error(f"records.{i}.enrolment_id", "enrolment.unknown",
                                      f"报名记录 {rec.enrolment_id} 不属于本班"))
        elif e.status != "enrolled":
            errors.append(field_error(f"records.{i}.enrolment_id", "enrolment.withdrawn", f"学员 {e.name} 已退出"))
        seen.add(rec.enrolment_id)
    if errors:
        raise ProblemError(422, "validation-error", "请求参数校验失败", "签到表中有不合法的记录", errors)


async def _sheet_state(session, class_id: int, day: date, ids: list[int]):
    """(the class's trainees named, those already certified, their rows of the day) by enrolment id."""
    trainees = {e.id: e for e in (await session.scalars(select(Enrolment).where(
        Enrolment.id.in_(ids), Enrolment.class_id == class_id))).all()}
    certified = set((await session.scalars(select(Certificate.enrolment_id).where(
        Certificate.enrolment_id.in_(ids)))).all())
    existing = {a.enrolment_id: a for a in (await session.scalars(select(Attendance).where(
        Attendance.enrolment_id.in_(ids), Attendance.day == day))).all()}
    return trainees, certified, existing


async def _mark(uow, principal: Principal, cls: TrainingClass, e: Enrolment, row: Attendance | None, day: date,
                present: bool, completion: int) -> Attendance:
    """Write one trainee's mark of the day; a change of presence moves their count (and completion)."""
    session = uow.session
    was_present = bool(None if row is None else row.present)
    if row is None:
        row = Attendance(enrolment_id=e.id, day=day, present=present, recorded_by=principal.sub)
        session.add(row)
    else:
        row.present, row.recorded_by, row.recorded_at = present, principal.sub, utcnow()
    if was_present == present:  # a first "absent" mark changes no count
        return row
    old = e.attended_days
    e.attended_days = old + (1 if present else -1)
    uow.emit(ev.AttendanceRecorded(**_trainee_fields(cls, e), day=day, present=present,
                                   attended_days_before=old, attended_days_after=e.attended_days,
                                   person_time_delta=int(e.attended_days > 0) - int(old > 0)))
    if cls.status == ClassStatus.FINISHED:
        e.completed = is_complete(e.attended_days, len(cls.session_dates), completion)
        await session.flush()
        await _reconcile_commissioner(uow, cls, e)
    return row


async def record_attendance(rt: Runtime, principal: Principal, class_id: int, day: date,
                            data: AttendanceSheetIn) -> tuple[int, list[dict]]:
    """Record (or correct) one session day's sign-in sheet; returns (changed, the day's rows)."""
    completion = rt.settings.completion_percent
    async with rt.unit_of_work() as uow:
        session = uow.session
        cls = await get_or_404(session, TrainingClass, class_id, "培训班", lock=True)
        policy.ensure_manage(principal, cls)
        check_attendance_day(cls.status, cls.session_dates, day, today())
        trainees, certified, existing = await _sheet_state(session, class_id, day,
                                                           [r.enrolment_id for r in data.records])
        _check_sheet(data, trainees)
        changed, before_audit, after_audit = 0, {}, {}
        for rec in data.records:
            e, row = trainees[rec.enrolment_id], existing.get(rec.enrolment_id)
            if row is not None and row.present == rec.present:
                continue
            if rec.enrolment_id in certified:
                raise RuleViolation("attendance.certified", f"学员 {e.name} 已发证，出勤记录不能再修改",
                               enrolment_id=e.id)
            before_audit[str(e.id)], after_audit[str(e.id)] = None if row is None else row.present, rec.present
            existing[e.id] = await _mark(uow, principal, cls, e, row, day, rec.present, completion)
            changed += 1
        sheet = [{"enrolment_id": a.enrolment_id, "day": day, "present": a.present}
                 for a in sorted(existing.values(), key=lambda a: a.enrolment_id)]
        if changed:
            await session.flush()
            await record_audit(session, principal, "attendance.record", "training_class", str(cls.id),
                               {"day": day, "present": before_audit}, {"day": day, "present": after_audit})
            await uow.commit()
    return changed, sheet


async def list_attendance(rt: Runtime, principal: Principal, class_id: int) -> list[Attendance]:
    await get_class(rt, principal, class_id)
    async with rt.sessions() as session:
        return list((await session.scalars(
            select(Attendance).join(Enrolment, Enrolment.id == Attendance.enrolment_id)
            .where(Enrolment.class_id == class_id).order_by(Attendance.day, Attendance.enrolment_id))).all())


# ------------------------------------------------------------------------------ exams

async def record_exam(rt: Runtime, principal: Principal, enrolment_id: int, data: ExamIn) -> Enrolment:
    pass_mark = rt.settings.pass_mark
    async with rt.unit_of_work() as uow:
        session = uow.session
        e, cls = await _enrolment_and_class(session, enrolment_id, lock=True)
        policy.ensure_manage(principal, cls)
        check_exam(cls.track, cls.status, e.status)
        if await session.scalar(select(Certificate.number).where(Certificate.enrolment_id == e.id)):
            raise RuleViolation("exam.certified", "学员已发证，成绩不能再修改")
        check_exam_date(data.exam_date, cls.start_date, today())
        before = {"score": e.exam_score, "exam_date": e.exam_date, "passed": e.exam_passed}
        e.exam_score, e.exam_date, e.exam_passed = data.score, data.exam_date, passed(data.score, pass_mark)
        await record_audit(session, principal, "exam.record", "enrolment", str(e.id), before,
                           {"score": data.score, "exam_date": data.exam_date, "passed": e.exam_passed})
        uow.emit(ev.ExamRecorded(**_trainee_fields(cls, e), exam_date=data.exam_date, score=str(data.score),
                                 pass_mark=str(pass_mark), passed=e.exam_passed))
        await uow.commit()
    return e


# ------------------------------------------------------------------------------ certificates

async def _next_number(session, track: Track, year: int) -> str:
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(CertificateSequence).values(track=track.value, year=year, last=0)
                          .on_conflict_do_nothing(index_elements=["track", "year"]))
    seq = (await session.scalars(select(CertificateSequence).where(
        CertificateSequence.track == track.value, CertificateSequence.year == year).with_for_update())).one()
    seq.last += 1
    return certificate_number(track, year, seq.last)


async def _issue(uow, principal: Principal, cls: TrainingClass, e: Enrolment, issued_on: date,
                 completion: int) -> Certificate:
    """Issue one certificate (raises RuleViolation when not allowed)."""
    session = uow.session
    check_enrolled(e.status)
    track = Track(cls.track)
    check_certificate(CertificateCheck(track, ClassStatus(cls.status), e.attended_days, len(cls.session_dates),
                                       completion, e.exam_passed))
    held = (await session.scalars(select(Certificate).where(Certificate.person_key == e.person_key,
                                                            Certificate.track == track.value))).first()
    if held is not None:
        raise RuleViolation("certificate.exists",
                            f"学员 {e.name} 已持有本类别证书 {held.number}（每人每类别只发一次）")
    number = await _next_number(session, track, issued_on.year)
    cert = Certificate(number=number, person_key=e.person_key, track=track.value, enrolment_id=e.id,
                       class_id=cls.id, name=e.name, city=cls.city, enterprise_city=e.enterprise_city,
                       issued_on=issued_on, issued_by=principal.sub)
    session.add(cert)
    await session.flush()
    await record_audit(session, principal, "certificate.issue", "enrolment", str(e.id), None,
                       {"number": number, "track": track.value, "issued_on": issued_on})
    uow.emit(ev.CertificateIssued(number=number, track=track.value, class_id=cls.id, enrolment_id=e.id,
                                  person_key=e.person_key, city=cls.city, enterprise_city=e.enterprise_city,
                                  is_private=e.is_private, issued_on=issued_on, year=issued_on.year))
    return cert


async def issue_certificate(rt: Runtime, principal: Principal, enrolment_id: int, data: CertificateIn) -> Certificate:
    async with rt.unit_of_work() as uow:
        e, cls = await _enrolment_and_class(uow.session, enrolment_id, lock=True)
        policy.ensure_manage(principal, cls)
        issued_on = issue_date(data.issued_on, today(), cls.end_date)
        try:
            cert = await _issue(uow, principal, cls, e, issued_on, rt.settings.completion_percent)
        except IntegrityError:
            raise RuleViolation("certificate.exists", "该学员已持有本类别证书") from None
        await uow.commit()
    return cert


async def issue_class_certificates(rt: Runtime, principal: Principal, class_id: int,
                                   data: CertificateIn) -> tuple[list[Certificate], list[dict]]:
    """Issue to every eligible trainee of a finished class; the others are listed with the reason."""
    issued, skipped = [], []
    async with rt.unit_of_work() as uow:
        cls = await get_or_404(uow.session, TrainingClass, class_id, "培训班", lock=True)
        policy.ensure_manage(principal, cls)
        check_class_finished(cls.status)
        issued_on = issue_date(data.issued_on, today(), cls.end_date)
        for e in await _enrolled(uow.session, class_id):
            try:
                issued.append(await _issue(uow, principal, cls, e, issued_on, rt.settings.completion_percent))
            except RuleViolation as exc:
                skipped.append({"enrolment_id": e.id, "rule": exc.code, "message": exc.message})
        await uow.commit()
    return issued, skipped


async def list_certificates(rt: Runtime, principal: Principal, page: PageParams, *, class_id: int | None,
                            track: str | None, city: str | None, year: int | None) -> tuple[list[Certificate], int]:
    stmt = _scoped(select(Certificate).join(TrainingClass, TrainingClass.id == Certificate.class_id),
                   policy.class_scope(principal, city))
    stmt = _where(stmt, (Certificate.class_id, class_id), (Certificate.track, track))
    if year:
        stmt = stmt.where(*_in_year(Certificate.issued_on, year))
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, Certificate.id)
    return rows, total


async def get_certificate(rt: Runtime, principal: Principal, number: str) -> Certificate:
    async with rt.sessions() as session:
        cert = (await session.scalars(select(Certificate).where(Certificate.number == number))).first()
        if cert is None:
            raise NotFound("证书", number)
        cls = await get_or_404(session, TrainingClass, cert.class_id, "培训班")
    policy.ensure_read(principal, cls)
    return cert


# ------------------------------------------------------------------------------ trainees

async def trainee_record(rt: Runtime, principal: Principal, id_number: str):
    """A person's training history across classes (only the classes the principal may read)."""
    policy.ensure_may_look_up(principal)
    key = person_key(rt.settings.person_key_secret.get_secret_value(), id_number)
    async with rt.sessions() as session:
        rows = (await session.execute(
            select(Enrolment, TrainingClass, Certificate.number)
            .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
            .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
            .where(Enrolment.person_key == key).order_by(TrainingClass.start_date, Enrolment.id))).all()
        certs = (await session.execute(
            select(Certificate, TrainingClass).join(TrainingClass, TrainingClass.id == Certificate.class_id)
            .where(Certificate.person_key == key).order_by(Certificate.id))).all()
        prep = await session.get(Commissioner, (key, Track.PREPARATORY.value))
    enrolments = [(e, n) for e, c, n in rows if policy.may_read(principal, c)]
    visible_certs = [c for c, k in certs if policy.may_read(principal, k)]
    return key, enrolments, visible_certs, {
        "preparatory": prep is not None,
        "assessed": any(c.track == Track.ASSESSED for c, _ in certs)}


# ------------------------------------------------------------------------------ progress

async def summary(rt: Runtime, principal: Principal, year: int, city: str | None) -> dict[str, Any]:
    """A year's progress per track (classes by status, trainees, person-times, completions,
    certificates) within what the principal may read, against the programme's yearly bars."""
    scope = policy.class_scope(principal, city)
    in_year = _in_year(TrainingClass.start_date, year)
    classes = _scoped(select(TrainingClass.track, TrainingClass.status, func.count())
                      .where(*in_year).group_by(TrainingClass.track, TrainingClass.status), scope)
    trainees = _scoped(select(
        TrainingClass.track, func.count(), func.sum(case((Enrolment.attended_days > 0, 1), else_=0)),
        func.sum(case(((Enrolment.attended_days > 0) & Enrolment.is_private.is_(True), 1), else_=0)),
        func.sum(case((Enrolment.completed.is_(True), 1), else_=0)))
        .join(TrainingClass, TrainingClass.id == Enrolment.class_id)
        .where(Enrolment.status == "enrolled", *in_year).group_by(TrainingClass.track), scope)
    certs = _scoped(select(Certificate.track, func.count())
                    .join(TrainingClass, TrainingClass.id == Certificate.class_id)
                    .where(*_in_year(Certificate.issued_on, year)).group_by(Certificate.track), scope)
    tracks: dict[str, dict[str, Any]] = {
        t.value: {"classes": {s.value: 0 for s in ClassStatus}, "enrolled": 0, "person_times": 0,
                  "private_person_times": 0, "completed": 0, "certificates": 0} for t in Track}
    async with rt.sessions() as session:
        for track, status, n in (await session.execute(classes)).all():
            tracks[track]["classes"][status] = int(n)
        for track, n, pt, ppt, done in (await session.execute(trainees)).all():
            tracks[track].update(enrolled=int(n), person_times=int(pt or 0), private_person_times=int(ppt or 0),
                                 completed=int(done or 0))
        for track, n in (await session.execute(certs)).all():
            tracks[track]["certificates"] = int(n)
    private_classes = tracks[Track.PRIVATE.value]["classes"][ClassStatus.FINISHED.value]
    private_pt = sum(t["private_person_times"] for t in tracks.values())
    return {"year": year, "city": scope[0], "tracks": tracks, "private_classes_finished": private_classes,
            "private_person_times": private_pt}
