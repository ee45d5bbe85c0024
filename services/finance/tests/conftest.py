"""Fixtures of the finance service's tests: a fresh, migrated database per test and the app on it.

``api`` is an ``httpx.AsyncClient`` talking to the app in-process (lifespan run, no broker:
``kafka_enabled=False``, so every event stays in the ``outbox`` table and the enterprise read model is
seeded directly with :func:`known`). ``runtime`` is the running app's Runtime (``.sessions``).
"""
from __future__ import annotations

from libs.common.testing import service_app_fixtures
from services.finance.app import create_app
from services.finance.config import FinanceSettings

globals().update(service_app_fixtures("finance", create_app, FinanceSettings))
