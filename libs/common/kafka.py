"""Kafka clients: producer settings that work on both Apache Kafka and the embedded Tansu broker."""
from __future__ import annotations

import logging

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


def new_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    # No idempotence/transactions: Tansu lacks them. Ordering per partition is kept by the
    # outbox relay publishing one batch at a time; duplicates are absorbed by consumers' inboxes.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=0,
        request_timeout_ms=10_000,
        retry_backoff_ms=200,
    )


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 3) -> None:
    """Create topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
            except TopicAlreadyExistsError:
                pass
            log.info("created topics %s", missing)
    finally:
        await admin.close()
