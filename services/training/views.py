"""Response models of the training service's records: classes and enrolments as the API shows them."""
from __future__ import annotations

from libs.common import divisions
from services.training.activities_domain import KIND_NAMES as ACTIVITY_KIND_NAMES
from services.training.activities_domain import STATUS_NAMES as ACTIVITY_STATUS_NAMES
from services.training.activities_domain import SUB_KIND_NAMES
from services.training.domain import STATUS_NAMES, TRACK_NAMES, ClassStatus, Track, required_days
from services.training.models import Activity, ActivityEnterprise, Enrolment, TrainingClass
from services.training.schemas import ActivityEnterpriseOut, ActivityOut, ClassOut, EnrolmentOut


def class_out(c: TrainingClass, completion_percent: int) -> ClassOut:
    days = c.days
    return ClassOut(
        id=c.id, code=c.code, track=c.track, track_name=TRACK_NAMES[Track(c.track)], title=c.title, city=c.city,
        city_name=divisions.CITIES[c.city], organiser=c.organiser, organiser_org=c.organiser_org, venue=c.venue,
        start_date=c.start_date, end_date=c.end_date, year=c.year, session_dates=days,
        required_days=required_days(len(days), completion_percent), capacity=c.capacity, enrolled=c.enrolled,
        seats_left=max(0, c.capacity - c.enrolled), status=c.status, status_name=STATUS_NAMES[ClassStatus(c.status)],
        cancel_reason=c.cancel_reason, finished_on=c.finished_on, version=c.version, created_at=c.created_at,
        updated_at=c.updated_at)


def enrolment_out(e: Enrolment, number: str | None = None) -> EnrolmentOut:
    return EnrolmentOut.model_validate({**{k: getattr(e, k) for k in EnrolmentOut.model_fields
                                           if k != "certificate_number"}, "certificate_number": number})


def activity_out(a: Activity, enterprises: list[ActivityEnterprise]) -> ActivityOut:
    return ActivityOut(
        id=a.id, kind=a.kind, kind_name=ACTIVITY_KIND_NAMES[a.kind], sub_kind=a.sub_kind,
        sub_kind_name=SUB_KIND_NAMES[a.sub_kind] if a.sub_kind else None, title=a.title, held_on=a.held_on,
        year=a.held_on.year, organiser=a.organiser, city=a.city, city_name=divisions.CITIES[a.city],
        staff_person_times=a.staff_person_times, enterprise_count=a.enterprise_count, private_count=a.private_count,
        enterprises=[ActivityEnterpriseOut(uscc=e.uscc, name=e.name, enterprise_city=e.enterprise_city,
                                           is_private=e.is_private) for e in enterprises],
        note=a.note, status=a.status, status_name=ACTIVITY_STATUS_NAMES[a.status], cancel_reason=a.cancel_reason,
        batch_id=a.batch_id, version=a.version, created_at=a.created_at, updated_at=a.updated_at)
