"""Every operation's OpenAPI entry names the problem responses it can give.

The services answer every error with an RFC 9457 problem document (``libs.common.errors``), but
FastAPI's generated document only knows the success response and its own ``HTTPValidationError``
422. ``declare_problem_responses(app)`` post-processes ``app.openapi()`` once (the result is cached
like FastAPI's own) so that each operation declares, as ``application/problem+json`` with the
``ProblemDetails`` schema:

* 401 and 403 where a bearer token is needed (the operation depends on ``current_principal`` or on
  anything else that returns a ``Principal``, or carries a security requirement);
* 400 where there is a request body (one that cannot be read at all, e.g. not UTF-8);
* 404 where there are path parameters (the record named in the path may not exist);
* 409 on writes (POST / PUT / PATCH / DELETE: state conflicts, duplicates, concurrent changes);
* 413 on writes with a request body (the body may be larger than the server accepts);
* 422 wherever there is anything to validate (parameters or a body), replacing FastAPI's default.

What a route declares itself (``responses={...}``) is kept; a declared problem status without
content gets the problem content. Routers need no change: a new endpoint is described the day it
is added.
"""
from __future__ import annotations

import copy
import typing
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.routing import BaseRoute

from libs.common.auth import Principal, current_principal
from libs.common.errors import PROBLEM_JSON

PROBLEM_SCHEMA = "ProblemDetails"
FIELD_ERROR_SCHEMA = "ProblemFieldError"
REF = "#/components/schemas/"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
#: FastAPI's default validation-error components, dropped once nothing refers to them.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

FIELD_ERROR = {
    "title": FIELD_ERROR_SCHEMA,
    "type": "object",
    "description": "一个字段的错误 one field's error",
    "required": ["field", "rule", "message"],
    "properties": {
        "field": {"type": "string", "description": "字段路径，如 items.0.uscc", "examples": ["uscc"]},
        "rule": {"type": "string", "description": "违反的规则", "examples": ["uscc.check_char"]},
        "message": {"type": "string", "description": "中文说明", "examples": ["统一社会信用代码校验位不正确"]},
        "row": {"type": "integer", "description": "批量导入时的行号（从 0 起）"},
    },
    "additionalProperties": True,
}

PROBLEM = {
    "title": PROBLEM_SCHEMA,
    "type": "object",
    "description": "RFC 9457 problem details：所有错误响应的格式 every error response",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "问题类型 urn:ipp:problem:<slug>",
                 "examples": ["urn:ipp:problem:validation-error"]},
        "title": {"type": "string", "description": "问题类型的简短说明"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "HTTP 状态码"},
        "detail": {"type": "string", "description": "本次错误的具体说明"},
        "instance": {"type": "string", "description": "请求路径"},
        "errors": {"type": "array", "items": {"$ref": REF + FIELD_ERROR_SCHEMA},
                   "description": "逐字段的错误（校验失败时）"},
    },
    # a problem may carry extension members (e.g. received / rejected counts of a bulk import)
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "请求格式错误 malformed request",
    401: "未认证：缺少令牌、令牌无效或已过期 missing, invalid or expired bearer token",
    403: "无权执行此操作（角色、市州、机构） forbidden for this role, city or organisation",
    404: "资源不存在 not found",
    409: "与当前状态冲突（重复、状态不允许、并发修改） conflicts with the current state",
    413: "请求体过大 request body too large",
    422: "请求参数校验失败 validation failed",
    429: "请求过于频繁 too many requests",
}


def declare_problem_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the problem responses of every operation.

    FastAPI caches its document (and makes a new one when routes are added); each document it
    makes is post-processed once."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        doc = generate()
        if PROBLEM_SCHEMA not in doc.get("components", {}).get("schemas", {}):
            add_problem_responses(doc, app.routes)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def add_problem_responses(doc: dict[str, Any], routes: list[BaseRoute]) -> dict[str, Any]:
    """Add the problem responses to ``doc`` in place (``routes`` tell which need a token)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA] = copy.deepcopy(PROBLEM)
    schemas[FIELD_ERROR_SCHEMA] = copy.deepcopy(FIELD_ERROR)
    secured = _operations_needing_a_token(routes)
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options", "trace"):
                continue
            needs_token = (path, method) in secured or bool(op.get("security"))
            for status in problem_statuses(method, op, needs_token):
                _declare(op.setdefault("responses", {}), status)
    if not _refers_to(doc, FASTAPI_VALIDATION_SCHEMAS):
        for name in FASTAPI_VALIDATION_SCHEMAS:
            schemas.pop(name, None)
    return doc


def problem_statuses(method: str, op: dict[str, Any], needs_token: bool) -> list[int]:
    """The problem statuses an operation can answer with (and any it declares itself)."""
    params = op.get("parameters", [])
    has_body = "requestBody" in op
    statuses: set[int] = set()
    if needs_token:
        statuses |= {401, 403}
    if any(p.get("in") == "path" for p in params):
        statuses.add(404)
    if has_body:  # a body that is not readable at all (e.g. not UTF-8): "error parsing the body"
        statuses.add(400)
    if method in WRITE_METHODS:
        statuses.add(409)
        if has_body:
            statuses.add(413)
    if params or has_body:
        statuses.add(422)
    # a problem status the route declared itself gets the problem content too
    statuses |= {int(s) for s in op.get("responses", {}) if s.isdigit() and int(s) >= 400}
    return sorted(statuses)


def _declare(responses: dict[str, Any], status: int) -> None:
    description = DESCRIPTIONS.get(status, "错误 error")
    entry = responses.get(str(status))
    if entry is None or _is_fastapi_validation(entry):
        entry = responses[str(status)] = {"description": description}
    entry.setdefault("description", description)
    entry.setdefault("content", {}).setdefault(PROBLEM_JSON, {"schema": {"$ref": REF + PROBLEM_SCHEMA}})
    if status == 401:
        entry.setdefault("headers", {}).setdefault(
            "WWW-Authenticate", {"description": "Bearer", "schema": {"type": "string"}})


def _is_fastapi_validation(entry: dict[str, Any]) -> bool:
    ref: str = entry.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return ref == REF + "HTTPValidationError"


def _refers_to(doc: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether anything but the named components themselves refers to one of them."""
    refs = {REF + n for n in names}
    schemas = doc.get("components", {}).get("schemas", {})
    rest = {**doc, "components": {**doc.get("components", {}),
                                  "schemas": {k: v for k, v in schemas.items() if k not in names}}}

    def walk(value: Any) -> bool:
        if isinstance(value, dict):
            return value.get("$ref") in refs or any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    return walk(rest)


def _operations_needing_a_token(routes: list[BaseRoute]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for route in _api_routes(routes):
        if getattr(route, "include_in_schema", False) and _needs_token(route.dependant):
            out |= {(route.path_format, m.lower()) for m in route.methods or ()}
    return out


def _api_routes(routes: list[BaseRoute]) -> Iterator[Any]:
    """Every FastAPI route with its full path and effective dependencies, also inside included
    routers (newer FastAPI keeps those nested and resolves them per request)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI that flattens included routers into APIRoutes
        yield from (r for r in routes if isinstance(r, APIRoute))
        return
    for ctx in iter_route_contexts(routes):
        if getattr(ctx, "dependant", None) is not None and getattr(ctx, "path_format", None):
            yield ctx


def _needs_token(dependant: Dependant) -> bool:
    return any(_authenticates(d.call) for d in _walk(dependant))


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _walk(dep)


def _authenticates(call: Any) -> bool:
    """The bearer dependency itself, the HTTP security scheme, or anything that returns a Principal
    (e.g. a stream's own principal that also accepts the token in the query)."""
    if call is None:
        return False
    if call is current_principal or isinstance(call, SecurityBase):
        return True
    try:
        hints = typing.get_type_hints(call)
    except Exception:  # a callable object or unresolved annotations: not ours
        return False
    return hints.get("return") is Principal
