"""Prometheus metrics shared by every process (one registry per process)."""
from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter("ipp_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
HTTP_DURATION = Histogram(
    "ipp_http_request_duration_seconds", "HTTP request duration", ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
OUTBOX_BACKLOG = Gauge("ipp_outbox_backlog", "Outbox rows not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge("ipp_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"])
OUTBOX_PUBLISHED = Counter("ipp_outbox_published_total", "Outbox rows published", ["service", "topic"])
BROKER_DATA_LOSSES = Counter(
    "ipp_broker_data_losses_total", "Times the relay found the broker had lost acknowledged events and republished",
    ["service"])
OUTBOX_FAILURES = Counter("ipp_outbox_publish_failures_total", "Failed outbox publish attempts", ["service"])
CONSUMER_EVENTS = Counter("ipp_consumer_events_total", "Consumed events by outcome", ["service", "topic", "outcome"])
CONSUMER_LAG = Gauge("ipp_consumer_lag", "Messages behind the end of the partition", ["service", "topic", "partition"])
DEAD_LETTERS = Counter("ipp_dead_letters_total", "Events sent to the dead-letter topic", ["service", "topic"])
KPI_VALUE = Gauge("ipp_kpi_value", "Current indicator value", ["indicator", "city", "year"])
#: Outcomes of ``ipp_consumer_events_total``.
CONSUMER_OUTCOMES = ("applied", "duplicate", "dead_lettered")


def declare_publisher(service: str) -> None:
    """Export a publisher's failure counters at 0 from the start: a series that appears only with the
    first failure leaves rate()/increase() panels and alerts empty until something goes wrong."""
    OUTBOX_FAILURES.labels(service)
    BROKER_DATA_LOSSES.labels(service)


def declare_consumer(service: str, topics: list[str]) -> None:
    """Export a consumer's outcome and dead-letter counters at 0 for each of its topics (see
    :func:`declare_publisher`)."""
    for topic in topics:
        DEAD_LETTERS.labels(service, topic)
        for outcome in CONSUMER_OUTCOMES:
            CONSUMER_EVENTS.labels(service, topic, outcome)


class MetricsMiddleware:
    """Request count and duration per route template (plain ASGI: no extra task per request)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], path, str(status)).inc()
            HTTP_DURATION.labels(self.service, scope["method"], path).observe(time.perf_counter() - start)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
