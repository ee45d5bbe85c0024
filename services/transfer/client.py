"""Typed HTTP clients for the transfer service (sync and async, httpx).

    with TransferClient("http://127.0.0.1:8004", token) as c:
        rec = c.create_transfer(TransferCreate(ref=..., kind="ordinary_licence", patents=[...], ...))
        result = c.bulk_transfers([row, row, ...], atomic=False)   # BulkOut with per-row errors

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from libs.common.client import ApiClient, AsyncApiClient
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.client import query as _params
from libs.common.pagination import Page
from services.transfer.schemas import (
    BulkOut,
    CancelIn,
    CloseNeedIn,
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
    StatsOut,
    TransferCreate,
    TransferOut,
)


def _body(model: BaseModel | dict) -> dict:
    if isinstance(model, dict):
        return model
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Requests:
    """Every call as (method, path, json, params, response type) — shared by both clients."""

    create_transfer = staticmethod(lambda d: ("POST", "/api/v1/transfers", _body(d), None, TransferOut))
    get_transfer = staticmethod(lambda i: ("GET", f"/api/v1/transfers/{i}", None, None, TransferOut))
    cancel_transfer = staticmethod(lambda i, reason: ("POST", f"/api/v1/transfers/{i}/cancel",
                                                      _body(CancelIn(reason=reason)), None, TransferOut))
    publish_open_licence = staticmethod(lambda d: ("POST", "/api/v1/open-licences", _body(d), None, OpenLicenceOut))
    get_open_licence = staticmethod(lambda i: ("GET", f"/api/v1/open-licences/{i}", None, None, OpenLicenceOut))
    withdraw_open_licence = staticmethod(lambda i, reason: ("POST", f"/api/v1/open-licences/{i}/withdraw",
                                                            _body(CancelIn(reason=reason)), None, OpenLicenceOut))
    create_library_entry = staticmethod(lambda d: ("POST", "/api/v1/library", _body(d), None, LibraryEntryOut))
    get_library_entry = staticmethod(lambda i: ("GET", f"/api/v1/library/{i}", None, None, LibraryEntryOut))
    withdraw_library_entry = staticmethod(lambda i, reason: ("POST", f"/api/v1/library/{i}/withdraw",
                                                             _body(CancelIn(reason=reason)), None, LibraryEntryOut))
    create_need = staticmethod(lambda d: ("POST", "/api/v1/needs", _body(d), None, NeedOut))
    get_need = staticmethod(lambda i: ("GET", f"/api/v1/needs/{i}", None, None, NeedOut))
    close_need = staticmethod(lambda i, outcome, reason: (
        "POST", f"/api/v1/needs/{i}/close", _body(CloseNeedIn(outcome=outcome, reason=reason)), None, NeedOut))
    match_need = staticmethod(lambda i, limit: ("GET", f"/api/v1/needs/{i}/matches", None, {"limit": limit},
                                                MatchOut))
    plan_matching_event = staticmethod(lambda d: ("POST", "/api/v1/matching-events", _body(d), None,
                                                  MatchingEventOut))
    get_matching_event = staticmethod(lambda i: ("GET", f"/api/v1/matching-events/{i}", None, None,
                                                 MatchingEventOut))
    hold_matching_event = staticmethod(lambda i, d: ("POST", f"/api/v1/matching-events/{i}/held", _body(d), None,
                                                     MatchingEventOut))
    cancel_matching_event = staticmethod(lambda i, reason: ("POST", f"/api/v1/matching-events/{i}/cancel",
                                                            _body(CancelIn(reason=reason)), None, MatchingEventOut))

    @staticmethod
    def bulk_transfers(rows: Sequence[TransferCreate | dict[str, Any]], atomic: bool):
        return ("POST", "/api/v1/transfers/bulk", {"records": [_body(r) for r in rows]},
                {"atomic": "true" if atomic else "false"}, BulkOut)

    @staticmethod
    def listing(path: str, out: Any, **filters: Any):
        return "GET", path, None, _params(**filters), Page[out]


class _Methods:
    def _call(self, spec):  # implemented by each client
        raise NotImplementedError

    # transfers and licences
    def create_transfer(self, data: TransferCreate | dict) -> TransferOut:
        return self._call(_Requests.create_transfer(data))

    def bulk_transfers(self, rows: Sequence[TransferCreate | dict[str, Any]], atomic: bool = False) -> BulkOut:
        return self._call(_Requests.bulk_transfers(rows, atomic))

    def get_transfer(self, record_id: str) -> TransferOut:
        return self._call(_Requests.get_transfer(record_id))

    def list_transfers(self, **filters: Any) -> Page[TransferOut]:
        """Filters: city, year, kind, uscc, patent, university_origin, status, batch_id, q, limit, offset."""
        return self._call(_Requests.listing("/api/v1/transfers", TransferOut, **filters))

    def transfer_stats(self, year: int, city: str | None = None) -> StatsOut:
        return self._call(("GET", "/api/v1/transfers/stats", None, _params(year=year, city=city), StatsOut))

    def cancel_transfer(self, record_id: str, reason: str) -> TransferOut:
        return self._call(_Requests.cancel_transfer(record_id, reason))

    # open licences
    def publish_open_licence(self, data: OpenLicenceCreate | dict) -> OpenLicenceOut:
        return self._call(_Requests.publish_open_licence(data))

    def list_open_licences(self, **filters: Any) -> Page[OpenLicenceOut]:
        return self._call(_Requests.listing("/api/v1/open-licences", OpenLicenceOut, **filters))

    def get_open_licence(self, licence_id: int) -> OpenLicenceOut:
        return self._call(_Requests.get_open_licence(licence_id))

    def withdraw_open_licence(self, licence_id: int, reason: str) -> OpenLicenceOut:
        return self._call(_Requests.withdraw_open_licence(licence_id, reason))

    # convertible patent library
    def create_library_entry(self, data: LibraryEntryCreate | dict) -> LibraryEntryOut:
        return self._call(_Requests.create_library_entry(data))

    def list_library(self, **filters: Any) -> Page[LibraryEntryOut]:
        return self._call(_Requests.listing("/api/v1/library", LibraryEntryOut, **filters))

    def get_library_entry(self, entry_id: int) -> LibraryEntryOut:
        return self._call(_Requests.get_library_entry(entry_id))

    def withdraw_library_entry(self, entry_id: int, reason: str) -> LibraryEntryOut:
        return self._call(_Requests.withdraw_library_entry(entry_id, reason))

    # needs and matching
    def create_need(self, data: NeedCreate | dict) -> NeedOut:
        return self._call(_Requests.create_need(data))

    def list_needs(self, **filters: Any) -> Page[NeedOut]:
        return self._call(_Requests.listing("/api/v1/needs", NeedOut, **filters))

    def get_need(self, need_id: int) -> NeedOut:
        return self._call(_Requests.get_need(need_id))

    def close_need(self, need_id: int, outcome: str, reason: str) -> NeedOut:
        return self._call(_Requests.close_need(need_id, outcome, reason))

    def match_need(self, need_id: int, limit: int = 10) -> MatchOut:
        return self._call(_Requests.match_need(need_id, limit))

    # matching events
    def plan_matching_event(self, data: MatchingEventCreate | dict) -> MatchingEventOut:
        return self._call(_Requests.plan_matching_event(data))

    def list_matching_events(self, **filters: Any) -> Page[MatchingEventOut]:
        return self._call(_Requests.listing("/api/v1/matching-events", MatchingEventOut, **filters))

    def get_matching_event(self, event_id: int) -> MatchingEventOut:
        return self._call(_Requests.get_matching_event(event_id))

    def hold_matching_event(self, event_id: int, data: HeldIn | dict) -> MatchingEventOut:
        return self._call(_Requests.hold_matching_event(event_id, data))

    def cancel_matching_event(self, event_id: int, reason: str) -> MatchingEventOut:
        return self._call(_Requests.cancel_matching_event(event_id, reason))

    # the enterprise read model
    def known_enterprise(self, uscc: str) -> dict:
        """What the service knows of an enterprise (ApiError 404 until its registration arrived)."""
        return self._call(("GET", f"/api/v1/known-enterprises/{uscc}", None, None, None))


class TransferClient(ApiClient, _Methods):
    """Synchronous client."""

    default_timeout = 30.0


class AsyncTransferClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""

    default_timeout = 30.0
