"""Typed HTTP clients for the enterprise service (sync and async, httpx).

    with EnterpriseClient("http://127.0.0.1:8001", token) as c:
        e = c.create_enterprise(EnterpriseCreate(uscc=..., name=..., ...))

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel

from libs.common.client import ApiClient, AsyncApiClient
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.enterprise.pool.schemas import (
    AdmitIn,
    ApplicationIn,
    EvaluationOut,
    GraduateIn,
    HistoryOut,
    MembershipOut,
    PoolSummaryOut,
    ProgressIn,
    RemoveIn,
    ReviewItemOut,
)
from services.enterprise.pool.schemas import RejectIn as PoolRejectIn
from services.enterprise.schemas import (
    ApproveIn,
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    RecommendationIn,
    RecommendationOut,
    RejectIn,
    RevokeIn,
    TierChangeIn,
    TierDecisionOut,
    YearFiguresIn,
    YearFiguresOut,
)


def _body(model: BaseModel) -> dict:
    return model.model_dump(mode="json", exclude_unset=isinstance(model, EnterpriseUpdate))


class _Requests:
    """Every call as (method, path, json, params, response type) — shared by both clients."""

    @staticmethod
    def create_enterprise(data: EnterpriseCreate):
        return "POST", "/api/v1/enterprises", _body(data), None, EnterpriseOut

    @staticmethod
    def get_enterprise(uscc: str):
        return "GET", f"/api/v1/enterprises/{uscc}", None, None, EnterpriseOut

    @staticmethod
    def list_enterprises(**filters: Any):
        params = {k: v for k, v in filters.items() if v is not None}
        return "GET", "/api/v1/enterprises", None, params, Page[EnterpriseOut]

    @staticmethod
    def update_enterprise(uscc: str, data: EnterpriseUpdate):
        return "PATCH", f"/api/v1/enterprises/{uscc}", _body(data), None, EnterpriseOut

    @staticmethod
    def put_figures(uscc: str, year: int, data: YearFiguresIn):
        return "PUT", f"/api/v1/enterprises/{uscc}/figures/{year}", _body(data), None, YearFiguresOut

    @staticmethod
    def list_figures(uscc: str):
        return "GET", f"/api/v1/enterprises/{uscc}/figures", None, None, list[YearFiguresOut]

    @staticmethod
    def recommend_tier(uscc: str, tier: str, reason: str):
        return ("POST", f"/api/v1/enterprises/{uscc}/tier-recommendations",
                _body(RecommendationIn(tier=tier, reason=reason)), None, RecommendationOut)

    @staticmethod
    def approve_recommendation(rec_id: int, effective_date: date, reason: str | None = None):
        return ("POST", f"/api/v1/tier-recommendations/{rec_id}/approve",
                _body(ApproveIn(effective_date=effective_date, reason=reason)), None, TierDecisionOut)

    @staticmethod
    def reject_recommendation(rec_id: int, reason: str):
        return ("POST", f"/api/v1/tier-recommendations/{rec_id}/reject", _body(RejectIn(reason=reason)), None,
                RecommendationOut)

    @staticmethod
    def change_tier(uscc: str, action: str, to_tier: str | None, effective_date: date, reason: str):
        body = (RevokeIn(effective_date=effective_date, reason=reason) if action == "revoke"
                else TierChangeIn(to_tier=to_tier, effective_date=effective_date, reason=reason))
        return "POST", f"/api/v1/enterprises/{uscc}/tier/{action}", _body(body), None, TierDecisionOut

    @staticmethod
    def tier_history(uscc: str):
        return "GET", f"/api/v1/enterprises/{uscc}/tier-history", None, None, list[TierDecisionOut]

    # --- the industrialisation pool
    @staticmethod
    def evaluate_pool(data: ApplicationIn):
        return "POST", "/api/v1/pool/evaluate", _body(data), None, EvaluationOut

    @staticmethod
    def apply_to_pool(data: ApplicationIn):
        return "POST", "/api/v1/pool/memberships", _body(data), None, MembershipOut

    @staticmethod
    def pool_membership(membership_id: int):
        return "GET", f"/api/v1/pool/memberships/{membership_id}", None, None, MembershipOut

    @staticmethod
    def list_pool_memberships(**filters: Any):
        params = {k: v for k, v in filters.items() if v is not None}
        return "GET", "/api/v1/pool/memberships", None, params, Page[MembershipOut]

    @staticmethod
    def pool_action(membership_id: int, action: str, body: BaseModel):
        return "POST", f"/api/v1/pool/memberships/{membership_id}/{action}", _body(body), None, MembershipOut

    @staticmethod
    def record_pool_progress(membership_id: int, data: ProgressIn):
        return "POST", f"/api/v1/pool/memberships/{membership_id}/progress", _body(data), None, HistoryOut

    @staticmethod
    def pool_review(as_of: date | None, city: str | None):
        params = {k: v for k, v in (("as_of", as_of.isoformat() if as_of else None), ("city", city)) if v}
        return "GET", "/api/v1/pool/review", None, params, list[ReviewItemOut]

    @staticmethod
    def pool_summary(as_of: date | None):
        return "GET", "/api/v1/pool/summary", None, {"as_of": as_of.isoformat()} if as_of else None, PoolSummaryOut

    @staticmethod
    def pool_history(uscc: str):
        return "GET", f"/api/v1/enterprises/{uscc}/pool-history", None, None, list[MembershipOut]


class _Methods:
    def _call(self, spec):  # implemented by each client
        raise NotImplementedError

    def create_enterprise(self, data: EnterpriseCreate) -> EnterpriseOut:
        return self._call(_Requests.create_enterprise(data))

    def get_enterprise(self, uscc: str) -> EnterpriseOut:
        return self._call(_Requests.get_enterprise(uscc))

    def list_enterprises(self, *, city: str | None = None, tier: str | None = None, industry: str | None = None,
                         ownership: str | None = None, q: str | None = None, limit: int = 50,
                         offset: int = 0) -> Page[EnterpriseOut]:
        return self._call(_Requests.list_enterprises(city=city, tier=tier, industry=industry, ownership=ownership,
                                                     q=q, limit=limit, offset=offset))

    def update_enterprise(self, uscc: str, data: EnterpriseUpdate) -> EnterpriseOut:
        return self._call(_Requests.update_enterprise(uscc, data))

    def put_figures(self, uscc: str, year: int, data: YearFiguresIn) -> YearFiguresOut:
        return self._call(_Requests.put_figures(uscc, year, data))

    def list_figures(self, uscc: str) -> list[YearFiguresOut]:
        return self._call(_Requests.list_figures(uscc))

    def recommend_tier(self, uscc: str, tier: str, reason: str) -> RecommendationOut:
        return self._call(_Requests.recommend_tier(uscc, tier, reason))

    def approve_recommendation(self, rec_id: int, effective_date: date, reason: str | None = None) -> TierDecisionOut:
        return self._call(_Requests.approve_recommendation(rec_id, effective_date, reason))

    def reject_recommendation(self, rec_id: int, reason: str) -> RecommendationOut:
        return self._call(_Requests.reject_recommendation(rec_id, reason))

    def promote(self, uscc: str, to_tier: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(_Requests.change_tier(uscc, "promote", to_tier, effective_date, reason))

    def demote(self, uscc: str, to_tier: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(_Requests.change_tier(uscc, "demote", to_tier, effective_date, reason))

    def revoke(self, uscc: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(_Requests.change_tier(uscc, "revoke", None, effective_date, reason))

    def tier_history(self, uscc: str) -> list[TierDecisionOut]:
        return self._call(_Requests.tier_history(uscc))

    # --- the industrialisation pool 专利产业化样板企业培育库
    def evaluate_pool(self, data: ApplicationIn) -> EvaluationOut:
        """The 10 admission criteria for an enterprise, without applying."""
        return self._call(_Requests.evaluate_pool(data))

    def apply_to_pool(self, data: ApplicationIn) -> MembershipOut:
        return self._call(_Requests.apply_to_pool(data))

    def pool_membership(self, membership_id: int) -> MembershipOut:
        return self._call(_Requests.pool_membership(membership_id))

    def list_pool_memberships(self, *, status: str | None = None, city: str | None = None, uscc: str | None = None,
                              limit: int = 50, offset: int = 0) -> Page[MembershipOut]:
        return self._call(_Requests.list_pool_memberships(status=status, city=city, uscc=uscc, limit=limit,
                                                          offset=offset))

    def admit_to_pool(self, membership_id: int, effective_date: date, reason: str | None = None) -> MembershipOut:
        return self._call(_Requests.pool_action(membership_id, "admit",
                                                AdmitIn(effective_date=effective_date, reason=reason)))

    def reject_pool_application(self, membership_id: int, reason: str) -> MembershipOut:
        return self._call(_Requests.pool_action(membership_id, "reject", PoolRejectIn(reason=reason)))

    def graduate_from_pool(self, membership_id: int, data: GraduateIn) -> MembershipOut:
        return self._call(_Requests.pool_action(membership_id, "graduate", data))

    def remove_from_pool(self, membership_id: int, data: RemoveIn) -> MembershipOut:
        return self._call(_Requests.pool_action(membership_id, "remove", data))

    def record_pool_progress(self, membership_id: int, data: ProgressIn) -> HistoryOut:
        return self._call(_Requests.record_pool_progress(membership_id, data))

    def pool_review(self, as_of: date | None = None, city: str | None = None) -> list[ReviewItemOut]:
        """Members admitted more than two years before ``as_of`` without recorded progress."""
        return self._call(_Requests.pool_review(as_of, city))

    def pool_summary(self, as_of: date | None = None) -> PoolSummaryOut:
        return self._call(_Requests.pool_summary(as_of))

    def pool_history(self, uscc: str) -> list[MembershipOut]:
        return self._call(_Requests.pool_history(uscc))


class EnterpriseClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncEnterpriseClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
