"""What every service's typed client (``services/<name>/client.py``) is built on.

A client module writes each call once, as a method of one mixin class (a subclass of
:class:`ClientCalls`) that builds a :class:`Call` with :func:`get`, :func:`get_or_none`, :func:`post`,
:func:`put` or :func:`patch` and hands it to ``self._call``::

    class _FinanceCalls(ClientCalls):
        body_options = {"exclude_none": True}

        def get_pledge(self, loan_id: int) -> PledgeOut:
            return self._call(get(f"/api/v1/pledges/{loan_id}", PledgeOut))

    class FinanceClient(ApiClient, _FinanceCalls): ...
    class AsyncFinanceClient(AsyncApiClient, _FinanceCalls): ...   # the same methods, awaited

:class:`ApiClient` sends a call synchronously, :class:`AsyncApiClient` returns an awaitable. A pydantic
body is written as ``model_dump(mode="json", **body_options)`` (inside dicts and lists too), a PATCH body
also leaves out the fields the caller did not set; query parameters left out (None) are dropped, dates
are written ISO and enums as their value. Error answers raise :class:`ApiError` carrying the
problem-details document; a call built with :func:`get_or_none` returns ``None`` on a 404 instead.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, ClassVar, Self, cast

import httpx
from pydantic import BaseModel, TypeAdapter


class ApiError(Exception):
    """A 4xx/5xx answer; ``problem`` is the RFC 9457 document (``errors`` names fields and rules)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}")
        self.status = status
        self.problem = problem


def query(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left out (None)."""
    return {k: v for k, v in values.items() if v is not None}


def _param(value: Any) -> Any:
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


@dataclass(frozen=True)
class Call:
    """One request: ``out`` is the response type (None: the JSON as it comes); ``body`` a pydantic model,
    or JSON-ready data that may hold models; ``none_on_404``: a 404 means "not there (yet)" → ``None``."""

    method: str
    path: str
    out: Any
    body: Any = None
    params: Mapping[str, Any] | None = None
    none_on_404: bool = False
    #: a multipart upload instead of a JSON body: ``{"file": (filename, content)}``
    files: Mapping[str, tuple[str, bytes]] | None = None

    def json(self, options: Mapping[str, Any]) -> Any:
        """The body as JSON-ready data, pydantic models written with ``options``."""
        if self.method == "PATCH":
            options = {**options, "exclude_unset": True}

        def dump(value: Any) -> Any:
            if isinstance(value, BaseModel):
                return value.model_dump(mode="json", **options)
            if isinstance(value, dict):
                return {k: dump(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [dump(v) for v in value]
            return value

        return dump(self.body)


def _build(method: str, path: str, out: Any, body: Any, params: dict[str, Any], none_on_404: bool) -> Call:
    values = {k: _param(v) for k, v in params.items() if v is not None}
    return Call(method, path, out, body, values or None, none_on_404)


def get(path: str, out: Any, /, **params: Any) -> Call:
    """A GET of ``path`` answered by ``out``; ``params`` are the query (None values left out)."""
    return _build("GET", path, out, None, params, False)


def get_or_none(path: str, out: Any, /, **params: Any) -> Call:
    """A GET whose 404 means "not there (yet)": the call returns ``None``."""
    return _build("GET", path, out, None, params, True)


def post(path: str, out: Any, body: Any = None, /, **params: Any) -> Call:
    return _build("POST", path, out, body, params, False)


def put(path: str, out: Any, body: Any = None, /, **params: Any) -> Call:
    return _build("PUT", path, out, body, params, False)


def patch(path: str, out: Any, body: Any = None, /, **params: Any) -> Call:
    """A partial update: the body's unset fields are left out."""
    return _build("PATCH", path, out, body, params, False)


def upload(path: str, out: Any, filename: str, content: bytes, /, **params: Any) -> Call:
    """A POST of a workbook or CSV (multipart field ``file``) to a bulk import path."""
    values = {k: _param(v) for k, v in params.items() if v is not None}
    return Call("POST", path, out, None, values or None, files={"file": (filename, content)})


#: ``out`` of a call whose answer is a file (a workbook): the raw bytes come back.
FILE = bytes


def parse_response(response: httpx.Response, out: Any, none_on_404: bool = False) -> Any:
    if none_on_404 and response.status_code == 404:
        return None
    if response.status_code >= 400:
        try:
            problem = response.json()
        except ValueError:
            problem = {"title": response.text}
        raise ApiError(response.status_code, problem)
    if out is None:
        return response.json()
    if out is FILE:
        return response.content
    return TypeAdapter(out).validate_python(response.json())


class ClientCalls:
    """A service's calls, shared by its sync and async client (the client sends what ``_call`` gets)."""

    #: ``model_dump`` keywords (besides ``mode="json"``) for this service's request bodies
    body_options: ClassVar[Mapping[str, Any]] = {}

    def _call(self, call: Call) -> Any:  # implemented by ApiClient and AsyncApiClient
        raise NotImplementedError

    # --- workbooks, the same for every service (docs/exports.md, docs/imports.md)
    def export_list(self, path: str, **filters: Any) -> bytes:
        """Every row of the list at ``path`` (``/api/v1/pledges``) with these filters, as .xlsx bytes."""
        return cast(bytes, self._call(get(path, FILE, format="xlsx", **filters)))

    def import_file(self, path: str, filename: str, content: bytes, *, dry_run: bool = False,
                    atomic: bool | None = None) -> Any:
        """Upload a workbook or CSV to the bulk import at ``path``; the JSON import summary comes back."""
        return self._call(upload(path, None, filename, content, dry_run=dry_run or None, atomic=atomic))

    def import_template(self, path: str) -> bytes:
        """The .xlsx template of the bulk import whose template is at ``path`` (``…/bulk/template``)."""
        return cast(bytes, self._call(get(path, FILE)))


class ApiClient(ClientCalls):
    """Synchronous client: ``with XClient(base_url, token) as c: c.method(...)``."""

    default_timeout = 10.0

    def __init__(self, base_url: str, token: str, timeout: float | None = None, **kwargs: Any) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout or self.default_timeout,
                                 headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def _call(self, call: Call) -> Any:
        response = self.http.request(call.method, call.path, json=None if call.files else call.json(self.body_options),
                                     params=call.params, files=call.files)
        return parse_response(response, call.out, call.none_on_404)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncApiClient(ClientCalls):
    """Asynchronous client: the same methods, awaited; ``async with``."""

    default_timeout = 10.0

    def __init__(self, base_url: str, token: str, timeout: float | None = None, **kwargs: Any) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout or self.default_timeout,
                                      headers={"Authorization": f"Bearer {token}"}, **kwargs)

    async def _call(self, call: Call) -> Any:  # the awaitable of what ClientCalls._call types
        response = await self.http.request(call.method, call.path,
                                           json=None if call.files else call.json(self.body_options),
                                           params=call.params, files=call.files)
        return parse_response(response, call.out, call.none_on_404)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Any:
        # Any, not Self: a service's clients share one method table typed with the synchronous
        # results (see services/*/client.py), which the asynchronous client returns as awaitables.
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
