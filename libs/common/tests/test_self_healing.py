"""A broker that lost its data is noticed by the relay, which republishes its outbox into it."""
from __future__ import annotations

import asyncio
import uuid

from libs.common.broker import EmbeddedBroker, free_port
from libs.common.kafka import IncarnationProbe, ensure_topics, new_producer
from libs.common.outbox import OutboxRelay
from libs.common.tests.test_outbox_relay import _setup, backlog, read_all, write


def healing_relay(sessions, bootstrap: str, topic: str) -> OutboxRelay:
    return OutboxRelay("test", sessions, producer_factory=lambda: new_producer(bootstrap, "relay-heal"),
                       topics=[topic], ensure_topics=lambda t: ensure_topics(bootstrap, t, 3), batch_size=50,
                       poll_interval=0.2, incarnation=lambda: IncarnationProbe(bootstrap, topic), check_interval=0.5)


async def published(sessions, expect_backlog: int = 0, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await backlog(sessions) != expect_backlog:
        assert loop.time() < deadline, "the outbox was not published"
        await asyncio.sleep(0.1)


async def test_restarted_empty_broker_gets_the_outbox_again_without_a_restart(tmp_path):
    topic = f"ipp.heal{uuid.uuid4().hex[:8]}.events"
    engine, sessions = await _setup(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    broker = EmbeddedBroker(port=free_port(39500), log_path=tmp_path / "broker.log").start()
    relay = healing_relay(sessions, broker.bootstrap, topic)
    task = asyncio.create_task(relay.run())
    try:
        await write(sessions, topic, 12)
        await published(sessions)
        assert len(await read_all(broker.bootstrap, topic, 12)) == 12
        assert relay.recoveries == 0

        await asyncio.to_thread(broker.stop)  # memory only: everything published is gone
        await asyncio.to_thread(broker.start)
        await write(sessions, topic, 3)  # and the service keeps writing meanwhile
        got = await read_all(broker.bootstrap, topic, 15, timeout=60)
        assert len({dict(m.headers)["ce_id"] for m in got}) == 15
        assert relay.recoveries == 1
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        broker.stop()
        await engine.dispose()


async def test_a_broker_that_kept_everything_gets_nothing_twice(tmp_path):
    topic = f"ipp.heal{uuid.uuid4().hex[:8]}.events"
    engine, sessions = await _setup(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    broker = EmbeddedBroker(port=free_port(39600), log_path=tmp_path / "broker.log").start()
    relay = healing_relay(sessions, broker.bootstrap, topic)
    task = asyncio.create_task(relay.run())
    try:
        for _ in range(3):
            await write(sessions, topic, 5)
            await published(sessions)
            await asyncio.sleep(1.2)  # a few checks of the end offsets
        got = await read_all(broker.bootstrap, topic, 15)
        assert len(got) == 15 and relay.recoveries == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        broker.stop()
        await engine.dispose()
