"""The reporting stream worker.

Consumes every domain topic in batches through a plain aiokafka consumer (consumer group
``ipp-reporting``): each ``getmany`` of up to ``batch_max`` events, over every assigned partition, is
one transaction — inbox dedupe, the fold into indicator deltas, a ``KpiUpdated`` outbox row per changed
value — and only after its commit are the offsets committed. Its own outbox relay publishes the
KpiUpdated rows to ``ipp.reporting.kpi-updates``. State lives in the reporting database only, so a
worker that dies loses nothing: what it had not committed is delivered again and deduplicated.
(The worker was a faust-streaming agent; why it is not any more: docs/architecture.md.)
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from dataclasses import dataclass, field

from libs.common.app import self_healing
from libs.common.clock import today
from libs.common.db import create_engine, session_factory
from libs.common.events import DLQ_TOPIC
from libs.common.inbox import DeadLetters, IdempotentProcessor, Incoming, KafkaEventConsumer
from libs.common.kafka import ensure_topics, new_producer
from libs.common.outbox import OutboxRelay, add_event, flush_events
from libs.common.telemetry import event_span, traceparent_of, tracing_exported
from services.reporting import events as ev
from services.reporting.config import ReportingSettings
from services.reporting.indicators import fold, fold_statistics
from services.reporting.kpi import affected_keys, apply_deltas, apply_stat_deltas, kpi_event, rows_for_keys

log = logging.getLogger(__name__)
CONSUMER = "reporting-indicators"
#: The worker's consumer group: replicas share the partitions; operators reset its offsets by this name.
GROUP = "ipp-reporting"


@dataclass
class Folded:
    """What a batch changed: the (indicator, city, year) keys touched, and for each value to publish
    the ``traceparent`` of the last event that changed it."""

    year: int
    keys: set[tuple[str, str, int]] = field(default_factory=set)
    causes: dict[tuple[str, str, int], str | None] = field(default_factory=dict)


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

    async def _apply(self, session, records: list[Incoming]) -> Folded:
        folded = Folded(year=today().year)
        deltas, stats = [], []
        traced = tracing_exported()
        for rec in records:
            ce = rec.cloud_event
            if traced:  # a span per event, so each value changed continues its event's own trace
                with event_span(CONSUMER, rec.topic, ce.type, ce.id, ce.traceparent) as span:
                    mine = fold(ce.type, ce.data)
                    stats.extend(fold_statistics(ce.type, ce.data))
                cause = traceparent_of(span)
            else:  # nothing exported: the values continue the event's trace context as it came
                mine = fold(ce.type, ce.data)
                stats.extend(fold_statistics(ce.type, ce.data))
                cause = ce.traceparent
            deltas.extend(mine)
            for d in mine:
                for key in affected_keys((d.indicator, d.city, d.year), folded.year):
                    folded.causes[key] = cause
        folded.keys = await apply_deltas(session, deltas) | await apply_stat_deltas(session, stats)
        return folded

    async def _publish_changes(self, session, folded: Folded) -> None:
        if not folded.keys:
            return
        for row in await rows_for_keys(session, folded.keys, folded.year):
            add_event(session, "reporting", ev.TOPIC, kpi_event(row),
                      traceparent=folded.causes.get((row.indicator, row.city, row.year)))
        await flush_events(session, ev.TOPIC)

    async def close(self) -> None:
        await self.engine.dispose()


def event_consumer(settings: ReportingSettings, folder: IndicatorFolder) -> KafkaEventConsumer:
    """The worker's consumer: every source topic, batches of ``batch_max``, the worker's session timeout."""
    bootstrap = settings.kafka_bootstrap_servers
    session_ms = int(settings.worker_session_timeout * 1000)
    return KafkaEventConsumer(
        "reporting", bootstrap, list(settings.source_topics), GROUP, folder.processor,
        max_records=settings.batch_max, fetch_max_wait_ms=settings.fetch_max_wait_ms,
        prepare=lambda: ensure_topics(bootstrap, [*settings.source_topics, ev.TOPIC, DLQ_TOPIC],
                                      settings.topic_partitions),
        client_id="ipp-reporting-worker", session_timeout_ms=session_ms,
        heartbeat_interval_ms=max(100, session_ms // 3), rebalance_timeout_ms=session_ms)


async def run_folding(settings: ReportingSettings) -> None:
    """Consume, fold and relay until cancelled (the worker process's whole life)."""
    dead_letter = DeadLetters(settings.kafka_bootstrap_servers, "ipp-reporting-worker-dlq", CONSUMER)
    folder = IndicatorFolder(settings, dead_letter)
    consumer = event_consumer(settings, folder)
    try:
        await asyncio.gather(consumer.run(), folder.relay.run())
    finally:
        await dead_letter.close()
        await folder.close()


def run_worker(settings: ReportingSettings | None = None, metrics_port: int | None = None,
               loglevel: str = "warning") -> None:
    """Entry point of ``ipp worker reporting``: migrations are a separate step.

    SIGTERM or Ctrl-C cancels the work: the consumer leaves its group (a replica or successor takes
    the partitions at once) and the process exits, at the latest ``worker_stop_timeout`` seconds later
    even when the broker is gone. Leaving without the broker is safe: every batch's effect, inbox rows
    and KpiUpdated rows were committed in one transaction before its offsets."""
    from prometheus_client import start_http_server

    from libs.common.telemetry import setup_tracing

    settings = settings or ReportingSettings()
    logging.basicConfig(level=loglevel.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    setup_tracing("reporting-worker", settings.otel_endpoint)
    start_http_server(metrics_port or settings.worker_metrics_port, addr="0.0.0.0")

    async def main() -> None:
        work = asyncio.ensure_future(run_folding(settings))

        def stop() -> None:
            timer = threading.Timer(settings.worker_stop_timeout, os._exit, args=(0,))
            timer.daemon = True
            timer.start()
            work.cancel()

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop)
        try:
            await work
        except asyncio.CancelledError:
            log.info("reporting worker stopped")

    asyncio.run(main())


__all__ = ["GROUP", "IndicatorFolder", "event_consumer", "run_folding", "run_worker"]
