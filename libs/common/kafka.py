"""Kafka clients: producer settings that work on both Apache Kafka and the embedded Tansu broker."""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


def new_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # No idempotence/transactions: Tansu lacks them. Ordering per partition is kept by the
    # outbox relay publishing one batch at a time; duplicates are absorbed by consumers' inboxes.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 3,
                        configs: dict[str, str] | None = None) -> None:
    """Create topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t, partitions, 1, topic_configs=configs or {}) for t in missing])
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", missing)
    finally:
        await admin.close()





async def recreate_topics(bootstrap: str, topics: list[str], partitions: int = 3) -> None:
    """Delete and create again topics that only the caller writes to.

    The embedded broker accepts records for a topic it does not know yet and, when the topic is
    declared afterwards, starts its offsets again at 0 over the records it already holds; every
    later write to such a partition fails. A relay that finds the broker restarted therefore starts
    its own topics afresh before it republishes into them.
    """
    # Declare first: records written to a topic the broker never declared are deleted with it only
    # once it is declared.
    await ensure_topics(bootstrap, topics, partitions)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()
    await ensure_topics(bootstrap, topics, partitions)


#: Prefix of the marker topics: one per publishing process kind (``ipp.broker.incarnation.finance``).
INCARNATION_TOPIC = "ipp.broker.incarnation"


@dataclass(frozen=True)
class Incarnation:
    """Who the broker is now: the marker's value and when it was written (its record timestamp)."""

    id: str
    born: datetime


class IncarnationProbe:
    """Reads the broker's incarnation marker for one publisher, writing it first when it is missing.

    A broker that lost its data (the memory-only embedded broker restarted, a cluster replaced, the
    marker topic recreated) has no marker, or another one: the outbox relay that compares it with
    the one it published under then republishes its outbox. Each publisher has its own marker topic
    (``ipp.broker.incarnation.<name>``), so markers are never written concurrently.
    """

    def __init__(self, bootstrap: str, name: str, timeout: float = 10.0) -> None:
        self._bootstrap = bootstrap
        self.topic = f"{INCARNATION_TOPIC}.{name}"
        self._client_id = f"ipp-{name}-incarnation"
        self._timeout = timeout
        self._consumer: AIOKafkaConsumer | None = None
        self._unreadable = False

    async def read(self, producer: AIOKafkaProducer) -> Incarnation:
        try:
            return await asyncio.wait_for(self._read(producer), self._timeout)
        except TimeoutError:
            # A marker the broker took before the topic was declared cannot be read back (see
            # recreate_topics): start the marker topic afresh next time (a new incarnation).
            self._unreadable = True
            raise

    async def _read(self, producer: AIOKafkaProducer) -> Incarnation:
        tp = TopicPartition(self.topic, 0)
        if self._unreadable:
            await recreate_topics(self._bootstrap, [self.topic], partitions=1)
            self._unreadable = False
        if self._consumer is None:
            await ensure_topics(self._bootstrap, [self.topic], partitions=1,
                                configs={"retention.ms": "-1", "retention.bytes": "-1"})
            consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, client_id=self._client_id,
                                        enable_auto_commit=False, request_timeout_ms=int(self._timeout * 1000))
            await consumer.start()
            consumer.assign([tp])
            self._consumer = consumer
        consumer = self._consumer
        if (await consumer.end_offsets([tp]))[tp] == 0:
            # a broker that restarted since the topic was declared: declare it before writing to it
            await ensure_topics(self._bootstrap, [self.topic], partitions=1,
                                configs={"retention.ms": "-1", "retention.bytes": "-1"})
            await producer.send_and_wait(self.topic, uuid.uuid4().hex.encode(), key=b"incarnation", partition=0)
        consumer.seek(tp, (await consumer.beginning_offsets([tp]))[tp])
        while True:
            batch = await consumer.getmany(tp, timeout_ms=1000, max_records=1)
            for record in batch.get(tp, []):
                return Incarnation(record.value.decode(errors="replace"),
                                   datetime.fromtimestamp(record.timestamp / 1000, UTC))

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            try:
                await consumer.stop()
            except Exception:  # pragma: no cover - best effort
                log.debug("incarnation consumer stop failed", exc_info=True)
