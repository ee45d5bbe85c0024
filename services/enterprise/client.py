"""Typed HTTP clients for the enterprise service (sync and async, httpx).

    with EnterpriseClient("http://127.0.0.1:8001", token) as c:
        e = c.create_enterprise(EnterpriseCreate(uscc=..., name=..., ...))

Errors come back as :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from datetime import date

from libs.common.client import ApiClient, AsyncApiClient, ClientCalls, get, patch, post, put
from libs.common.client import ApiError as ApiError  # re-exported for callers
from libs.common.pagination import Page
from services.enterprise.credit.schemas import CreditEntryIn, CreditEntryOut, CreditLiftIn
from services.enterprise.pool.schemas import (
    AdmitIn,
    ApplicationIn,
    BankListOut,
    EvaluationOut,
    GraduateIn,
    HistoryOut,
    MembershipOut,
    NationalRecommendationsOut,
    PoolSummaryOut,
    ProgressIn,
    RemoveIn,
    ReviewItemOut,
)
from services.enterprise.pool.schemas import RejectIn as PoolRejectIn
from services.enterprise.schemas import (
    ApproveIn,
    EnterpriseBulkOut,
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    RecommendationBulkOut,
    RecommendationIn,
    RecommendationOut,
    RejectIn,
    RevokeIn,
    TierChangeIn,
    TierDecisionOut,
    YearFiguresIn,
    YearFiguresOut,
)
from services.enterprise.tiers.schemas import (
    ApprovalOut,
    EvaluateIn,
    RecommendationDetailOut,
    TierCriteriaOut,
    TierEvaluationOut,
    TierListDiffOut,
    TierListOut,
    TierListPublish,
    TierListVersionOut,
)


class _Methods(ClientCalls):
    """Every call, once — shared by both clients (bodies keep None; a PATCH sends only what was set)."""

    def create_enterprise(self, data: EnterpriseCreate) -> EnterpriseOut:
        return self._call(post("/api/v1/enterprises", EnterpriseOut, data))

    def import_enterprises(self, rows: list[dict], atomic: bool = False, dry_run: bool = False) -> EnterpriseBulkOut:
        """Register or update up to 10,000 enterprises (with a year's figures) in one request."""
        return self._call(post("/api/v1/enterprises/bulk", EnterpriseBulkOut, {"rows": rows}, atomic=atomic,
                               dry_run=dry_run))

    def import_recommendations(self, rows: list[dict], atomic: bool = False,
                               dry_run: bool = False) -> RecommendationBulkOut:
        return self._call(post("/api/v1/tier-recommendations/bulk", RecommendationBulkOut, {"rows": rows},
                               atomic=atomic, dry_run=dry_run))

    def get_enterprise(self, uscc: str) -> EnterpriseOut:
        return self._call(get(f"/api/v1/enterprises/{uscc}", EnterpriseOut))

    def list_enterprises(self, *, city: str | None = None, tier: str | None = None, industry: str | None = None,
                         ownership: str | None = None, q: str | None = None, limit: int = 50,
                         offset: int = 0) -> Page[EnterpriseOut]:
        return self._call(get("/api/v1/enterprises", Page[EnterpriseOut], city=city, tier=tier, industry=industry,
                              ownership=ownership, q=q, limit=limit, offset=offset))

    def update_enterprise(self, uscc: str, data: EnterpriseUpdate) -> EnterpriseOut:
        return self._call(patch(f"/api/v1/enterprises/{uscc}", EnterpriseOut, data))

    def put_figures(self, uscc: str, year: int, data: YearFiguresIn) -> YearFiguresOut:
        return self._call(put(f"/api/v1/enterprises/{uscc}/figures/{year}", YearFiguresOut, data))

    def list_figures(self, uscc: str) -> list[YearFiguresOut]:
        return self._call(get(f"/api/v1/enterprises/{uscc}/figures", list[YearFiguresOut]))

    def recommend_tier(self, uscc: str, tier: str, reason: str) -> RecommendationOut:
        return self._call(post(f"/api/v1/enterprises/{uscc}/tier-recommendations", RecommendationOut,
                               RecommendationIn(tier=tier, reason=reason)))

    def get_recommendation(self, rec_id: int) -> RecommendationDetailOut:
        """A recommendation with its tier's selection criteria evaluated."""
        return self._call(get(f"/api/v1/tier-recommendations/{rec_id}", RecommendationDetailOut))

    def approve_recommendation(self, rec_id: int, effective_date: date, reason: str | None = None) -> ApprovalOut:
        """The province designates (a failed criterion needs ``reason``); the answer carries the evaluation."""
        return self._call(post(f"/api/v1/tier-recommendations/{rec_id}/approve", ApprovalOut,
                               ApproveIn(effective_date=effective_date, reason=reason)))

    def reject_recommendation(self, rec_id: int, reason: str) -> RecommendationOut:
        return self._call(post(f"/api/v1/tier-recommendations/{rec_id}/reject", RecommendationOut,
                               RejectIn(reason=reason)))

    def promote(self, uscc: str, to_tier: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(post(f"/api/v1/enterprises/{uscc}/tier/promote", TierDecisionOut,
                               TierChangeIn(to_tier=to_tier, effective_date=effective_date, reason=reason)))

    def demote(self, uscc: str, to_tier: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(post(f"/api/v1/enterprises/{uscc}/tier/demote", TierDecisionOut,
                               TierChangeIn(to_tier=to_tier, effective_date=effective_date, reason=reason)))

    def revoke(self, uscc: str, effective_date: date, reason: str) -> TierDecisionOut:
        return self._call(post(f"/api/v1/enterprises/{uscc}/tier/revoke", TierDecisionOut,
                               RevokeIn(effective_date=effective_date, reason=reason)))

    def tier_history(self, uscc: str) -> list[TierDecisionOut]:
        return self._call(get(f"/api/v1/enterprises/{uscc}/tier-history", list[TierDecisionOut]))

    # --- tier selection criteria and the published tier lists (000 § 三(二))
    def tier_criteria(self) -> list[TierCriteriaOut]:
        return self._call(get("/api/v1/tier-criteria", list[TierCriteriaOut]))

    def evaluate_tier(self, uscc: str, tier: str, year: int | None = None) -> TierEvaluationOut:
        """A tier's criteria against an enterprise's data (writes nothing)."""
        body = EvaluateIn(uscc=uscc, tier=tier, year=year)
        return self._call(post("/api/v1/tiers/evaluate", TierEvaluationOut, body))

    def publish_tier_list(self, data: TierListPublish | None = None) -> TierListOut:
        """The province publishes every enterprise holding a tier as the next numbered version."""
        return self._call(post("/api/v1/tier-lists", TierListOut, data or TierListPublish()))

    def list_tier_lists(self) -> list[TierListVersionOut]:
        return self._call(get("/api/v1/tier-lists", list[TierListVersionOut]))

    def current_tier_list(self, city: str | None = None) -> TierListOut:
        return self._call(get("/api/v1/tier-lists/current", TierListOut, city=city))

    def get_tier_list(self, number: int, city: str | None = None) -> TierListOut:
        return self._call(get(f"/api/v1/tier-lists/{number}", TierListOut, city=city))

    def tier_list_diff(self, from_number: int, to_number: int, city: str | None = None) -> TierListDiffOut:
        return self._call(get("/api/v1/tier-lists/diff", TierListDiffOut,
                              **{"from": from_number, "to": to_number, "city": city}))

    # --- the industrialisation pool 专利产业化样板企业培育库
    def evaluate_pool(self, data: ApplicationIn) -> EvaluationOut:
        """The 10 admission criteria for an enterprise, without applying."""
        return self._call(post("/api/v1/pool/evaluate", EvaluationOut, data))

    def apply_to_pool(self, data: ApplicationIn) -> MembershipOut:
        return self._call(post("/api/v1/pool/memberships", MembershipOut, data))

    def pool_membership(self, membership_id: int) -> MembershipOut:
        return self._call(get(f"/api/v1/pool/memberships/{membership_id}", MembershipOut))

    def list_pool_memberships(self, *, status: str | None = None, city: str | None = None, uscc: str | None = None,
                              limit: int = 50, offset: int = 0) -> Page[MembershipOut]:
        return self._call(get("/api/v1/pool/memberships", Page[MembershipOut], status=status, city=city, uscc=uscc,
                              limit=limit, offset=offset))

    def admit_to_pool(self, membership_id: int, effective_date: date, reason: str | None = None) -> MembershipOut:
        return self._call(post(f"/api/v1/pool/memberships/{membership_id}/admit", MembershipOut,
                               AdmitIn(effective_date=effective_date, reason=reason)))

    def reject_pool_application(self, membership_id: int, reason: str) -> MembershipOut:
        return self._call(post(f"/api/v1/pool/memberships/{membership_id}/reject", MembershipOut,
                               PoolRejectIn(reason=reason)))

    def graduate_from_pool(self, membership_id: int, data: GraduateIn) -> MembershipOut:
        return self._call(post(f"/api/v1/pool/memberships/{membership_id}/graduate", MembershipOut, data))

    def remove_from_pool(self, membership_id: int, data: RemoveIn) -> MembershipOut:
        return self._call(post(f"/api/v1/pool/memberships/{membership_id}/remove", MembershipOut, data))

    def record_pool_progress(self, membership_id: int, data: ProgressIn) -> HistoryOut:
        return self._call(post(f"/api/v1/pool/memberships/{membership_id}/progress", HistoryOut, data))

    def pool_review(self, as_of: date | None = None, city: str | None = None) -> list[ReviewItemOut]:
        """Members admitted more than two years before ``as_of`` without recorded progress, and members under
        a credit-register entry active on ``as_of``."""
        return self._call(get("/api/v1/pool/review", list[ReviewItemOut], as_of=as_of, city=city or None))

    def pool_summary(self, as_of: date | None = None) -> PoolSummaryOut:
        return self._call(get("/api/v1/pool/summary", PoolSummaryOut, as_of=as_of))

    def pool_history(self, uscc: str) -> list[MembershipOut]:
        return self._call(get(f"/api/v1/enterprises/{uscc}/pool-history", list[MembershipOut]))

    def pool_bank_list(self, city: str | None = None) -> BankListOut:
        """The members as pushed to banks (a bank token reads it province-wide)."""
        return self._call(get("/api/v1/pool/bank-list", BankListOut, city=city))

    def pool_national_recommendations(self) -> NationalRecommendationsOut:
        """The province's recommendation list to the national pool (province admin; the workbook is
        ``GET /api/v1/pool/national-recommendations?format=xlsx``)."""
        return self._call(get("/api/v1/pool/national-recommendations", NationalRecommendationsOut))

    # --- the credit register 信用记录
    def record_credit_entry(self, data: CreditEntryIn) -> CreditEntryOut:
        return self._call(post("/api/v1/credit-entries", CreditEntryOut, data))

    def credit_entry(self, entry_id: int) -> CreditEntryOut:
        return self._call(get(f"/api/v1/credit-entries/{entry_id}", CreditEntryOut))

    def list_credit_entries(self, *, city: str | None = None, kind: str | None = None, uscc: str | None = None,
                            active_on: date | None = None, limit: int = 50, offset: int = 0) -> Page[CreditEntryOut]:
        return self._call(get("/api/v1/credit-entries", Page[CreditEntryOut], city=city, kind=kind, uscc=uscc,
                              active_on=active_on, limit=limit, offset=offset))

    def lift_credit_entry(self, entry_id: int, lifted_on: date, reason: str) -> CreditEntryOut:
        return self._call(post(f"/api/v1/credit-entries/{entry_id}/lift", CreditEntryOut,
                               CreditLiftIn(lifted_on=lifted_on, reason=reason)))

    def enterprise_credit_entries(self, uscc: str) -> list[CreditEntryOut]:
        return self._call(get(f"/api/v1/enterprises/{uscc}/credit-entries", list[CreditEntryOut]))


class EnterpriseClient(ApiClient, _Methods):
    """Synchronous client."""


class AsyncEnterpriseClient(AsyncApiClient, _Methods):
    """Asynchronous client: the same methods, awaited."""
