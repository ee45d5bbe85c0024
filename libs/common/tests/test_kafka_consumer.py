"""The idempotent consumer loop against the real embedded broker and a real database."""
from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select

from libs.common import inbox as _inbox  # noqa: F401  (registers the inbox table)
from libs.common.broker import free_port
from libs.common.db import create_engine, infra_metadata, session_factory
from libs.common.events import DLQ_TOPIC, CloudEvent, dumps
from libs.common.inbox import IdempotentProcessor, KafkaEventConsumer, producer_dead_letter
from libs.common.kafka import ensure_topics, new_producer

meta = MetaData()
applied = Table("applied", meta, Column("id", Integer, primary_key=True), Column("event_id", String(40)))


async def test_each_event_applied_once_and_poison_dead_lettered(broker, tmp_path):
    topic = f"ipp.test{free_port(40000)}.events"
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.run_sync(infra_metadata.create_all)
    sessions = session_factory(engine)
    await ensure_topics(broker.bootstrap, [topic, DLQ_TOPIC], 3)
    dlq_producer = new_producer(broker.bootstrap, "test-dlq")
    await dlq_producer.start()

    async def handle(session, records):
        if any(r.event.data.get("fail") for r in records):
            raise ValueError("cannot handle this one")
        await session.execute(applied.insert(), [{"event_id": r.event.id} for r in records])

    processor = IdempotentProcessor("test", "test-consumer", sessions, handle,
                                    producer_dead_letter(lambda: dlq_producer, "test-consumer"))
    consumer = KafkaEventConsumer("test", broker.bootstrap, [topic], f"g-{topic}", processor)
    task = asyncio.create_task(consumer.run())
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        events = [CloudEvent(type="ipp.test.thing.happened.v1", source="/tests", subject=f"k{i % 4}",
                             data={"n": i}) for i in range(20)]
        poison = CloudEvent(type="ipp.test.thing.happened.v1", source="/tests", subject="k0", data={"fail": True})
        for ce in [*events, *events[:5], poison]:  # five redelivered, one that fails
            await producer.send_and_wait(topic, dumps(ce.data), key=ce.subject.encode(), headers=ce.kafka_headers())
        await producer.send_and_wait(topic, b"not json", key=b"k1", headers=[("ce_id", b"x")])

        async def count():
            async with sessions() as s:
                return await s.scalar(select(func.count()).select_from(applied))

        for _ in range(200):
            if await count() == 20:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
        assert await count() == 20
        async with sessions() as s:
            ids = (await s.scalars(select(applied.c.event_id))).all()
        assert sorted(ids) == sorted(e.id for e in events)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await producer.stop()
        await dlq_producer.stop()
        await engine.dispose()

    from aiokafka import AIOKafkaConsumer

    dlq = AIOKafkaConsumer(DLQ_TOPIC, bootstrap_servers=broker.bootstrap, group_id=None, auto_offset_reset="earliest")
    await dlq.start()
    try:
        got = []
        for _ in range(40):
            for msgs in (await dlq.getmany(timeout_ms=250)).values():
                got += [dict(m.headers) for m in msgs if dict(m.headers or ()).get("dlq_topic") == topic.encode()]
            if len(got) >= 2:
                break
    finally:
        await dlq.stop()
    assert len(got) == 2, got  # the handler's failure and the undecodable record
    assert [h["dlq_error_type"] for h in got] == [b"ValueError", b"ValueError"]
    errors = b" | ".join(h["dlq_error"] for h in got)
    assert b"cannot handle this one" in errors and b"not a CloudEvent" in errors, errors
    assert all(h["dlq_consumer"] == b"test-consumer" for h in got)
