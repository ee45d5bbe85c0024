"""Typed HTTP clients for the finance service (sync and async, httpx).

    with FinanceClient("http://127.0.0.1:8002", token) as c:
        loan = c.register_pledge(PledgeCreate(uscc=..., contract_no=..., amount=..., ...))
        c.release_pledge(loan.id, date(2026, 6, 30))

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from libs.common.client import ApiClient, AsyncApiClient
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.finance.schemas import (
    ActivityCancelIn,
    ActivityCreate,
    ActivityOut,
    CancelIn,
    DefaultIn,
    PledgeBulkOut,
    PledgeCreate,
    PledgeOut,
    PledgeSummary,
    ReleaseIn,
    WhitelistDiffOut,
    WhitelistOut,
    WhitelistPublish,
    WhitelistVersionOut,
)


def _body(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_none=True)


def _params(**values: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if v is not None}


class _Requests:
    """Every call as (method, path, json, params, response type) — shared by both clients."""

    @staticmethod
    def register_pledge(data: PledgeCreate):
        return "POST", "/api/v1/pledges", _body(data), None, PledgeOut

    @staticmethod
    def import_pledges(rows: list, atomic: bool):
        body = {"rows": [r.model_dump(mode="json", exclude_none=True) if isinstance(r, BaseModel) else r
                         for r in rows]}
        return "POST", "/api/v1/pledges/bulk", body, {"atomic": atomic}, PledgeBulkOut

    @staticmethod
    def get_pledge(loan_id: int):
        return "GET", f"/api/v1/pledges/{loan_id}", None, None, PledgeOut

    @staticmethod
    def list_pledges(**filters: Any):
        return "GET", "/api/v1/pledges", None, _params(**filters), Page[PledgeOut]

    @staticmethod
    def pledge_summary(year: int, city: str | None):
        return "GET", "/api/v1/pledges/summary", None, _params(year=year, city=city), PledgeSummary

    @staticmethod
    def release_pledge(loan_id: int, released_on: date):
        return "POST", f"/api/v1/pledges/{loan_id}/release", _body(ReleaseIn(released_on=released_on)), None, PledgeOut

    @staticmethod
    def default_pledge(loan_id: int, defaulted_on: date, note: str | None):
        return ("POST", f"/api/v1/pledges/{loan_id}/default", _body(DefaultIn(defaulted_on=defaulted_on, note=note)),
                None, PledgeOut)

    @staticmethod
    def cancel_pledge(loan_id: int, reason: str):
        return "POST", f"/api/v1/pledges/{loan_id}/cancel", _body(CancelIn(reason=reason)), None, PledgeOut

    @staticmethod
    def publish_whitelist(data: WhitelistPublish):
        return "POST", "/api/v1/whitelists", _body(data), None, WhitelistOut

    @staticmethod
    def list_whitelists():
        return "GET", "/api/v1/whitelists", None, None, list[WhitelistVersionOut]

    @staticmethod
    def get_whitelist(number: int | None, city: str | None):
        path = "/api/v1/whitelists/current" if number is None else f"/api/v1/whitelists/{number}"
        return "GET", path, None, _params(city=city), WhitelistOut

    @staticmethod
    def whitelist_diff(from_number: int, to_number: int):
        return "GET", "/api/v1/whitelists/diff", None, {"from": from_number, "to": to_number}, WhitelistDiffOut

    @staticmethod
    def record_activity(data: ActivityCreate):
        return "POST", "/api/v1/activities", _body(data), None, ActivityOut

    @staticmethod
    def list_activities(**filters: Any):
        return "GET", "/api/v1/activities", None, _params(**filters), Page[ActivityOut]

    @staticmethod
    def cancel_activity(activity_id: int, reason: str):
        return ("POST", f"/api/v1/activities/{activity_id}/cancel", _body(ActivityCancelIn(reason=reason)), None,
                ActivityOut)

    @staticmethod
    def known_enterprise(uscc: str):
        return "GET", f"/api/v1/known-enterprises/{uscc}", None, None, dict


class _Methods:
    def _call(self, spec):  # implemented by each client
        raise NotImplementedError

    # --- pledge loans
    def register_pledge(self, data: PledgeCreate) -> PledgeOut:
        return self._call(_Requests.register_pledge(data))

    def import_pledges(self, rows: list[PledgeCreate | dict], atomic: bool = False) -> PledgeBulkOut:
        """Many loans at once (a bank's monthly report); see ``PledgeBulkOut`` for per-row results."""
        return self._call(_Requests.import_pledges(rows, atomic))

    def get_pledge(self, loan_id: int) -> PledgeOut:
        return self._call(_Requests.get_pledge(loan_id))

    def list_pledges(self, *, year: int | None = None, city: str | None = None, status: str | None = None,
                     uscc: str | None = None, lender_bank: str | None = None, is_private: bool | None = None,
                     maturing_before: date | None = None, limit: int = 50, offset: int = 0) -> Page[PledgeOut]:
        return self._call(_Requests.list_pledges(year=year, city=city, status=status, uscc=uscc,
                                                 lender_bank=lender_bank, is_private=is_private,
                                                 maturing_before=maturing_before, limit=limit, offset=offset))

    def pledge_summary(self, year: int, city: str | None = None) -> PledgeSummary:
        return self._call(_Requests.pledge_summary(year, city))

    def release_pledge(self, loan_id: int, released_on: date) -> PledgeOut:
        return self._call(_Requests.release_pledge(loan_id, released_on))

    def default_pledge(self, loan_id: int, defaulted_on: date, note: str | None = None) -> PledgeOut:
        return self._call(_Requests.default_pledge(loan_id, defaulted_on, note))

    def cancel_pledge(self, loan_id: int, reason: str) -> PledgeOut:
        return self._call(_Requests.cancel_pledge(loan_id, reason))

    # --- white-list
    def publish_whitelist(self, data: WhitelistPublish) -> WhitelistOut:
        return self._call(_Requests.publish_whitelist(data))

    def list_whitelists(self) -> list[WhitelistVersionOut]:
        return self._call(_Requests.list_whitelists())

    def current_whitelist(self, city: str | None = None) -> WhitelistOut:
        return self._call(_Requests.get_whitelist(None, city))

    def get_whitelist(self, number: int, city: str | None = None) -> WhitelistOut:
        return self._call(_Requests.get_whitelist(number, city))

    def whitelist_diff(self, from_number: int, to_number: int) -> WhitelistDiffOut:
        return self._call(_Requests.whitelist_diff(from_number, to_number))

    # --- activities
    def record_activity(self, data: ActivityCreate) -> ActivityOut:
        return self._call(_Requests.record_activity(data))

    def list_activities(self, *, kind: str | None = None, city: str | None = None, year: int | None = None,
                        chain: str | None = None, include_cancelled: bool = False, limit: int = 50,
                        offset: int = 0) -> Page[ActivityOut]:
        return self._call(_Requests.list_activities(kind=kind, city=city, year=year, chain=chain,
                                                    include_cancelled=include_cancelled, limit=limit, offset=offset))

    def cancel_activity(self, activity_id: int, reason: str) -> ActivityOut:
        return self._call(_Requests.cancel_activity(activity_id, reason))

    # --- read model
    def known_enterprise(self, uscc: str) -> dict:
        """What the service knows of an enterprise (ApiError 404 until its registration arrived)."""
        return self._call(_Requests.known_enterprise(uscc))


class FinanceClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncFinanceClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
