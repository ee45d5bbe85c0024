"""Typed HTTP clients for the finance service (sync and async, httpx).

    with FinanceClient("http://127.0.0.1:8002", token) as c:
        loan = c.register_pledge(PledgeCreate(uscc=..., contract_no=..., amount=..., ...))
        c.release_pledge(loan.id, date(2026, 6, 30))

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import date

from libs.common.client import ApiClient, AsyncApiClient, ClientCalls, get, post
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


class _Methods(ClientCalls):
    """Every call, once — shared by both clients."""

    body_options = {"exclude_none": True}

    # --- pledge loans
    def register_pledge(self, data: PledgeCreate) -> PledgeOut:
        return self._call(post("/api/v1/pledges", PledgeOut, data))

    def import_pledges(self, rows: list[PledgeCreate | dict], atomic: bool = False) -> PledgeBulkOut:
        """Many loans at once (a bank's monthly report); see ``PledgeBulkOut`` for per-row results."""
        return self._call(post("/api/v1/pledges/bulk", PledgeBulkOut, {"rows": rows}, atomic=atomic))

    def get_pledge(self, loan_id: int) -> PledgeOut:
        return self._call(get(f"/api/v1/pledges/{loan_id}", PledgeOut))

    def list_pledges(self, *, year: int | None = None, city: str | None = None, status: str | None = None,
                     uscc: str | None = None, lender_bank: str | None = None, is_private: bool | None = None,
                     maturing_before: date | None = None, limit: int = 50, offset: int = 0) -> Page[PledgeOut]:
        return self._call(get("/api/v1/pledges", Page[PledgeOut], year=year, city=city, status=status, uscc=uscc,
                              lender_bank=lender_bank, is_private=is_private, maturing_before=maturing_before,
                              limit=limit, offset=offset))

    def pledge_summary(self, year: int, city: str | None = None) -> PledgeSummary:
        return self._call(get("/api/v1/pledges/summary", PledgeSummary, year=year, city=city))

    def release_pledge(self, loan_id: int, released_on: date) -> PledgeOut:
        return self._call(post(f"/api/v1/pledges/{loan_id}/release", PledgeOut, ReleaseIn(released_on=released_on)))

    def default_pledge(self, loan_id: int, defaulted_on: date, note: str | None = None) -> PledgeOut:
        return self._call(post(f"/api/v1/pledges/{loan_id}/default", PledgeOut,
                               DefaultIn(defaulted_on=defaulted_on, note=note)))

    def cancel_pledge(self, loan_id: int, reason: str) -> PledgeOut:
        return self._call(post(f"/api/v1/pledges/{loan_id}/cancel", PledgeOut, CancelIn(reason=reason)))

    # --- white-list
    def publish_whitelist(self, data: WhitelistPublish) -> WhitelistOut:
        return self._call(post("/api/v1/whitelists", WhitelistOut, data))

    def list_whitelists(self) -> list[WhitelistVersionOut]:
        return self._call(get("/api/v1/whitelists", list[WhitelistVersionOut]))

    def current_whitelist(self, city: str | None = None) -> WhitelistOut:
        return self._call(get("/api/v1/whitelists/current", WhitelistOut, city=city))

    def get_whitelist(self, number: int, city: str | None = None) -> WhitelistOut:
        return self._call(get(f"/api/v1/whitelists/{number}", WhitelistOut, city=city))

    def whitelist_diff(self, from_number: int, to_number: int) -> WhitelistDiffOut:
        return self._call(get("/api/v1/whitelists/diff", WhitelistDiffOut, **{"from": from_number, "to": to_number}))

    # --- activities
    def record_activity(self, data: ActivityCreate) -> ActivityOut:
        return self._call(post("/api/v1/activities", ActivityOut, data))

    def list_activities(self, *, kind: str | None = None, city: str | None = None, year: int | None = None,
                        chain: str | None = None, include_cancelled: bool = False, limit: int = 50,
                        offset: int = 0) -> Page[ActivityOut]:
        return self._call(get("/api/v1/activities", Page[ActivityOut], kind=kind, city=city, year=year, chain=chain,
                              include_cancelled=include_cancelled, limit=limit, offset=offset))

    def cancel_activity(self, activity_id: int, reason: str) -> ActivityOut:
        return self._call(post(f"/api/v1/activities/{activity_id}/cancel", ActivityOut,
                               ActivityCancelIn(reason=reason)))

    # --- read model
    def known_enterprise(self, uscc: str) -> dict:
        """What the service knows of an enterprise (ApiError 404 until its registration arrived)."""
        return self._call(get(f"/api/v1/known-enterprises/{uscc}", dict))

    def known_credit_entries(self, uscc: str) -> list[dict]:
        """The credit-register entries of an enterprise the service has learnt of (empty until they arrive)."""
        return self._call(get(f"/api/v1/known-credit-entries/{uscc}", list[dict]))


class FinanceClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncFinanceClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
