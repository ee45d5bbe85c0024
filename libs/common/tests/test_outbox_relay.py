"""The outbox relay against the real embedded broker: order, no loss, replicas, replay, outage."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections import defaultdict
from typing import ClassVar

from aiokafka import AIOKafkaConsumer
from sqlalchemy import func, select

from libs.common.broker import free_port
from libs.common.db import create_engine, infra_metadata, session_factory
from libs.common.events import EventData
from libs.common.kafka import ensure_topics, new_producer
from libs.common.outbox import OutboxRelay, UnitOfWork, mark_for_replay, outbox_table
from libs.common.testing import fresh_database


class Happened(EventData):
    event_type: ClassVar[str] = "ipp.test.thing.happened.v1"
    subject_field: ClassVar[str] = "key"
    key: str
    n: int


def relay_for(sessions, bootstrap: str, topic: str, name: str = "test") -> OutboxRelay:
    return OutboxRelay(name, sessions,
                       producer_factory=lambda: new_producer(bootstrap, f"relay-{uuid.uuid4().hex[:6]}"),
                       topics=[topic], ensure_topics=lambda t: ensure_topics(bootstrap, t, 3), batch_size=50,
                       poll_interval=0.2)


async def write(sessions, topic: str, count: int, keys: int = 5) -> None:
    for i in range(count):
        async with UnitOfWork(sessions, "test", topic) as uow:
            uow.emit(Happened(key=f"k{i % keys}", n=i))
            await uow.commit()


async def read_all(bootstrap: str, topic: str, expect: int, timeout: float = 30) -> list:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest")
    await consumer.start()
    got = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for msgs in (await consumer.getmany(timeout_ms=300)).values():
                got.extend(msgs)
            if len(got) >= expect:
                await asyncio.sleep(1.0)  # anything extra (a duplicate) would arrive now
                for msgs in (await consumer.getmany(timeout_ms=300)).values():
                    got.extend(msgs)
                break
    finally:
        await consumer.stop()
    return got


async def backlog(sessions) -> int:
    async with sessions() as s:
        return await s.scalar(select(func.count()).where(outbox_table.c.published_at.is_(None)))


async def _setup(url: str):
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(infra_metadata.create_all)
    return engine, session_factory(engine)


async def test_replicas_publish_everything_once_in_order(broker, db_backend, tmp_path):
    topic = f"ipp.relay{uuid.uuid4().hex[:8]}.events"
    async with fresh_database(db_backend, tmp_path, "relay") as url:
        engine, sessions = await _setup(url)
        try:
            await write(sessions, topic, 120)
            # two replicas of the same service on the same database (PostgreSQL: advisory lock)
            replicas = [relay_for(sessions, broker.bootstrap, topic)
                        for _ in range(2 if db_backend == "postgres" else 1)]
            tasks = [asyncio.create_task(r.run()) for r in replicas]
            try:
                for _ in range(150):
                    if await backlog(sessions) == 0:
                        break
                    await asyncio.sleep(0.1)
                got = await read_all(broker.bootstrap, topic, 120)
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            ids = [dict(m.headers)["ce_id"] for m in got]
            assert len(ids) == 120 and len(set(ids)) == 120  # everything, nothing twice
            per_key = defaultdict(list)
            for m in got:
                per_key[m.key].append(int(json.loads(m.value)["n"]))
            assert all(ns == sorted(ns) for ns in per_key.values())  # per-aggregate order kept
            headers = dict(got[0].headers)
            assert headers["ce_type"] == b"ipp.test.thing.happened.v1" and headers["ce_source"] == b"/services/test"
        finally:
            await engine.dispose()


async def test_broker_unreachable_then_back_nothing_lost(broker, tmp_path):
    topic = f"ipp.relay{uuid.uuid4().hex[:8]}.events"
    engine, sessions = await _setup(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    dead = f"127.0.0.1:{free_port(39900)}"  # nothing listens here
    relay = relay_for(sessions, dead, topic)
    task = asyncio.create_task(relay.run())
    try:
        await write(sessions, topic, 10)
        await asyncio.sleep(1.5)
        assert await backlog(sessions) == 10 and not relay.connected
        async with sessions() as s:
            attempts = await s.scalar(select(func.max(outbox_table.c.attempts)))
            error = await s.scalar(select(outbox_table.c.last_error).where(outbox_table.c.last_error.is_not(None)))
        assert attempts >= 1 and error
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    relay = relay_for(sessions, broker.bootstrap, topic)  # the broker is back
    task = asyncio.create_task(relay.run())
    try:
        got = await read_all(broker.bootstrap, topic, 10)
        assert len({dict(m.headers)["ce_id"] for m in got}) == 10 and len(got) == 10
        for _ in range(50):
            if await backlog(sessions) == 0:
                break
            await asyncio.sleep(0.1)
        assert await backlog(sessions) == 0
        # replay republishes the same events (same ids) in the original order
        assert await mark_for_replay(sessions) == 10
        relay.wake()
        again = await read_all(broker.bootstrap, topic, 20)
        assert [dict(m.headers)["ce_id"] for m in again if m.key == b"k0"] == \
            [dict(m.headers)["ce_id"] for m in got if m.key == b"k0"] * 2
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
