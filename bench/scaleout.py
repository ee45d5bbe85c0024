"""Benchmark: scale-out on the distributed path — one transfer replica and one reporting worker against
two of each, on PostgreSQL.

Each layout runs on a fresh embedded broker and fresh PostgreSQL databases (one for the transfer
service, one for reporting, created through ``IPP_TEST_POSTGRES_URL`` or ``--postgres-url`` and
dropped after): the transfer service as 1 or 2 processes on one database, the reporting worker as 1 or
2 processes in the one consumer group ``ipp-reporting`` on one database, and the reporting API. N
transfer records are written one per request (``POST /api/v1/transfers``), the same number of
concurrent requests in both layouts spread evenly over the replicas; measured:

* write throughput: N ÷ the time from the first request to the last answer;
* end to end: the time from the first request until the KPIs (``GET /api/v1/indicators``, the
  province's ``transfers_licences``) show all N, and N ÷ that time;
* the values: the province's count must be exactly N (nothing lost or counted twice), and how the
  workers shared the events (their ``ipp_consumer_events_total``).

No goal: on a 2-core machine a second replica competes for the same cores, so expect a ratio near 1.

    IPP_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.scaleout \\
        [--writes 3000] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench._util import ROOT, Server, bench_port, cpu_seconds, loadavg, running
from libs.common.broker import EmbeddedBroker, free_port
from libs.common.divisions import CITIES
from libs.common.identifiers import patent_check_char
from libs.common.testing import POSTGRES_ENV, postgres_database, token

YEAR = 2025
PROVINCE = "420000"
INDICATOR = "transfers_licences"
ADMIN = token("province-admin")


@dataclass
class Result:
    replicas: int
    workers: int
    writes: int = 0
    failed: int = 0
    write_s: float = 0.0
    kpi_s: float | None = None
    value: str | None = None
    applied: list[int] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.replicas} replica{'s' if self.replicas > 1 else ''} + {self.workers} worker" \
               f"{'s' if self.workers > 1 else ''}"


def patent(rng: random.Random) -> str:
    digits = f"2024{rng.choice('12')}{rng.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def record(rng: random.Random, ref: str) -> dict:
    return {"ref": ref, "kind": rng.choice(["assignment", "ordinary_licence"]), "patents": [patent(rng)],
            "from": {"kind": "university", "name": "湖北某高校", "city": rng.choice(list(CITIES))},
            "to": {"kind": "other_enterprise", "name": "外省某科技有限公司", "region": "other_province"},
            "contract_date": f"{YEAR}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}


# --- the layout --------------------------------------------------------------------------------------
@contextlib.contextmanager
def layout(tmp: Path, admin_url: str, replicas: int, workers: int, offset: int) -> Iterator[dict[str, list[Server]]]:
    """A fresh broker and databases; ``replicas`` transfer processes, ``workers`` reporting workers and
    the reporting API, all ready; everything stopped and dropped after."""
    var = tmp / f"r{replicas}w{workers}"
    var.mkdir()
    broker = EmbeddedBroker(port=bench_port(offset), log_path=var / "broker.log").start()
    port = broker.port
    try:
        with postgres_database("bench_transfer", admin_url) as transfer_db, \
                postgres_database("bench_reporting", admin_url) as reporting_db:
            env = {**os.environ, "IPP_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1",
                   "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "IPP_TRANSFER_DATABASE_URL": transfer_db,
                   "IPP_REPORTING_DATABASE_URL": reporting_db, "IPP_REPORTING_RECONCILE_INTERVAL": "0"}
            for service in ("transfer", "reporting"):
                subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", service], env=env, cwd=ROOT, check=True,
                               stdout=subprocess.DEVNULL)
            servers: dict[str, list[Server]] = {"transfer": [], "worker": [], "reporting": []}
            for i in range(replicas):
                port = free_port(port + 1)
                servers["transfer"].append(Server(f"transfer-{i}", [
                    sys.executable, "-m", "ipp.cli", "serve", "transfer", "--port", str(port)], env,
                    var / f"transfer-{i}.log", f"http://127.0.0.1:{port}/readyz"))
            for i in range(workers):
                port = free_port(port + 1)
                wvar = var / f"worker-{i}"  # as on its own host: only the broker and the database are shared
                wvar.mkdir()
                servers["worker"].append(Server(f"worker-{i}", [
                    sys.executable, "-m", "ipp.cli", "worker", "reporting", "--metrics-port", str(port)],
                    {**env, "IPP_VAR_DIR": str(wvar)}, var / f"worker-{i}.log", f"http://127.0.0.1:{port}/metrics"))
            port = free_port(port + 1)
            servers["reporting"].append(Server("reporting", [
                sys.executable, "-m", "ipp.cli", "serve", "reporting", "--port", str(port)], env,
                var / "reporting.log", f"http://127.0.0.1:{port}/readyz"))
            with running(*(s for group in servers.values() for s in group), timeout=120):
                yield servers
    finally:
        broker.stop()


def base(server: Server) -> str:
    return server.ready_url.rsplit("/", 1)[0]


def applied(server: Server) -> int:
    text = httpx.get(server.ready_url, timeout=5).text
    return int(sum(float(m.group(1)) for m in re.finditer(
        r'^ipp_consumer_events_total\{[^}]*outcome="applied"[^}]*\} (\S+)$', text, re.M)))


def province_value(http: httpx.Client, reporting: str) -> str | None:
    r = http.get(f"{reporting}/api/v1/indicators", params={"year": YEAR, "city": "all"})
    r.raise_for_status()
    return next((i["value"] for i in r.json()["items"] if i["indicator"] == INDICATOR and i["city"] == PROVINCE),
                None)


# --- one run -----------------------------------------------------------------------------------------
async def write_all(urls: list[str], n: int, concurrency: int, seed: int) -> tuple[float, int]:
    """``n`` single-record POSTs, ``concurrency`` in flight spread evenly over ``urls``; (seconds, failures)."""
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    bodies = iter([record(rng, f"SCALE-{tag}-{i}") for i in range(n)])
    failures = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    clients = [httpx.AsyncClient(base_url=u, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=60.0,
                                 limits=limits) for u in urls]

    async def one_client(client: httpx.AsyncClient) -> None:
        nonlocal failures
        for body in bodies:
            r = await client.post("/api/v1/transfers", json=body)
            if r.status_code != 201:
                failures += 1
                if failures <= 3:
                    print(f"  POST /api/v1/transfers: {r.status_code} {r.text[:200]}", file=sys.stderr)

    t0 = time.perf_counter()
    try:
        await asyncio.gather(*(one_client(clients[i % len(clients)]) for i in range(concurrency)))
    finally:
        for c in clients:
            await c.aclose()
    return time.perf_counter() - t0, failures


def run(tmp: Path, admin_url: str, replicas: int, workers: int, args, offset: int) -> Result:
    res = Result(replicas, workers)
    with layout(tmp, admin_url, replicas, workers, offset) as servers:
        procs = [s for group in servers.values() for s in group]
        cpu0 = {s.name: cpu_seconds(s.pid) for s in procs}
        reporting = base(servers["reporting"][0])
        t0 = time.perf_counter()
        res.write_s, res.failed = asyncio.run(write_all([base(s) for s in servers["transfer"]], args.writes,
                                                        args.concurrency, seed=replicas))
        res.writes = args.writes - res.failed
        with httpx.Client(timeout=10.0, headers={"Authorization": f"Bearer {ADMIN}"}) as http:
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                res.value = province_value(http, reporting)
                if res.value is not None and int(res.value) >= res.writes:
                    res.kpi_s = time.perf_counter() - t0
                    break
                time.sleep(0.1)
            time.sleep(2.0)  # anything counted twice would show by now
            res.value = province_value(http, reporting)
        res.applied = [applied(s) for s in servers["worker"]]
        res.cpu = {s.name: cpu_seconds(s.pid) - cpu0[s.name] for s in procs}
    kpi = f"{res.kpi_s:.1f} s" if res.kpi_s is not None else f"not within {args.timeout:.0f} s"
    print(f"  [{res.label}] {res.writes} writes in {res.write_s:.1f} s ({res.writes / res.write_s:.0f}/s), "
          f"{res.failed} failed; KPIs show them {kpi} after the first write (value {res.value}); "
          f"events folded per worker {res.applied}; load {loadavg()}")
    print("    CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in res.cpu.items()))
    return res


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--writes", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight, over all replicas")
    parser.add_argument("--timeout", type=float, default=180.0, help="longest wait for the KPIs (s)")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_ENV),
                        help=f"admin URL of a PostgreSQL server (default ${POSTGRES_ENV})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs)")
    args = parser.parse_args()
    if not args.postgres_url:
        print(f"SUMMARY scale-out: SKIPPED (replicas share a PostgreSQL database: set {POSTGRES_ENV})")
        return 0
    for key in ("KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_ENABLED",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "IPP_TRANSFER_DATABASE_URL", "IPP_REPORTING_DATABASE_URL"):
        os.environ.pop(key, None)
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-scaleout-"))
    print(f"scale-out: {args.writes} writes, {args.concurrency} in flight; {os.cpu_count()} CPUs, "
          f"load average {loadavg()}; {tmp}", flush=True)
    try:
        one = run(tmp, args.postgres_url, 1, 1, args, offset=700)
        pair = run(tmp, args.postgres_url, 2, 2, args, offset=730)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    rate = {r.label: r.writes / r.write_s for r in (one, pair)}
    e2e = {r.label: r.writes / r.kpi_s if r.kpi_s else 0.0 for r in (one, pair)}
    exact = all(r.value is not None and int(r.value) == r.writes and r.failed == 0 for r in (one, pair))
    print(f"SUMMARY scale-out write throughput: {rate[pair.label]:.0f} writes/s with {pair.label}, "
          f"{rate[one.label]:.0f} with {one.label}: ratio pair/one {rate[pair.label] / rate[one.label]:.2f}× "
          f"(no goal; {os.cpu_count()} CPUs, load {loadavg()})")
    if one.kpi_s and pair.kpi_s:
        print(f"SUMMARY scale-out write → KPIs: all {args.writes} shown after {pair.kpi_s:.1f} s with {pair.label}, "
              f"{one.kpi_s:.1f} s with {one.label}: ratio pair/one {e2e[pair.label] / e2e[one.label]:.2f}× "
              f"in events per second")
    else:
        print("SUMMARY scale-out write → KPIs: not every write reached the KPIs in time MISSED")
    print(f"SUMMARY scale-out values: {'exact in both layouts' if exact else 'NOT exact'} "
          f"({one.value} and {pair.value} for {args.writes} writes; folded per worker {pair.applied}) "
          f"{'MET' if exact else 'MISSED'}")
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
