"""Fixtures of the enterprise service's tests: a fresh, migrated database per test and the app on it.

``api`` is an ``httpx.AsyncClient`` talking to the app in-process (lifespan run, no broker:
``kafka_enabled=False``, so every event stays in the ``outbox`` table). ``runtime`` is the running
app's :class:`libs.common.app.Runtime` (``.sessions``) for reading tables directly.
"""
from __future__ import annotations

from libs.common.testing import service_app_fixtures
from services.enterprise.app import create_app
from services.enterprise.config import EnterpriseSettings

globals().update(service_app_fixtures("enterprise", create_app, EnterpriseSettings))
