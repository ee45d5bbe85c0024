"""Fixtures of the training service's tests: a fresh, migrated database per test and the app on it.

``api`` talks to the app in-process (lifespan run, no broker: every event stays in ``outbox``);
``runtime`` is the running app's Runtime (``.sessions``) for seeding the enterprise read model and
reading tables directly.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from libs.common.app import Runtime
from libs.common.testing import app_client, fresh_database, migrate
from services.training.app import create_app
from services.training.config import TrainingSettings

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
async def db_url(db_backend: str, tmp_path: Path):
    async with fresh_database(db_backend, tmp_path, "training") as url:
        await migrate(MIGRATIONS, url)
        yield url


@pytest.fixture
def app(db_url: str):
    return create_app(TrainingSettings(database_url=db_url, kafka_enabled=False, env="test"))


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def runtime(api, app) -> Runtime:
    return app.state.runtime
