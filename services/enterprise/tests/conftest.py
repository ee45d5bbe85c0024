"""Fixtures of the enterprise service's tests: a fresh, migrated database per test and the app on it.

``api`` is an ``httpx.AsyncClient`` talking to the app in-process (lifespan run, no broker:
``kafka_enabled=False``, so every event stays in the ``outbox`` table). ``runtime`` is the running
app's :class:`libs.common.app.Runtime` (``.sessions``) for reading tables directly.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from libs.common.app import Runtime
from libs.common.testing import app_client, fresh_database, migrate
from services.enterprise.app import create_app
from services.enterprise.config import EnterpriseSettings

REPO_ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = REPO_ROOT / "services" / "enterprise" / "migrations"


@pytest.fixture
async def db_url(db_backend: str, tmp_path: Path):
    """A new empty database (SQLite file or throw-away PostgreSQL database), migrated to head."""
    async with fresh_database(db_backend, tmp_path, "enterprise") as url:
        await migrate(MIGRATIONS, url)
        yield url


@pytest.fixture
def app(db_url: str):
    return create_app(EnterpriseSettings(database_url=db_url, kafka_enabled=False, env="test"))


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def runtime(api, app) -> Runtime:
    """The started app's runtime (engine, ``sessions``): lets tests read outbox, audit_log, enterprises."""
    return app.state.runtime
