"""The credit-register read model: events → rows, idempotent, newest wins, "active on a day" at its
boundaries (an entry is active when effective_from <= day <= effective_until, open end allowed, until
the day it is lifted)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, func, select

from libs.common.db import create_engine, session_factory
from libs.common.testing import fresh_database, random_uscc
from libs.readmodels.credit import active_entries, apply_credit_events, credit_table
from libs.readmodels.testing import credit_event

T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
FROM, UNTIL = date(2025, 3, 1), date(2025, 8, 31)


@pytest.fixture
async def store(db_backend, tmp_path):
    async with fresh_database(db_backend, tmp_path, "creditmodel") as url:
        metadata = MetaData()
        table = credit_table(metadata)
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield session_factory(engine), table
        finally:
            await engine.dispose()


async def active(store, uscc: str, day: date) -> list[int]:
    sessions, table = store
    async with sessions() as s:
        return [e.entry_id for e in (await active_entries(s, table, [uscc], day)).get(uscc, [])]


async def test_active_between_its_first_and_last_day(store):
    sessions, table = store
    uscc = random_uscc("420100")
    async with sessions.write() as s:
        assert await apply_credit_events(s, table, [credit_event(1, uscc, "420100", FROM, UNTIL, time=T0)]) == 1
    assert await active(store, uscc, FROM - timedelta(days=1)) == []
    assert await active(store, uscc, FROM) == [1]
    assert await active(store, uscc, UNTIL) == [1]
    assert await active(store, uscc, UNTIL + timedelta(days=1)) == []


async def test_lifting_ends_it_and_an_older_event_never_overwrites_a_newer_one(store):
    sessions, table = store
    uscc = random_uscc("420500")
    lift_day = date(2025, 5, 1)
    recorded = credit_event(2, uscc, "420500", FROM, None, time=T0)
    lifted = credit_event(2, uscc, "420500", FROM, None, lifted_on=lift_day, time=T0 + timedelta(days=60), lifted=True)
    async with sessions.write() as s:
        await apply_credit_events(s, table, [lifted, recorded])  # the recording arrives late
    assert await active(store, uscc, lift_day - timedelta(days=1)) == [2]
    assert await active(store, uscc, lift_day) == []
    async with sessions.write() as s:
        await apply_credit_events(s, table, [lifted])  # redelivered: the same row
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(table)) == 1


async def test_other_enterprise_events_are_ignored(store):
    from libs.readmodels.testing import registered_event

    sessions, table = store
    async with sessions.write() as s:
        assert await apply_credit_events(s, table, [registered_event(random_uscc("420100"), "420100")]) == 0
