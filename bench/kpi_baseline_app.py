"""Baseline for ``bench.kpi_read``: the least a KPI read and a KPI fan-out can cost here.

* ``GET /indicators`` answers the bytes of a file (the reporting service's own answer to the same
  request, fetched once by the benchmark): no auth, no database, no computation, no serialisation.
* ``GET /stream`` is a bare Server-Sent-Event fan-out with ``sse-starlette`` (as the service uses):
  one ``aiokafka`` consumer of ``--topic`` (``group_id=None``, ``fetch_max_wait_ms=50``, as the
  service's broadcaster) puts each message on every subscriber's queue; no auth, no filtering, no
  snapshot read (a fixed ``snapshot`` event first so clients know they are connected).

Served as ``ipp serve`` serves a service: ``uvicorn.run(app, host, port, log_level="warning")``.

    python -m bench.kpi_baseline_app --port P --body answer.json --bootstrap 127.0.0.1:9092 --topic T
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator

from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app(body: bytes, bootstrap: str, topic: str) -> Starlette:
    queues: set[asyncio.Queue[bytes]] = set()

    async def consume() -> None:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                                    enable_auto_commit=False, fetch_max_wait_ms=50)
        await consumer.start()
        try:
            async for msg in consumer:
                for q in list(queues):
                    q.put_nowait(msg.value)
        finally:
            await consumer.stop()

    async def readyz(request: Request) -> Response:
        return JSONResponse({"status": "ready"})

    async def indicators(request: Request) -> Response:
        return Response(body, media_type="application/json")

    async def stream(request: Request) -> Response:
        q: asyncio.Queue[bytes] = asyncio.Queue(1000)
        queues.add(q)

        async def events() -> AsyncIterator[dict]:
            try:
                yield {"event": "snapshot", "data": "[]"}
                while True:
                    yield {"event": "kpi", "data": (await q.get()).decode()}
            finally:
                queues.discard(q)

        return EventSourceResponse(events(), ping=15)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(consume())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    return Starlette(routes=[Route("/readyz", readyz), Route("/indicators", indicators), Route("/stream", stream)],
                     lifespan=lifespan)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", required=True, help="file whose bytes GET /indicators answers")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    with open(args.body, "rb") as f:
        body = f.read()
    uvicorn.run(create_app(body, args.bootstrap, args.topic), host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
