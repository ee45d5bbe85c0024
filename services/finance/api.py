"""HTTP routes of the finance service: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from libs.common import divisions
from libs.common.app import RT
from libs.common.auth import CurrentPrincipal
from libs.common.fields import CityCode, TermDate, parse_uscc
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from libs.common.sheets import http as sheets_http
from services.finance import exports, service
from services.finance.domain import (
    ACTIVITY_KIND_NAMES,
    CHAINS,
    ITEM_KIND_NAMES,
    LOAN_STATUS_NAMES,
    RISK_SHARING_NAMES,
    ActivityKind,
    LoanStatus,
)
from services.finance.policy import ActivityWriter, LoanReader, LoanWriter, ProvinceAdmin
from services.finance.schemas import (
    ActivityCancelIn,
    ActivityCreate,
    ActivityOut,
    CancelIn,
    CreditLineChangeOut,
    DefaultIn,
    PledgeBulkIn,
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
from services.finance.sheets import PLEDGES as PLEDGE_SHEET
from services.finance.views import activity_out, entry_out, pledge_out

router = APIRouter(prefix="/api/v1")
LoanId = Annotated[int, Path(ge=1, le=2**63 - 1, description="贷款编号")]
YearQ = Annotated[int | None, Query(ge=2000, le=2100, description="年度（质押登记日期所在年）")]

PLEDGES: list[str | Enum] = ["质押贷款 pledge loans"]
MAX_BULK_ROWS = 2000  # PledgeBulkIn.rows
WHITELIST: list[str | Enum] = ["授信白名单 credit white-list"]
ACTIVITIES: list[str | Enum] = ["对接活动与路演 matchmaking and roadshows"]



# ================================================================================== pledge loans

@router.post("/pledges", status_code=201, response_model=PledgeOut, tags=PLEDGES,
             summary="登记质押贷款 register a pledge loan",
             description="银行登记本行发放的贷款（贷款银行即令牌的 org）；"
                         "市州可代为登记本市州企业的贷款（须填写贷款银行）。"
                         "企业须已在企业库登记（否则 422 enterprise-registered）；"
                         "正在质押期间的专利/商标不得重复质押（409）。")
async def create_pledge(body: PledgeCreate, principal: LoanWriter, rt: RT, response: Response) -> PledgeOut:
    loan = await service.register_pledge(rt, principal, body)
    response.headers["Location"] = f"/api/v1/pledges/{loan.id}"
    return pledge_out(loan)


@router.post("/pledges/bulk", response_model=PledgeBulkOut, tags=PLEDGES,
             summary="批量导入质押贷款 import a bank's report (JSON, .xlsx or .csv)",
             description="每行按单笔登记的规则校验。默认写入合格行（一个事务）、逐行报告错误；"
                         "atomic=true 时任一行有错则全部不写入"
                         "（422 bulk-rejected）；dry_run=true 只校验不写入。"
                         "已登记的合同号报告为 pledge.duplicate_contract，可重复提交同一报表。"
                         "也可上传模板格式的 .xlsx 或 .csv（multipart 字段 file），错误另注明 Excel 行号与列名；"
                         "Accept 为 xlsx 时返回标注错误的工作簿。",
             openapi_extra=sheets_http.openapi(PledgeBulkIn, "质押贷款"))
async def import_pledges(request: Request, principal: LoanWriter, rt: RT,
                         atomic: Annotated[bool, Query(description="任一行有错则全部不写入")] = False,
                         dry_run: Annotated[bool, Query(description="只校验、不写入")] = False) -> Response:
    bulk = await sheets_http.read_bulk(request, PledgeBulkIn, "rows", PLEDGE_SHEET, MAX_BULK_ROWS)

    async def call() -> PledgeBulkOut:
        written, errors = await service.import_pledges(rt, principal, bulk.body.rows, atomic, dry_run)
        return PledgeBulkOut(dry_run=dry_run, rows=len(bulk.body.rows),
                             written=[{"row": r, "id": i} for r, i in written], errors=errors)

    return await sheets_http.run(request, bulk.sheet, call, dry_run)


@router.get("/pledges/bulk/template", tags=PLEDGES, response_class=Response,
            summary="质押贷款导入模板 the import template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def pledge_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(PLEDGE_SHEET, "知识产权质押贷款-导入模板.xlsx")


@router.get("/pledges", response_model=Page[PledgeOut], tags=PLEDGES, summary="质押贷款列表 list loans",
            description="银行只看到本行贷款，市州只看到本市州企业的贷款。", responses=SHEET_RESPONSES)
async def list_pledges(
    principal: LoanReader, rt: RT, page: Listing, year: YearQ = None,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    status: Annotated[LoanStatus | None, Query(description="状态")] = None,
    uscc: Annotated[str | None, Query(description="企业统一社会信用代码")] = None,
    lender_bank: Annotated[str | None, Query(max_length=64, description="贷款银行标识")] = None,
    is_private: Annotated[bool | None, Query(description="是否民营企业")] = None,
    maturing_before: Annotated[TermDate | None, Query(description="在此日期前到期、仍在质押期间的贷款")] = None,
) -> Page[PledgeOut] | StreamingResponse:
    page.shape(exports.PLEDGES, pledge_out)
    rows, total = await service.list_pledges(
        rt, principal, page, city=city, status=status.value if status else None, year=year,
        uscc=parse_uscc(uscc) if uscc else None, lender_bank=lender_bank, is_private=is_private,
        maturing_before=maturing_before)
    return page.answer(rows, total)


@router.get("/pledges/summary", response_model=PledgeSummary, tags=PLEDGES,
            summary="年度质押融资汇总 a year's totals",
            description="按市州、风险分担方式、贷款银行汇总（不含已撤销的登记）；民营项目占比对照“超过 50%”的要求。")
async def pledge_summary(principal: LoanReader, rt: RT,
                         year: Annotated[int, Query(ge=2000, le=2100, description="年度")],
                         city: Annotated[CityCode | None, Query(description="市州代码")] = None) -> PledgeSummary:
    return await service.summarise_pledges(rt, principal, year, city)


@router.get("/pledges/{loan_id}", response_model=PledgeOut, tags=PLEDGES, summary="质押贷款详情 one loan")
async def get_pledge(loan_id: LoanId, principal: LoanReader, rt: RT) -> PledgeOut:
    return pledge_out(await service.get_pledge(rt, principal, loan_id))


@router.post("/pledges/{loan_id}/release", response_model=PledgeOut, tags=PLEDGES,
             summary="解除质押 release the pledge (repaid)",
             description="仅“已登记”的贷款可解除；融资额仍计入登记年度。")
async def release_pledge(loan_id: LoanId, body: ReleaseIn, principal: LoanWriter, rt: RT) -> PledgeOut:
    return pledge_out(await service.change_status(rt, principal, loan_id, LoanStatus.RELEASED, body.released_on))


@router.post("/pledges/{loan_id}/default", response_model=PledgeOut, tags=PLEDGES,
             summary="登记违约 record a default", description="仅“已登记”的贷款可登记违约；融资额仍计入登记年度。")
async def default_pledge(loan_id: LoanId, body: DefaultIn, principal: LoanWriter, rt: RT) -> PledgeOut:
    return pledge_out(await service.change_status(rt, principal, loan_id, LoanStatus.DEFAULTED, body.defaulted_on,
                                                  body.note))


@router.post("/pledges/{loan_id}/cancel", response_model=PledgeOut, tags=PLEDGES,
             summary="撤销错误登记 withdraw an erroneous registration",
             description="更正错误登记（如重复录入、金额错误后重新登记）：贷款不再计入统计，质押物释放。")
async def cancel_pledge(loan_id: LoanId, body: CancelIn, principal: LoanWriter, rt: RT) -> PledgeOut:
    return pledge_out(await service.change_status(rt, principal, loan_id, LoanStatus.CANCELLED, None, body.reason))


# ================================================================================== white-list

@router.post("/whitelists", status_code=201, response_model=WhitelistOut, tags=WHITELIST,
             summary="发布授信企业白名单 publish a new version",
             description="省局发布：版本号自动递增，发布后不可修改（数据库拒绝更新和删除）。企业须已在企业库登记。")
async def publish_whitelist(body: WhitelistPublish, principal: ProvinceAdmin, rt: RT,
                            response: Response) -> WhitelistOut:
    version = await service.publish_whitelist(rt, principal, body)
    response.headers["Location"] = f"/api/v1/whitelists/{version.number}"
    version, entries = await service.get_whitelist(rt, version.number, None)
    return _whitelist_out(version, entries)


@router.get("/whitelists", response_model=list[WhitelistVersionOut], tags=WHITELIST, responses=SHEET_RESPONSES,
            summary="白名单各版本 all published versions (newest first)")
async def list_whitelists(principal: CurrentPrincipal, rt: RT,
                          xlsx: WantsSheet) -> list[WhitelistVersionOut] | StreamingResponse:
    rows = [WhitelistVersionOut.model_validate(v) for v in await service.list_whitelists(rt)]
    return await export_response(exports.WHITELIST_VERSIONS, in_chunks(rows)) if xlsx else rows


@router.get("/whitelists/current", response_model=WhitelistOut, tags=WHITELIST,
            responses={404: {"description": "尚未发布任何白名单"}, **SHEET_RESPONSES},
            summary="现行白名单 the current (latest) version", description="`format=xlsx`：名单下载为 Excel 工作簿。")
async def current_whitelist(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                            city: Annotated[CityCode | None, Query(description="只列出该市州的企业")] = None
                            ) -> WhitelistOut | StreamingResponse:
    version, entries = await service.get_whitelist(rt, None, city)
    return await _whitelist_answer(version, entries, xlsx)


@router.get("/whitelists/diff", response_model=WhitelistDiffOut, tags=WHITELIST, responses=SHEET_RESPONSES,
            summary="两版白名单的差异 what changed between two versions",
            description="新增企业、移出企业、建议授信额度变化的企业。`format=xlsx`：每家有变化的企业一行。")
async def whitelist_diff(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                         from_: Annotated[int, Query(alias="from", ge=1, le=2**63 - 1, description="较早的版本号")],
                         to: Annotated[int, Query(ge=1, le=2**63 - 1, description="较新的版本号")]
                         ) -> WhitelistDiffOut | StreamingResponse:
    diff, older, newer = await service.diff_versions(rt, from_, to)
    if xlsx:  # one line per enterprise that changed: added, removed, then credit lines changed
        lines = [*({"change": "added", **entry_out(newer[u]).model_dump(), "after": newer[u].suggested_credit_line}
                   for u in diff.added),
                 *({"change": "removed", **entry_out(older[u]).model_dump(), "before": older[u].suggested_credit_line}
                   for u in diff.removed),
                 *({"change": "changed", "uscc": c.uscc, "enterprise_name": newer[c.uscc].enterprise_name,
                    "city": newer[c.uscc].city, "before": c.before, "after": c.after} for c in diff.changed)]
        return await export_response(exports.WHITELIST_DIFF, in_chunks(lines), f"第{from_}版至第{to}版")
    return WhitelistDiffOut(
        from_number=from_, to_number=to, added=[entry_out(newer[u]) for u in diff.added],
        removed=[entry_out(older[u]) for u in diff.removed],
        changed=[CreditLineChangeOut(uscc=c.uscc, enterprise_name=newer[c.uscc].enterprise_name, before=c.before,
                                     after=c.after) for c in diff.changed],
        unchanged=diff.unchanged)


@router.get("/whitelists/{number}", response_model=WhitelistOut, tags=WHITELIST, responses=SHEET_RESPONSES,
            summary="某一版白名单 one version", description="`format=xlsx`：名单下载为 Excel 工作簿。")
async def get_whitelist(number: Annotated[int, Path(ge=1, le=2**63 - 1, description="版本号")],
                        principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                        city: Annotated[CityCode | None, Query(description="只列出该市州的企业")] = None
                        ) -> WhitelistOut | StreamingResponse:
    version, entries = await service.get_whitelist(rt, number, city)
    return await _whitelist_answer(version, entries, xlsx)


def _whitelist_out(version, entries) -> WhitelistOut:
    return WhitelistOut(**WhitelistVersionOut.model_validate(version).model_dump(),
                        entries=[entry_out(e) for e in entries])


async def _whitelist_answer(version, entries, xlsx: bool) -> WhitelistOut | StreamingResponse:
    out = _whitelist_out(version, entries)
    if xlsx:  # the entries, laid out as a white-list publication lists them
        return await export_response(exports.WHITELIST, in_chunks(out.entries), f"第{out.number}版")
    return out


# ================================================================================== activities

@router.post("/activities", status_code=201, response_model=ActivityOut, tags=ACTIVITIES,
             summary="登记已举办的对接活动或路演 record a matchmaking event or roadshow",
             description="省局或举办地市州登记。路演须注明产业链，同一市州同一产业链每月一场（一月一链）。")
async def record_activity(body: ActivityCreate, principal: ActivityWriter, rt: RT, response: Response) -> ActivityOut:
    activity = await service.record_activity(rt, principal, body)
    response.headers["Location"] = f"/api/v1/activities/{activity.id}"
    return activity_out(activity)


@router.get("/activities", response_model=Page[ActivityOut], tags=ACTIVITIES, summary="活动列表 list activities",
            responses=SHEET_RESPONSES)
async def list_activities(
    principal: CurrentPrincipal, rt: RT, page: Listing, year: YearQ = None,
    kind: Annotated[ActivityKind | None, Query()] = None,
    city: Annotated[CityCode | None, Query(description="举办地市州")] = None,
    chain: Annotated[str | None, Query(max_length=10, description="产业链代码")] = None,
    include_cancelled: Annotated[bool, Query(description="包含已撤销的登记")] = False,
) -> Page[ActivityOut] | StreamingResponse:
    page.shape(exports.ACTIVITIES, activity_out)
    rows, total = await service.list_activities(rt, page, kind.value if kind else None, city, year, chain,
                                                include_cancelled)
    return page.answer(rows, total)


@router.get("/activities/{activity_id}", response_model=ActivityOut, tags=ACTIVITIES, summary="活动详情 one activity")
async def get_activity(activity_id: Annotated[int, Path(ge=1, le=2**63 - 1)], principal: CurrentPrincipal,
                       rt: RT) -> ActivityOut:
    return activity_out(await service.get_activity(rt, activity_id))


@router.post("/activities/{activity_id}/cancel", response_model=ActivityOut, tags=ACTIVITIES,
             summary="撤销错误登记的活动 withdraw an erroneous record")
async def cancel_activity(activity_id: Annotated[int, Path(ge=1, le=2**63 - 1)], body: ActivityCancelIn,
                          principal: ActivityWriter,
                          rt: RT) -> ActivityOut:
    return activity_out(await service.cancel_activity(rt, principal, activity_id, body.reason))


@router.get("/reference", tags=["参考数据 reference"], summary="代码表 code tables")
async def reference(principal: CurrentPrincipal) -> dict:
    return {"cities": divisions.CITIES, "item_kinds": {k.value: n for k, n in ITEM_KIND_NAMES.items()},
            "risk_sharing": {k.value: n for k, n in RISK_SHARING_NAMES.items()},
            "loan_statuses": {k.value: n for k, n in LOAN_STATUS_NAMES.items()},
            "activity_kinds": {k.value: n for k, n in ACTIVITY_KIND_NAMES.items()}, "chains": CHAINS}
