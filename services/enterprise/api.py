"""HTTP routes of the enterprise service: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from libs.common import divisions
from libs.common.app import RT
from libs.common.auth import CurrentPrincipal
from libs.common.fields import CityCode, RecordId, parse_uscc
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from libs.common.sheets import http as sheets_http
from services.enterprise import bulk, exports, service
from services.enterprise.domain import TIER_NAMES, TierChange
from services.enterprise.policy import ProvinceAdmin, Writer
from services.enterprise.reference import INDUSTRIES, OWNERSHIP_NAMES, QUALIFICATION_NAMES, SIZE_CLASS_NAMES
from services.enterprise.schemas import (
    ApproveIn,
    EnterpriseBulkIn,
    EnterpriseBulkOut,
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    RecommendationBulkIn,
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
from services.enterprise.sheets import ENTERPRISES, RECOMMENDATIONS
from services.enterprise.tiers import service as tiers_service
from services.enterprise.tiers.schemas import ApprovalOut, RecommendationDetailOut
from services.enterprise.tiers.views import approval_out, criteria_out, recommendation_out
from services.enterprise.views import to_out

router = APIRouter(prefix="/api/v1")
UsccPath = Annotated[str, Path(description="统一社会信用代码")]
BULK_MAX_ROWS = 10000


@router.post("/enterprises", status_code=201, response_model=EnterpriseOut, tags=["企业 enterprises"],
             summary="登记企业 register an enterprise")
async def create_enterprise(body: EnterpriseCreate, principal: Writer, rt: RT, response: Response) -> EnterpriseOut:
    enterprise, warnings = await service.register(rt, principal, body)
    response.headers["Location"] = f"/api/v1/enterprises/{enterprise.uscc}"
    return to_out(enterprise, warnings)


_IMPORT_NOTE = ("也可上传模板格式的 .xlsx 或 .csv（multipart 字段 file），"
                "错误另注明 Excel 行号（sheet_row）与列名（column）；"
                "Accept 为 xlsx 时返回标注错误的工作簿。atomic=true：任一行有错则全部不写入（422 bulk-rejected）；"
                "dry_run=true：只校验、不写入。")
Atomic = Annotated[bool, Query(description="任一行有错则全部不写入")]
DryRun = Annotated[bool, Query(description="只校验、不写入")]


@router.post("/enterprises/bulk", response_model=EnterpriseBulkOut, tags=["企业 enterprises"],
             summary="批量登记/修改企业及年度数据 bulk register or update (JSON, .xlsx or .csv; ≤ 10,000 rows)",
             description="每行一个企业：未登记的按“登记企业”的规则新登记，已登记的修改所填字段（空值不清空），"
                         "可附一个年度的年度数据（按“填报年度数据”的规则）。与库中一致的行不写入，重复导入无重复。"
                         "每个写入的企业记审计并发布与单笔接口相同的事件。市州用户只能登记、修改本市州企业。"
                         + _IMPORT_NOTE,
             openapi_extra=sheets_http.openapi(EnterpriseBulkIn, "企业"))
async def bulk_enterprises(request: Request, principal: Writer, rt: RT, atomic: Atomic = False,
                           dry_run: DryRun = False) -> Response:
    req = await sheets_http.read_bulk(request, EnterpriseBulkIn, "rows", ENTERPRISES, BULK_MAX_ROWS)
    return await sheets_http.run(request, req.sheet, lambda: bulk.bulk_enterprises(
        rt, principal, req.body.rows, atomic, dry_run), dry_run)


@router.get("/enterprises/bulk/template", tags=["企业 enterprises"], response_class=Response,
            summary="企业批量登记模板 the import template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def enterprise_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(ENTERPRISES, "企业批量登记-导入模板.xlsx")


@router.get("/enterprises", response_model=Page[EnterpriseOut], tags=["企业 enterprises"],
            summary="企业列表 list enterprises", responses=SHEET_RESPONSES)
async def list_enterprises(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    tier: Annotated[Literal["growth", "seed", "advantage", "none"] | None,
                    Query(description="梯队；none=未入梯队")] = None,
    industry: Annotated[str | None, Query()] = None,
    ownership: Annotated[Literal["private", "state", "foreign", "other"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100, description="名称或信用代码包含")] = None,
) -> Page[EnterpriseOut] | StreamingResponse:
    page.shape(exports.ENTERPRISES, to_out)
    rows, total = await service.search(rt, principal, page, city, tier, industry, ownership, q)
    return page.answer(rows, total)


@router.get("/enterprises/{uscc}", response_model=EnterpriseOut, tags=["企业 enterprises"],
            summary="企业详情 one enterprise")
async def get_enterprise(uscc: UsccPath, principal: CurrentPrincipal, rt: RT) -> EnterpriseOut:
    return to_out(await service.get(rt, principal, parse_uscc(uscc)))


@router.patch("/enterprises/{uscc}", response_model=EnterpriseOut, tags=["企业 enterprises"],
              summary="修改企业信息 update the profile")
async def update_enterprise(uscc: UsccPath, body: EnterpriseUpdate, principal: Writer, rt: RT) -> EnterpriseOut:
    return to_out(await service.update(rt, principal, parse_uscc(uscc), body))


@router.put("/enterprises/{uscc}/figures/{year}", response_model=YearFiguresOut, tags=["企业 enterprises"],
            summary="填报年度数据 yearly figures")
async def put_figures(uscc: UsccPath, year: Annotated[int, Path(ge=2000, le=2100)], body: YearFiguresIn,
                      principal: Writer, rt: RT) -> YearFiguresOut:
    row = await service.put_figures(rt, principal, parse_uscc(uscc), year, body)
    return YearFiguresOut.model_validate(row)


@router.get("/enterprises/{uscc}/figures", response_model=list[YearFiguresOut], tags=["企业 enterprises"],
            summary="年度数据 yearly figures", responses=SHEET_RESPONSES)
async def list_figures(uscc: UsccPath, principal: CurrentPrincipal, rt: RT,
                       xlsx: WantsSheet) -> list[YearFiguresOut] | StreamingResponse:
    code = parse_uscc(uscc)
    rows = [YearFiguresOut.model_validate(r) for r in await service.list_figures(rt, principal, code)]
    return await export_response(exports.FIGURES, in_chunks(rows), code) if xlsx else rows


@router.post("/enterprises/{uscc}/tier-recommendations", status_code=201, response_model=RecommendationDetailOut,
             tags=["梯队 tiers"], summary="市州推荐梯队 a city recommends a tier (answer: as the province will see it)")
async def recommend(uscc: UsccPath, body: RecommendationIn, principal: Writer, rt: RT) -> RecommendationDetailOut:
    rec = await service.recommend(rt, principal, parse_uscc(uscc), body)
    return recommendation_out(*(await tiers_service.evaluations_of(rt, [rec]))[0])


@router.post("/tier-recommendations/bulk", response_model=RecommendationBulkOut, tags=["梯队 tiers"],
             summary="市州批量推荐梯队 bulk tier recommendations (JSON, .xlsx or .csv)",
             description="每行按“市州推荐梯队”的规则校验（企业须已登记、无待审核推荐、不是已在该梯队）。"
                         + _IMPORT_NOTE,
             openapi_extra=sheets_http.openapi(RecommendationBulkIn, "梯队推荐"))
async def bulk_recommend(request: Request, principal: Writer, rt: RT, atomic: Atomic = False,
                         dry_run: DryRun = False) -> Response:
    req = await sheets_http.read_bulk(request, RecommendationBulkIn, "rows", RECOMMENDATIONS, BULK_MAX_ROWS)
    return await sheets_http.run(request, req.sheet, lambda: bulk.bulk_recommendations(
        rt, principal, req.body.rows, atomic, dry_run), dry_run)


@router.get("/tier-recommendations/bulk/template", tags=["梯队 tiers"], response_class=Response,
            summary="梯队批量推荐模板 the import template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def recommendation_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(RECOMMENDATIONS, "梯队批量推荐-导入模板.xlsx")


@router.get("/tier-recommendations", response_model=Page[RecommendationDetailOut], tags=["梯队 tiers"],
            summary="梯队推荐列表（含遴选条件评价） recommendations, each with its criteria evaluated",
            responses=SHEET_RESPONSES)
async def list_recommendations(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    status: Annotated[Literal["pending", "approved", "rejected"] | None, Query()] = None,
    city: Annotated[CityCode | None, Query()] = None,
) -> Page[RecommendationDetailOut] | StreamingResponse:
    page.shape(exports.RECOMMENDATIONS, lambda seen: recommendation_out(*seen), tiers_service.with_evaluations)
    rows, total = await service.list_recommendations(rt, principal, page, status, city)
    return page.answer(await tiers_service.evaluations_of(rt, rows), total)


@router.post("/tier-recommendations/{rec_id}/approve", response_model=ApprovalOut, tags=["梯队 tiers"],
             summary="省局认定 the province designates (answer: with the criteria evaluation it saw)",
             description="遴选条件不阻止认定（原文未规定数值，由省局合理确定并研判，见 § 三(二)），"
                         "但有“不符合”项时须在 reason 中说明认定理由，否则 422 tier.criteria_failed。")
async def approve(rec_id: RecordId, body: ApproveIn, principal: ProvinceAdmin, rt: RT) -> ApprovalOut:
    return approval_out(*await service.approve(rt, principal, rec_id, body))


@router.post("/tier-recommendations/{rec_id}/reject", response_model=RecommendationOut, tags=["梯队 tiers"],
             summary="省局不予认定 the province rejects")
async def reject(rec_id: RecordId, body: RejectIn, principal: ProvinceAdmin, rt: RT) -> RecommendationOut:
    return RecommendationOut.model_validate(await service.reject(rt, principal, rec_id, body))


@router.post("/enterprises/{uscc}/tier/promote", response_model=TierDecisionOut, tags=["梯队 tiers"],
             summary="晋级 promote")
async def promote(uscc: UsccPath, body: TierChangeIn, principal: ProvinceAdmin, rt: RT) -> TierDecisionOut:
    return TierDecisionOut.model_validate(
        await service.change_tier(rt, principal, parse_uscc(uscc), TierChange.PROMOTED, body))


@router.post("/enterprises/{uscc}/tier/demote", response_model=TierDecisionOut, tags=["梯队 tiers"],
             summary="降级 demote")
async def demote(uscc: UsccPath, body: TierChangeIn, principal: ProvinceAdmin, rt: RT) -> TierDecisionOut:
    return TierDecisionOut.model_validate(
        await service.change_tier(rt, principal, parse_uscc(uscc), TierChange.DEMOTED, body))


@router.post("/enterprises/{uscc}/tier/revoke", response_model=TierDecisionOut, tags=["梯队 tiers"],
             summary="撤销 revoke")
async def revoke(uscc: UsccPath, body: RevokeIn, principal: ProvinceAdmin, rt: RT) -> TierDecisionOut:
    return TierDecisionOut.model_validate(
        await service.change_tier(rt, principal, parse_uscc(uscc), TierChange.REVOKED, body))


@router.get("/enterprises/{uscc}/tier-history", response_model=list[TierDecisionOut], tags=["梯队 tiers"],
            summary="梯队变更历史 tier history", responses=SHEET_RESPONSES)
async def tier_history(uscc: UsccPath, principal: CurrentPrincipal, rt: RT,
                       xlsx: WantsSheet) -> list[TierDecisionOut] | StreamingResponse:
    code = parse_uscc(uscc)
    rows = [TierDecisionOut.model_validate(d) for d in await service.tier_history(rt, principal, code)]
    return await export_response(exports.TIER_HISTORY, in_chunks(rows), code) if xlsx else rows


@router.get("/reference", tags=["参考数据 reference"], summary="代码表 code tables")
async def reference(principal: CurrentPrincipal) -> dict:
    return {"cities": divisions.CITIES, "industries": INDUSTRIES, "size_classes": SIZE_CLASS_NAMES,
            "ownership": OWNERSHIP_NAMES, "qualifications": QUALIFICATION_NAMES,
            "tiers": {t.value: n for t, n in TIER_NAMES.items()},
            "tier_criteria": [c.model_dump(mode="json") for c in criteria_out()]}
