"""HTTP routes of the pool programme 专利产业化样板企业培育库: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response, StreamingResponse

from libs.common.app import RT, Runtime
from libs.common.auth import CurrentPrincipal, Principal
from libs.common.fields import BusinessDate, CityCode, RecordId, parse_uscc
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from services.enterprise.exports import MEMBERSHIPS, POOL_BANK_LIST, POOL_HISTORY, POOL_REVIEW
from services.enterprise.policy import CityOfficer, ProvinceAdmin, Writer
from services.enterprise.pool import domain, export, lists, service
from services.enterprise.pool.domain import REMOVAL_REASON_NAMES, STATUS_NAMES
from services.enterprise.pool.schemas import (
    AdmitIn,
    ApplicationIn,
    BankListItem,
    BankListOut,
    EvaluationOut,
    GraduateIn,
    HistoryOut,
    MembershipOut,
    NationalRecommendationItem,
    NationalRecommendationsOut,
    PoolSummaryOut,
    ProgressIn,
    RejectIn,
    RemoveIn,
    ReviewItemOut,
)
from services.enterprise.pool.views import evaluation_out, membership_out

TAG = "样板企业培育库 pool"
router = APIRouter(prefix="/api/v1", tags=[TAG])
MembershipId = Annotated[int, Path(ge=1, le=2**63 - 1, description="入库记录编号")]
AsOf = Annotated[BusinessDate | None, Query(description="基准日（缺省为今天，北京时间）")]



async def _one(rt: Runtime, principal: Principal, membership_id: RecordId) -> MembershipOut:
    m, name, history = await service.get_membership(rt, principal, membership_id)
    return membership_out(m, name, history)


@router.post("/pool/evaluate", response_model=EvaluationOut, responses={404: {"description": "企业未登记"}},
             summary="入库条件预评价 evaluate the 10 criteria without applying")
async def evaluate(body: ApplicationIn, principal: Writer, rt: RT) -> EvaluationOut:
    return evaluation_out(body.uscc, await service.preview(rt, principal, body))


@router.post("/pool/memberships", status_code=201, response_model=MembershipOut,
             summary="市州申报入库 a city applies (evaluated against the 10 criteria)")
async def apply(body: ApplicationIn, principal: CityOfficer, rt: RT) -> MembershipOut:
    m = await service.apply(rt, principal, body)
    return await _one(rt, principal, m.id)


@router.get("/pool/memberships", response_model=Page[MembershipOut], summary="入库记录列表 applications and members",
            responses=SHEET_RESPONSES)
async def list_memberships(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    status: Annotated[Literal["applied", "rejected", "admitted", "graduated", "removed"] | None, Query()] = None,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    uscc: Annotated[str | None, Query(description="统一社会信用代码")] = None,
) -> Page[MembershipOut] | StreamingResponse:
    page.shape(MEMBERSHIPS, lambda named: membership_out(*named), service.with_names)
    rows, names, total = await service.list_memberships(rt, principal, page, status, city,
                                                        parse_uscc(uscc) if uscc else None)
    return page.answer([(m, names.get(m.uscc, "")) for m in rows], total)


@router.get("/pool/memberships/{membership_id}", response_model=MembershipOut,
            summary="入库记录详情（含评价与历史） one membership with its evaluation and history")
async def get_membership(membership_id: MembershipId, principal: CurrentPrincipal, rt: RT) -> MembershipOut:
    return await _one(rt, principal, membership_id)


@router.post("/pool/memberships/{membership_id}/admit", response_model=MembershipOut,
             summary="省局批准入库 the province admits (cap 500, rolling top-up)")
async def admit(membership_id: MembershipId, body: AdmitIn, principal: ProvinceAdmin, rt: RT) -> MembershipOut:
    await service.admit(rt, principal, membership_id, body)
    return await _one(rt, principal, membership_id)


@router.post("/pool/memberships/{membership_id}/reject", response_model=MembershipOut,
             summary="省局不予入库 the province rejects the application")
async def reject(membership_id: MembershipId, body: RejectIn, principal: ProvinceAdmin, rt: RT) -> MembershipOut:
    await service.reject(rt, principal, membership_id, body)
    return await _one(rt, principal, membership_id)


@router.post("/pool/memberships/{membership_id}/graduate", response_model=MembershipOut,
             summary="出库 graduation with its evidence")
async def graduate(membership_id: MembershipId, body: GraduateIn, principal: ProvinceAdmin, rt: RT) -> MembershipOut:
    await service.graduate(rt, principal, membership_id, body)
    return await _one(rt, principal, membership_id)


@router.post("/pool/memberships/{membership_id}/remove", response_model=MembershipOut,
             summary="退库 removal for one of the plan's reasons")
async def remove(membership_id: MembershipId, body: RemoveIn, principal: ProvinceAdmin, rt: RT) -> MembershipOut:
    await service.remove(rt, principal, membership_id, body)
    return await _one(rt, principal, membership_id)


@router.post("/pool/memberships/{membership_id}/progress", status_code=201, response_model=HistoryOut,
             summary="登记专利产业化进展 record industrialisation progress")
async def record_progress(membership_id: MembershipId, body: ProgressIn, principal: Writer, rt: RT) -> HistoryOut:
    return HistoryOut.model_validate(await service.record_progress(rt, principal, membership_id, body))


@router.get("/pool/review", response_model=list[ReviewItemOut], responses=SHEET_RESPONSES,
            summary="复核名单 members over two years without recorded progress, or under an active credit entry")
async def review(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, as_of: AsOf = None,
                 city: Annotated[CityCode | None, Query()] = None) -> list[ReviewItemOut] | StreamingResponse:
    _, items = await service.review_list(rt, principal, as_of, city)
    rows = [ReviewItemOut(**i) for i in items]
    return await export_response(POOL_REVIEW, in_chunks(rows), city or "") if xlsx else rows


@router.get("/pool/summary", response_model=PoolSummaryOut,
            summary="培育库概况（总量、各市州在库、出库、退库、可增补数） pool summary per city")
async def summary(principal: CurrentPrincipal, rt: RT, as_of: AsOf = None) -> PoolSummaryOut:
    return PoolSummaryOut(**await service.summary(rt, principal, as_of))


@router.get("/enterprises/{uscc}/pool-history", response_model=list[MembershipOut], responses=SHEET_RESPONSES,
            summary="企业的入库历史 every membership of an enterprise with its history")
async def enterprise_pool_history(uscc: Annotated[str, Path(description="统一社会信用代码")],
                                  principal: CurrentPrincipal, rt: RT,
                                  xlsx: WantsSheet) -> list[MembershipOut] | StreamingResponse:
    code = parse_uscc(uscc)
    rows, name, history = await service.enterprise_history(rt, principal, code)
    out = [membership_out(m, name, history[m.id]) for m in rows]
    return await export_response(POOL_HISTORY, in_chunks(out), code) if xlsx else out


@router.get("/pool/reference", summary="培育库代码表 criteria, statuses, removal reasons")
async def reference(principal: CurrentPrincipal) -> dict:
    return {"cap": domain.POOL_CAP, "topup_factor": domain.TOPUP_FACTOR,
            "programme_start": domain.PROGRAMME_START.isoformat(), "criteria": domain.CRITERIA_TITLES,
            "statuses": {s.value: n for s, n in STATUS_NAMES.items()},
            "removal_reasons": {r.value: n for r, n in REMOVAL_REASON_NAMES.items()}}


# ------------------------------------------------------------------------------ lists outward

def _bank_item(m: lists.ListedMember) -> BankListItem:
    return BankListItem(uscc=m.uscc, enterprise_name=m.name, city=m.city, city_name=m.city_name, county=m.county,
                        county_name=m.county_name, industry=m.industry, industry_name=m.industry_name,
                        size_class=m.size_class, size_class_name=m.size_class_name, qualifications=m.qualifications,
                        admitted_on=m.admitted_on)


@router.get("/pool/bank-list", response_model=BankListOut, responses=SHEET_RESPONSES,
            summary="面向银行业金融机构推送的入库企业名单 the members, as pushed to banks",
            description="`format=xlsx`：名单（items）下载为 Excel 工作簿。")
async def bank_list(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                    city: Annotated[CityCode | None, Query(description="市州代码")] = None
                    ) -> BankListOut | StreamingResponse:
    as_of, members = await lists.bank_list(rt, principal, city)
    if xlsx:
        return await export_response(POOL_BANK_LIST, in_chunks(_bank_item(m) for m in members),
                                     f"{city or ''}_{as_of:%Y%m%d}".strip("_"))
    return BankListOut(as_of=as_of, total=len(members), per_city=lists.per_city(members),
                       items=[_bank_item(m) for m in members])


@router.get("/pool/national-recommendations", response_model=NationalRecommendationsOut,
            responses={200: {"content": {export.XLSX: {}}, "description": "JSON，或 format=xlsx 时为 Excel 工作簿"}},
            summary="推荐进入国家培育库名单（省局导出） the province's recommendation list to the national pool")
async def national_recommendations(
    principal: ProvinceAdmin, rt: RT,
    format: Annotated[Literal["json", "xlsx"], Query(description="json（缺省）或 xlsx")] = "json",
) -> NationalRecommendationsOut | Response:
    as_of, members = await lists.national_recommendations(rt, principal)
    if format == "xlsx":
        return Response(export.workbook(members, as_of), media_type=export.XLSX,
                        headers={"Content-Disposition": export.content_disposition(as_of)})
    items = [NationalRecommendationItem(**_bank_item(m).model_dump(), admission_rate=m.admission_rate,
                                        evaluation_year=m.evaluation_year, passed=m.outcomes["pass"],
                                        warned=m.outcomes["warn"], failed=m.outcomes["fail"],
                                        unknown=m.outcomes["unknown"]) for m in members]
    return NationalRecommendationsOut(as_of=as_of, total=len(items), cap=domain.POOL_CAP, items=items)
