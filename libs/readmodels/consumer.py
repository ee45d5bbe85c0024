"""The consumer every read model runs in a programme service: one topic, its own consumer group
``ipp-<service>-<name>``, the inbox against redelivery and ``ipp.dlq`` for what cannot be applied."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.events import DLQ_TOPIC
from libs.common.inbox import DeadLetters, IdempotentProcessor, Incoming, KafkaEventConsumer
from libs.common.kafka import ensure_topics

if TYPE_CHECKING:
    from libs.common.app import Runtime, StartHook

#: Applies a batch of fresh events to the read model's table inside the given transaction.
Apply = Callable[[AsyncSession, list[Incoming]], Awaitable[object]]


def read_model_consumer(name: str, topic: str, apply: Apply) -> StartHook:
    """A start hook (``build_service_app(on_start=[...])``) running the consumer of the read model ``name``."""

    async def _start(rt: Runtime) -> None:
        settings = rt.settings
        if not settings.kafka_enabled:
            return
        consumer_name = f"{settings.service_name}-{name}"
        bootstrap = settings.kafka_bootstrap_servers
        dead_letter = DeadLetters(bootstrap, f"ipp-{consumer_name}-dlq", consumer_name)
        processor = IdempotentProcessor(settings.service_name, consumer_name, rt.sessions, apply, dead_letter)
        consumer = KafkaEventConsumer(
            settings.service_name, bootstrap, [topic], f"ipp-{consumer_name}", processor,
            prepare=lambda: ensure_topics(bootstrap, [topic, DLQ_TOPIC], settings.topic_partitions))

        async def run() -> None:
            try:
                await consumer.run()
            finally:
                await dead_letter.close()

        rt.tasks.append(asyncio.create_task(run(), name=consumer_name))

    return _start
