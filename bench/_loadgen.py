"""Load generators for ``bench.kpi_read``, each run as its own process (so that their CPU is not the
server's and their event loop is not the measuring process's).

Both speak HTTP/1.1 over plain asyncio streams: an httpx request costs about a millisecond of client
CPU, which at 500 requests/s on two shared cores would measure the client, not the server.

``reads``: open-loop GETs of one path at a steady rate. Request k is *scheduled* at start + k/rate;
its latency is taken from the scheduled time to the end of the response body, so a server that
falls behind is charged for the queue it builds (no coordinated omission). A request goes out on an
idle keep-alive connection, or on a new one when all are busy.

``sse``: N Server-Sent-Event clients of one path; each records, for every ``kpi`` event, the arrival
time (``time.perf_counter()``, CLOCK_MONOTONIC: comparable across processes on Linux) and the
event's ``value``.

Both write their results as JSON to ``--out`` and exit. The SSE mode runs until its ``--stop-file``
appears.

    python -m bench._loadgen reads --host 127.0.0.1 --port P --path /api/... --token T --rate 500 --seconds 10 --out f
    python -m bench._loadgen sse --host 127.0.0.1 --port P --path /api/... --clients 200 --tokens-file f --out f ...
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import time


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def reads(args: argparse.Namespace) -> dict:
    request = (f"GET {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
               f"Authorization: Bearer {args.token}\r\nAccept: application/json\r\n\r\n").encode()
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sizes: set[int] = set()
    errors: list[str] = []
    opened = [0]

    async def one(scheduled: float) -> None:
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        conn = idle.pop() if idle else None
        try:
            if conn is None:
                conn = await asyncio.open_connection(args.host, args.port)
                opened[0] += 1
            reader, writer = conn
            writer.write(request)
            status, body = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errors.append(repr(exc))
            return
        latencies.append(time.perf_counter() - scheduled)
        statuses[status] = statuses.get(status, 0) + 1
        sizes.add(len(body))
        idle.append(conn)

    # warm-up: a few sequential requests open the first connection and fill any cache
    for _ in range(args.warmup):
        await one(time.perf_counter())
    latencies.clear()
    statuses.clear()
    n = int(args.rate * args.seconds)
    t0 = time.perf_counter() + 0.1
    cpu0 = time.process_time()
    tasks = [asyncio.create_task(one(t0 + i / args.rate)) for i in range(n)]
    # a server far slower than the rate would keep us for minutes: what has not answered
    # ``--grace`` seconds after the last scheduled request counts as unanswered
    _, pending = await asyncio.wait(tasks, timeout=args.seconds + 0.1 + args.grace)
    for task in pending:
        task.cancel()
    wall = time.perf_counter() - t0
    for _, writer in idle:
        writer.close()
    return {"latencies": latencies, "statuses": statuses, "errors": errors[:20], "error_count": len(errors),
            "unanswered": len(pending), "scheduled": n, "grace": args.grace,
            "wall": wall, "client_cpu": time.process_time() - cpu0, "connections": opened[0],
            "body_sizes": sorted(sizes)}


async def sse(args: argparse.Namespace) -> dict:
    tokens = json.loads(open(args.tokens_file).read())
    arrivals: list[list[tuple[float, str]]] = [[] for _ in range(args.clients)]
    ready = [0]
    failures: list[str] = []

    async def client(i: int) -> None:
        try:
            # the snapshot event is one line of a few hundred KB
            reader, writer = await asyncio.open_connection(args.host, args.port, limit=1 << 24)
            writer.write((f"GET {args.path} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
                          f"Authorization: Bearer {tokens[i]}\r\nAccept: text/event-stream\r\n\r\n").encode())
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                failures.append(head.split(b"\r\n", 1)[0].decode())
                return
            event = ""
            counted = False
            while True:
                line = await reader.readline()
                if not line:
                    return
                now = time.perf_counter()
                line = line.rstrip(b"\r\n")
                # chunked transfer encoding: size lines are hex digits only; SSE lines never are
                if line.startswith(b"event:"):
                    event = line[6:].strip().decode()
                elif line.startswith(b"data:"):
                    if event == "snapshot" and not counted:
                        counted = True
                        ready[0] += 1
                    elif event == "kpi":
                        data = json.loads(line[5:])
                        arrivals[i].append((now, str(data.get("value"))))
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            failures.append(repr(exc))

    tasks = [asyncio.create_task(client(i)) for i in range(args.clients)]
    with open(args.ready_file + ".tmp", "w") as f:
        f.write("")
    deadline = time.monotonic() + 60
    while ready[0] + len(failures) < args.clients and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    os.replace(args.ready_file + ".tmp", args.ready_file)
    cpu0 = time.process_time()
    while not os.path.exists(args.stop_file):
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    for t in tasks:
        t.cancel()
    return {"arrivals": arrivals, "connected": ready[0], "failures": failures[:20],
            "failure_count": len(failures), "client_cpu": time.process_time() - cpu0}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["reads", "sse"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--tokens-file", default="")
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--grace", type=float, default=10.0, help="seconds to wait for answers after the last send")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--ready-file", default="")
    parser.add_argument("--stop-file", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        import uvloop  # the same loop uvicorn uses, when installed

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(reads(args) if args.mode == "reads" else sse(args))
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
