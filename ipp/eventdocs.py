"""The event catalogue, generated from the code: one JSON Schema per event and an AsyncAPI 3.0 document.

``python -m ipp.eventdocs`` rewrites ``docs/events/``; ``tests/contract`` fails when the committed
files differ from what the code generates, so the catalogue cannot drift from the events.

Each schema is the pydantic schema of the event's data (the Kafka record value) with ``$id`` = the
CloudEvents type, a ``title``, and the annotations ``x-topic`` (where it is published), ``x-key``
(the data field that is the Kafka key and ``ce_subject``) and ``x-source`` (``ce_source``).
"""
from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ipp.registry import SERVICES
from libs.common.events import DLQ_TOPIC, EventData
from libs.readmodels import enterprises as enterprise_readmodel
from services.reporting import events as reporting_events
from services.reporting.indicators import MODULES as INDICATOR_MODULES

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "docs" / "events"
ASYNCAPI_FILE = "asyncapi.yaml"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
KAFKA_BINDING_VERSION = "0.5.0"


@dataclass(frozen=True)
class Published:
    """One event type as it travels: class, topic, publishing service (``ce_source``)."""

    cls: type[EventData]
    topic: str
    source: str

    @property
    def type(self) -> str:
        return self.cls.event_type

    @property
    def name(self) -> str:
        return self.cls.__name__

    @property
    def file_name(self) -> str:
        return f"{self.type}.json"


def domain_services() -> list[tuple[str, Any]]:
    """(name, events module) of every service that publishes domain events, in registry order."""
    out = []
    for name in SERVICES:
        if name == "reporting":
            continue
        try:
            out.append((name, importlib.import_module(f"services.{name}.events")))
        except ModuleNotFoundError:  # a registered service without events yet
            continue
    return out


def catalogue() -> list[Published]:
    """Every event the platform publishes, in a stable order."""
    return [
        *(Published(cls, module.TOPIC, f"/services/{name}") for name, module in domain_services()
          for cls in module.ALL_EVENTS),
        *(Published(cls, reporting_events.DOMAIN_TOPIC, "/services/reporting") for cls in reporting_events.ALL_EVENTS),
        Published(reporting_events.KpiUpdated, reporting_events.TOPIC, "/services/reporting"),
    ]


# --- JSON Schemas --------------------------------------------------------------------------------

def event_schema(event: Published) -> dict[str, Any]:
    schema = event.cls.model_json_schema()
    schema.pop("title", None)
    own_doc = event.cls.__dict__.get("__doc__")
    description = (
        f"Data of the CloudEvent `{event.type}`: the JSON value of a Kafka record on `{event.topic}`, "
        f"published by `{event.source}`. The Kafka key and `ce_subject` are the `{event.cls.subject_field}` field.")
    if own_doc:
        description = f"{' '.join(own_doc.split())}\n\n{description}"
    schema.pop("description", None)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": event.type,
        "title": event.name,
        "description": description,
        "x-topic": event.topic,
        "x-key": event.cls.subject_field,
        "x-source": event.source,
        **schema,
    }


def dump_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# --- AsyncAPI ------------------------------------------------------------------------------------

def _header(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


CLOUDEVENT_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0 in Kafka binary mode: attributes as record headers (UTF-8), data as the value.",
    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "content-type"],
    "properties": {
        "ce_specversion": _header("CloudEvents spec version", const="1.0"),
        "ce_id": _header("unique event id (UUID); consumers deduplicate on it (inbox)", examples=[
            "0b6a3c4e-5d2f-4f7e-9a1b-2c3d4e5f6a7b"]),
        "ce_source": _header("publishing service", pattern="^/services/[a-z]+$", examples=["/services/enterprise"]),
        "ce_type": _header("event type, versioned", pattern=r"^ipp\.[a-z]+\.[a-z-]+\.[a-z-]+\.v[0-9]+$",
                           examples=["ipp.enterprise.tier.designated.v1"]),
        "ce_time": _header("when the fact happened (ISO 8601, UTC offset)", format="date-time",
                           examples=["2025-06-30T08:00:00+00:00"]),
        "ce_subject": _header("aggregate id, equal to the Kafka key (per-aggregate order on one partition)"),
        "content-type": _header("media type of the value", const="application/json"),
        "traceparent": _header("W3C trace context of the change that caused the event (optional)",
                               pattern="^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"),
    },
}

DLQ_HEADERS: dict[str, Any] = {
    "type": "object",
    "description": "The failed record's own headers (CloudEvents ones when it had them) plus the error.",
    "required": ["dlq_error", "dlq_error_type", "dlq_consumer", "dlq_topic", "dlq_partition", "dlq_offset",
                 "dlq_time"],
    "properties": {
        **{k: v for k, v in CLOUDEVENT_HEADERS["properties"].items()},
        "dlq_error": _header("exception type and message (at most 4000 characters)"),
        "dlq_error_type": _header("exception class name", examples=["KeyError", "JSONDecodeError"]),
        "dlq_consumer": _header("consumer (group) that gave up on the record", examples=["reporting-indicators"]),
        "dlq_topic": _header("topic the record was read from", examples=["ipp.enterprise.events"]),
        "dlq_partition": _header("partition it was read from", pattern="^[0-9]+$"),
        "dlq_offset": _header("offset it was read from", pattern="^[0-9]+$"),
        "dlq_time": _header("when it was dead-lettered", format="date-time"),
    },
}

#: Event types the reporting stream worker folds into indicators (it records every other one as seen).
#: Event types the reporting worker folds into indicators (declared by each indicator module).
REPORTING_FOLDS = sorted({t for m in INDICATOR_MODULES for t in getattr(m, "EVENT_TYPES", ())})


def _channel_id(topic: str) -> str:
    if topic == reporting_events.TOPIC:
        return "kpiUpdates"
    if topic == DLQ_TOPIC:
        return "deadLetters"
    return f"{topic.split('.')[1]}Events"


def _message(event: Published) -> dict[str, Any]:
    return {
        "name": event.type,
        "title": event.name,
        "summary": f"{event.name} ({event.type}), keyed by {event.cls.subject_field}",
        "contentType": "application/json",
        "headers": {"allOf": [
            {"$ref": "#/components/schemas/CloudEventHeaders"},
            {"type": "object", "properties": {"ce_type": {"const": event.type}, "ce_source": {"const": event.source}}},
        ]},
        "payload": {"$ref": f"./{event.file_name}"},
        "bindings": {"kafka": {
            "key": {"type": "string", "description": f"the event's `{event.cls.subject_field}` (= ce_subject)"},
            "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _refs(channel_id: str, names: list[str]) -> list[dict[str, str]]:
    return [{"$ref": f"#/channels/{channel_id}/messages/{n}"} for n in names]


def asyncapi(events: list[Published]) -> dict[str, Any]:
    by_topic: dict[str, list[Published]] = {}
    for e in events:
        by_topic.setdefault(e.topic, []).append(e)

    def channel(topic: str, title: str, description: str, messages: dict[str, Any]) -> dict[str, Any]:
        return {"address": topic, "title": title, "description": description, "messages": messages,
                "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}}}

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    domain = domain_services()
    for name, module in domain:
        topic = module.TOPIC
        cid = _channel_id(topic)
        channels[cid] = channel(
            topic, f"{SERVICES[name].title}领域事件 {name} domain events",
            f"Facts published by the {name} service through its transactional outbox, keyed by the aggregate's id "
            "(one aggregate's events stay in order on one partition).",
            {e.name: {"$ref": f"#/components/messages/{e.name}"} for e in by_topic.get(topic, [])})
        operations[f"{name}PublishesEvents"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{cid}"},
            "title": f"{name} service publishes its events",
            "description": "The outbox relay publishes committed outbox rows in order, retrying with backoff.",
            "messages": _refs(cid, [e.name for e in by_topic.get(topic, [])])}
        folded = [e.name for e in by_topic.get(topic, []) if e.type in REPORTING_FOLDS]
        if folded:
            operations[f"reportingFolds{name.capitalize()}Events"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{cid}"},
                "title": f"reporting worker folds {name} events into indicators",
                "description": "Consumer group `ipp-reporting` (consumer `reporting-indicators`): batches, "
                               "idempotent through the inbox, offsets committed after the effect. Other event types "
                               "on the topic are recorded as seen and change nothing.",
                "messages": _refs(cid, folded)}
    mirrored = {enterprise_readmodel.REGISTERED, enterprise_readmodel.UPDATED, *enterprise_readmodel.TIER_CHANGES}
    ent_topic = enterprise_readmodel.ENTERPRISE_TOPIC
    for name, _ in domain:
        if name == "enterprise" or ent_topic not in by_topic:
            continue
        operations[f"{name}MirrorsEnterprises"] = {
            "action": "receive", "channel": {"$ref": f"#/channels/{_channel_id(ent_topic)}"},
            "title": f"{name} service keeps its read model of enterprises",
            "description": f"Consumer group `ipp-{name}-known-enterprises`: idempotent through the inbox; lets the "
                           "service refuse records about unknown enterprises and stamp city and ownership on its "
                           "own events.",
            "messages": _refs(_channel_id(ent_topic), [e.name for e in by_topic[ent_topic] if e.type in mirrored])}
    stats = [e.name for e in by_topic[reporting_events.DOMAIN_TOPIC]]
    channels["reportingEvents"] = channel(
        reporting_events.DOMAIN_TOPIC, "报表服务领域事件 reporting domain events",
        "Official statistics approved or re-opened by the province, written to the reporting outbox in the "
        "approval's transaction, keyed by period:org_unit. The reporting worker folds the approvals.",
        {n: {"$ref": f"#/components/messages/{n}"} for n in stats})
    operations["reportingPublishesStatistics"] = {
        "action": "send", "channel": {"$ref": "#/channels/reportingEvents"},
        "title": "reporting API publishes approved statistics (through the outbox)",
        "messages": _refs("reportingEvents", stats)}
    operations["reportingFoldsStatistics"] = {
        "action": "receive", "channel": {"$ref": "#/channels/reportingEvents"},
        "title": "reporting worker folds approved statistics into indicators",
        "messages": _refs("reportingEvents", [e.name for e in by_topic[reporting_events.DOMAIN_TOPIC]
                                              if e.type in REPORTING_FOLDS])}
    channels["kpiUpdates"] = channel(
        reporting_events.TOPIC, "指标变化 KPI updates",
        "One message per changed indicator value (a city and the province, 420000), written to the "
        "reporting worker's outbox in the transaction that changed the value.",
        {e.name: {"$ref": f"#/components/messages/{e.name}"} for e in by_topic[reporting_events.TOPIC]})
    channels["deadLetters"] = channel(
        DLQ_TOPIC, "死信 dead letters",
        "Records a consumer could not handle (malformed, or failing its handler), published with the error "
        "in their headers; the consumer carries on.",
        {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}})
    kpi = [e.name for e in by_topic[reporting_events.TOPIC]]
    operations.update({
        "reportingPublishesKpiUpdates": {
            "action": "send", "channel": {"$ref": "#/channels/kpiUpdates"},
            "title": "reporting worker publishes changed indicator values",
            "messages": _refs("kpiUpdates", kpi)},
        "reportingApiStreamsKpiUpdates": {
            "action": "receive", "channel": {"$ref": "#/channels/kpiUpdates"},
            "title": "reporting API streams KPI updates to dashboards (SSE)",
            "messages": _refs("kpiUpdates", kpi)},
        "deadLetters": {
            "action": "send", "channel": {"$ref": "#/channels/deadLetters"},
            "title": "consumers dead-letter events they cannot handle",
            "messages": _refs("deadLetters", ["DeadLetter"])},
    })
    messages = {e.name: _message(e) for e in events}
    messages["DeadLetter"] = {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "a record that could not be handled, with the reason",
        "contentType": "application/octet-stream",
        "headers": {"$ref": "#/components/schemas/DeadLetterHeaders"},
        "payload": {"description": "the original record value, unchanged (it may not be valid JSON)"},
        "bindings": {"kafka": {"key": {"type": "string", "description": "the original record's key"},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "湖北省知识产权企业服务平台 事件 (IPP events)",
            "version": "1.0.0",
            "description": "Kafka topics of the platform. Every message is a CloudEvents 1.0 event in Kafka binary "
                           "mode; its value is the event data as JSON, described by the JSON Schema files next to "
                           "this document. Generated by `python -m ipp.eventdocs`; do not edit by hand.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "embedded": {"host": "127.0.0.1:9092", "protocol": "kafka",
                         "description": "embedded Kafka-protocol broker (Tansu) of `ipp up`"},
            "production": {"host": "kafka:9092", "protocol": "kafka",
                           "description": "Apache Kafka (KRaft) of docker-compose / Kubernetes"},
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {"CloudEventHeaders": CLOUDEVENT_HEADERS, "DeadLetterHeaders": DLQ_HEADERS},
            "messages": messages,
        },
    }


def dump_yaml(doc: dict[str, Any]) -> str:
    import yaml

    plain = json.loads(json.dumps(doc))  # no shared objects: no YAML anchors/aliases in the output
    return yaml.safe_dump(plain, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


# --- entry point ---------------------------------------------------------------------------------

def render() -> dict[str, str]:
    """{file name: content} of the whole catalogue."""
    events = catalogue()
    files = {e.file_name: dump_json(event_schema(e)) for e in events}
    files[ASYNCAPI_FILE] = dump_yaml(asyncapi(events))
    return files


def generate(out_dir: Path) -> list[Path]:
    """Write the catalogue into ``out_dir`` (removing schema files of events that no longer exist)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in out_dir.glob("ipp.*.json"):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, content in files.items():
        path = out_dir / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DOCS_DIR
    for p in generate(target):
        print(p)
