"""Benchmark: the enterprise write path against a bare FastAPI + sqlite3 baseline, in the same run.

What is measured: ``POST /api/v1/enterprises`` with a bearer token, served by the real enterprise
service process (``python -m ipp.cli serve enterprise``): JWT check, full validation (USCC check
character, city/county codes, industry code…), the enterprise row, the audit row and the outbox
row in one SQLite transaction, the 201 response. The broker is not needed (``IPP_KAFKA_ENABLED=false``:
no relay runs, but the outbox row is still written in the transaction).

Baseline: ``bench.baseline_app`` — one FastAPI POST route, a small pydantic body, a plain ``sqlite3``
INSERT + COMMIT into a WAL file, served by uvicorn with the same settings, one process.

Both are driven by the same closed-loop async httpx load generator (``--concurrency`` requests in
flight over keep-alive connections), a warm-up, then the measured requests, each with a fresh
valid USCC; the baseline receives the same JSON. Rounds alternate baseline / service so that
background load on the machine hits both alike. Goal: service/baseline throughput ratio >= 0.5.

    .venv/bin/python -m bench.enterprise_write [--rounds 3] [--requests 1500] [--concurrency 8]
    .venv/bin/python -m bench.enterprise_write --profile   # + a SQLite lock-timing pass and a cProfile pass
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench._util import Server, bench_port, cpu_seconds, loadavg, percentile
from libs.common.testing import random_uscc, token

GOAL_RATIO = 0.5
GOAL_CPU_MS = 1.5  # server CPU per request
PATH = "/api/v1/enterprises"


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float
    client_cpu: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.latencies, 50) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    @property
    def server_cpu_ms_per_req(self) -> float:
        return self.server_cpu / self.requests * 1000

    def line(self) -> str:
        return (f"{self.name:<9} {self.rps:8.1f} req/s  p50 {self.p50_ms:6.2f} ms  p99 {self.p99_ms:6.2f} ms  "
                f"server CPU {self.server_cpu_ms_per_req:5.2f} ms/req ({self.server_cpu / self.seconds * 100:3.0f}% "
                f"of a core)  client CPU {self.client_cpu / self.seconds * 100:3.0f}%  errors {self.errors}")


def make_bodies(n: int, seq: list[int]) -> list[dict]:
    out = []
    for _ in range(n):
        seq[0] += 1
        out.append({"uscc": random_uscc("420100"), "name": f"基准测试光电科技有限公司{seq[0]:06d}",
                    "city": "420100", "county": "420111", "industry": "P1", "size_class": "small",
                    "ownership": "private", "qualifications": ["high_tech"], "ip_management_certified": True,
                    "own_brand": False, "patent_product_filed": False})
    return out


async def drive(base_url: str, headers: dict[str, str], bodies: list[dict],
                concurrency: int) -> tuple[list[float], int]:
    """Closed loop: ``concurrency`` workers each send the next body as soon as their last answer came."""
    latencies: list[float] = []
    errors = 0
    it = iter(bodies)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30.0) as client:
        async def worker() -> None:
            nonlocal errors
            for body in it:
                t0 = time.perf_counter()
                try:
                    r = await client.post(PATH, json=body)
                    problem = None if r.status_code == 201 else f"{r.status_code} {r.text[:300]}"
                except httpx.HTTPError as exc:
                    problem = repr(exc)
                latencies.append(time.perf_counter() - t0)
                if problem is not None:
                    errors += 1
                    if errors <= 3:
                        print(f"  unexpected answer: {problem}", file=sys.stderr)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors


def measure(name: str, server: Server, base_url: str, headers: dict[str, str], args, seq: list[int]) -> Result:
    warm = make_bodies(args.warmup, seq)
    bodies = make_bodies(args.requests, seq)
    asyncio.run(drive(base_url, headers, warm, args.concurrency))
    cpu0, client0, t0 = cpu_seconds(server.pid), time.process_time(), time.perf_counter()
    latencies, errors = asyncio.run(drive(base_url, headers, bodies, args.concurrency))
    seconds = time.perf_counter() - t0
    return Result(name, len(bodies), errors, seconds, latencies, cpu_seconds(server.pid) - cpu0,
                  time.process_time() - client0)


def service_env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPP_ENTERPRISE_")}
    env.update({"IPP_VAR_DIR": str(var_dir), "IPP_KAFKA_ENABLED": "false", "PYTHONUNBUFFERED": "1"})
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    return env


async def _pg_admin(server_url: str, sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_pg_database(server_url: str) -> tuple[str, str]:
    """A fresh database on the server; returns its name and the service's SQLAlchemy URL."""
    import asyncio
    import uuid

    from sqlalchemy.engine import make_url

    name = f"ipp_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_admin(server_url, f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=name)
    return name, url.render_as_string(hide_password=False)


def drop_pg_database(server_url: str, name: str) -> None:
    import asyncio

    asyncio.run(_pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def profile_service(tmp: Path, args, seq: list[int]) -> None:
    """Two more passes of the service, each on a fresh database: one with SQLite lock timings, one under
    cProfile (event-loop thread only). Both are slower than the plain runs above; read them for shares."""
    import json
    import pstats

    n = args.warmup + args.requests
    headers = {"Authorization": f"Bearer {token('province-admin')}"}
    for mode in ("probe", "cprofile"):
        var = tmp / f"{mode}-var"
        env = service_env(var)
        subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "enterprise"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        port = bench_port(150)
        out = tmp / f"service.{mode}"
        server = Server(f"enterprise({mode})", [sys.executable, "-m", "bench._instrumented_serve", "--port", str(port),
                                                f"--{mode}", str(out)],
                        env, tmp / f"{mode}.log", f"http://127.0.0.1:{port}/readyz").start()
        try:
            res = measure(mode, server, f"http://127.0.0.1:{port}", headers, args, seq)
        finally:
            server.stop()
        print(f"\n{mode} pass: {res.line()}")
        if mode == "probe":
            data = {k: [x[1] for x in v] for k, v in json.loads(out.read_text()).items()}
            waits, held = data["begin_wait"], data["lock_held"]
            stmts = data["statements_per_tx"]
            print(f"  write transactions: {len(held)}; statements per transaction (median) "
                  f"{statistics.median(stmts) if stmts else 0:.0f}")
            print(f"  BEGIN IMMEDIATE wait (SQLite write lock): p50 {percentile(waits, 50) * 1000:.2f} ms  "
                  f"p99 {percentile(waits, 99) * 1000:.2f} ms  max {max(waits) * 1000:.1f} ms")
            print(f"  write lock held BEGIN..COMMIT: p50 {percentile(held, 50) * 1000:.2f} ms  "
                  f"p99 {percentile(held, 99) * 1000:.2f} ms; one statement p50 "
                  f"{percentile(data['statement'], 50) * 1000:.2f} ms")
            print(f"  sum of lock-held time over the measured wall time: "
                  f"{sum(held[-args.requests:]) / res.seconds * 100:.0f}%")
            continue
        stats = pstats.Stats(str(out))
        groups: dict[str, float] = {}
        total = 0.0
        for (file, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            total += tt
            groups[_package(file, func)] = groups.get(_package(file, func), 0.0) + tt
        print(f"  event-loop thread CPU: {total / n * 1000:.2f} ms per request (profiler overhead included); "
              f"own CPU time by package, ms per request:")
        for name, tt in sorted(groups.items(), key=lambda kv: kv[1], reverse=True)[:14]:
            print(f"    {tt / n * 1000:6.3f}  {tt / total * 100:4.1f}%  {name}")
        print("  top 10 functions by own CPU time, ms per request:")
        top = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:10]  # type: ignore[attr-defined]
        for (file, line, func), (_cc, _nc, tt, _ct, _callers) in top:
            print(f"    {tt / n * 1000:6.3f}  {'/'.join(Path(file).parts[-2:])}:{line} {func}")


def _package(file: str, func: str) -> str:
    """Coarse owner of a profiled function: site-packages distribution, project package, or stdlib module."""
    if file == "~":
        return "builtins (C calls)"
    parts = Path(file).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    for root in ("libs", "services", "ipp", "bench"):
        if root in parts:
            i = parts.index(root)
            return "/".join(parts[i:i + 3]) if root != "ipp" else "ipp"
    return "stdlib " + Path(file).stem


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=3, help="baseline/service pairs, alternating")
    parser.add_argument("--postgres", metavar="URL", default=None,
                        help="serve the enterprise service from a fresh PostgreSQL database on this server "
                             "(e.g. postgresql://postgres@127.0.0.1:5432/test) instead of SQLite")
    parser.add_argument("--profile", action="store_true",
                        help="then two instrumented passes of the service: SQLite lock timings and cProfile")
    args = parser.parse_args()

    print(f"enterprise write benchmark: concurrency {args.concurrency}, warm-up {args.warmup}, "
          f"{args.requests} measured requests per run, {args.rounds} round(s); {os.cpu_count()} CPUs, "
          f"load average before: {loadavg()}")
    seq = [0]
    with tempfile.TemporaryDirectory(prefix="ipp-bench-write-") as tmp_s:
        tmp = Path(tmp_s)
        var = tmp / "var"
        env = service_env(var)
        pg_db = None
        if args.postgres:
            pg_db, env["IPP_ENTERPRISE_DATABASE_URL"] = create_pg_database(args.postgres)
            print(f"service database: PostgreSQL {pg_db} (baseline stays on sqlite3)")
        subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "enterprise"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        # Below Linux's ephemeral range (32768-60999), so no outgoing connection takes the port first.
        sport = bench_port(1)
        bport = bench_port(101)
        service = Server("enterprise", [sys.executable, "-m", "ipp.cli", "serve", "enterprise", "--port", str(sport)],
                         env, tmp / "enterprise.log", f"http://127.0.0.1:{sport}/readyz")
        baseline = Server("baseline", [sys.executable, "-m", "bench.baseline_app", "--port", str(bport),
                                       "--db", str(tmp / "baseline.db")],
                          {**os.environ, "PYTHONUNBUFFERED": "1"}, tmp / "baseline.log",
                          f"http://127.0.0.1:{bport}/readyz")
        results: list[tuple[Result, Result]] = []
        try:
            service.start()
            baseline.start()
            headers = {"Authorization": f"Bearer {token('province-admin')}", "Content-Type": "application/json"}
            for r in range(args.rounds):
                b = measure("baseline", baseline, f"http://127.0.0.1:{bport}", headers, args, seq)
                s = measure("service", service, f"http://127.0.0.1:{sport}", headers, args, seq)
                results.append((b, s))
                print(f"round {r + 1}: load {loadavg()}")
                print(f"  {b.line()}")
                print(f"  {s.line()}")
                print(f"  ratio service/baseline {s.rps / b.rps:.2f}")
        finally:
            service.stop()
            baseline.stop()
            if pg_db:
                drop_pg_database(args.postgres, pg_db)
        if args.profile:
            profile_service(tmp, args, seq)

    ratios = [s.rps / b.rps for b, s in results]
    ratio = statistics.median(ratios)
    b_rps = statistics.median(b.rps for b, _ in results)
    s_rps = statistics.median(s.rps for _, s in results)
    b_lat = [x for b, _ in results for x in b.latencies]
    s_lat = [x for _, s in results for x in s.latencies]
    errors = sum(b.errors + s.errors for b, s in results)
    print()
    print("SUMMARY enterprise write (POST /api/v1/enterprises), "
          f"concurrency {args.concurrency}, {args.requests} requests x {args.rounds} round(s)")
    print(f"  baseline (FastAPI + sqlite3):  {b_rps:8.1f} req/s   p50 {percentile(b_lat, 50) * 1000:6.2f} ms   "
          f"p99 {percentile(b_lat, 99) * 1000:6.2f} ms")
    print(f"  enterprise service:            {s_rps:8.1f} req/s   p50 {percentile(s_lat, 50) * 1000:6.2f} ms   "
          f"p99 {percentile(s_lat, 99) * 1000:6.2f} ms")
    b_cpu = statistics.median(b.server_cpu_ms_per_req for b, _ in results)
    s_cpu = statistics.median(s.server_cpu_ms_per_req for _, s in results)
    print(f"  server CPU per request: baseline {b_cpu:.2f} ms, service {s_cpu:.2f} ms "
          f"(CPU-cost ratio baseline/service {b_cpu / s_cpu:.3f})   goal service <= {GOAL_CPU_MS} ms: "
          f"{'MET' if s_cpu <= GOAL_CPU_MS else 'MISSED'}")
    client = statistics.median(b.client_cpu / b.seconds for b, _ in results)
    if client > 0.8:
        print(f"  note: the load generator used {client * 100:.0f}% of a core during the baseline runs: the baseline "
              f"figure is bounded by the client, so the throughput ratio flatters the service")
    print(f"  ratio service/baseline: {ratio:.2f} (per round: {', '.join(f'{x:.2f}' for x in ratios)})   "
          f"goal >= {GOAL_RATIO}: {'MET' if ratio >= GOAL_RATIO else 'MISSED'}   errors: {errors}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
