"""Fixtures of the transfer service's tests: a fresh, migrated database per test and the app on it.

``api`` talks to the app in-process (no broker: events stay in the ``outbox`` table); ``runtime``
is the running app's :class:`libs.common.app.Runtime`; ``known`` seeds the enterprise read model as
the consumer would.
"""
from __future__ import annotations

import pytest

from libs.common.testing import random_uscc, service_app_fixtures
from libs.readmodels.testing import seed_known_enterprise
from services.transfer.app import create_app
from services.transfer.config import TransferSettings
from services.transfer.models import known_enterprises

globals().update(service_app_fixtures("transfer", create_app, TransferSettings))


@pytest.fixture
def known(runtime):
    """``await known(city, ownership="private", **fields) -> uscc``: an enterprise the service knows."""

    async def _known(city: str = "420100", ownership: str = "private", **fields) -> str:
        uscc = random_uscc(city)
        await seed_known_enterprise(runtime.sessions, known_enterprises, uscc, city, ownership, **fields)
        return uscc

    return _known
