"""The event envelope: CloudEvents 1.0 in Kafka binary mode.

Headers ``ce_specversion``, ``ce_id``, ``ce_source``, ``ce_type``, ``ce_time``, ``ce_subject``,
``content-type`` and ``traceparent``; the value is the event data as JSON; the key is the
aggregate id so that one aggregate's events stay in order on one partition.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

DLQ_TOPIC = "ipp.dlq"


def topic_for(service: str) -> str:
    return f"ipp.{service}.events"


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any) -> bytes:
    return json.dumps(data, default=json_default, ensure_ascii=False, separators=(",", ":")).encode()


class EventData(BaseModel):
    """Base of every published event's data. Subclasses set ``type`` and say which field is the subject."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    subject_field: ClassVar[str]

    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    traceparent: str | None = None

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", self.time.isoformat().encode()),
            ("ce_subject", self.subject.encode()),
            ("content-type", b"application/json"),
        ]
        if self.traceparent:
            headers.append(("traceparent", self.traceparent.encode()))
        return headers

    @classmethod
    def from_kafka(cls, headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...], value: bytes) -> CloudEvent:
        h = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in (headers or ())}
        missing = [k for k in ("ce_id", "ce_type", "ce_source") if not h.get(k)]
        if missing:
            raise ValueError(f"not a CloudEvent: missing headers {missing}")
        data = json.loads(value) if value else {}
        if not isinstance(data, dict):
            raise ValueError("event data must be a JSON object")
        return cls(
            type=h["ce_type"], source=h["ce_source"], subject=h.get("ce_subject", ""), data=data, id=h["ce_id"],
            time=datetime.fromisoformat(h["ce_time"]) if h.get("ce_time") else datetime.now(UTC),
            traceparent=h.get("traceparent"),
        )
