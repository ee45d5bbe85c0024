"""What every demo loader shares: the enterprises loaded first, tokens, waiting for read models."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from typing import TypeVar

import httpx

from libs.common.auth import Role, issue_token
from libs.common.config import CommonSettings

T = TypeVar("T")
R = TypeVar("R")

#: Options of the loaders' HTTP clients. Idle keep-alive connections are dropped after 2 s, before
#: the server's 5 s (uvicorn's ``timeout_keep_alive``): a request sent on a connection the server is
#: closing at that moment fails ("Server disconnected"), which parallel loaders made likely.
HTTP_OPTIONS: dict = {"limits": httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=2.0)}


class DemoError(RuntimeError):
    """A service could not be reached, or answered something the demo did not expect."""


@dataclass(frozen=True)
class DemoEnterprise:
    """An enterprise of the demo set as the programme loaders see it (after its tier steps)."""

    uscc: str
    name: str
    city: str
    industry: str
    ownership: str
    is_private: bool
    tier: str | None
    qualifications: tuple[str, ...]


def token(role: Role | str, city: str | None = None, sub: str | None = None, org: str | None = None) -> str:
    """A development token for the demo (the platform's own secret from the environment)."""
    role = Role(role)
    settings = CommonSettings()
    return issue_token(settings.jwt_secret.get_secret_value(), role=role,
                       sub=sub or f"demo-{role.value}-{city or 'province'}", city=city, org=org,
                       issuer=settings.jwt_issuer)


def admin_token() -> str:
    return token(Role.PROVINCE_ADMIN)


def wait_known(base_url: str, enterprises: list[DemoEnterprise], timeout: float = 120.0) -> None:
    """Wait until the service at ``base_url`` knows every enterprise (its read model caught up)."""
    if not enterprises:
        return
    headers = {"Authorization": f"Bearer {admin_token()}"}
    deadline = time.monotonic() + timeout
    pending = list(enterprises)
    with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=10) as http:
        while pending:
            # the last registered is the last to arrive on its partition: check from the end
            r = http.get(f"/api/v1/known-enterprises/{pending[-1].uscc}")
            if r.status_code == 200:
                pending.pop()
                continue
            if r.status_code != 404:
                raise DemoError(f"{base_url}: known-enterprises answered {r.status_code}: {r.text[:200]}")
            if time.monotonic() > deadline:
                raise DemoError(f"{base_url} 未能在 {timeout:.0f} 秒内同步企业 {pending[-1].uscc}"
                                "（read model lagging）")
            time.sleep(0.2)


# --- progress and concurrency ----------------------------------------------------------------------
#: The progress reporter of the part running in this thread: ``(advance, total)``; total None keeps it.
_reporter: ContextVar[Callable[[int, int | None], None] | None] = ContextVar("demo_progress", default=None)


def expect(total: int) -> None:
    """This part has ``total`` more steps to do (its progress bar grows)."""
    report = _reporter.get()
    if report is not None:
        report(0, total)


def advance(steps: int = 1) -> None:
    report = _reporter.get()
    if report is not None:
        report(steps, None)


def report_to(reporter: Callable[[int, int | None], None] | None) -> None:
    """Route this thread's :func:`expect` / :func:`advance` to ``reporter``."""
    _reporter.set(reporter)


def in_parallel(items: Sequence[T], work: Callable[[T], R], workers: int = 6) -> list[R]:
    """``[work(i) for i in items]`` on ``workers`` threads (results in order; the first error is
    raised once all are done), one progress step per item. For independent items only: the services
    serve concurrent requests, and one HTTP round trip at a time leaves them idle most of the time."""
    expect(len(items))

    def one(item: T) -> R:
        result = work(item)
        advance()
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(copy_context().run, one, item) for item in items]
        wait(futures)
    return [f.result() for f in futures]
