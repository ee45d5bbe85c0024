"""Response models of the protection service's records: centres, workstations, cases and visits as the API
shows them."""
from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.db import utcnow
from services.protection import service
from services.protection.domain import (
    CASE_KIND_NAMES,
    CENTRE_KIND_NAMES,
    LEVEL_NAMES,
    STATUS_NAMES,
    CaseKind,
    CaseStatus,
    CentreKind,
    CentreMonths,
    WorkstationLevel,
    deadline,
    overdue,
    timings,
)
from services.protection.models import Case, CaseStep, Centre, Visit, Workstation
from services.protection.schemas import (
    CaseOut,
    CaseStepOut,
    CentreMonthOut,
    CentreOut,
    StepTimingOut,
    VisitOut,
    WorkstationOut,
)


def duration_days(seconds: int) -> Decimal:
    return (Decimal(seconds) / Decimal(86400)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def centre_out(c: Centre) -> CentreOut:
    return CentreOut(id=c.id, name=c.name, kind=c.kind, kind_name=CENTRE_KIND_NAMES[CentreKind(c.kind)], city=c.city,
                     city_name=divisions.CITIES[c.city], established_on=c.established_on, closed_on=c.closed_on,
                     phone=c.phone, version=c.version, created_at=c.created_at, updated_at=c.updated_at)


def workstation_out(w: Workstation) -> WorkstationOut:
    return WorkstationOut(
        id=w.id, name=w.name, city=w.city, city_name=divisions.CITIES[w.city], level=w.level,
        level_name=LEVEL_NAMES[WorkstationLevel(w.level)], host_kind=w.host_kind, host_uscc=w.host_uscc,
        host_name=w.host_name, host_is_private=w.host_is_private, centre_id=w.centre_id,
        established_on=w.established_on, deregistered_on=w.deregistered_on, deregister_reason=w.deregister_reason,
        active=w.deregistered_on is None, version=w.version, created_at=w.created_at, updated_at=w.updated_at)


def case_out(rt: Runtime, c: Case, steps: list[CaseStep] | None = None, now: datetime | None = None) -> CaseOut:
    now = now or utcnow()
    limits = service.limits_of(rt)
    kind, status = CaseKind(c.kind), CaseStatus(c.status)
    stamps = service.stamps_of(c)
    entered = stamps[status]
    assert entered is not None, status  # a case has the time stamp of the step it is in
    limit = limits.days_for(status, kind)
    return CaseOut(
        id=c.id, case_no=c.case_no, kind=kind, kind_name=CASE_KIND_NAMES[kind], centre_id=c.centre_id, city=c.city,
        city_name=divisions.CITIES[c.city], uscc=c.uscc, enterprise_name=c.enterprise_name,
        enterprise_city=c.enterprise_city, is_private=c.is_private, ip_type=c.ip_type, title=c.title,
        counterparty=c.counterparty, overseas_country=c.overseas_country, amount_involved=c.amount_involved,
        status=status, status_name=STATUS_NAMES[status], received_at=c.received_at, accepted_at=c.accepted_at,
        handling_at=c.handling_at, closed_at=c.closed_at, outcome=c.outcome, transferred_to=c.transferred_to,
        result_summary=c.result_summary,
        timings=[StepTimingOut(step=t.step, started_at=t.started_at, ended_at=t.ended_at,
                               duration_seconds=t.seconds, duration_days=duration_days(t.seconds),
                               limit_days=t.limit_days, within_limit=t.within_limit, done=t.done)
                 for t in timings(kind, stamps, limits, now)],
        overdue=overdue(kind, status, entered, limits, now) is not None,
        due_at=deadline(entered, limit) if limit is not None else None,
        steps=[CaseStepOut.model_validate(s) for s in steps or []], version=c.version)


def visit_out(v: Visit) -> VisitOut:
    return VisitOut.model_validate(v)


def centre_months_out(c: Centre, m: CentreMonths) -> CentreMonthOut:
    return CentreMonthOut(centre_id=c.id, centre_name=c.name, city=c.city, kind=c.kind,
                          kind_name=CENTRE_KIND_NAMES[CentreKind(c.kind)], monthly_duty=m.bound, visits=m.counts,
                          due_months=m.due, missed_months=m.missed)
