"""Response models of the pool's records: memberships and evaluations as the API shows them."""
from __future__ import annotations

from libs.common import divisions
from services.enterprise.pool import domain
from services.enterprise.pool.domain import STATUS_NAMES, Evaluation, Outcome, Status
from services.enterprise.pool.models import PoolHistory, PoolMembership
from services.enterprise.pool.schemas import CriterionOut, EvaluationOut, HistoryOut, MembershipOut


def evaluation_out(uscc: str, e: Evaluation) -> EvaluationOut:
    return EvaluationOut(uscc=uscc, year=e.year, all_pass=e.all_pass, passed=e.codes(Outcome.PASS),
                         failed=e.codes(Outcome.FAIL), unknown=e.codes(Outcome.UNKNOWN),
                         warned=e.codes(Outcome.WARN), no_fail=e.no_fail,
                         criteria=[CriterionOut(**c.__dict__) for c in e.criteria])


def membership_out(m: PoolMembership, name: str, history: list[PoolHistory] | None = None) -> MembershipOut:
    return MembershipOut(
        id=m.id, uscc=m.uscc, enterprise_name=name, city=m.city, city_name=divisions.CITIES.get(m.city, m.city),
        status=m.status, status_name=STATUS_NAMES[Status(m.status)], applied_on=m.applied_on, applied_by=m.applied_by,
        application_reason=m.application_reason, declarations=m.declarations, evaluation_year=m.evaluation_year,
        evaluation=[CriterionOut(**c) for c in m.evaluation], failed_criteria=m.failed_criteria,
        unknown_criteria=m.unknown_criteria,
        warned_criteria=[c["code"] for c in m.evaluation if c["outcome"] == Outcome.WARN.value],
        decided_on=m.decided_on, decided_by=m.decided_by,
        decision_reason=m.decision_reason, admitted_on=m.admitted_on, admission_rate=m.admission_rate,
        review_from=domain.review_from(m.admitted_on) if m.admitted_on else None, ended_on=m.ended_on,
        ended_by=m.ended_by, end_reason=m.end_reason, removal_reason=m.removal_reason,
        graduation_evidence=m.graduation_evidence, last_progress_on=m.last_progress_on,
        history=[HistoryOut.model_validate(h) for h in history or []])
