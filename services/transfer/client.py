"""Typed HTTP clients for the transfer service (sync and async, httpx).

    with TransferClient("http://127.0.0.1:8004", token) as c:
        rec = c.create_transfer(TransferCreate(ref=..., kind="ordinary_licence", patents=[...], ...))
        result = c.bulk_transfers([row, row, ...], atomic=False)   # BulkOut with per-row errors

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from libs.common.client import ApiClient, AsyncApiClient, ClientCalls, get, post
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.transfer.schemas import (
    BulkOut,
    CancelIn,
    CarrierCreate,
    CarrierOut,
    CarrierReviewIn,
    CloseNeedIn,
    EstablishIn,
    HeldIn,
    LibraryEntryCreate,
    LibraryEntryOut,
    MatchingEventCreate,
    MatchingEventOut,
    MatchOut,
    NeedCreate,
    NeedOut,
    OpenLicenceCreate,
    OpenLicenceOut,
    RevokeIn,
    StatsOut,
    TransferCreate,
    TransferOut,
)


class _Methods(ClientCalls):
    """Every call, once — shared by both clients. A body may be the model or its JSON as a dict."""

    body_options = {"by_alias": True, "exclude_none": True}

    # transfers and licences
    def create_transfer(self, data: TransferCreate | dict) -> TransferOut:
        return self._call(post("/api/v1/transfers", TransferOut, data))

    def bulk_transfers(self, rows: Sequence[TransferCreate | dict[str, Any]], atomic: bool = False) -> BulkOut:
        return self._call(post("/api/v1/transfers/bulk", BulkOut, {"records": list(rows)}, atomic=atomic))

    def get_transfer(self, record_id: str) -> TransferOut:
        return self._call(get(f"/api/v1/transfers/{record_id}", TransferOut))

    def list_transfers(self, **filters: Any) -> Page[TransferOut]:
        """Filters: city, year, kind, uscc, patent, university_origin, status, batch_id, q, limit, offset."""
        return self._call(get("/api/v1/transfers", Page[TransferOut], **filters))

    def transfer_stats(self, year: int, city: str | None = None) -> StatsOut:
        return self._call(get("/api/v1/transfers/stats", StatsOut, year=year, city=city))

    def cancel_transfer(self, record_id: str, reason: str) -> TransferOut:
        return self._call(post(f"/api/v1/transfers/{record_id}/cancel", TransferOut, CancelIn(reason=reason)))

    # open licences
    def publish_open_licence(self, data: OpenLicenceCreate | dict) -> OpenLicenceOut:
        return self._call(post("/api/v1/open-licences", OpenLicenceOut, data))

    def list_open_licences(self, **filters: Any) -> Page[OpenLicenceOut]:
        return self._call(get("/api/v1/open-licences", Page[OpenLicenceOut], **filters))

    def get_open_licence(self, licence_id: int) -> OpenLicenceOut:
        return self._call(get(f"/api/v1/open-licences/{licence_id}", OpenLicenceOut))

    def withdraw_open_licence(self, licence_id: int, reason: str) -> OpenLicenceOut:
        return self._call(post(f"/api/v1/open-licences/{licence_id}/withdraw", OpenLicenceOut,
                               CancelIn(reason=reason)))

    # convertible patent library
    def create_library_entry(self, data: LibraryEntryCreate | dict) -> LibraryEntryOut:
        return self._call(post("/api/v1/library", LibraryEntryOut, data))

    def list_library(self, **filters: Any) -> Page[LibraryEntryOut]:
        return self._call(get("/api/v1/library", Page[LibraryEntryOut], **filters))

    def get_library_entry(self, entry_id: int) -> LibraryEntryOut:
        return self._call(get(f"/api/v1/library/{entry_id}", LibraryEntryOut))

    def withdraw_library_entry(self, entry_id: int, reason: str) -> LibraryEntryOut:
        return self._call(post(f"/api/v1/library/{entry_id}/withdraw", LibraryEntryOut, CancelIn(reason=reason)))

    # needs and matching
    def create_need(self, data: NeedCreate | dict) -> NeedOut:
        return self._call(post("/api/v1/needs", NeedOut, data))

    def list_needs(self, **filters: Any) -> Page[NeedOut]:
        return self._call(get("/api/v1/needs", Page[NeedOut], **filters))

    def get_need(self, need_id: int) -> NeedOut:
        return self._call(get(f"/api/v1/needs/{need_id}", NeedOut))

    def close_need(self, need_id: int, outcome: str, reason: str) -> NeedOut:
        return self._call(post(f"/api/v1/needs/{need_id}/close", NeedOut, CloseNeedIn(outcome=outcome, reason=reason)))

    def match_need(self, need_id: int, limit: int = 10) -> MatchOut:
        return self._call(get(f"/api/v1/needs/{need_id}/matches", MatchOut, limit=limit))

    # matching events
    def plan_matching_event(self, data: MatchingEventCreate | dict) -> MatchingEventOut:
        return self._call(post("/api/v1/matching-events", MatchingEventOut, data))

    def list_matching_events(self, **filters: Any) -> Page[MatchingEventOut]:
        return self._call(get("/api/v1/matching-events", Page[MatchingEventOut], **filters))

    def get_matching_event(self, event_id: int) -> MatchingEventOut:
        return self._call(get(f"/api/v1/matching-events/{event_id}", MatchingEventOut))

    def hold_matching_event(self, event_id: int, data: HeldIn | dict) -> MatchingEventOut:
        return self._call(post(f"/api/v1/matching-events/{event_id}/held", MatchingEventOut, data))

    def cancel_matching_event(self, event_id: int, reason: str) -> MatchingEventOut:
        return self._call(post(f"/api/v1/matching-events/{event_id}/cancel", MatchingEventOut,
                               CancelIn(reason=reason)))

    # innovation carriers and bases
    def approve_carrier(self, data: CarrierCreate | dict) -> CarrierOut:
        return self._call(post("/api/v1/carriers", CarrierOut, data))

    def list_carriers(self, **filters: Any) -> Page[CarrierOut]:
        """Filters: kind, city, level, status, year (of approval), host_uscc, limit, offset."""
        return self._call(get("/api/v1/carriers", Page[CarrierOut], **filters))

    def get_carrier(self, carrier_id: int) -> CarrierOut:
        return self._call(get(f"/api/v1/carriers/{carrier_id}", CarrierOut))

    def establish_carrier(self, carrier_id: int, data: EstablishIn | dict) -> CarrierOut:
        return self._call(post(f"/api/v1/carriers/{carrier_id}/established", CarrierOut, data))

    def review_carrier(self, carrier_id: int, data: CarrierReviewIn | dict) -> CarrierOut:
        return self._call(post(f"/api/v1/carriers/{carrier_id}/reviews", CarrierOut, data))

    def revoke_carrier(self, carrier_id: int, data: RevokeIn | dict) -> CarrierOut:
        return self._call(post(f"/api/v1/carriers/{carrier_id}/revoke", CarrierOut, data))

    # the enterprise read model
    def known_enterprise(self, uscc: str) -> dict:
        """What the service knows of an enterprise (ApiError 404 until its registration arrived)."""
        return self._call(get(f"/api/v1/known-enterprises/{uscc}", None))


class TransferClient(ApiClient, _Methods):
    """Synchronous client."""

    default_timeout = 30.0


class AsyncTransferClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""

    default_timeout = 30.0
