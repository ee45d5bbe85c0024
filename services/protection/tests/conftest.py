"""Fixtures of the protection service's tests: a fresh, migrated database per test and the app on it.

``api`` is an ``httpx.AsyncClient`` talking to the app in-process (lifespan run, no broker:
``kafka_enabled=False``, so every event stays in the ``outbox`` table). ``runtime`` is the running
app's :class:`libs.common.app.Runtime`; seed the enterprise read model with ``known(...)``.
"""
from __future__ import annotations

import pytest

from libs.common.testing import service_app_fixtures
from services.protection.app import create_app
from services.protection.config import ProtectionSettings

globals().update(service_app_fixtures("protection", create_app, ProtectionSettings))


@pytest.fixture
def settings(app) -> ProtectionSettings:
    """The settings the app runs with (its case time limits)."""
    return app.state.settings
