"""What every service's typed client (``services/<name>/client.py``) is built on.

A client module lists its calls once, as specs ``(method, path, json body, query params, response
type)`` — optionally a sixth element ``True`` when a 404 means "not there yet" and should return
``None`` — and gets a synchronous and an asynchronous client from :class:`ApiClient` and
:class:`AsyncApiClient`. Error answers raise :class:`ApiError` carrying the problem-details document.
"""
from __future__ import annotations

from typing import Any, Self

import httpx
from pydantic import TypeAdapter

#: (method, path, body, params, response type[, none_on_404])
Spec = tuple[Any, ...]


class ApiError(Exception):
    """A 4xx/5xx answer; ``problem`` is the RFC 9457 document (``errors`` names fields and rules)."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title')}: {problem.get('detail')}")
        self.status = status
        self.problem = problem


def query(**values: Any) -> dict[str, Any]:
    """Query parameters without the ones left out (None)."""
    return {k: v for k, v in values.items() if v is not None}


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
    return TypeAdapter(out).validate_python(response.json())


def _split(spec: Spec) -> tuple[str, str, Any, Any, Any, bool]:
    method, path, body, params, out, *rest = spec
    return method, path, body, params, out, bool(rest and rest[0])


class ApiClient:
    """Synchronous client: ``with XClient(base_url, token) as c: c.method(...)``."""

    default_timeout = 10.0

    def __init__(self, base_url: str, token: str, timeout: float | None = None, **kwargs: Any) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=timeout or self.default_timeout,
                                 headers={"Authorization": f"Bearer {token}"}, **kwargs)

    def _call(self, spec: Spec) -> Any:
        method, path, body, params, out, none_on_404 = _split(spec)
        return parse_response(self.http.request(method, path, json=body, params=params), out, none_on_404)

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class AsyncApiClient:
    """Asynchronous client: the same methods, awaited; ``async with``."""

    default_timeout = 10.0

    def __init__(self, base_url: str, token: str, timeout: float | None = None, **kwargs: Any) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout or self.default_timeout,
                                      headers={"Authorization": f"Bearer {token}"}, **kwargs)

    async def _call(self, spec: Spec) -> Any:
        method, path, body, params, out, none_on_404 = _split(spec)
        return parse_response(await self.http.request(method, path, json=body, params=params), out, none_on_404)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Any:
        # Any, not Self: a service's clients share one method table typed with the synchronous
        # results (see services/*/client.py), which the asynchronous client returns as awaitables.
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()
