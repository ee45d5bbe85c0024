"""Fixtures of the finance service's tests: a fresh, migrated database per test and the app on it.

``api`` is an ``httpx.AsyncClient`` talking to the app in-process (lifespan run, no broker:
``kafka_enabled=False``, so every event stays in the ``outbox`` table and the enterprise read model is
seeded directly with :func:`known`). ``runtime`` is the running app's Runtime (``.sessions``).
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from libs.common.app import Runtime
from libs.common.testing import app_client, fresh_database, migrate
from services.finance.app import create_app
from services.finance.config import FinanceSettings

REPO_ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = REPO_ROOT / "services" / "finance" / "migrations"


@pytest.fixture
async def db_url(db_backend: str, tmp_path: Path):
    async with fresh_database(db_backend, tmp_path, "finance") as url:
        await migrate(MIGRATIONS, url)
        yield url


@pytest.fixture
def app(db_url: str):
    return create_app(FinanceSettings(database_url=db_url, kafka_enabled=False, env="test"))


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def runtime(api, app) -> Runtime:
    return app.state.runtime
