"""HTTP routes of the transfer service: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from libs.common import divisions
from libs.common.app import RT
from libs.common.auth import CurrentPrincipal, Principal, require_roles
from libs.common.fields import USCC, CityCode, RecordId, parse_uscc
from libs.common.identifiers import IdentifierError, validate_patent_number
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from libs.common.rules import RuleViolation
from libs.common.sheets import http as sheets_http
from services.transfer import carriers, exports, library, matching_events, needs, open_licences, policy, records
from services.transfer.domain import (
    CARRIER_KIND_NAMES,
    CARRIER_LEVEL_NAMES,
    HOST_KIND_NAMES,
    IPC_POINTS,
    KEYWORD_CAP,
    KEYWORD_EXACT,
    KEYWORD_IN_TEXT,
    KIND_NAMES,
    PARTY_KIND_NAMES,
    REVIEW_RESULT_NAMES,
    SAME_CITY,
    USE_FIRST_FOR_SME,
    CarrierKind,
    CarrierLevel,
    Kind,
    normalise_ipc,
)
from services.transfer.schemas import (
    BulkIn,
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
    MatchItem,
    MatchOut,
    MatchReason,
    NeedCreate,
    NeedOut,
    OpenLicenceCreate,
    OpenLicenceOut,
    RevokeIn,
    StatsOut,
    StatsRow,
    TransferCreate,
    TransferOut,
)
from services.transfer.sheets import TRANSFERS
from services.transfer.views import carrier_out, licence_out, to_out

router = APIRouter(prefix="/api/v1")
Writer = Annotated[Principal, Depends(require_roles(*policy.WRITERS))]
BulkWriter = Annotated[Principal, Depends(require_roles(*policy.BULK_WRITERS))]
T_RECORDS: list[str | Enum] = ["转让许可 transfers & licences"]
T_OPEN: list[str | Enum] = ["开放许可 open licences"]
T_LIBRARY: list[str | Enum] = ["可转化专利资源库 convertible patent library"]
T_NEEDS: list[str | Enum] = ["企业需求与匹配 needs & matching"]
T_EVENTS: list[str | Enum] = ["供需对接活动 matching events"]
T_CARRIERS: list[str | Enum] = ["创新载体与基地 innovation carriers"]
SCORING = (f"IPC：同组 {IPC_POINTS['group']} 分，同小类 {IPC_POINTS['subclass']} 分，"
           f"同大类 {IPC_POINTS['class']} 分（取最高一对）；"
           f"关键词：与条目关键词一致每个 {KEYWORD_EXACT} 分，出现在标题或简介中每个 {KEYWORD_IN_TEXT} 分，"
           f"合计至多 {KEYWORD_CAP} 分；"
           f"有技术匹配时另加：同一市州 {SAME_CITY} 分，先使用后付费且需求企业为中小微企业 {USE_FIRST_FOR_SME} 分。")


def _patent_query(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return validate_patent_number(value)
    except IdentifierError as exc:
        raise RuleViolation(exc.rule, exc.message, field="patent") from None


# ---------------------------------------------------------------------------- transfer records

@router.post("/transfers", status_code=201, response_model=TransferOut, response_model_by_alias=True, tags=T_RECORDS,
             summary="登记专利转让/许可 register a transfer or licence")
async def create_transfer(body: TransferCreate, principal: Writer, rt: RT, response: Response) -> TransferOut:
    rec = await records.register(rt, principal, body)
    response.headers["Location"] = f"/api/v1/transfers/{rec.id}"
    return to_out(rec)


@router.post("/transfers/bulk", response_model=BulkOut, tags=T_RECORDS,
             summary="批量导入转让许可记录 bulk import (JSON, .xlsx or .csv; per-row errors)",
             description="逐行校验；默认写入全部合法行（一个事务），不合法行不写入并逐行报告错误（行号、字段、规则、说明）。"
                         "atomic=true 时任一行不合法则全部不写入，返回 422 及全部行错误；dry_run=true 只校验不写入。"
                         "每写入一行发布一条 ipp.transfer.record.registered.v1 事件。"
                         "也可上传模板格式的 .xlsx 或 .csv（multipart 字段 file），错误另注明 Excel 行号与列名；"
                         "Accept 为 xlsx 时返回标注错误的工作簿。",
             openapi_extra=sheets_http.openapi(BulkIn, "转让许可记录"))
async def bulk_transfers(request: Request, principal: BulkWriter, rt: RT,
                         atomic: Annotated[bool, Query(description="全部成功才写入")] = False,
                         dry_run: Annotated[bool, Query(description="只校验、不写入")] = False) -> Response:
    max_rows = rt.settings.bulk_max_rows
    bulk = await sheets_http.read_bulk(request, BulkIn, "records", TRANSFERS, max_rows)
    if len(bulk.body.records) > max_rows:
        raise RuleViolation("bulk.too_many", f"单次最多导入 {max_rows} 行", field="records")
    return await sheets_http.run(request, bulk.sheet, lambda: records.bulk_register(
        rt, principal, bulk.body.records, atomic, dry_run), dry_run)


@router.get("/transfers/bulk/template", tags=T_RECORDS, response_class=Response,
            summary="批量导入模板 the import template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def transfer_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(TRANSFERS, "专利转让许可记录-导入模板.xlsx")


@router.get("/transfers", response_model=Page[TransferOut], response_model_by_alias=True, tags=T_RECORDS,
            summary="转让许可记录 list (city officers see their city)", responses=SHEET_RESPONSES)
async def list_transfers(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    year: Annotated[int | None, Query(ge=1985, le=2100)] = None,
    kind: Annotated[Kind | None, Query()] = None,
    uscc: Annotated[str | None, Query(description="任一方的信用代码")] = None,
    patent: Annotated[str | None, Query(description="涉及的专利申请号")] = None,
    university_origin: Annotated[bool | None, Query(description="让与/许可方为高校院所")] = None,
    status: Annotated[Literal["registered", "cancelled"] | None, Query()] = None,
    batch_id: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=100, description="名称或编号包含")] = None,
) -> Page[TransferOut] | StreamingResponse:
    page.shape(exports.TRANSFERS, to_out)
    rows, total = await records.search_records(
        rt, principal, page, city=city, year=year, kind=kind.value if kind else None,
        uscc=parse_uscc(uscc) if uscc else None, patent=_patent_query(patent), university_origin=university_origin,
        status=status, batch_id=batch_id, q=q)
    return page.answer(rows, total)


@router.get("/transfers/stats", response_model=StatsOut, tags=T_RECORDS,
            summary="年度统计 records of a year by city and kind (counts, patents, university origin, amounts)")
async def transfer_stats(principal: CurrentPrincipal, rt: RT, year: Annotated[int, Query(ge=1985, le=2100)],
                         city: Annotated[CityCode | None, Query()] = None) -> StatsOut:
    city, rows = await records.stats(rt, principal, year, city)
    return StatsOut(year=year, city=city,
                    records=sum(r["records"] for r in rows), rows=[StatsRow(**r) for r in rows])


@router.get("/transfers/{record_id}", response_model=TransferOut, response_model_by_alias=True, tags=T_RECORDS,
            summary="转让许可记录详情 one record")
async def get_transfer(record_id: Annotated[str, Path(max_length=32)], principal: CurrentPrincipal,
                       rt: RT) -> TransferOut:
    return to_out(await records.get_record(rt, principal, record_id))


@router.post("/transfers/{record_id}/cancel", response_model=TransferOut, response_model_by_alias=True,
             tags=T_RECORDS, summary="撤销记录（录入错误、合同解除） cancel a record")
async def cancel_transfer(record_id: Annotated[str, Path(max_length=32)], body: CancelIn, principal: Writer,
                          rt: RT) -> TransferOut:
    return to_out(await records.cancel_record(rt, principal, record_id, body.reason))


# ---------------------------------------------------------------------------- open licences

@router.post("/open-licences", status_code=201, response_model=OpenLicenceOut, tags=T_OPEN,
             summary="发布开放许可声明 publish an open licence")
async def publish_open_licence(body: OpenLicenceCreate, principal: Writer, rt: RT) -> OpenLicenceOut:
    return licence_out(await open_licences.publish_open_licence(rt, principal, body), 0)


@router.get("/open-licences", response_model=Page[OpenLicenceOut], tags=T_OPEN,
            summary="开放许可清单 open licences (readable by every signed-in role)", responses=SHEET_RESPONSES)
async def list_open_licences(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query()] = None,
    status: Annotated[Literal["active", "withdrawn"] | None, Query()] = None,
    in_force: Annotated[bool | None, Query(description="今天在有效期内且未撤回")] = None,
    patent: Annotated[str | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[OpenLicenceOut] | StreamingResponse:
    page.shape(exports.OPEN_LICENCES, lambda counted: licence_out(*counted), open_licences.with_licensees)
    rows, total = await open_licences.search_open_licences(rt, page, city=city, status=status, in_force=in_force,
                                                           patent=_patent_query(patent), q=q)
    return page.answer(rows, total)


@router.get("/open-licences/{licence_id}", response_model=OpenLicenceOut, tags=T_OPEN, summary="开放许可详情")
async def get_open_licence(licence_id: RecordId, principal: CurrentPrincipal, rt: RT) -> OpenLicenceOut:
    return licence_out(*await open_licences.get_open_licence(rt, licence_id))


@router.post("/open-licences/{licence_id}/withdraw", response_model=OpenLicenceOut, tags=T_OPEN,
             summary="撤回开放许可声明 withdraw")
async def withdraw_open_licence(licence_id: RecordId, body: CancelIn, principal: Writer, rt: RT) -> OpenLicenceOut:
    lic = await open_licences.withdraw_open_licence(rt, principal, licence_id, body.reason)
    return licence_out(*await open_licences.get_open_licence(rt, lic.id))


# ---------------------------------------------------------------------------- convertible patent library

@router.post("/library", status_code=201, response_model=LibraryEntryOut, tags=T_LIBRARY,
             summary="入库可转化专利 list patents in the library")
async def create_entry(body: LibraryEntryCreate, principal: Writer, rt: RT) -> LibraryEntryOut:
    return LibraryEntryOut.model_validate(await library.list_entry(rt, principal, body))


@router.get("/library", response_model=Page[LibraryEntryOut], tags=T_LIBRARY,
            summary="可转化专利资源库 browse the library (every signed-in role)", responses=SHEET_RESPONSES)
async def list_entries(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query()] = None,
    status: Annotated[Literal["available", "withdrawn"] | None, Query()] = None,
    ipc: Annotated[str | None, Query(description="IPC 小类或组前缀，如 H01M 或 H01M 4/")] = None,
    keyword: Annotated[str | None, Query(max_length=30)] = None,
    owner_kind: Annotated[Literal["enterprise", "university", "institute", "other_enterprise", "individual", "other"]
                          | None, Query()] = None,
    use_first_pay_later: Annotated[bool | None, Query()] = None,
) -> Page[LibraryEntryOut] | StreamingResponse:
    page.shape(exports.LIBRARY, LibraryEntryOut.model_validate)
    ipc_prefix = None if ipc is None else ipc.strip().upper() if "/" in ipc else normalise_ipc(ipc)  # 422 ipc.format
    rows, total = await library.search_entries(rt, page, city=city, status=status, ipc=ipc_prefix, keyword=keyword,
                                               owner_kind=owner_kind, use_first_pay_later=use_first_pay_later)
    return page.answer(rows, total)


@router.get("/library/{entry_id}", response_model=LibraryEntryOut, tags=T_LIBRARY, summary="资源库条目详情")
async def get_entry(entry_id: RecordId, principal: CurrentPrincipal, rt: RT) -> LibraryEntryOut:
    return LibraryEntryOut.model_validate(await library.get_entry(rt, entry_id))


@router.post("/library/{entry_id}/withdraw", response_model=LibraryEntryOut, tags=T_LIBRARY,
             summary="撤回资源库条目 withdraw")
async def withdraw_entry(entry_id: RecordId, body: CancelIn, principal: Writer, rt: RT) -> LibraryEntryOut:
    return LibraryEntryOut.model_validate(await library.withdraw_entry(rt, principal, entry_id, body.reason))


# ---------------------------------------------------------------------------- needs and matching

@router.post("/needs", status_code=201, response_model=NeedOut, tags=T_NEEDS,
             summary="登记企业技术需求 register an enterprise need")
async def create_need(body: NeedCreate, principal: Writer, rt: RT) -> NeedOut:
    return NeedOut.model_validate(await needs.register_need(rt, principal, body))


@router.get("/needs", response_model=Page[NeedOut], tags=T_NEEDS,
            summary="企业需求库 needs (city officers: their city; agencies and province: all)",
            responses=SHEET_RESPONSES)
async def list_needs(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query()] = None,
    status: Annotated[Literal["open", "resolved", "withdrawn"] | None, Query()] = None,
    uscc: Annotated[str | None, Query()] = None,
) -> Page[NeedOut] | StreamingResponse:
    page.shape(exports.NEEDS, NeedOut.model_validate)
    rows, total = await needs.search_needs(rt, principal, page, city=city, status=status,
                                           uscc=parse_uscc(uscc) if uscc else None)
    return page.answer(rows, total)


@router.get("/needs/{need_id}", response_model=NeedOut, tags=T_NEEDS, summary="企业需求详情")
async def get_need(need_id: RecordId, principal: CurrentPrincipal, rt: RT) -> NeedOut:
    return NeedOut.model_validate(await needs.get_need(rt, principal, need_id))


@router.post("/needs/{need_id}/close", response_model=NeedOut, tags=T_NEEDS,
             summary="关闭需求（已解决/撤回） close a need")
async def close_need(need_id: RecordId, body: CloseNeedIn, principal: Writer, rt: RT) -> NeedOut:
    return NeedOut.model_validate(await needs.close_need(rt, principal, need_id, body))


@router.get("/needs/{need_id}/matches", response_model=MatchOut, tags=T_NEEDS, responses=SHEET_RESPONSES,
            summary="为需求匹配资源库专利 rank library entries for a need", description=SCORING)
async def match_need(need_id: RecordId, principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                     limit: Annotated[int, Query(ge=1, le=100)] = 10) -> MatchOut | StreamingResponse:
    ranked = await needs.match_need(rt, principal, need_id, limit)
    out = MatchOut(need_id=need_id, scoring=SCORING, items=[
        MatchItem(score=s.score,
                  reasons=[MatchReason(rule=r.rule, points=r.points, detail=r.detail) for r in s.reasons],
                  entry=LibraryEntryOut.model_validate(e)) for s, e in ranked])
    return await export_response(exports.MATCHES, in_chunks(out.items), f"{need_id}") if xlsx else out


# ---------------------------------------------------------------------------- matching events

@router.post("/matching-events", status_code=201, response_model=MatchingEventOut, tags=T_EVENTS,
             summary="计划供需对接活动 plan a matching event")
async def plan_event(body: MatchingEventCreate, principal: Writer, rt: RT) -> MatchingEventOut:
    return MatchingEventOut.model_validate(await matching_events.plan_matching_event(rt, principal, body))


@router.get("/matching-events", response_model=Page[MatchingEventOut], tags=T_EVENTS,
            summary="供需对接活动 matching events (every signed-in role)", responses=SHEET_RESPONSES)
async def list_events(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: Annotated[Literal["planned", "held", "cancelled"] | None, Query()] = None,
    ref: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[MatchingEventOut] | StreamingResponse:
    page.shape(exports.MATCHING_EVENTS, MatchingEventOut.model_validate)
    rows, total = await matching_events.search_matching_events(rt, page, city=city, year=year, status=status, ref=ref)
    return page.answer(rows, total)


@router.get("/matching-events/{event_id}", response_model=MatchingEventOut, tags=T_EVENTS, summary="对接活动详情")
async def get_event(event_id: RecordId, principal: CurrentPrincipal, rt: RT) -> MatchingEventOut:
    return MatchingEventOut.model_validate(await matching_events.get_matching_event(rt, event_id))


@router.post("/matching-events/{event_id}/held", response_model=MatchingEventOut, tags=T_EVENTS,
             summary="登记活动举办结果 record that it was held (counts towards the ≥ 4 a year)")
async def hold_event(event_id: RecordId, body: HeldIn, principal: Writer, rt: RT) -> MatchingEventOut:
    return MatchingEventOut.model_validate(await matching_events.hold_matching_event(rt, principal, event_id, body))


@router.post("/matching-events/{event_id}/cancel", response_model=MatchingEventOut, tags=T_EVENTS,
             summary="取消计划中的活动 cancel a planned event")
async def cancel_event(event_id: RecordId, body: CancelIn, principal: Writer, rt: RT) -> MatchingEventOut:
    mev = await matching_events.cancel_matching_event(rt, principal, event_id, body.reason)
    return MatchingEventOut.model_validate(mev)


# ---------------------------------------------------------------------------- innovation carriers

@router.post("/carriers", status_code=201, response_model=CarrierOut, tags=T_CARRIERS,
             summary="登记认定的载体 enter an approved carrier (national/provincial: province admin; city-level: "
                     "the city's officer)")
async def approve_carrier(body: CarrierCreate, principal: Writer, rt: RT) -> CarrierOut:
    return carrier_out(*await carriers.approve_carrier(rt, principal, body))


@router.get("/carriers", response_model=Page[CarrierOut], tags=T_CARRIERS,
            summary="载体名录 the carriers register (province-wide roles; a city officer their city's)",
            responses=SHEET_RESPONSES)
async def list_carriers(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    kind: Annotated[CarrierKind | None, Query()] = None,
    city: Annotated[CityCode | None, Query()] = None,
    level: Annotated[CarrierLevel | None, Query()] = None,
    status: Annotated[Literal["approved", "operating", "revoked"] | None, Query()] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="认定年度")] = None,
    host_uscc: Annotated[USCC | None, Query()] = None,
) -> Page[CarrierOut] | StreamingResponse:
    page.shape(exports.CARRIERS, lambda row: carrier_out(*row), carriers.with_reviews)
    rows, total = await carriers.search_carriers(rt, principal, page, kind=kind, city=city, level=level, status=status,
                                                 year=year, host_uscc=host_uscc)
    return page.answer(rows, total)


@router.get("/carriers/{carrier_id}", response_model=CarrierOut, tags=T_CARRIERS, summary="载体详情")
async def get_carrier(carrier_id: RecordId, principal: CurrentPrincipal, rt: RT) -> CarrierOut:
    return carrier_out(*await carriers.get_carrier(rt, principal, carrier_id))


@router.post("/carriers/{carrier_id}/established", response_model=CarrierOut, tags=T_CARRIERS,
             summary="登记建成运行 record that it started operating")
async def establish_carrier(carrier_id: RecordId, body: EstablishIn, principal: Writer, rt: RT) -> CarrierOut:
    return carrier_out(*await carriers.establish_carrier(rt, principal, carrier_id, body))


@router.post("/carriers/{carrier_id}/reviews", response_model=CarrierOut, tags=T_CARRIERS,
             summary="登记年度评价 record a yearly review (优秀/合格/不合格)")
async def review_carrier(carrier_id: RecordId, body: CarrierReviewIn, principal: Writer, rt: RT) -> CarrierOut:
    return carrier_out(*await carriers.review_carrier(rt, principal, carrier_id, body))


@router.post("/carriers/{carrier_id}/revoke", response_model=CarrierOut, tags=T_CARRIERS,
             summary="撤销认定 revoke, with the reason")
async def revoke_carrier(carrier_id: RecordId, body: RevokeIn, principal: Writer, rt: RT) -> CarrierOut:
    return carrier_out(*await carriers.revoke_carrier(rt, principal, carrier_id, body))


@router.get("/reference", tags=["参考数据 reference"], summary="代码表 code tables")
async def reference(principal: CurrentPrincipal) -> dict:
    return {"cities": divisions.CITIES, "kinds": {k.value: n for k, n in KIND_NAMES.items()},
            "party_kinds": {k.value: n for k, n in PARTY_KIND_NAMES.items()},
            "regions": {"hubei": "湖北省内", "other_province": "省外", "foreign": "境外"},
            "payments": {"lump_sum": "一次性支付", "instalments": "分期支付", "royalty": "提成",
                         "use_first_pay_later": "先使用后付费", "free": "免费"},
            "fee_kinds": {"free": "免费", "lump_sum": "每年固定许可费", "royalty": "按销售额提成"},
            "matching_scoring": SCORING,
            "carrier_kinds": {k.value: n for k, n in CARRIER_KIND_NAMES.items()},
            "carrier_levels": {k.value: n for k, n in CARRIER_LEVEL_NAMES.items()},
            "carrier_host_kinds": {k.value: n for k, n in HOST_KIND_NAMES.items()},
            "carrier_review_results": {k.value: n for k, n in REVIEW_RESULT_NAMES.items()}}
