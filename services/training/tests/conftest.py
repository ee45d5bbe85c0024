"""Fixtures of the training service's tests: a fresh, migrated database per test and the app on it.

``api`` talks to the app in-process (lifespan run, no broker: every event stays in ``outbox``);
``runtime`` is the running app's Runtime (``.sessions``) for seeding the enterprise read model and
reading tables directly.
"""
from __future__ import annotations

from libs.common.testing import service_app_fixtures
from services.training.app import create_app
from services.training.config import TrainingSettings

globals().update(service_app_fixtures("training", create_app, TrainingSettings))
