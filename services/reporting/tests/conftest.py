"""The reporting API in-process (no broker) on a fresh, migrated database, SQLite or PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import pytest

from libs.common.testing import app_client, fresh_database, migrate
from services.reporting.app import create_app
from services.reporting.config import ReportingSettings

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


@pytest.fixture
async def api(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "reporting_api") as url:
        await migrate(MIGRATIONS, url)
        app = create_app(ReportingSettings(database_url=url, kafka_enabled=False, env="test"))
        async with app_client(app) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
