"""The reporting stream worker (faust-streaming).

Consumes every domain topic in batches (``take_events``: acks, hence offset commits, only after a
batch's transaction), folds events into indicator deltas, records each event in the inbox in the
same transaction, and writes a ``KpiUpdated`` outbox row per changed value; its own outbox relay
publishes those to ``ipp.reporting.kpi-updates``. Concurrency is 1 (faust can commit past
unprocessed events otherwise); no faust tables (state lives in the reporting database).
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading

import faust
from aiokafka import TopicPartition

from libs.common.app import self_healing
from libs.common.clock import today
from libs.common.db import create_engine, session_factory
from libs.common.events import DLQ_TOPIC
from libs.common.inbox import IdempotentProcessor, Incoming, dlq_headers
from libs.common.kafka import ensure_topics, new_producer
from libs.common.metrics import CONSUMER_LAG
from libs.common.outbox import OutboxRelay, add_event, flush_events
from services.reporting import events as ev
from services.reporting.config import ReportingSettings
from services.reporting.indicators import fold, fold_statistics
from services.reporting.kpi import apply_deltas, apply_stat_deltas, kpi_event, rows_for_keys

log = logging.getLogger(__name__)
CONSUMER = "reporting-indicators"


class IndicatorFolder:
    """The idempotent handler: events → deltas → KpiUpdated outbox rows, one transaction per batch."""

    def __init__(self, settings: ReportingSettings, dead_letter) -> None:
        self.settings = settings
        self.engine = create_engine(settings.database_url)
        self.sessions = session_factory(self.engine)
        bootstrap = settings.kafka_bootstrap_servers
        self.relay = OutboxRelay(
            "reporting", self.sessions,
            producer_factory=lambda: new_producer(bootstrap, "ipp-reporting-worker-outbox"),
            topics=[ev.TOPIC, ev.DOMAIN_TOPIC],
            ensure_topics=lambda t: ensure_topics(bootstrap, t, settings.topic_partitions),
            batch_size=settings.outbox_batch_size, poll_interval=settings.outbox_poll_interval,
            # KpiUpdated rows are snapshots superseded by the next fold: only the statistics events
            # (which this worker folds itself) are republished into a broker that lost its data.
            replay_topics=[ev.DOMAIN_TOPIC], **self_healing(settings, "reporting-worker", [ev.TOPIC, ev.DOMAIN_TOPIC]))
        self.processor = IdempotentProcessor(
            "reporting", CONSUMER, self.sessions, self._apply, dead_letter,
            before_commit=self._publish_changes, after_commit=lambda _: self.relay.wake())

    async def _apply(self, session, records: list[Incoming]):
        deltas, stats = [], []
        for rec in records:
            deltas.extend(fold(rec.cloud_event.type, rec.cloud_event.data))
            stats.extend(fold_statistics(rec.cloud_event.type, rec.cloud_event.data))
        return await apply_deltas(session, deltas) | await apply_stat_deltas(session, stats)

    async def _publish_changes(self, session, keys) -> None:
        if not keys:
            return
        this_year = today().year
        for row in await rows_for_keys(session, keys, this_year):
            add_event(session, "reporting", ev.TOPIC, kpi_event(row))
        await flush_events(session, ev.TOPIC)

    async def close(self) -> None:
        await self.engine.dispose()


class _AiokafkaWithFetchWait:
    """The ``aiokafka`` module as faust's driver sees it, with our fetch wait for its consumers.

    faust-streaming hard-codes ``fetch_max_wait_ms=1500`` for the worker's consumer. A broker that
    holds a fetch for the whole wait (Tansu does, see bench/broker_fetch_wait.py) then delays every
    event by up to 1.5 s. Everything else is the real module.
    """

    def __init__(self, module, fetch_max_wait_ms: int) -> None:
        self._module = module
        wait = fetch_max_wait_ms

        class Consumer(module.AIOKafkaConsumer):
            def __init__(self, *args, **kwargs) -> None:
                kwargs["fetch_max_wait_ms"] = wait
                super().__init__(*args, **kwargs)

        self.AIOKafkaConsumer = Consumer

    def __getattr__(self, name: str):
        return getattr(self._module, name)


def _set_fetch_wait(fetch_max_wait_ms: int) -> None:
    import aiokafka
    from faust.transport.drivers import aiokafka as driver

    driver.aiokafka = _AiokafkaWithFetchWait(aiokafka, fetch_max_wait_ms)


def create_worker_app(settings: ReportingSettings | None = None) -> faust.App:
    settings = settings or ReportingSettings()
    _set_fetch_wait(settings.fetch_max_wait_ms)
    app = faust.App(
        "ipp-reporting",
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store="memory://",
        datadir=str(settings.var_dir / "faust"),
        web_enabled=False,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        producer_acks=-1,
        stream_wait_empty=False,
        broker_session_timeout=settings.worker_session_timeout,
        broker_heartbeat_interval=settings.worker_session_timeout / 3,
        broker_rebalance_timeout=settings.worker_session_timeout,
    )

    async def dead_letter(rec: Incoming, exc: BaseException) -> None:
        await app.producer.send_and_wait(DLQ_TOPIC, key=rec.key, value=rec.value, partition=None, timestamp=None,
                                         headers=dlq_headers(rec, exc, CONSUMER))

    folder = IndicatorFolder(settings, dead_letter)
    app.folder = folder  # type: ignore[attr-defined]
    source = app.topic(*settings.source_topics, key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")

    @app.agent(source, concurrency=1)
    async def fold_events(stream):
        async for events in stream.take_events(settings.batch_max, within=settings.batch_within):
            batch = [Incoming(e.message.topic, e.message.partition, e.message.offset, e.message.key,
                              e.message.value, list(e.message.headers or [])) for e in events]
            await folder.processor.process(batch)
            _report_lag(app, batch)

    @app.task
    async def run_relay() -> None:
        await folder.relay.run()

    return app


def _report_lag(app: faust.App, batch: list[Incoming]) -> None:
    last: dict[tuple[str, int], int] = {}
    for rec in batch:
        last[(rec.topic, rec.partition)] = rec.offset
    for (topic, partition), offset in last.items():
        try:
            high = app.consumer.highwater(TopicPartition(topic, partition))
        except Exception:  # pragma: no cover - consumer not ready
            continue
        if high is not None:
            CONSUMER_LAG.labels("reporting", topic, str(partition)).set(max(0, high - offset - 1))


def run_worker(settings: ReportingSettings | None = None, metrics_port: int | None = None,
               loglevel: str = "warning") -> None:
    """Entry point of ``ipp worker reporting``: migrations are a separate step."""
    from prometheus_client import start_http_server

    settings = settings or ReportingSettings()
    asyncio.run(ensure_topics(settings.kafka_bootstrap_servers,
                              [*settings.source_topics, ev.TOPIC, DLQ_TOPIC], settings.topic_partitions))
    from libs.common.telemetry import setup_tracing

    setup_tracing("reporting-worker", settings.otel_endpoint)
    start_http_server(metrics_port or settings.worker_metrics_port, addr="0.0.0.0")
    app = create_worker_app(settings)
    worker = BoundedStopWorker(app, loglevel=loglevel, quiet=True, stop_timeout=settings.worker_stop_timeout)
    worker.execute_from_commandline()


class BoundedStopWorker(faust.Worker):
    """A faust worker that exits at most ``stop_timeout`` seconds after SIGTERM or Ctrl-C.

    A clean stop leaves the consumer group (its successor takes over at once). With the broker gone
    faust would wait on the broker for minutes; leaving without it is safe here: every batch's effect,
    inbox rows and KpiUpdated rows were committed in one transaction before its offsets, so what was
    not committed is delivered again and deduplicated.
    """

    def __init__(self, *args, stop_timeout: float = 8.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._stop_timeout = stop_timeout

    def _exit_soon(self) -> None:
        timer = threading.Timer(self._stop_timeout, os._exit, args=(0,))
        timer.daemon = True
        timer.start()

    def _on_sigterm(self) -> None:
        self._exit_soon()
        super()._on_sigterm()

    def _on_sigint(self) -> None:
        self._exit_soon()
        super()._on_sigint()


__all__ = ["create_worker_app", "run_worker", "IndicatorFolder"]
