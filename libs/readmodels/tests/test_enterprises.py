"""The enterprise read model: events → rows, newest wins, unknown enterprises refused with a 422."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData

from libs.common.db import create_engine, session_factory
from libs.common.errors import FieldInvalid
from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from libs.common.testing import fresh_database, random_uscc
from libs.readmodels.enterprises import (
    ENTERPRISE_TOPIC,
    UPDATED,
    apply_enterprise_events,
    enterprise_table,
    find_enterprise,
    require_enterprise,
)
from libs.readmodels.testing import registered_event

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)


def incoming(event_type: str, uscc: str, data: dict, time: datetime) -> Incoming:
    ev = CloudEvent(id=str(uuid.uuid4()), source="/services/enterprise", type=event_type, subject=uscc,
                    data={"uscc": uscc, **data}, time=time)
    return Incoming(ENTERPRISE_TOPIC, 0, 0, uscc.encode(), None, [], event=ev)


@pytest.fixture
async def store(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "readmodel") as url:
        metadata = MetaData()
        table = enterprise_table(metadata)
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield session_factory(engine), table
        finally:
            await engine.dispose()


async def test_registration_then_updates_and_tiers(store):
    sessions, table = store
    uscc = random_uscc("420100")
    async with sessions.write() as s:
        await apply_enterprise_events(s, table, [
            registered_event(uscc, "420100", "private", time=T0),
            incoming(UPDATED, uscc, {"name": "新名称有限公司", "city": "420500", "previous_city": "420100",
                                     "ownership": "state", "is_private": False, "tier": None,
                                     "changed_fields": ["city", "ownership"], "updated_on": "2025-03-02"},
                     T0 + timedelta(days=1)),
            incoming("ipp.enterprise.tier.designated.v1", uscc, {"to_tier": "seed", "from_tier": None},
                     T0 + timedelta(days=2)),
        ])
    async with sessions() as s:
        row = await find_enterprise(s, table, uscc)
    assert row is not None
    assert (row.name, row.city, row.ownership, row.is_private, row.tier) == (
        "新名称有限公司", "420500", "state", False, "seed")


async def test_an_older_event_never_overwrites_a_newer_one(store):
    sessions, table = store
    uscc = random_uscc("420600")
    async with sessions.write() as s:
        await apply_enterprise_events(s, table, [registered_event(uscc, "420600", time=T0)])
        await apply_enterprise_events(s, table, [incoming("ipp.enterprise.tier.designated.v1", uscc,
                                                          {"to_tier": "advantage"}, T0 + timedelta(hours=2))])
        await apply_enterprise_events(s, table, [incoming("ipp.enterprise.tier.designated.v1", uscc,
                                                          {"to_tier": "growth"}, T0 + timedelta(hours=1))])
    async with sessions() as s:
        row = await find_enterprise(s, table, uscc)
        assert row is not None and row.tier == "advantage"


async def test_unknown_enterprise_is_a_422_naming_the_field(store):
    sessions, table = store
    async with sessions() as s:
        with pytest.raises(FieldInvalid) as err:
            await require_enterprise(s, table, random_uscc("420100"), field="borrower_uscc")
    assert err.value.status == 422 and err.value.errors is not None
    assert err.value.errors[0]["field"] == "borrower_uscc" and err.value.errors[0]["rule"] == "enterprise-registered"
