"""Test helpers shared by every service's tests: tokens, fresh databases, an app in-process."""
from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from pathlib import Path
from typing import AsyncIterator

import httpx
from sqlalchemy.engine import make_url

from libs.common.auth import issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.migrations import upgrade

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


async def migrate(migrations_dir: Path, url: str) -> None:
    await asyncio.to_thread(upgrade, migrations_dir, url)


@contextlib.asynccontextmanager
async def app_client(app) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and talk to it in-process."""
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def valid_uscc(body17: str) -> str:
    """Complete 17 characters with the right check character (test data generator)."""
    from libs.common.identifiers import uscc_check_char

    return body17 + uscc_check_char(body17)


def random_uscc(division: str = "420100") -> str:
    """A fresh valid USCC registered in ``division`` (each test makes its own ids)."""
    from libs.common.identifiers import USCC_ALPHABET
    import random

    tail = "".join(random.choice(USCC_ALPHABET) for _ in range(9))
    return valid_uscc("91" + division + tail)
