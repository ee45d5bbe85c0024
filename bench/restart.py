"""Benchmark: the embedded default's restart with a large event log in the services' outboxes.

``ipp up`` after Ctrl-C starts a fresh, empty embedded broker; every programme service replays its
whole outbox into it (``IPP_REPLAY_OUTBOX_ON_START``), the reporting worker's relay republishes the
statistics approvals (self-healing), and the worker consumes all of it again. N events of every
programme (``bench.event_mix``) are written straight into the services' outboxes as published rows
(what a long-running platform leaves behind), then the platform is started as ``ipp up`` starts it
(``ipp.launcher.Platform``: broker, migrations, six services and the worker as processes) twice:

* **recovery** — the reporting read model emptied (inbox, sums, KpiUpdated rows): time from the
  start to the last event folded, values checked against a direct fold of the same events;
* **restart** — stopped and started again with the read model kept (``ipp up`` after Ctrl-C): time
  until the worker has taken in every replayed event again (all duplicates, dropped by the inbox).

    .venv/bin/python -m bench.restart [--events 1000000]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import create_engine

from bench._util import loadavg
from bench.event_mix import generate
from bench.rebuild import Truth, applied_count, check_values, peak_rss_mb
from ipp.launcher import Platform
from ipp.registry import SERVICES
from libs.common.broker import free_port
from libs.common.outbox import outbox_table
from services.reporting.indicators import fold, fold_statistics


def port_base() -> int:
    return int(os.environ.get("IPP_BENCH_PORT_BASE", os.environ.get("IPP_E2E_PORT_BASE", "29000"))) + 1700


def fill_outboxes(var: Path, n: int) -> Truth:
    """Write ``n`` events as published outbox rows of their services; returns their direct fold."""
    deltas: dict[tuple[str, str, int, int], Decimal] = defaultdict(Decimal)
    stats: dict[tuple[str, str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    engines = {name: create_engine(f"sqlite:///{var / f'{name}.db'}") for name in SERVICES}
    rows: dict[str, list[dict]] = defaultdict(list)
    now = datetime.now(UTC)

    def flush() -> None:
        for name, batch in rows.items():
            if batch:
                with engines[name].begin() as conn:
                    conn.execute(outbox_table.insert(), batch)
                batch.clear()

    try:
        for i, ev in enumerate(generate(n), 1):
            service = ev.topic.split(".")[1]
            h = {k: v.decode() for k, v in ev.headers}
            rows[service].append({"event_id": h["ce_id"], "topic": ev.topic, "key": ev.key.decode(),
                                  "event_type": ev.event_type, "source": h["ce_source"], "occurred_at": now,
                                  "payload": ev.data, "traceparent": None, "created_at": now, "published_at": now,
                                  "attempts": 1})
            for d in fold(ev.event_type, ev.data):
                deltas[(d.indicator, d.city, d.year, d.month)] += d.amount
            for s in fold_statistics(ev.event_type, ev.data):
                acc = stats[(s.element, s.org_unit, s.period)]
                acc[0] += s.amount
                acc[1] += s.count
            if i % 50_000 == 0:
                flush()
                print(f"  {i:,} events in the outboxes", flush=True)
        flush()
    finally:
        for engine in engines.values():
            engine.dispose()
    return dict(deltas), dict(stats)


def empty_read_model(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM inbox")
        conn.execute("DELETE FROM indicator_deltas")
        conn.execute("DELETE FROM stat_folded")
        conn.execute("DELETE FROM outbox WHERE topic = 'ipp.reporting.kpi-updates'")


def platform(var: Path) -> Platform:
    ports: dict[str, int] = {}
    last = port_base()
    for name in SERVICES:
        last = ports[name] = free_port(last + 1)
    return Platform(var_dir=var, ports=ports, worker_metrics_port=free_port(last + 1),
                    broker_port=free_port(last + 2), quiet=True,
                    extra_env={"IPP_REPORTING_RECONCILE_INTERVAL": "0"})


def start_and_wait(var: Path, n: int, timeout: float, tries: int = 3) -> dict:
    """Start the platform as ``ipp up`` does; seconds until the worker has taken in ``n`` events."""
    for attempt in range(tries):
        try:
            return _start_and_wait(var, n, timeout)
        except RuntimeError as exc:
            # a port found free can be taken by another process's outgoing connection before the
            # service binds it (the ports are inside the ephemeral range): start again on others
            if not ("address already in use" in str(exc) or "broker exited" in str(exc)) or attempt == tries - 1:
                raise
            print("  a port was taken meanwhile; starting again", flush=True)
    raise AssertionError("unreachable")


def _start_and_wait(var: Path, n: int, timeout: float) -> dict:
    plat = platform(var)
    plat.logs.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        plat.start_broker()
        plat.migrate()
        plat.start_all()
        ready = plat.wait_ready(timeout=120)
        ready_s = time.perf_counter() - t0
        if not all(ready.values()):
            raise RuntimeError(f"not ready: {ready}")
        metrics = f"http://127.0.0.1:{plat.worker_metrics_port}/metrics"
        worker = plat.procs["reporting-worker"]
        done_s = None
        with httpx.Client(timeout=2.0) as http:
            while time.perf_counter() - t0 < timeout:
                if not worker.alive():
                    raise RuntimeError(f"worker exited:\n{worker.tail()}")
                seen = applied_count(metrics, http)
                if seen is not None and seen >= n:
                    done_s = time.perf_counter() - t0
                    break
                time.sleep(0.25)
        rss = peak_rss_mb(worker.process.pid) if worker.process else 0.0
        if done_s is None:
            raise RuntimeError(f"the worker took in fewer than {n} events within {timeout} s")
        return {"ready_s": ready_s, "done_s": done_s, "rss_mb": rss}
    finally:
        plat.stop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    n = args.events
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-restart-"))
    var = tmp / "var"
    print(f"restart: {n:,} events; load {loadavg()}; {tmp}", flush=True)
    try:
        platform(var).migrate()
        t0 = time.perf_counter()
        truth = fill_outboxes(var, n)
        print(f"  outboxes filled in {time.perf_counter() - t0:.0f} s", flush=True)
        empty_read_model(var / "reporting.db")
        cold = start_and_wait(var, n, args.timeout)
        print(f"  recovery (empty read model): ready after {cold['ready_s']:.1f} s, every event folded after "
              f"{cold['done_s']:.1f} s ({n / cold['done_s']:,.0f} events/s); worker peak RSS {cold['rss_mb']:.0f} MB",
              flush=True)
        problems = check_values(var / "reporting.db", truth)
        for p in problems[:20]:
            print(f"  MISMATCH {p}")
        warm = start_and_wait(var, n, args.timeout)
        print(f"  restart (read model kept): ready after {warm['ready_s']:.1f} s, every replayed event taken in "
              f"after {warm['done_s']:.1f} s ({n / warm['done_s']:,.0f} events/s)", flush=True)
        problems += check_values(var / "reporting.db", truth)
        print(json.dumps({"events": n, "recovery_s": round(cold["done_s"], 1), "restart_s": round(warm["done_s"], 1),
                          "worker_peak_rss_mb": round(cold["rss_mb"]), "mismatches": len(problems)}))
        print(f"SUMMARY restart recovery: every indicator back {cold['done_s']:.1f} s after ipp up "
              f"({n:,} events replayed from the outboxes into a fresh broker, read model empty)")
        print(f"SUMMARY restart: every replayed event taken in {warm['done_s']:.1f} s after ipp up "
              f"(read model kept)")
        print(f"SUMMARY restart values: {'identical to the direct fold' if not problems else f'{len(problems)} differ'}"
              f" {'MET' if not problems else 'MISSED'}")
        return 0 if not problems else 1
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
