"""Response models of the credit register's rows."""
from __future__ import annotations

from datetime import date

from libs.common import divisions
from services.enterprise.credit.domain import KIND_NAMES, STATUS_NAMES, CreditFact, status_on
from services.enterprise.credit.models import CreditEntry
from services.enterprise.credit.schemas import CreditBrief, CreditEntryOut


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)  # type: ignore[call-overload]


def entry_out(e: CreditEntry, name: str, today: date) -> CreditEntryOut:
    status = status_on(e.effective_from, e.effective_until, e.lifted_on, today)
    return CreditEntryOut(
        id=e.id, uscc=e.uscc, enterprise_name=name, city=e.city, city_name=divisions.CITIES.get(e.city, e.city),
        is_private=e.is_private, kind=e.kind, kind_name=kind_name(e.kind), authority=e.authority,
        decided_on=e.decided_on, document_no=e.document_no, effective_from=e.effective_from,
        effective_until=e.effective_until, summary=e.summary, status=status.value, status_name=STATUS_NAMES[status],
        active=status.value == "active", recorded_by=e.recorded_by, lifted_on=e.lifted_on,
        lift_reason=e.lift_reason, lifted_by=e.lifted_by, created_at=e.created_at, updated_at=e.updated_at)


def brief(f: CreditFact) -> CreditBrief:
    return CreditBrief(id=f.entry_id, kind=f.kind, kind_name=f.kind_name, authority=f.authority,
                       document_no=f.document_no, decided_on=f.decided_on, effective_from=f.effective_from,
                       effective_until=f.effective_until)
