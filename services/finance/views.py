"""Response models of the finance service's records: loans, white-list entries and activities as the API shows them."""
from __future__ import annotations

from libs.common import divisions
from services.finance.domain import ACTIVITY_KIND_NAMES, CHAINS, LOAN_STATUS_NAMES, ActivityKind, LoanStatus
from services.finance.models import FinancingActivity, PledgeLoan, WhitelistEntry
from services.finance.schemas import ActivityOut, PledgeOut, WhitelistEntryOut


def pledge_out(loan: PledgeLoan) -> PledgeOut:
    return PledgeOut(
        id=loan.id, uscc=loan.uscc, enterprise_name=loan.enterprise_name, city=loan.city,
        city_name=divisions.CITIES[loan.city], ownership=loan.ownership, is_private=loan.is_private,
        lender_bank=loan.lender_bank, lender_name=loan.lender_name, contract_no=loan.contract_no, amount=loan.amount,
        registration_date=loan.registration_date, term_months=loan.term_months, maturity_date=loan.maturity_date,
        annual_rate=loan.annual_rate, risk_sharing=list(loan.risk_sharing),
        items=[{"kind": i.kind, "number": i.number, "title": i.title} for i in loan.items], status=loan.status,
        status_name=LOAN_STATUS_NAMES[LoanStatus(loan.status)], status_date=loan.status_date,
        status_note=loan.status_note, registered_by=loan.registered_by, registered_by_role=loan.registered_by_role,
        version=loan.version, created_at=loan.created_at, updated_at=loan.updated_at)


def entry_out(e: WhitelistEntry) -> WhitelistEntryOut:
    return WhitelistEntryOut.model_validate(e)


def activity_out(a: FinancingActivity) -> ActivityOut:
    return ActivityOut(
        id=a.id, kind=a.kind, kind_name=ACTIVITY_KIND_NAMES[ActivityKind(a.kind)], title=a.title, held_on=a.held_on,
        city=a.city, city_name=divisions.CITIES[a.city], chain=a.chain, chain_name=CHAINS.get(a.chain or ""),
        organiser=a.organiser, enterprise_count=a.enterprise_count, private_enterprise_count=a.private_enterprise_count,
        institution_count=a.institution_count, enterprises=list(a.enterprises), intended_amount=a.intended_amount,
        intended_deals=a.intended_deals, status=a.status, cancel_reason=a.cancel_reason, recorded_by=a.recorded_by,
        created_at=a.created_at)
