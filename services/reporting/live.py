"""Live KPI changes for the API process: consumes ``ipp.reporting.kpi-updates`` and fans them out
to Server-Sent-Event subscribers (each with a bounded queue; a slow client loses old updates, never
blocks others, and gets a fresh snapshot when it reconnects)."""
from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter

from aiokafka import AIOKafkaConsumer
from prometheus_client import Gauge

from libs.common.divisions import CITIES
from libs.common.errors import ProblemError
from libs.common.kafka import ensure_topics
from libs.common.metrics import KPI_VALUE
from libs.common.retry import Backoff, keep_running
from libs.common.telemetry import consume_span
from services.reporting.events import TOPIC
from services.reporting.indicators import PROVINCE
from services.reporting.kpi import kpi_dict, read_kpis, today_in_china
from services.reporting.kpi_cache import RenderedCache
from services.reporting.progress import STATUS_CODES

LABELS = ["indicator", "city", "year"]
KPI_TARGET = Gauge("ipp_kpi_target", "Target of an indicator for the year (absent without a target)", LABELS)
KPI_PROGRESS = Gauge("ipp_kpi_progress_percent", "Value as a percentage of the target", LABELS)
KPI_EXPECTED = Gauge("ipp_kpi_expected", "Value expected by today on the way to the target", LABELS)
KPI_STATUS = Gauge("ipp_kpi_status", "Status code: 0 no target, 1 met, 2 on track, 3 at risk, 4 off track, "
                                     "5 no data", LABELS)
_NAN = float("nan")


def _num(value) -> float:
    return _NAN if value is None else float(value)


def set_metrics(update: dict) -> None:
    """Export one KPI (a ``KpiUpdated`` or ``kpi_dict``) to Prometheus."""
    labels = (update["indicator"], update["city"], str(update["year"]))
    KPI_VALUE.labels(*labels).set(_num(update["value"]))
    KPI_STATUS.labels(*labels).set(STATUS_CODES.get(update.get("status"), 0))
    for gauge, key in ((KPI_TARGET, "target"), (KPI_PROGRESS, "progress"), (KPI_EXPECTED, "expected")):
        if update.get(key) is None:
            try:
                gauge.remove(*labels)
            except KeyError:
                pass
        else:
            gauge.labels(*labels).set(float(update[key]))


async def prime_metrics(rt) -> None:
    """At start, every gauge from the database: this year's values of the province and every city
    (the KPI panels are not empty after a restart of the API until each indicator changes again)."""
    async with rt.sessions() as session:
        rows = await read_kpis(session, today_in_china().year, [PROVINCE, *CITIES])
    for row in rows:
        set_metrics(kpi_dict(row))

log = logging.getLogger(__name__)


class TooManyStreams(ProblemError):
    def __init__(self, limit: int) -> None:
        super().__init__(429, "too-many-streams", "实时推送连接过多",
                         f"同一用户最多同时打开 {limit} 个实时推送连接，请先关闭不用的页面或连接",
                         headers={"Retry-After": "5"}, max_streams=limit)


class StreamStatus(dict):
    """A change of the live feed's health, sent to every subscriber: ``{"live": bool}`` (False while
    the broker does not answer: what a dashboard shows may be stale)."""


class Subscriber:
    def __init__(self, year: int | None, city: str | None, maxsize: int = 1000, owner: str | None = None) -> None:
        self.year = year
        self.city = city
        self.owner = owner
        self.queue: asyncio.Queue[dict] = asyncio.Queue(maxsize)

    def wants(self, update: dict) -> bool:
        return (self.year is None or update["year"] == self.year) and (self.city is None or update["city"] == self.city)

    def offer(self, update: dict) -> None:
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(update)


class KpiBroadcaster:
    def __init__(self, bootstrap: str, partitions: int, max_per_owner: int = 10,
                 cache: RenderedCache | None = None) -> None:
        self._bootstrap = bootstrap
        #: rendered indicator reads, dropped on every update (enabled only while consuming)
        self.cache = cache or RenderedCache()
        self._partitions = partitions
        self._subscribers: set[Subscriber] = set()
        #: Open streams per owner (token subject), at most ``max_per_owner`` each.
        self.max_per_owner = max_per_owner
        self._per_owner: Counter[str] = Counter()
        self.connected = False
        #: Whether updates can flow now (consumer connected and the broker answering); subscribers
        #: get a :class:`StreamStatus` each time it changes.
        self.live = False
        self._consumer: AIOKafkaConsumer | None = None
        self._backoff = Backoff(initial=0.5, maximum=15)

    async def probe(self, timeout: float = 2.0) -> bool:
        """Is the broker answering right now? (a metadata request on the consumer's connection)"""
        consumer = self._consumer
        if consumer is None or not self.connected:
            return False
        try:
            await asyncio.wait_for(consumer._client.fetch_all_metadata(), timeout)
            return True
        except Exception:
            return False

    def subscribe(self, year: int | None, city: str | None, owner: str | None = None) -> Subscriber:
        """A new subscriber; :class:`TooManyStreams` (429) if ``owner`` holds the most it may already."""
        if owner is not None:
            if self._per_owner[owner] >= self.max_per_owner:
                raise TooManyStreams(self.max_per_owner)
            self._per_owner[owner] += 1
        sub = Subscriber(year, city, owner=owner)
        self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        """Release ``sub`` (idempotent: the stream's end and the response's end may both call it)."""
        if sub not in self._subscribers:
            return
        self._subscribers.discard(sub)
        if sub.owner is not None:
            self._per_owner[sub.owner] -= 1
            if self._per_owner[sub.owner] <= 0:
                del self._per_owner[sub.owner]

    def streams_of(self, owner: str) -> int:
        return self._per_owner.get(owner, 0)

    def publish(self, update: dict) -> None:
        self.cache.invalidate()
        set_metrics(update)
        for sub in list(self._subscribers):
            if sub.wants(update):
                sub.offer(update)

    def set_live(self, live: bool) -> None:
        """Record the feed's health; tell every subscriber when it changed."""
        if live == self.live:
            return
        self.live = live
        log.warning("kpi broadcaster: live feed %s", "restored" if live else "interrupted (broker not answering)")
        for sub in list(self._subscribers):
            sub.offer(StreamStatus(live=live))

    async def watch(self, interval: float) -> None:
        """Probe the broker every ``interval`` seconds: a consumer whose broker went away raises
        nothing (it keeps retrying), so this is how streams learn that their data may be stale."""
        while True:
            await asyncio.sleep(interval)
            self.set_live(await self.probe(timeout=min(2.0, interval)))

    async def run(self) -> None:
        await keep_running("kpi broadcaster", self._session, self._backoff)

    async def _session(self) -> None:
        await ensure_topics(self._bootstrap, [TOPIC], self._partitions)
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=self._bootstrap, group_id=None,
                                    auto_offset_reset="latest", enable_auto_commit=False,
                                    fetch_max_wait_ms=50, metadata_max_age_ms=5000)
        try:
            await consumer.start()
            self._consumer = consumer
            self.connected = True
            self.cache.set_enabled(True)
            self.set_live(True)
            self._backoff.reset()
            async for msg in consumer:
                try:
                    data = json.loads(msg.value)
                except ValueError:
                    log.warning("ignoring malformed kpi update at offset %s", msg.offset)
                    continue
                headers = {k: v.decode() for k, v in (msg.headers or ())}
                data["event_id"] = headers.get("ce_id")
                with consume_span("reporting-live", TOPIC, [headers.get("traceparent")]):
                    self.publish(data)
        finally:
            self.connected = False
            self.cache.set_enabled(False)
            self.set_live(False)
            self._consumer = None
            try:
                await consumer.stop()
            except Exception:  # pragma: no cover
                pass

