"""Idempotent consumption: inbox (dedupe), effects and offsets, dead-letter topic.

An event's effect and its inbox row are written in one transaction, so a redelivered or
republished event (same ``ce_id``) changes nothing twice. Offsets are committed only after that
transaction. An event that cannot be handled goes to ``ipp.dlq`` with the error in its headers and
the consumer carries on; if even the dead-letter publish fails, or the database itself is in trouble
(:func:`transient`), the batch fails and is delivered again.
"""
from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import Column, Integer, String, Table, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import BigId, Sessions, UTCDateTime, infra_metadata, utcnow
from libs.common.events import DLQ_TOPIC, CloudEvent
from libs.common.metrics import CONSUMER_EVENTS, CONSUMER_LAG, DEAD_LETTERS, declare_consumer
from libs.common.retry import Backoff, keep_running
from libs.common.telemetry import consume_span

log = logging.getLogger(__name__)

inbox_table = Table(
    "inbox",
    infra_metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(100), primary_key=True),
    Column("event_type", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer),
    Column("offset", BigId),  # Kafka offsets are 64-bit (infra_migrations.upgrade_v2)
    Column("received_at", UTCDateTime(), nullable=False),
)


@dataclass
class Incoming:
    """One consumed Kafka record, whatever client delivered it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    event: CloudEvent | None = None
    decode_error: Exception | None = None

    @property
    def cloud_event(self) -> CloudEvent:
        """The event of a record that decoded (handlers only get those)."""
        if self.event is None:
            raise ValueError(f"{self.topic}/{self.partition}@{self.offset} holds no decoded event")
        return self.event

    def decode(self) -> Incoming:
        try:
            self.event = CloudEvent.from_kafka(self.headers, self.value or b"")
        except Exception as exc:  # malformed: dead-letter it
            self.decode_error = exc
        return self


#: SQLSTATEs of a transaction that may succeed when tried again (serialization failure, deadlock).
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def transient(exc: BaseException) -> bool:
    """Whether a handler's failure is the database's passing trouble (connection lost, database locked,
    deadlock, serialization failure) rather than the event's: such a batch must be delivered again,
    never dead-lettered, or its events would be missing from what the consumer keeps."""
    if isinstance(exc, OperationalError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        codes = {getattr(exc.orig, "sqlstate", None), getattr(exc.orig, "pgcode", None)}
        return not codes.isdisjoint(RETRYABLE_SQLSTATES)
    return isinstance(exc, ConnectionError | TimeoutError)


#: Applies fresh events inside the given session's transaction; its return value goes to after_commit.
Handler = Callable[[AsyncSession, list[Incoming]], Awaitable[Any]]


class IdempotentProcessor:
    def __init__(self, service: str, consumer: str, sessions: Sessions, handler: Handler,
                 dead_letter: Callable[[Incoming, BaseException], Awaitable[None]],
                 before_commit: Callable[[AsyncSession, Any], Awaitable[None]] | None = None,
                 after_commit: Callable[[Any], Awaitable[None] | None] | None = None) -> None:
        self.service = service
        self.consumer = consumer
        self._sessions = sessions
        self._handler = handler
        self._dead_letter = dead_letter
        self._before_commit = before_commit
        self._after_commit = after_commit

    async def process(self, batch: list[Incoming]) -> None:
        decoded = [rec.decode() if rec.event is None and rec.decode_error is None else rec for rec in batch]
        for rec in decoded:
            if rec.decode_error is not None:
                await self._dlq(rec, rec.decode_error)
        good = [rec for rec in decoded if rec.event is not None]
        if not good:
            return
        try:
            await self._apply(good)
        except Exception as exc:
            if transient(exc):  # not the events' fault: fail the batch, it is delivered again
                raise
            if len(good) == 1:
                log.warning("%s: event %s failed: %s", self.consumer, good[0].cloud_event.id, exc)
                await self._dlq(good[0], exc)
                return
            log.info("%s: batch of %d failed (%s); retrying one by one", self.consumer, len(good), exc)
            for rec in good:
                try:
                    await self._apply([rec])
                except Exception as one_exc:
                    if transient(one_exc):
                        raise
                    log.warning("%s: event %s failed: %s", self.consumer, rec.cloud_event.id, one_exc)
                    await self._dlq(rec, one_exc)

    async def _apply(self, records: list[Incoming]) -> None:
        async with self._sessions.write() as session:
            seen = set((await session.scalars(select(inbox_table.c.event_id).where(
                inbox_table.c.consumer == self.consumer,
                inbox_table.c.event_id.in_([r.cloud_event.id for r in records])))).all())
            fresh: list[Incoming] = []
            duplicates: Counter[str] = Counter()
            for rec in records:
                if rec.cloud_event.id in seen:
                    duplicates[rec.topic] += 1
                    continue
                seen.add(rec.cloud_event.id)
                fresh.append(rec)
            for topic, count in duplicates.items():
                CONSUMER_EVENTS.labels(self.service, topic, "duplicate").inc(count)
            if not fresh:
                return
            with consume_span(self.consumer, fresh[0].topic, [r.cloud_event.traceparent for r in fresh]):
                result = await self._handler(session, fresh)
                now = utcnow()
                await session.execute(inbox_table.insert(), [
                    {"consumer": self.consumer, "event_id": r.cloud_event.id, "event_type": r.cloud_event.type,
                     "topic": r.topic, "partition": r.partition, "offset": r.offset, "received_at": now}
                    for r in fresh])
                if self._before_commit:
                    await self._before_commit(session, result)
        for topic, count in Counter(rec.topic for rec in fresh).items():
            CONSUMER_EVENTS.labels(self.service, topic, "applied").inc(count)
        if self._after_commit:
            maybe = self._after_commit(result)
            if asyncio.iscoroutine(maybe):
                await maybe

    async def _dlq(self, rec: Incoming, exc: BaseException) -> None:
        await self._dead_letter(rec, exc)
        CONSUMER_EVENTS.labels(self.service, rec.topic, "dead_lettered").inc()
        DEAD_LETTERS.labels(self.service, rec.topic).inc()


def dlq_headers(rec: Incoming, exc: BaseException, consumer: str) -> list[tuple[str, bytes]]:
    extra = [
        ("dlq_error", f"{type(exc).__name__}: {exc}"[:4000].encode()),
        ("dlq_error_type", type(exc).__name__.encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_topic", rec.topic.encode()),
        ("dlq_partition", str(rec.partition).encode()),
        ("dlq_offset", str(rec.offset).encode()),
        ("dlq_time", utcnow().isoformat().encode()),
    ]
    return [(k, v) for k, v in (rec.headers or []) if not k.startswith("dlq_")] + extra


def producer_dead_letter(producer_getter: Callable[[], Any],
                         consumer: str) -> Callable[[Incoming, BaseException], Awaitable[None]]:
    """A dead_letter callable publishing to ``ipp.dlq`` with the given (started) producer."""

    async def _send(rec: Incoming, exc: BaseException) -> None:
        producer = producer_getter()
        await producer.send_and_wait(DLQ_TOPIC, value=rec.value, key=rec.key, headers=dlq_headers(rec, exc, consumer))

    return _send


class DeadLetters:
    """The ``dead_letter`` of a consumer: its own producer, started at the first dead letter (most
    consumers never send one) and stopped with ``close()``."""

    def __init__(self, bootstrap: str, client_id: str, consumer: str) -> None:
        from libs.common.kafka import new_producer

        self._producer = new_producer(bootstrap, client_id)
        self._started = False
        self._send = producer_dead_letter(lambda: self._producer, consumer)

    async def __call__(self, rec: Incoming, exc: BaseException) -> None:
        if not self._started:
            await self._producer.start()
            self._started = True
        await self._send(rec, exc)

    async def close(self) -> None:
        if self._started:
            self._started = False
            await self._producer.stop()


class KafkaEventConsumer:
    """A plain aiokafka consumer loop around an IdempotentProcessor (batched, manual commits).

    Each ``getmany`` (at most ``max_records`` records, over every assigned partition) is handed to the
    processor as one batch — one transaction — and only then are the partitions' offsets committed.
    Records of one partition keep their order within the batch. A failure (broker away, rebalance
    during the commit) ends the session without a commit: the batch is delivered again and the inbox
    drops what was already applied."""

    def __init__(self, service: str, bootstrap: str, topics: list[str], group_id: str,
                 processor: IdempotentProcessor, max_records: int = 500,
                 prepare: Callable[[], Awaitable[object]] | None = None,
                 fetch_max_wait_ms: int = 100, **consumer_options: Any) -> None:
        self.service = service
        self._bootstrap = bootstrap
        self._topics = topics
        self._group_id = group_id
        self._processor = processor
        self._max_records = max_records
        self._prepare = prepare  # e.g. declare the topics before each connection
        self._options = {"fetch_max_wait_ms": fetch_max_wait_ms, **consumer_options}
        self._backoff = Backoff(initial=0.5, maximum=30)
        declare_consumer(service, topics)

    async def run(self) -> None:
        await keep_running(f"consumer {self._group_id}", self._session, self._backoff)

    async def _session(self) -> None:
        if self._prepare is not None:
            await self._prepare()
        consumer = AIOKafkaConsumer(
            *self._topics, bootstrap_servers=self._bootstrap, group_id=self._group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_uncommitted", **self._options)
        try:
            await consumer.start()
            self._backoff.reset()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self._max_records)
                if batches:
                    await self._processor.process([
                        Incoming(m.topic, m.partition, m.offset, m.key, m.value, list(m.headers or []))
                        for messages in batches.values() for m in messages])
                    await consumer.commit({tp: messages[-1].offset + 1 for tp, messages in batches.items()})
                for tp in consumer.assignment():
                    await self._report_lag(consumer, tp)
        finally:
            try:
                await consumer.stop()
            except Exception:  # pragma: no cover
                pass

    async def _report_lag(self, consumer: AIOKafkaConsumer, tp: TopicPartition) -> None:
        high = consumer.highwater(tp)
        if high is None:
            return
        position = await consumer.position(tp)
        CONSUMER_LAG.labels(self.service, tp.topic, str(tp.partition)).set(max(0, high - (position or 0)))
