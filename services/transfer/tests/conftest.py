"""Fixtures of the transfer service's tests: a fresh, migrated database per test and the app on it.

``api`` talks to the app in-process (no broker: events stay in the ``outbox`` table); ``runtime``
is the running app's :class:`libs.common.app.Runtime`; ``known`` seeds the enterprise read model as
the consumer would.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from libs.common.app import Runtime
from libs.common.testing import app_client, fresh_database, migrate, random_uscc
from libs.readmodels.testing import seed_known_enterprise
from services.transfer.app import create_app
from services.transfer.config import TransferSettings
from services.transfer.models import known_enterprises

REPO_ROOT = Path(__file__).resolve().parents[3]
MIGRATIONS = REPO_ROOT / "services" / "transfer" / "migrations"


@pytest.fixture
async def db_url(db_backend: str, tmp_path: Path):
    async with fresh_database(db_backend, tmp_path, "transfer") as url:
        await migrate(MIGRATIONS, url)
        yield url


@pytest.fixture
def app(db_url: str):
    return create_app(TransferSettings(database_url=db_url, kafka_enabled=False, env="test"))


@pytest.fixture
async def api(app) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@pytest.fixture
def runtime(api, app) -> Runtime:
    return app.state.runtime


@pytest.fixture
def known(runtime):
    """``await known(city, ownership="private", **fields) -> uscc``: an enterprise the service knows."""

    async def _known(city: str = "420100", ownership: str = "private", **fields) -> str:
        uscc = random_uscc(city)
        await seed_known_enterprise(runtime.sessions, known_enterprises, uscc, city, ownership, **fields)
        return uscc

    return _known
