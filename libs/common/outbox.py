"""Transactional outbox and its relay.

A use case writes its state change and its events in one transaction (``UnitOfWork``). The relay
publishes unpublished rows in id order, marks them, retries with exponential backoff while the
broker is away, wakes at once after a commit and also polls. On PostgreSQL a transaction-scoped
advisory lock lets exactly one replica publish at a time, so several replicas do not double-publish
and per-aggregate order holds. Published rows stay: the outbox is the service's event log and
``replay`` republishes it.

Self-healing: the relay reads its broker incarnation marker (``libs.common.kafka.IncarnationProbe``)
when it connects and every few seconds after. A new marker means the broker lost what it had (the
memory-only embedded broker restarted, a cluster replaced, topics recreated), so the relay marks its
published rows for publishing again, without a restart; consumers' inboxes absorb the overlap. On
the first check after the process starts, it replays when the marker is younger than its last
published row. (The broker's end offsets cannot tell: the embedded broker reports them per batch.)
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, cast

from opentelemetry.trace import StatusCode
from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text, func, select, update
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.db import Sessions, UTCDateTime, infra_metadata, utcnow
from libs.common.events import CloudEvent, EventData, dumps
from libs.common.kafka import IncarnationProbe
from libs.common.metrics import (
    BROKER_DATA_LOSSES,
    OUTBOX_BACKLOG,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISHED,
    declare_publisher,
)
from libs.common.retry import Backoff, keep_running
from libs.common.telemetry import current_traceparent, publish_span, traceparent_of, tracer

log = logging.getLogger(__name__)

outbox_table = Table(
    "outbox",
    infra_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("occurred_at", UTCDateTime(), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("traceparent", String(100)),
    Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    Column("published_at", UTCDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_outbox_unpublished", "published_at", "id"),
)

#: Advisory-lock key space for the relay (one lock per service database).
_ADVISORY_LOCK_KEY = 0x1_9900_0001


def add_event(session: AsyncSession, service: str, topic: str, event: EventData,
              occurred_at: datetime | None = None, traceparent: str | None = None) -> CloudEvent:
    """Stage an event in the caller's transaction; it carries ``traceparent`` (default: the current
    span's), the trace of the change that caused it."""
    when: dict[str, Any] = {"time": occurred_at} if occurred_at else {}
    ce = CloudEvent(type=event.event_type, source=f"/services/{service}", subject=event.subject(),
                    data=event.model_dump(mode="json"), traceparent=traceparent or current_traceparent(), **when)
    session.info.setdefault("outbox_events", []).append(ce)
    return ce


async def flush_events(session: AsyncSession, topic: str) -> int:
    """Insert the staged events as outbox rows (called by UnitOfWork before commit)."""
    staged: list[CloudEvent] = session.info.pop("outbox_events", [])
    if not staged:
        return 0
    await session.execute(outbox_table.insert(), [
        {"event_id": ce.id, "topic": topic, "key": ce.subject, "event_type": ce.type, "source": ce.source,
         "occurred_at": ce.time, "payload": ce.data, "traceparent": ce.traceparent, "created_at": utcnow(),
         "attempts": 0}
        for ce in staged
    ])
    return len(staged)


class UnitOfWork:
    """One transaction: state change + audit + outbox rows, committed together.

    ``async with UnitOfWork(...) as uow:`` then ``uow.session`` / ``uow.emit(event)``; call
    ``await uow.commit()``; leaving the block without commit rolls back.
    """

    def __init__(self, sessions: Sessions, service: str, topic: str,
                 on_commit: Callable[[], None] | None = None) -> None:
        self._sessions = sessions
        self.service = service
        self.topic = topic
        self._on_commit = on_commit
        self.session: AsyncSession
        self.events: list[CloudEvent] = []

    async def __aenter__(self) -> UnitOfWork:
        self._lock = self._sessions.write_lock()
        await self._lock.__aenter__()
        try:
            self.session = self._sessions.writer()
            await self.session.begin()
        except BaseException as exc:
            await self._lock.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        try:
            if self.session.in_transaction():
                await self.session.rollback()
            await self.session.close()
        finally:
            await self._lock.__aexit__(*exc)

    def emit(self, event: EventData, occurred_at: datetime | None = None) -> CloudEvent:
        ce = add_event(self.session, self.service, self.topic, event, occurred_at)
        self.events.append(ce)
        return ce

    async def commit(self) -> None:
        wrote = await flush_events(self.session, self.topic)
        await self.session.commit()
        if wrote and self._on_commit:
            self._on_commit()


class OutboxRelay:
    """Publishes outbox rows to Kafka in order; one instance per service process."""

    def __init__(self, service: str, sessions: Sessions, producer_factory: Callable[[], Any],
                 topics: list[str], ensure_topics: Callable[[list[str]], Awaitable[None]] | None = None,
                 batch_size: int = 500,
                 poll_interval: float = 1.0, incarnation: Callable[[], IncarnationProbe] | None = None,
                 check_interval: float = 5.0, replay_topics: list[str] | None = None,
                 reset_topics: Callable[[], Awaitable[None]] | None = None) -> None:
        """``incarnation``: makes the probe of the broker's incarnation marker (None: no self-healing);
        ``replay_topics``: what a broker that lost its data gets again (None: every topic);
        ``reset_topics``: starts the topics only this relay writes afresh in such a broker."""
        self.service = service
        self._sessions = sessions
        self._producer_factory = producer_factory
        self._topics = topics
        self._ensure_topics = ensure_topics
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._producer: Any | None = None  # an AIOKafkaProducer once connected
        self._backoff = Backoff(initial=0.2, maximum=30)
        self.connected = False
        self._incarnation_factory = incarnation
        self._probe: IncarnationProbe | None = None
        self._check_interval = check_interval
        self._next_check = 0.0
        self._replay_topics = replay_topics
        self._reset_topics = reset_topics
        #: The broker incarnation this relay publishes into (None until first read).
        self.incarnation: str | None = None
        #: How many times this relay found the broker had lost its data and republished.
        self.recoveries = 0
        declare_publisher(service)

    def wake(self) -> None:
        self._wake.set()

    async def probe(self, timeout: float = 2.0) -> bool:
        """Is the broker answering right now? (a metadata request on the relay's connection)"""
        producer = self._producer
        if producer is None:
            return False
        try:
            await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
            return True
        except Exception:
            return False

    async def run(self) -> None:
        try:
            await keep_running(f"outbox relay {self.service}", self._session, self._backoff, self._after_failure)
        finally:
            await self._disconnect()

    async def _session(self) -> None:
        while True:
            await self._connect()
            await self.check_broker()
            while await self.publish_batch():
                pass
            self._backoff.reset()
            await self.update_backlog_metrics()
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            except TimeoutError:
                pass
            self._wake.clear()

    async def _after_failure(self, exc: Exception) -> None:
        OUTBOX_FAILURES.labels(self.service).inc()
        await self._record_failure(exc)
        await self._disconnect()
        await self.update_backlog_metrics(quiet=True)

    async def _connect(self) -> None:
        if self._producer is not None:
            return
        if self._ensure_topics:
            await self._ensure_topics(self._topics)
        producer = self._producer_factory()
        try:
            await producer.start()
        except BaseException:
            await producer.stop()
            raise
        self._producer = producer
        self.connected = True
        self._next_check = 0.0  # a reconnect may be to a broker that lost everything: look at once

    async def _disconnect(self) -> None:
        producer, self._producer = self._producer, None
        self.connected = False
        probe, self._probe = self._probe, None
        if probe is not None:
            await probe.close()
        if producer is not None:
            try:
                await producer.stop()
            except Exception:  # pragma: no cover - best effort
                log.debug("producer stop failed", exc_info=True)

    async def check_broker(self) -> int:
        """Republish when the broker's incarnation changed; returns how many rows were marked."""
        if self._incarnation_factory is None or self._producer is None or time.monotonic() < self._next_check:
            return 0
        if self._probe is None:
            self._probe = self._incarnation_factory()
        self._next_check = time.monotonic() + self._check_interval
        try:
            marker = await self._probe.read(self._producer)
        except TimeoutError:  # an unreadable marker must not hold up publishing; looked at again later
            log.warning("outbox relay %s: the broker's incarnation marker did not answer in time", self.service)
            return 0
        if marker.id == self.incarnation:
            return 0
        if self.incarnation is None:  # first look since this process started (its topics were just declared)
            last = await last_published_at(self._sessions, self._replay_topics)
            lost = last is not None and last < marker.born
        else:  # the broker lost its data while this relay ran: what it took since may sit on a broken topic
            lost = True
            if self._reset_topics is not None:
                await self._reset_topics()
        marked = 0
        if lost:
            marked = await mark_for_replay(self._sessions, topics=self._replay_topics)
            self.recoveries += 1
            BROKER_DATA_LOSSES.labels(self.service).inc()
            log.warning("outbox relay %s: the broker lost its data (incarnation %s → %s); %d events marked for "
                        "publishing again", self.service, self.incarnation, marker.id, marked)
        self.incarnation = marker.id
        return marked

    async def publish_batch(self) -> int:
        """Publish the next batch of unpublished rows; returns how many were published."""
        if not self._sessions.sqlite:
            # Hold a transaction-scoped advisory lock across fetch → publish → mark: one replica
            # publishes at a time, in order. PostgreSQL writers are not blocked by it.
            async with self._sessions.writer() as session, session.begin():
                if not await session.scalar(select(func.pg_try_advisory_xact_lock(_ADVISORY_LOCK_KEY))):
                    return 0  # another replica is publishing
                rows = await self._fetch(session)
                if rows:
                    await self._send(rows)
                    await self._mark(session, rows)
        else:
            # SQLite: one process per database file. Read without the write lock, publish, then
            # mark in a short write transaction: API writes never wait for the broker.
            async with self._sessions() as session, session.begin():
                rows = await self._fetch(session)
            if rows:
                await self._send(rows)
                async with self._sessions.write() as session:
                    await self._mark(session, rows)
        for row in rows:
            OUTBOX_PUBLISHED.labels(self.service, row["topic"]).inc()
        return len(rows)

    async def _fetch(self, session: AsyncSession) -> list[RowMapping]:
        return list((await session.execute(
            select(outbox_table).where(outbox_table.c.published_at.is_(None))
            .order_by(outbox_table.c.id).limit(self._batch_size)
        )).mappings().all())

    async def _send(self, rows: list[RowMapping]) -> None:
        producer = self._producer
        if producer is None:
            raise RuntimeError(f"outbox relay {self.service} is not connected to the broker")
        with tracer().start_as_current_span(f"outbox publish {self.service}") as span:
            span.set_attribute("messaging.batch.message_count", len(rows))
            futures, sends = [], []
            try:
                for row in rows:
                    # Each row's publication continues the trace of the change that wrote it; the
                    # event carries this producer span's context on to its consumers.
                    send = publish_span(row["topic"], row["event_type"], row["event_id"], row["traceparent"])
                    sends.append(send)
                    ce = CloudEvent(type=row["event_type"], source=row["source"], subject=row["key"],
                                    data=row["payload"], id=row["event_id"], time=row["occurred_at"],
                                    traceparent=traceparent_of(send) or row["traceparent"])
                    futures.append(await producer.send(
                        row["topic"], value=dumps(ce.data), key=row["key"].encode(), headers=ce.kafka_headers()))
                await asyncio.gather(*futures)
            except BaseException as exc:
                for send in sends:
                    send.record_exception(exc)
                    send.set_status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
                raise
            finally:
                for send in sends:
                    send.end()

    @staticmethod
    async def _mark(session: AsyncSession, rows: list[RowMapping]) -> None:
        await session.execute(
            update(outbox_table).where(outbox_table.c.id.in_([r["id"] for r in rows]))
            .values(published_at=utcnow(), attempts=outbox_table.c.attempts + 1, last_error=None))

    async def _record_failure(self, exc: Exception) -> None:
        try:
            async with self._sessions.write() as session:
                first = await session.scalar(select(func.min(outbox_table.c.id)).where(
                    outbox_table.c.published_at.is_(None)))
                if first is not None:
                    await session.execute(update(outbox_table).where(outbox_table.c.id == first).values(
                        attempts=outbox_table.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]))
        except Exception:  # the database may be the thing that failed
            log.debug("could not record outbox failure", exc_info=True)

    async def update_backlog_metrics(self, quiet: bool = False) -> tuple[int, float]:
        try:
            backlog, oldest = await backlog_stats(self._sessions)
        except Exception:
            if not quiet:
                raise
            return (0, 0.0)
        OUTBOX_BACKLOG.labels(self.service).set(backlog)
        OUTBOX_OLDEST_AGE.labels(self.service).set(oldest)
        return backlog, oldest


async def backlog_stats(sessions: Sessions) -> tuple[int, float]:
    async with sessions() as session:
        count, oldest = (await session.execute(
            select(func.count(), func.min(outbox_table.c.created_at)).where(outbox_table.c.published_at.is_(None))
        )).one()
    age = 0.0
    if oldest is not None:
        age = max(0.0, (utcnow() - oldest).total_seconds())
    return int(count), age


async def mark_for_replay(sessions: Sessions, since_id: int = 0, topics: list[str] | None = None) -> int:
    """Mark every published row (from ``since_id``, of ``topics`` or all) for publishing again, in the
    original order."""
    condition = (outbox_table.c.id >= since_id) & outbox_table.c.published_at.is_not(None)
    if topics is not None:
        condition &= outbox_table.c.topic.in_(topics)
    async with sessions.write() as session:
        # An UPDATE's result is a CursorResult (the declared Result type does not carry rowcount).
        result = cast("CursorResult[Any]",
                      await session.execute(update(outbox_table).where(condition).values(published_at=None)))
        return result.rowcount or 0


async def last_published_at(sessions: Sessions, topics: list[str] | None = None) -> datetime | None:
    query = select(func.max(outbox_table.c.published_at))
    if topics is not None:
        query = query.where(outbox_table.c.topic.in_(topics))
    async with sessions() as session:
        latest: datetime | None = await session.scalar(query)
    return latest


__all__ = ["outbox_table", "UnitOfWork", "OutboxRelay", "add_event", "mark_for_replay", "backlog_stats",
           "last_published_at"]
