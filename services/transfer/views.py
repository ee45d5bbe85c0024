"""Response models of the transfer service's records: transfers, open licences and carriers as the API shows them."""
from __future__ import annotations

from libs.common import divisions
from libs.common.clock import today
from services.transfer.domain import (
    CARRIER_KIND_NAMES,
    CARRIER_LEVEL_NAMES,
    KIND_NAMES,
    REVIEW_RESULT_NAMES,
    STATUS_NAMES,
    CarrierKind,
    CarrierLevel,
    Kind,
    ReviewResult,
    open_licence_in_force,
)
from services.transfer.models import Carrier, CarrierReview, OpenLicence, TransferRecord
from services.transfer.schemas import CarrierOut, CarrierReviewOut, OpenLicenceOut, PartyOut, TransferOut


def _party(kind, name, uscc, city, region, is_private) -> PartyOut:
    return PartyOut(kind=kind, name=name, uscc=uscc, region=region, city=city, is_private=is_private)


def to_out(r: TransferRecord) -> TransferOut:
    return TransferOut(
        id=r.id, ref=r.ref, kind=r.kind, kind_name=KIND_NAMES[Kind(r.kind)], patents=list(r.patents),
        from_=_party(r.from_kind, r.from_name, r.from_uscc, r.from_city, r.from_region, r.from_is_private),
        to=_party(r.to_kind, r.to_name, r.to_uscc, r.to_city, r.to_region, r.to_is_private),
        university_origin=r.university_origin, amount=r.amount, payment=r.payment, contract_date=r.contract_date,
        term_end=r.term_end, year=r.year, city=r.city, city_name=divisions.CITIES[r.city], status=r.status,
        open_licence_id=r.open_licence_id, library_entry_id=r.library_entry_id,
        matching_event_id=r.matching_event_id, note=r.note, batch_id=r.batch_id, registered_by=r.registered_by,
        cancelled_reason=r.cancelled_reason, created_at=r.created_at)


def licence_out(lic: OpenLicence, licensees: int) -> OpenLicenceOut:
    out = OpenLicenceOut.model_validate(lic)
    out.in_force = open_licence_in_force(lic.status, lic.valid_from, lic.valid_to, today())
    out.licensees = licensees
    return out


def carrier_out(c: Carrier, reviews: list[CarrierReview]) -> CarrierOut:
    return CarrierOut(
        id=c.id, kind=c.kind, kind_name=CARRIER_KIND_NAMES[CarrierKind(c.kind)], name=c.name, host_kind=c.host_kind,
        host_name=c.host_name, host_uscc=c.host_uscc, city=c.city, city_name=divisions.CITIES[c.city], level=c.level,
        level_name=CARRIER_LEVEL_NAMES[CarrierLevel(c.level)], field=c.field, approved_on=c.approved_on,
        established_on=c.established_on, status=c.status, status_name=STATUS_NAMES[c.status], revoked_on=c.revoked_on,
        revoked_reason=c.revoked_reason, created_at=c.created_at,
        reviews=[CarrierReviewOut(year=r.year, result=r.result, result_name=REVIEW_RESULT_NAMES[ReviewResult(r.result)],
                                  note=r.note) for r in sorted(reviews, key=lambda r: r.year)])
