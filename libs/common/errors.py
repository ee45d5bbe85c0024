"""RFC 9457 problem details: every error a client sees is ``application/problem+json``."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from libs.common.field_errors import field_error as field_error  # re-exported: routes and services take it from here
from libs.common.rules import RuleViolation

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:ipp:problem:"

#: Chinese messages for pydantic's built-in error types (custom rules bring their own message).
_PYDANTIC_MESSAGES = {
    "missing": "缺少必填字段",
    "string_too_short": "长度不足",
    "string_too_long": "长度超出上限",
    "string_type": "应为字符串",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "bool_parsing": "应为布尔值",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "extra_forbidden": "不允许的字段",
    "json_invalid": "请求体不是合法的 JSON",
    "model_attributes_type": "请求体应为 JSON 对象",
    "dict_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "too_long": "元素过多",
    "too_short": "元素过少",
    "decimal_max_places": "小数位数过多",
    "decimal_max_digits": "数字位数过多",
    "decimal_whole_digits": "整数部分位数过多",
    "uuid_parsing": "应为 UUID",
    "string_pattern_mismatch": "格式不正确",
}


class ProblemError(Exception):
    """Raise from a use case or router; rendered as problem details."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.headers = headers
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.extra = extra


class NotFound(ProblemError):
    def __init__(self, what: str, key: str) -> None:
        super().__init__(404, "not-found", "资源不存在", f"{what} {key} 不存在")


class Conflict(ProblemError):
    def __init__(self, slug: str, detail: str, **extra: Any) -> None:
        super().__init__(409, slug, "操作与当前状态冲突", detail, **extra)


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, "forbidden", "无权执行此操作", detail)


class FieldInvalid(ProblemError):
    """A 422 for a rule checked outside request parsing (e.g. against stored state)."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(422, "validation-error", "请求参数校验失败", message,
                         errors=[field_error(field, rule, message)])


def problem_response(request: Request | None, status: int, slug: str, title: str, detail: str | None = None,
                     errors: list[dict[str, Any]] | None = None, headers: Mapping[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": TYPE_PREFIX + slug, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _loc_to_field(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        if len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts)


def validation_errors(exc: RequestValidationError | ValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        rule = err.get("type", "invalid")
        msg = err.get("msg", "")
        if rule in _PYDANTIC_MESSAGES:
            ctx = err.get("ctx") or {}
            msg = _PYDANTIC_MESSAGES[rule] + (f"（{_fmt_ctx(ctx)}）" if ctx else "")
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        out.append(field_error(_loc_to_field(err.get("loc", ())), rule, msg))
    return out


def _fmt_ctx(ctx: dict[str, Any]) -> str:
    return "，".join(f"{k}={v}" for k, v in ctx.items() if k != "error")


def rule_problem(exc: RuleViolation) -> ProblemError:
    """A broken rule as the problem a client sees: 422 naming the field, or 409 for a state conflict."""
    if exc.field:
        return FieldInvalid(exc.field, exc.code, exc.message)
    return Conflict(exc.code, exc.message, **exc.extra)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleViolation)
    async def _rule(request: Request, exc: RuleViolation) -> JSONResponse:
        problem = rule_problem(exc)
        return problem_response(request, problem.status, problem.slug, problem.title, problem.detail,
                                problem.errors, headers=problem.headers, **problem.extra)

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, exc.errors,
                                headers=exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = validation_errors(exc)
        fields = "、".join(sorted({e["field"] for e in errors}))
        return problem_response(request, 422, "validation-error", "请求参数校验失败", f"以下字段不合法：{fields}",
                                errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {401: "未认证", 403: "无权执行此操作", 404: "资源不存在", 405: "不支持的请求方法"}
        return problem_response(request, exc.status_code, f"http-{exc.status_code}",
                                titles.get(exc.status_code, "请求错误"), str(exc.detail) if exc.detail else None,
                                headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # still a problem document, and logged
        # The handler cannot know what the request did before it failed: it says only that it failed,
        # with an id that finds the log line (and its traceback) for whoever has to look.
        error_id = uuid.uuid4().hex
        log.exception("unhandled error %s on %s %s", error_id, request.method, request.url.path)
        return problem_response(request, 500, "internal-error", "服务器内部错误",
                                f"请求处理失败，请向运维人员提供错误编号 {error_id}", error_id=error_id)


async def get_or_404(session: Any, model: Any, key: Any, what: str, *, lock: bool = False) -> Any:
    """``session.get(model, key)``, or the 404 problem naming ``what`` (``"质押贷款"``) and the key;
    ``lock=True`` also locks the row until the transaction ends (``FOR UPDATE``: a change reads so)."""
    row = await session.get(model, key, with_for_update=True) if lock else await session.get(model, key)
    if row is None:
        raise NotFound(what, str(key))
    return row
