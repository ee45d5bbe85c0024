"""The spans that carry one trace across the outbox and the broker (libs/common/telemetry.py):
a producer span per event under the request that wrote it, and the consumer's spans under it."""
from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from libs.common.telemetry import (
    consume_span,
    current_traceparent,
    event_span,
    publish_span,
    setup_tracing,
    traceparent_of,
    tracer,
)


@pytest.fixture
def spans():
    setup_tracing("test", None)  # the process's provider (once per process, as in the services)
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    exporter = InMemorySpanExporter()
    processor = SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    yield exporter
    processor.shutdown()


def ids(traceparent: str | None) -> tuple[str, str]:
    assert traceparent
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def test_publish_then_process_continue_the_request_trace(spans):
    with tracer().start_as_current_span("POST /things") as request:
        stored = current_traceparent()  # what the outbox row keeps
    send = publish_span("ipp.test.events", "ipp.test.thing.happened.v1", "e1", stored)
    header = traceparent_of(send)  # what the Kafka record carries
    send.end()
    with event_span("folder", "ipp.test.events", "ipp.test.thing.happened.v1", "e1", header) as fold:
        written = current_traceparent()  # what the consumer's own outbox row keeps
    trace_id = f"{request.get_span_context().trace_id:032x}"
    assert ids(stored)[0] == ids(header)[0] == ids(written)[0] == trace_id
    by_name = {s.name: s for s in spans.get_finished_spans()}
    assert by_name["publish ipp.test.events"].parent.span_id == request.get_span_context().span_id
    assert by_name["publish ipp.test.events"].kind == trace.SpanKind.PRODUCER
    assert by_name["publish ipp.test.events"].attributes["cloudevents.event_type"] == "ipp.test.thing.happened.v1"
    assert by_name["process ipp.test.thing.happened.v1"].parent.span_id == send.get_span_context().span_id
    assert ids(written)[1] == f"{fold.get_span_context().span_id:016x}"


def test_a_batch_is_a_child_of_its_first_event_and_linked_to_the_others(spans):
    parents = []
    for name in ("a", "b", "c"):
        with tracer().start_as_current_span(name):
            parents.append(current_traceparent())
    with consume_span("folder", "ipp.test.events", [*parents, None]):
        pass
    batch = next(s for s in spans.get_finished_spans() if s.name == "consume folder")
    assert f"{batch.context.trace_id:032x}" == ids(parents[0])[0]
    assert sorted(f"{link.context.trace_id:032x}" for link in batch.links) == sorted(ids(p)[0] for p in parents[1:])
    assert batch.attributes["messaging.batch.message_count"] == 4


def test_without_a_stored_context_the_publication_starts_a_trace(spans):
    publish_span("ipp.test.events", "ipp.test.thing.happened.v1", "e2", None).end()
    (send,) = spans.get_finished_spans()
    assert send.context.is_valid and send.parent is None
