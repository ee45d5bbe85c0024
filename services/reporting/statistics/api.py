"""HTTP routes of official statistics: elements, data value sets (JSON, CSV, .xlsx), approvals."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from libs.common.app import RT
from libs.common.auth import CurrentPrincipal, Role, ensure_city_access
from libs.common.errors import Forbidden, ProblemError, field_error
from libs.common.list_export import SHEET_RESPONSES, WantsSheet, export_response, in_chunks
from libs.common.rules import RuleViolation
from libs.common.sheets import Sheet
from libs.common.sheets import http as sheets_http
from services.reporting import exports
from services.reporting.statistics import service
from services.reporting.statistics.catalogue import ELEMENTS
from services.reporting.statistics.domain import RowProblem, check_org_unit, check_period
from services.reporting.statistics.schemas import (
    ApprovalIn,
    ApprovalOut,
    DataValueOut,
    DataValueSetIn,
    ImportSummary,
    ReopenIn,
)
from services.reporting.statistics.upload import conflict_errors, locate, read_sheet, result_workbook

router = APIRouter(prefix="/api/v1/statistics", tags=["统计数据 statistics"])
MAX_UPLOAD = 20 * 1024 * 1024



_BODY_DOC = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/DataValueSetIn"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": ".xlsx 或 .csv：element, period, org_unit, value"},
        "period": {"type": "string"}, "org_unit": {"type": "string"}, "source_system": {"type": "string"}}}}}},
    "responses": {"200": {"content": {sheets_http.XLSX_MEDIA_TYPE: {
        "schema": {"type": "string", "format": "binary"},
        "description": "上传文件且 Accept 为 xlsx（或 format=xlsx）时：上传的行加“错误”列，"
                       "错误单元格标红，另有“汇总”页"}}}}}


@router.get("/elements", summary="统计数据元素目录 the data-element catalogue", response_model=list[dict],
            responses=SHEET_RESPONSES)
async def elements(principal: CurrentPrincipal, xlsx: WantsSheet) -> list[dict] | StreamingResponse:
    rows = [e.as_dict() for e in ELEMENTS.values()]
    return await export_response(exports.ELEMENTS, in_chunks(rows)) if xlsx else rows


class _SheetRejected(ProblemError):
    """An uploaded sheet whose rows do not validate as a data value set (kept for its result workbook)."""

    def __init__(self, sheet: Sheet, errors: list[dict[str, Any]]) -> None:
        super().__init__(422, "validation-error", "请求参数校验失败", "上传文件中有不合法的行", errors=errors)
        self.sheet = sheet


async def _value_set(request: Request) -> tuple[DataValueSetIn, Sheet | None]:
    kind = request.headers.get("content-type", "")
    sheet: Sheet | None = None
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise RuleViolation("file.required", "请上传 .xlsx 或 .csv 文件（表单字段 file）", field="file")
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise RuleViolation("file.size", "文件不能超过 20 MB", field="file")
        sheet = read_sheet(upload.filename or "", data)
        doc: dict[str, Any] = {"values": [sheet.spec.build(r.values) for r in sheet.rows]}
        for name in ("period", "org_unit", "source_system"):
            if form.get(name):
                doc[name] = str(form.get(name))
    else:
        try:
            doc = await request.json()
        except ValueError:
            raise RuleViolation("json.invalid", "请求体不是合法的 JSON", field="body") from None
    try:
        return DataValueSetIn.model_validate(doc), sheet
    except ValidationError as exc:
        errors = [field_error(".".join(str(p) for p in e["loc"]) or "body", e["type"], e["msg"])
                  for e in exc.errors()[:100]]
        if sheet is not None:  # rows named as Excel shows them
            raise _SheetRejected(sheet, sheets_http.annotate(sheet, errors, "values")) from None
        raise ProblemError(422, "validation-error", "请求参数校验失败", "数据集格式不正确", errors=errors) from None


@router.post("/datavaluesets", response_model=ImportSummary, openapi_extra=_BODY_DOC,
             summary="报送统计数据 submit a data value set (JSON, CSV or .xlsx)",
             description="对接系统、省级管理员可报送任何组织机构；市州用户只能报送本市州。逐行校验，返回导入摘要："
                         "`status`（SUCCESS / WARNING / ERROR）、`counts`（imported / updated / ignored）"
                         "和 `conflicts`。"
                         "`dry_run=true` 只校验不写入；`atomic=true` 有任何冲突则全部不写入。已审核锁定的数据不能修改。"
                         "重复报送相同数据不产生变化。"
                         "上传文件并要求 xlsx（Accept 或 `format=xlsx`）时返回导入结果工作簿，"
                         "状态码同导入摘要（200，或无一写入时 422 / 409）。")
async def submit(request: Request, principal: CurrentPrincipal, rt: RT,
                 dry_run: Annotated[bool, Query(description="只校验、不写入")] = False,
                 atomic: Annotated[bool, Query(description="有冲突则全部不写入")] = False):
    as_workbook = sheets_http.wants_xlsx(request)
    try:
        body, sheet = await _value_set(request)
    except _SheetRejected as exc:  # an uploaded sheet whose rows do not make a data value set
        if not as_workbook:
            raise
        return result_workbook(exc.sheet, [e for e in exc.errors or [] if isinstance(e.get("row"), int)],
                               {"status": "ERROR", "dry_run": dry_run}, exc.status)
    try:
        summary, status = await service.submit(rt, principal, body, dry_run=dry_run, atomic=atomic)
    except ProblemError as exc:
        if sheet is None or not isinstance(exc.extra.get("conflicts"), list):
            raise
        locate(sheet, exc.extra["conflicts"])
        if as_workbook:
            return result_workbook(sheet, conflict_errors(exc.extra["conflicts"]),
                                   {"status": "ERROR", "dry_run": dry_run, "counts": exc.extra.get("counts")},
                                   exc.status)
        raise
    if sheet is not None:
        locate(sheet, summary.get("conflicts") or [])
        if as_workbook:
            return result_workbook(sheet, conflict_errors(summary.get("conflicts") or []), summary, status)
    return JSONResponse(summary, status_code=status)


@router.get("/datavaluesets", response_model=list[DataValueOut], summary="已报送的统计数据 submitted values",
            responses=SHEET_RESPONSES)
async def values(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                 period: Annotated[str | None, Query(max_length=10)] = None,
                 org_unit: Annotated[str | None, Query(max_length=10)] = None,
                 element: Annotated[str | None, Query(max_length=50)] = None
                 ) -> list[DataValueOut] | StreamingResponse:
    period_code = _period(period) if period is not None else None
    org_unit_code = _org_unit(org_unit) if org_unit is not None else None
    # Submitted values include drafts not yet approved: the province sees every org unit, a city
    # officer their own city's; banks and agencies see approved figures through the indicators.
    own_city_only = not principal.sees_all_cities()
    if own_city_only:
        if principal.role != Role.CITY_OFFICER:
            raise Forbidden("未审核的统计数据仅对省局和市州统计报送人员开放；已审核数据见指标接口")
        if org_unit_code is not None:
            ensure_city_access(principal, org_unit_code)
    rows = await service.submitted_values(rt, period_code, org_unit_code, element,
                                          own_city_only=own_city_only, city=principal.city)
    if xlsx:
        return await export_response(exports.DATA_VALUES, in_chunks(rows))
    return rows


@router.post("/approvals", response_model=ApprovalOut, summary="审核并锁定 approve (and lock) a period and org unit",
             description="仅省级管理员。审核后该期该组织机构的数据锁定，并作为事件进入指标计算。")
async def approve(body: ApprovalIn, principal: CurrentPrincipal, rt: RT) -> ApprovalOut:
    return service.approval_out(await service.approve(rt, principal, body.period, body.org_unit))


@router.post("/reopenings", response_model=ApprovalOut, summary="重新开放已审核数据 re-open an approved period",
             description="仅省级管理员，须说明原因。重新开放后可更正数据；指标仍显示上次审核的值，直至再次审核。")
async def reopen(body: ReopenIn, principal: CurrentPrincipal, rt: RT) -> ApprovalOut:
    return service.approval_out(await service.reopen(rt, principal, body.period, body.org_unit, body.reason))


@router.get("/approvals", response_model=list[ApprovalOut], summary="审核状态 approval states",
            responses=SHEET_RESPONSES)
async def approvals(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                    period: Annotated[str | None, Query(max_length=10)] = None
                    ) -> list[ApprovalOut] | StreamingResponse:
    rows = await service.approvals(rt, _period(period) if period is not None else None)
    if xlsx:
        return await export_response(exports.APPROVALS, in_chunks(rows))
    return rows


def _period(code: str) -> str:
    try:
        return check_period(code).code
    except RowProblem as e:
        raise RuleViolation(e.rule, e.message, field="period") from None


def _org_unit(code: str) -> str:
    try:
        return check_org_unit(code)
    except RowProblem as e:
        raise RuleViolation(e.rule, e.message, field="org_unit") from None
