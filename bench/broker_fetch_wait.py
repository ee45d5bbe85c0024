"""Probe: does the embedded broker answer a long-poll fetch as soon as data arrives?

A Kafka broker holds a fetch until ``fetch.min.bytes`` (1 byte) are there or ``fetch.max.wait.ms``
expires, so a consumer sees a new record within milliseconds whatever its max wait. This probe starts
its own embedded broker (spare port, memory storage), produces records at random intervals and
measures produce-acknowledged → consumer-received latency for several ``fetch_max_wait_ms`` values,
among them the 1500 ms that faust-streaming hard-codes for its consumer (the reporting worker's, when it
was a faust agent).

    .venv/bin/python -m bench.broker_fetch_wait [--records 20]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path

from bench._util import percentile
from libs.common.broker import EmbeddedBroker, free_port
from libs.common.kafka import ensure_topics, new_producer


async def probe(bootstrap: str, topic: str, max_wait_ms: int, records: int) -> list[float]:
    from aiokafka import AIOKafkaConsumer

    await ensure_topics(bootstrap, [topic], 3)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                                enable_auto_commit=False, fetch_max_wait_ms=max_wait_ms)
    producer = new_producer(bootstrap, "fetch-wait-probe")
    await consumer.start()
    await producer.start()
    acked: dict[bytes, float] = {}
    latencies: list[float] = []
    try:
        while not consumer.assignment():
            await asyncio.sleep(0.05)
        for tp in consumer.assignment():
            await consumer.position(tp)

        async def consume() -> None:
            while len(latencies) < records:
                batches = await consumer.getmany(timeout_ms=5000)
                now = time.perf_counter()
                for messages in batches.values():
                    for m in messages:
                        while m.value not in acked:  # the ack callback may run just after the fetch
                            await asyncio.sleep(0)
                        latencies.append(now - acked[m.value])

        task = asyncio.create_task(consume())
        await asyncio.sleep(0.3)
        for i in range(records):
            await asyncio.sleep(random.uniform(0.1, 0.3))
            value = f"{max_wait_ms}-{i}".encode()
            await producer.send_and_wait(topic, value, key=str(i).encode())
            acked[value] = time.perf_counter()
        await asyncio.wait_for(task, 30)
    finally:
        await producer.stop()
        await consumer.stop()
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ipp-bench-fetch-") as tmp:
        broker = EmbeddedBroker(port=free_port(26392), log_path=Path(tmp) / "broker.log").start()
        try:
            print(f"embedded broker on {broker.bootstrap}; {args.records} records per setting, 100-300 ms apart")
            for wait in (20, 100, 500, 1500):
                lat = asyncio.run(probe(broker.bootstrap, f"probe.wait{wait}", wait, args.records))
                print(f"  fetch_max_wait_ms {wait:5d}: produce-ack -> received"
                      f"  p50 {percentile(lat, 50) * 1000:7.1f} ms"
                      f"  p99 {percentile(lat, 99) * 1000:7.1f} ms  max {max(lat) * 1000:7.1f} ms")
        finally:
            broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
