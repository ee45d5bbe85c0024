"""HTTP routes of tier selection (criteria, evaluations) and the published tier lists 梯队名单."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from libs.common.app import RT
from libs.common.auth import CurrentPrincipal
from libs.common.fields import CityCode, RecordId
from libs.common.list_export import SHEET_RESPONSES, WantsSheet, export_response, in_chunks
from services.enterprise import exports
from services.enterprise.policy import ProvinceAdmin
from services.enterprise.tiers import service
from services.enterprise.tiers.schemas import (
    EvaluateIn,
    RecommendationDetailOut,
    TierCriteriaOut,
    TierEvaluationOut,
    TierListDiffOut,
    TierListOut,
    TierListPublish,
    TierListVersionOut,
)
from services.enterprise.tiers.views import (
    change_out,
    criteria_out,
    entry_out,
    evaluation_out,
    recommendation_out,
)

router = APIRouter(prefix="/api/v1")
TIERS: list[str | Enum] = ["梯队 tiers"]
LISTS: list[str | Enum] = ["梯队名单 published tier lists"]
Number = Annotated[int, Path(ge=1, le=2**63 - 1, description="版本号")]
CityQ = Annotated[CityCode | None, Query(description="只列出该市州的企业")]


@router.get("/tier-criteria", response_model=list[TierCriteriaOut], tags=TIERS,
            summary="各梯队遴选条件 the selection criteria of each tier (reference data)",
            description="鄂知发〔2022〕9号 § 三(二)：省局合理确定遴选条件。"
                        "每项注明出处条款、原文、所依据的数据和省局确定的标准值；"
                        "weighed=true 的条件未满足时为“提示”，由省局研判。")
async def tier_criteria(principal: CurrentPrincipal) -> list[TierCriteriaOut]:
    return criteria_out()


@router.post("/tiers/evaluate", response_model=TierEvaluationOut, tags=TIERS,
             responses={404: {"description": "企业未登记"}},
             summary="遴选条件预评价 evaluate a tier's criteria for an enterprise (writes nothing)",
             description="逐条给出符合、不符合、无法判断（数据未填报）或提示，并注明决定结果的数据。"
                         "缺省使用上一年的年度数据。")
async def evaluate(body: EvaluateIn, principal: CurrentPrincipal, rt: RT) -> TierEvaluationOut:
    return evaluation_out(body.uscc, body.tier, await service.dry_evaluate(rt, principal, body))


@router.get("/tier-recommendations/{rec_id}", response_model=RecommendationDetailOut, tags=TIERS,
            summary="梯队推荐详情（含遴选条件评价） one recommendation with its criteria evaluated")
async def get_recommendation(rec_id: RecordId, principal: CurrentPrincipal, rt: RT) -> RecommendationDetailOut:
    return recommendation_out(*await service.get_recommendation(rt, principal, rec_id))


# ================================================================================ published lists

@router.post("/tier-lists", status_code=201, response_model=TierListOut, tags=LISTS,
             summary="发布梯队企业名单 publish the enterprises holding each tier as a new version",
             description="省局发布（鄂知发〔2022〕9号 § 三(二)“定期向社会发布”）：当时处于各梯队的全部企业，"
                         "版本号自动递增，发布后不可修改（数据库拒绝更新和删除）。")
async def publish(body: TierListPublish, principal: ProvinceAdmin, rt: RT, response: Response) -> TierListOut:
    version = await service.publish(rt, principal, body)
    response.headers["Location"] = f"/api/v1/tier-lists/{version.number}"
    return _list_out(*await service.get_list(rt, version.number), None)


@router.get("/tier-lists", response_model=list[TierListVersionOut], tags=LISTS, responses=SHEET_RESPONSES,
            summary="梯队名单各版本 all published versions (newest first)",
            description="`format=xlsx`：下载为 Excel 工作簿。")
async def list_versions(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet
                        ) -> list[TierListVersionOut] | StreamingResponse:
    versions = [TierListVersionOut.model_validate(v) for v in await service.list_versions(rt)]
    if xlsx:
        return await export_response(exports.TIER_LIST_VERSIONS, in_chunks(versions))
    return versions


@router.get("/tier-lists/current", response_model=TierListOut, tags=LISTS,
            responses={404: {"description": "尚未发布任何梯队名单"}, **SHEET_RESPONSES},
            summary="现行梯队名单 the current (latest) version", description="`format=xlsx`：名单下载为 Excel 工作簿。")
async def current(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, city: CityQ = None
                  ) -> TierListOut | StreamingResponse:
    return await _answer(*await service.get_list(rt, None, city), city, xlsx)


@router.get("/tier-lists/diff", response_model=TierListDiffOut, tags=LISTS, responses=SHEET_RESPONSES,
            summary="两版梯队名单的差异 what changed between two versions",
            description="新增企业、移出企业、梯队变化（晋级或降级）的企业；`format=xlsx`：下载为 Excel 工作簿。")
async def diff(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
               from_: Annotated[int, Query(alias="from", ge=1, le=2**63 - 1, description="较早的版本号")],
               to: Annotated[int, Query(ge=1, le=2**63 - 1, description="较新的版本号")],
               city: CityQ = None) -> TierListDiffOut | StreamingResponse:
    d, older, newer = await service.diff_versions(rt, from_, to, city)
    out = TierListDiffOut(
        from_number=from_, to_number=to, city=city, added=[entry_out(newer[u]) for u in d.added],
        removed=[entry_out(older[u]) for u in d.removed],
        tier_changed=[change_out("tier_changed", older[c.key], newer[c.key]) for c in d.changed],
        unchanged=d.unchanged)
    if xlsx:
        rows = ([change_out("added", None, newer[u]) for u in d.added]
                + [change_out("removed", older[u], None) for u in d.removed] + out.tier_changed)
        return await export_response(exports.TIER_LIST_DIFF, in_chunks(rows), f"第{from_}版至第{to}版")
    return out


@router.get("/tier-lists/{number}", response_model=TierListOut, tags=LISTS, responses=SHEET_RESPONSES,
            summary="某一版梯队名单 one version", description="`format=xlsx`：名单下载为 Excel 工作簿。")
async def get_list(number: Number, principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, city: CityQ = None
                   ) -> TierListOut | StreamingResponse:
    return await _answer(*await service.get_list(rt, number, city), city, xlsx)


def _list_out(version, entries, city: str | None) -> TierListOut:
    return TierListOut(**TierListVersionOut.model_validate(version).model_dump(), city=city,
                       entries=[entry_out(e) for e in entries])


async def _answer(version, entries, city: str | None, xlsx: bool) -> TierListOut | StreamingResponse:
    out = _list_out(version, entries, city)
    if xlsx:
        qualifier = f"第{out.number}版" + (f"_{city}" if city else "")
        return await export_response(exports.TIER_LIST, in_chunks(out.entries), qualifier)
    return out
