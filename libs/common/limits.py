"""Request size limit: a body over ``max_body_bytes`` is a 413 problem before anything parses it.

Plain ASGI middleware, outside the routes (so it covers every endpoint, bulk imports and uploads
included) and before authentication (a 100 MB body without a token is refused, not read):

* a ``Content-Length`` over the limit is answered at once, without reading a byte of the body;
* a body without one (``Transfer-Encoding: chunked``) is counted as the application reads it, and
  the read that crosses the limit raises :class:`BodyTooLarge`, answered as the same 413. What the
  client sends after that is never read.

It also refuses the NUL character (``%00`` in the query or path, ``\\u0000`` in a JSON body) with a
422: no field of this platform can hold one and PostgreSQL text cannot store it.
"""
from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from libs.common.errors import ProblemError, problem_response

SLUG = "payload-too-large"
TITLE = "请求体过大"


def human_size(n: int) -> str:
    """``20971520`` → ``20 MB`` (binary units, as the limit is configured)."""
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} 字节"


def _detail(limit: int) -> str:
    return f"请求体超过上限 {human_size(limit)}（{limit} 字节）"


class BodyTooLarge(ProblemError, HTTPException):
    """Raised from ``receive`` when the streamed body crosses the limit.

    A ``ProblemError`` (rendered by the problem handlers) and an ``HTTPException`` (which FastAPI
    lets through unchanged when reading the body, where any other error would become a 400).
    """

    detail: str  # both bases' ``detail``: always set here

    def __init__(self, limit: int) -> None:
        detail = _detail(limit)
        Exception.__init__(self, detail)
        # ProblemError's fields (how the handler renders it) and HTTPException's (status_code); the
        # two share ``detail`` and ``headers``.
        self.status = self.status_code = 413
        self.slug, self.title, self.detail, self.errors = SLUG, TITLE, detail, None
        self.headers = {"Connection": "close"}
        self.extra = {"max_body_bytes": limit}


NUL_SLUG = "validation-error"
NUL_TITLE = "请求参数校验失败"
NUL_DETAIL = "请求中含有空字符（NUL，\\u0000 或 %00），任何字段都不允许出现"


class NulInBody(ProblemError, HTTPException):
    """Raised from ``receive`` when a JSON body holds ``\\u0000`` (rendered as a 422 problem)."""

    detail: str  # both bases' ``detail``: always set here

    def __init__(self) -> None:
        Exception.__init__(self, NUL_DETAIL)
        self.status = self.status_code = 422
        self.slug, self.title, self.detail = NUL_SLUG, NUL_TITLE, NUL_DETAIL
        self.errors = [{"field": "body", "rule": "nul_character", "message": NUL_DETAIL}]
        self.headers = None
        self.extra = {}


def nul_response(scope: Scope, where: str) -> JSONResponse:
    return problem_response(Request(scope), 422, NUL_SLUG, NUL_TITLE, NUL_DETAIL,
                            errors=[{"field": where, "rule": "nul_character", "message": NUL_DETAIL}])


def too_large_response(scope: Scope, limit: int) -> JSONResponse:
    return problem_response(Request(scope), 413, SLUG, TITLE, _detail(limit), headers={"Connection": "close"},
                            max_body_bytes=limit)


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        headers = Headers(scope=scope)
        if b"%00" in scope.get("query_string", b"").lower() or "\x00" in scope.get("path", ""):
            await nul_response(scope, "query" if b"%00" in scope.get("query_string", b"").lower()
                               else "path")(scope, receive, send)
            return
        json_body = "json" in headers.get("content-type", "")
        tail = b""
        declared = headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            await too_large_response(scope, limit)(scope, receive, send)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received, tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit)
                if json_body:
                    if b"\\u0000" in tail + chunk or b"\x00" in chunk:
                        raise NulInBody()
                    tail = (tail + chunk)[-5:]
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:  # the application answered already and read on: nothing more to say
                raise
            await too_large_response(scope, limit)(scope, receive, send)
        except NulInBody:
            if started:
                raise
            await nul_response(scope, "body")(scope, receive, send)
