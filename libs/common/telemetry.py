"""OpenTelemetry tracing, set up once per process; exports only when OTEL_EXPORTER_OTLP_ENDPOINT is set.

The trace context travels HTTP → database (the outbox row) → Kafka headers → consumer, so one
trace runs from a ``POST`` through the outbox relay (a producer span per event, :func:`publish_span`),
the Kafka hop and the consumer (:func:`consume_span`) to the events the consumer writes in turn
(docs/operations.md, "Traces"). Spans are exported in batches; the standard ``OTEL_BSP_*``
variables (e.g. ``OTEL_BSP_SCHEDULE_DELAY`` in ms) tune the batching.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_configured = False
_exported = False


def tracing_exported() -> bool:
    """Whether this process exports spans (an OTLP endpoint is set): hot loops skip spans nobody sees."""
    return _exported


def setup_tracing(service_name: str, endpoint: str | None) -> None:
    global _configured, _exported
    if _configured:
        return
    provider = TracerProvider(resource=Resource.create({"service.name": f"ipp-{service_name}"}))
    if endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")))
        _exported = True
    trace.set_tracer_provider(provider)
    _configured = True


def tracer(name: str = "ipp") -> trace.Tracer:
    return trace.get_tracer(name)


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_from_headers(headers: dict[str, str]) -> context.Context:
    return propagate.extract(headers)


def traceparent_of(span: trace.Span) -> str | None:
    """The W3C ``traceparent`` that makes ``span`` the parent of what receives it."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier.get("traceparent")


def _parent(traceparent: str | None) -> context.Context:
    return context_from_headers({"traceparent": traceparent} if traceparent else {})


def publish_span(topic: str, event_type: str, event_id: str, traceparent: str | None) -> trace.Span:
    """A started producer span for one event, child of the change that wrote it (``traceparent``
    of its outbox row). The caller ends it once the broker acknowledged the event."""
    return tracer().start_span(
        f"publish {topic}", context=_parent(traceparent), kind=trace.SpanKind.PRODUCER,
        attributes={"messaging.system": "kafka", "messaging.operation.type": "send",
                    "messaging.destination.name": topic, "messaging.message.id": event_id,
                    "cloudevents.event_type": event_type, "cloudevents.event_id": event_id})


#: Links a batch's span keeps to its events' traces (OpenTelemetry's default span limit is 128).
MAX_LINKS = 128


@contextmanager
def consume_span(consumer: str, topic: str, traceparents: Sequence[str | None]) -> Iterator[trace.Span]:
    """The current span while a batch of events is handled: child of the first event's producer
    span, linked to the next ``MAX_LINKS`` events' (each event's trace reaches the batch)."""
    links = [trace.Link(ctx) for tp in traceparents[1:MAX_LINKS + 1] if tp
             if (ctx := trace.get_current_span(_parent(tp)).get_span_context()).is_valid]
    with tracer().start_as_current_span(
            f"consume {consumer}", context=_parent(traceparents[0] if traceparents else None),
            kind=trace.SpanKind.CONSUMER, links=links,
            attributes={"messaging.system": "kafka", "messaging.operation.type": "process",
                        "messaging.destination.name": topic, "messaging.consumer.group.name": consumer,
                        "messaging.batch.message_count": len(traceparents)}) as span:
        yield span


@contextmanager
def event_span(consumer: str, topic: str, event_type: str, event_id: str,
               traceparent: str | None) -> Iterator[trace.Span]:
    """The current span while one event of a batch is handled: child of that event's producer span
    (what the handler writes in turn can continue the event's own trace, whatever else the batch held)."""
    with tracer().start_as_current_span(
            f"process {event_type}", context=_parent(traceparent), kind=trace.SpanKind.CONSUMER,
            attributes={"messaging.system": "kafka", "messaging.operation.type": "process",
                        "messaging.destination.name": topic, "messaging.consumer.group.name": consumer,
                        "messaging.message.id": event_id, "cloudevents.event_type": event_type,
                        "cloudevents.event_id": event_id}) as span:
        yield span
