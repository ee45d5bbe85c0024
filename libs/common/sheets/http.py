"""The HTTP side of a bulk import: the same path takes JSON or an uploaded sheet (multipart field
``file``), and answers JSON or, when the request's ``Accept`` asks for xlsx, the result workbook.

An uploaded sheet becomes exactly the JSON body a client could have sent (``{rows_field: [...]}``),
validated by the same request model and imported by the same use case; its row errors are then given
the row number Excel shows (``sheet_row``) and the column's header (``column``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError

from libs.common.errors import FieldInvalid, ProblemError, problem_response, validation_errors
from libs.common.sheets import workbooks
from libs.common.sheets.reader import XLSX_SUFFIXES, Sheet, parse
from libs.common.sheets.spec import SheetSpec

M = TypeVar("M", bound=BaseModel)
XLSX_MEDIA_TYPE = workbooks.XLSX_MEDIA_TYPE


@dataclass
class BulkRequest(Generic[M]):
    body: M
    sheet: Sheet | None
    """The uploaded sheet, or ``None`` for a JSON request."""


def is_upload(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


def wants_xlsx(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return XLSX_MEDIA_TYPE in accept or request.query_params.get("format") == "xlsx"


async def read_upload(request: Request, spec: SheetSpec, max_rows: int) -> tuple[Sheet, dict[str, str]]:
    """The uploaded sheet's rows and the form's other (text) fields."""
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise FieldInvalid("file", "file.required", "请上传 .xlsx 或 .csv 文件（表单字段 file）")
    sheet = parse(upload.filename or "", await upload.read(), spec, max_rows)
    return sheet, {k: v for k, v in form.items() if isinstance(v, str)}


async def read_bulk(request: Request, model: type[M], rows_field: str, spec: SheetSpec,
                    max_rows: int) -> BulkRequest[M]:
    """The request as ``model``: its JSON body, or the uploaded sheet's rows under ``rows_field``."""
    sheet: Sheet | None = None
    if is_upload(request):
        sheet, _ = await read_upload(request, spec, max_rows)
        doc: Any = {rows_field: [spec.build(r.values) for r in sheet.rows]}
    else:
        try:
            doc = json.loads(await request.body())
        except ValueError:
            raise FieldInvalid("body", "json.invalid",
                               "请求体不是合法的 JSON（或以 multipart 上传文件 file）") from None
    try:
        return BulkRequest(model.model_validate(doc), sheet)
    except ValidationError as exc:
        if sheet is None:
            raise RequestValidationError(exc.errors()) from None
        errors = annotate(sheet, validation_errors(exc), rows_field)
        raise ProblemError(422, "validation-error", "请求参数校验失败", "上传文件中有不合法的行",
                           errors=errors) from None


def annotate(sheet: Sheet, errors: list[dict[str, Any]], rows_field: str | None = None) -> list[dict[str, Any]]:
    """Row errors (``row`` = index of the row in the upload, or a field ``{rows_field}.N.…``) with
    ``sheet_row`` and ``column``; an error on a cell that could not be read gets that cell's reason.
    Every such cell is reported."""
    reported: set[tuple[int, str]] = set()
    nested = re.compile(rf"^{re.escape(rows_field)}\.(\d+)(?:\.(.*))?$") if rows_field else None
    for e in errors:
        m = nested.match(str(e.get("field") or "")) if nested and not isinstance(e.get("row"), int) else None
        if m:
            e["row"], e["field"] = int(m[1]), m[2] or ""
        i = e.get("row")
        if not isinstance(i, int) or not 0 <= i < len(sheet.rows):
            continue
        row = sheet.rows[i]
        e["sheet_row"] = row.sheet_row
        column = sheet.spec.column_of(str(e.get("field") or ""))
        if column is None:
            continue
        e["column"] = sheet.label(column.code)
        bad = row.unreadable().get(column.code)
        if bad is not None:
            e["rule"], e["message"] = bad.rule, bad.message
            reported.add((i, column.code))
    for i, row in enumerate(sheet.rows):
        for code, bad in row.unreadable().items():
            if (i, code) not in reported:
                errors.append({"row": i, "field": code, "rule": bad.rule, "message": bad.message,
                               "sheet_row": row.sheet_row, "column": sheet.label(code)})
    errors.sort(key=lambda e: e.get("row", -1))
    return errors


def _summary(sheet: Sheet, result: dict[str, Any], errors: list[dict[str, Any]], dry_run: bool,
             status: int) -> dict[str, Any]:
    written = result.get("written")
    written_count = len(written) if isinstance(written, list) else written if isinstance(written, int) else None
    bad = len({e["row"] for e in errors if isinstance(e.get("row"), int)})
    summary: dict[str, Any] = {"文件": sheet.filename, "导入内容": sheet.spec.title, "数据行数": len(sheet.rows),
                               "有错误的行数": bad, "无错误的行数": len(sheet.rows) - bad}
    if dry_run:
        summary["写入"] = "试运行（dry_run）：未写入任何数据"
    elif status >= 400:
        summary["写入"] = "未写入（atomic=true：存在错误行）" if status == 422 else f"未写入（HTTP {status}）"
    elif written_count is not None:
        summary["已写入或更新的行数"] = written_count
    return summary


def _workbook(sheet: Sheet, result: dict[str, Any], errors: list[dict[str, Any]], dry_run: bool,
              status: int) -> Response:
    return result_response(sheet, errors, _summary(sheet, result, errors, dry_run, status), status)


def result_response(sheet: Sheet, errors: list[dict[str, Any]], summary: Mapping[str, Any],
                    status: int = 200) -> Response:
    """The result workbook of an import as the answer (for imports whose own summary differs from the
    bulk imports': statistics, targets): ``errors`` carry ``row`` (index into ``sheet.rows``), ``field``
    (a column code of ``sheet.spec``), ``message`` and ``column``."""
    name = f"{sheet.spec.title}-导入结果.xlsx"
    body = workbooks.result(sheet, errors, summary)
    return Response(body, status_code=status, media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def respond(request: Request, result: Any, sheet: Sheet | None, dry_run: bool = False,
            status: int = 200) -> Response:
    """The import's answer: JSON (with ``sheet_row``/``column`` on row errors of an upload) or the
    result workbook when the request asks for xlsx."""
    doc = jsonable_encoder(result, by_alias=True)
    if sheet is None or not isinstance(doc, dict):
        return JSONResponse(doc, status_code=status)
    doc["errors"] = annotate(sheet, list(doc.get("errors") or []))
    if wants_xlsx(request):
        return _workbook(sheet, doc, doc["errors"], dry_run, status)
    return JSONResponse(doc, status_code=status)


async def run(request: Request, sheet: Sheet | None, call: Callable[[], Awaitable[Any]],
              dry_run: bool = False, rows_field: str | None = None, status: int = 200) -> Response:
    """Run the import and :func:`respond`; a rejected import's (``atomic=true``) row errors are
    annotated the same way (and, asked for xlsx, come back as the result workbook with its status)."""
    try:
        result = await call()
    except ProblemError as exc:
        if sheet is None or not exc.errors:
            raise
        errors = annotate(sheet, list(exc.errors), rows_field)
        if wants_xlsx(request):
            return _workbook(sheet, {}, errors, dry_run, exc.status)
        return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, errors, headers=exc.headers,
                                **exc.extra)
    return respond(request, result, sheet, dry_run, status)


def template_response(spec: SheetSpec, filename: str) -> Response:
    return Response(workbooks.template(spec), media_type=XLSX_MEDIA_TYPE,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"})


def openapi(model: type[BaseModel], what: str) -> dict[str, Any]:
    """``openapi_extra`` of a bulk route: the JSON body ``model`` or a multipart upload, and the two answers."""
    # nested models are the API's own components (the single-record request they repeat)
    schema = json.loads(json.dumps(model.model_json_schema()).replace("#/$defs/", "#/components/schemas/"))
    schema.pop("$defs", None)
    suffixes = "、".join(XLSX_SUFFIXES[:2])
    return {
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": schema},
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                "file": {"type": "string", "format": "binary",
                         "description": f"{what}：{suffixes} 或 .csv（UTF-8 或 GBK），列见 …/bulk/template"}}}}}},
        "responses": {"200": {"content": {XLSX_MEDIA_TYPE: {
            "schema": {"type": "string", "format": "binary"},
            "description": "Accept 为 xlsx 时：上传的行加“错误”列，错误单元格标红，另有“汇总”页"}}}},
    }
