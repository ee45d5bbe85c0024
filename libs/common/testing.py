"""Test helpers shared by every service's tests: tokens, fresh databases, an app in-process."""
from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, get_args

import httpx
from sqlalchemy.engine import make_url

from libs.common.auth import Principal, Role, issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.errors import ProblemError
from libs.common.migrations import upgrade

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp

    from libs.common.app import Runtime

POSTGRES_ENV = "IPP_TEST_POSTGRES_URL"


def token(role: str, city: str | None = None, org: str | None = None, sub: str | None = None) -> str:
    return issue_token(DEV_JWT_SECRET, role=role, sub=sub or f"test-{role}-{uuid.uuid4().hex[:6]}", city=city, org=org)


def auth(role: str, city: str | None = None, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, city, org)}"}


def backends() -> list[str]:
    """SQLite always; PostgreSQL too when IPP_TEST_POSTGRES_URL is set."""
    return ["sqlite", "postgres"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@contextlib.asynccontextmanager
async def fresh_database(backend: str, tmp_path: Path, name: str) -> AsyncIterator[str]:
    """A new empty database URL (SQLite file, or a throw-away PostgreSQL database)."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
        return
    import asyncpg

    base = make_url(os.environ[POSTGRES_ENV])
    db = f"ipp_test_{name}_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{db}"')
    finally:
        await conn.close()
    try:
        yield base.set(drivername="postgresql+asyncpg", database=db).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        finally:
            await conn.close()


@contextlib.contextmanager
def postgres_database(name: str, admin_url: str | None = None) -> Iterator[str]:
    """A throw-away PostgreSQL database (``ipp_<name>_<random>``) for processes started outside this
    one (end-to-end tests, benchmarks): created through ``admin_url`` (default IPP_TEST_POSTGRES_URL),
    dropped, with whatever is still connected to it, when the block ends. Yields its asyncpg URL."""
    import asyncpg

    base = make_url(admin_url or os.environ[POSTGRES_ENV])
    db = f"ipp_{name}_{uuid.uuid4().hex[:10]}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{db}"'))
    try:
        yield base.set(drivername="postgresql+asyncpg", database=db).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


async def migrate(migrations_dir: Path, url: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, url)


@contextlib.asynccontextmanager
async def app_client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and talk to it in-process."""
    from asgi_lifespan import LifespanManager

    # Not the default 5 s: a loaded machine may take longer to start an app.
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def valid_uscc(body17: str) -> str:
    """Complete 17 characters with the right check character (test data generator)."""
    from libs.common.identifiers import uscc_check_char

    return body17 + uscc_check_char(body17)


def random_uscc(division: str = "420100") -> str:
    """A fresh valid USCC registered in ``division`` (each test makes its own ids)."""
    import random

    from libs.common.identifiers import USCC_ALPHABET

    tail = "".join(random.choice(USCC_ALPHABET) for _ in range(9))
    return valid_uscc("91" + division + tail)


# --- what every service's API tests check ----------------------------------------------------------

PROBLEM = "application/problem+json"


def china_today() -> date:
    """Today's date in Asia/Shanghai (business dates are China dates)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def assert_problem(response: httpx.Response, status: int, field: str | None = None, rule: str | None = None,
                   slug: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with this status (and type slug), and when ``field`` is
    given, names that field with that rule among its ``errors``, every error with a message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == f"urn:ipp:problem:{slug}", body
    if field is not None:
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in body["errors"]], \
            body["errors"]
        assert all(e["message"] for e in body["errors"])
    return body


async def mark(rt: Runtime) -> tuple[int, int]:
    """The highest outbox and audit ids so far: a point to compare later writes against."""
    from sqlalchemy import func, select

    from libs.common.audit import audit_table
    from libs.common.outbox import outbox_table

    async with rt.sessions() as session:
        return (int(await session.scalar(select(func.max(outbox_table.c.id))) or 0),
                int(await session.scalar(select(func.max(audit_table.c.id))) or 0))


async def written_since(rt: Runtime, since: tuple[int, int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(outbox rows, audit rows) written after ``mark``, in order."""
    from sqlalchemy import select

    from libs.common.audit import audit_table
    from libs.common.outbox import outbox_table

    async with rt.sessions() as session:
        events = (await session.execute(select(outbox_table).where(outbox_table.c.id > since[0])
                                        .order_by(outbox_table.c.id))).mappings().all()
        audits = (await session.execute(select(audit_table).where(audit_table.c.id > since[1])
                                        .order_by(audit_table.c.id))).mappings().all()
    return [dict(r) for r in events], [dict(r) for r in audits]


async def nothing_written(rt: Runtime, since: tuple[int, int], *_ignored: object) -> bool:
    """No outbox or audit row since ``mark`` (a refused request leaves no trace)."""
    events, audits = await written_since(rt, since)
    return events == [] and audits == []


async def assert_oversized_bodies_refused(app: FastAPI, client: httpx.AsyncClient, limit: int) -> int:
    """Every POST/PUT/PATCH of ``app`` (whose ``max_body_bytes`` is ``limit``) answers a 100 MB body
    with a 413 problem without reading it: a declared length without a token before a byte is read, a
    chunked body with a token once the endpoint has read past the limit. Returns how many it tried."""
    total = 100 << 20

    class Body:
        def __init__(self) -> None:
            self.pulled = 0

        async def __aiter__(self) -> AsyncIterator[bytes]:
            while self.pulled < total:
                self.pulled += 1 << 20
                yield b" " * (1 << 20)

    tried = 0
    for path, ops in app.openapi()["paths"].items():
        # Any id will do (the size is judged before a record is looked up); a number also passes an
        # int path parameter, so an endpoint that reads its body itself (uploads) gets to read it.
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, op in ops.items():
            if method not in ("post", "put", "patch"):
                continue
            kind = next(iter(op.get("requestBody", {}).get("content", {})), "application/json")
            kind += "; boundary=xyz" if kind == "multipart/form-data" else ""
            for headers in ({"content-length": str(total)}, auth("province-admin")):
                body = Body()
                r = await client.request(method.upper(), url, content=body, headers={"content-type": kind, **headers})
                assert body.pulled <= limit + (2 << 20), (method, path, body.pulled)
                if "requestBody" not in op and "content-length" not in headers and r.status_code != 413:
                    continue  # an endpoint without a body never reads it: whatever it answers, nothing was read
                problem = assert_problem(r, 413, slug="payload-too-large")
                assert problem["max_body_bytes"] == limit, (method, path)
            tried += 1
    return tried


def service_app_fixtures(service: str, create_app: Callable[[Any], FastAPI],
                          settings_class: Callable[..., Any]) -> dict[str, Any]:
    """The fixtures every service's tests share, for its ``conftest.py``: ``globals().update(...)``.

    ``db_url`` (a fresh migrated database on the ``db_backend`` under test), ``app`` (Kafka off:
    every event stays in the ``outbox`` table), ``api`` (an ``httpx.AsyncClient`` talking to the app
    in-process, lifespan run) and ``runtime`` (the running app's Runtime, for reading tables).
    """
    import pytest

    migrations = Path(__file__).resolve().parents[2] / "services" / service / "migrations"

    @pytest.fixture
    async def db_url(db_backend: str, tmp_path: Path) -> AsyncIterator[str]:
        async with fresh_database(db_backend, tmp_path, service) as url:
            await migrate(migrations, url)
            yield url

    @pytest.fixture
    def app(db_url: str) -> FastAPI:
        return create_app(settings_class(database_url=db_url, kafka_enabled=False, env="test"))

    @pytest.fixture
    async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
        async with app_client(app) as client:
            yield client

    @pytest.fixture
    def runtime(api: httpx.AsyncClient, app: FastAPI) -> Runtime:
        rt: Runtime = app.state.runtime
        return rt

    return {"db_url": db_url, "app": app, "api": api, "runtime": runtime}


# --- spreadsheets the import tests upload -----------------------------------------------------------

def workbook(rows: list[list[Any]], title: str | None = None) -> bytes:
    """An .xlsx as an office would make it: an optional merged title row above ``rows`` (header first).
    A cell may be a ``("=formula", cached_value)`` pair, or a ``datetime.date`` (written as a date)."""
    import io
    from datetime import date, datetime

    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    ws = book.add_worksheet("Sheet1")
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    top = 0
    if title is not None:
        ws.merge_range(0, 0, 0, max(len(rows[0]) - 1, 1), title)
        top = 1
    for r, row in enumerate(rows, start=top):
        for c, value in enumerate(row):
            if isinstance(value, tuple):
                ws.write_formula(r, c, value[0], None, value[1])
            elif isinstance(value, (date, datetime)):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), date_format)
            elif value is not None:
                ws.write(r, c, value)
    book.close()
    return out.getvalue()


def upload(content: bytes, name: str = "import.xlsx") -> dict[str, Any]:
    """``files=`` for httpx: the multipart field ``file``."""
    kind = "text/csv" if name.endswith(".csv") else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"file": (name, content, kind)}


# --- policy unit tests (services/*/tests/test_policy.py) -----------------------------------------
class Principals(NamedTuple):
    """One principal of each role, as the policy tests use them."""

    admin: Principal
    officer: Principal
    viewer: Principal
    integration: Principal
    bank: Principal
    agency: Principal


def principals(city: str = "420100", bank: tuple[str, str] = ("bank", "BANK-1"),
               agency: tuple[str, str] = ("agency", "AGENCY-1")) -> Principals:
    """A province admin, an officer of ``city``, a viewer, an integration, a bank and an agency
    (``(sub, org)`` of each of the last two)."""
    return Principals(Principal("admin", Role.PROVINCE_ADMIN), Principal("wh-officer", Role.CITY_OFFICER, city=city),
                      Principal("viewer", Role.VIEWER), Principal("integration", Role.INTEGRATION),
                      Principal(bank[0], Role.BANK, org=bank[1]), Principal(agency[0], Role.AGENCY, org=agency[1]))


def refused(fn: Callable[..., Any], *args: Any, cls: type[ProblemError] = ProblemError, slug: str = "forbidden",
            status: int = 403) -> ProblemError:
    """Call ``fn`` and return the problem it raises, asserting its exact class, status and slug."""
    import pytest

    with pytest.raises(ProblemError) as info:
        fn(*args)
    assert type(info.value) is cls
    assert (info.value.status, info.value.slug) == (status, slug)
    return info.value


def role_gate(alias: Any) -> Callable[[Principal], Any]:
    """The role check behind an ``Annotated[Principal, Depends(require_roles(...))]`` route parameter."""
    dependency = get_args(alias)[1].dependency

    def check(principal: Principal) -> Any:
        return asyncio.run(dependency(principal))

    return check
