"""Benchmark: rebuilding the KPIs from the event log (what a fresh embedded default does on start).

N events of every programme (``bench.event_mix``: every event type of ``services/*/events.py``,
17 cities, five years) are produced to the domain topics of a fresh embedded broker (Tansu). Then:

1. **Bare baseline** (same run): a plain aiokafka consumer reads every topic from the start,
   decodes each record's CloudEvent (headers + JSON) and sums it in a dict.
2. **The worker**: a fresh reporting stream worker, the real process (``ipp worker reporting``,
   SQLite, migrated), folds them all. Measured: time from its start to the first fold and to the
   last one (the ``ipp_consumer_events_total`` counter of its /metrics reaching N), its CPU seconds
   and peak RSS (VmHWM).
3. **Values**: the worker's ``indicator_deltas`` and ``stat_folded`` tables compared, row by row, with
   a direct fold of the same events (``services.reporting.indicators.fold`` summed in memory).

Goal: ≥ 50,000 events/s folded by one worker and ≥ 0.25× the bare consumer.

    .venv/bin/python -m bench.rebuild [--events 1000000]
    .venv/bin/python -m bench.rebuild --events 50000 --profile   # + pyinstrument profile of the fold
                                                                  #   (in-process, same batches)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import httpx

from bench._util import ROOT, cpu_seconds, loadavg
from bench.event_mix import generate
from libs.common.broker import EmbeddedBroker, free_port
from services.reporting.config import ReportingSettings
from services.reporting.indicators import fold, fold_statistics

GOAL_RATE, GOAL_RATIO = 50_000.0, 0.25
TOPICS = ReportingSettings().source_topics
PARTITIONS = 3

Truth = tuple[dict[tuple[str, str, int, int], Decimal], dict[tuple[str, str, str], list]]


def port_base() -> int:
    return int(os.environ.get("IPP_BENCH_PORT_BASE", os.environ.get("IPP_E2E_PORT_BASE", "29000"))) + 1500


# --- producing ---------------------------------------------------------------------------------------
async def produce(bootstrap: str, n: int) -> tuple[Truth, float]:
    """Produce ``n`` events; returns the direct fold of them (the truth) and the seconds it took."""
    from aiokafka import AIOKafkaProducer

    from libs.common.kafka import ensure_topics

    await ensure_topics(bootstrap, TOPICS, PARTITIONS)
    deltas: dict[tuple[str, str, int, int], Decimal] = defaultdict(Decimal)
    stats: dict[tuple[str, str, str], list] = defaultdict(lambda: [Decimal(0), 0])
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=20, max_batch_size=512 * 1024,
                                enable_idempotence=False, request_timeout_ms=60_000)
    await producer.start()
    t0 = time.perf_counter()
    try:
        pending = []
        for i, ev in enumerate(generate(n), 1):
            pending.append(await producer.send(ev.topic, ev.value, key=ev.key, headers=ev.headers))
            for d in fold(ev.event_type, ev.data):
                deltas[(d.indicator, d.city, d.year, d.month)] += d.amount
            for s in fold_statistics(ev.event_type, ev.data):
                acc = stats[(s.element, s.org_unit, s.period)]
                acc[0] += s.amount
                acc[1] += s.count
            if len(pending) >= 20_000:
                await asyncio.gather(*pending)
                pending.clear()
            if i % 200_000 == 0:
                print(f"  produced {i:,} events ({time.perf_counter() - t0:.0f} s)", flush=True)
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return (dict(deltas), dict(stats)), time.perf_counter() - t0


# --- the bare baseline -------------------------------------------------------------------------------
async def bare_consume(bootstrap: str, n: int) -> tuple[float, float]:
    """Seconds (wall, and CPU of this process) a plain consumer takes to read, decode and sum ``n`` events."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from libs.common.events import CloudEvent

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                                fetch_max_wait_ms=50, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(t, p) for t in TOPICS for p in range(PARTITIONS)])
        sums: dict[tuple[str, str], list] = defaultdict(lambda: [0, Decimal(0)])
        seen = 0
        t0, c0 = time.perf_counter(), time.process_time()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for messages in batches.values():
                for m in messages:
                    ce = CloudEvent.from_kafka(m.headers, m.value)
                    acc = sums[(ce.type, str(ce.data.get("city", "")))]
                    acc[0] += 1
                    if "amount" in ce.data and ce.data["amount"] is not None:
                        acc[1] += Decimal(str(ce.data["amount"]))
                    seen += 1
        return time.perf_counter() - t0, time.process_time() - c0
    finally:
        await consumer.stop()


# --- the worker --------------------------------------------------------------------------------------
def applied_count(metrics_url: str, http: httpx.Client) -> int | None:
    try:
        text = http.get(metrics_url).text
    except httpx.HTTPError:
        return None
    total = 0.0
    for m in re.finditer(r'^ipp_consumer_events_total\{[^}]*outcome="(applied|duplicate)"[^}]*\} (\S+)$', text,
                         re.M):
        total += float(m.group(2))
    return int(total)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_worker(bootstrap: str, var: Path, n: int, timeout: float) -> dict:
    env = {**os.environ, "IPP_VAR_DIR": str(var), "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PYTHONUNBUFFERED": "1",
           "IPP_REPORTING_RECONCILE_INTERVAL": "0"}
    subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "reporting"], env=env, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port(port_base() + 100)
    metrics_url = f"http://127.0.0.1:{port}/metrics"
    log = open(var / "worker.log", "ab")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ipp.cli", "worker", "reporting", "--metrics-port", str(port)],
                            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    first = last = None
    rss = cpu = 0.0
    try:
        with httpx.Client(timeout=2.0) as http:
            while time.perf_counter() - t0 < timeout:
                if proc.poll() is not None:
                    raise RuntimeError(f"worker exited (code {proc.returncode}); see {var / 'worker.log'}")
                done = applied_count(metrics_url, http)
                now = time.perf_counter() - t0
                if done and first is None:
                    first = now
                if done is not None and done >= n:
                    last = now
                    break
                time.sleep(0.2)
        rss, cpu = peak_rss_mb(proc.pid), cpu_seconds(proc.pid)
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
        log.close()
    if last is None:
        raise RuntimeError(f"worker did not fold {n} events within {timeout} s; see {var / 'worker.log'}")
    return {"first": first or last, "last": last, "rss_mb": rss, "cpu_s": cpu}


def check_values(db: Path, truth: Truth) -> list[str]:
    """Differences between the worker's stored sums and the direct fold (empty: identical)."""
    deltas, stats = truth
    problems: list[str] = []
    with sqlite3.connect(db) as conn:  # SQLite holds the amounts as integers of 10^-scale (ExactDecimal)
        stored = {(i, c, y, m): Decimal(a).scaleb(-2) for i, c, y, m, a in conn.execute(
            "SELECT indicator, city, year, month, amount FROM indicator_deltas")}
        folded = {(e, o, p): [Decimal(a).scaleb(-4), n] for e, o, p, a, n in conn.execute(
            "SELECT element, org_unit, period, amount, count FROM stat_folded")}
        kpi_rows = conn.execute("SELECT count(*) FROM outbox WHERE topic = 'ipp.reporting.kpi-updates'").fetchone()[0]
        inbox, batches = conn.execute("SELECT count(*), count(DISTINCT received_at) FROM inbox").fetchone()
    cents, tenk = Decimal("0.01"), Decimal("0.0001")
    deltas = {k: v.quantize(cents) for k, v in deltas.items()}
    stats = {k: [v[0].quantize(tenk), v[1]] for k, v in stats.items()}
    for key in sorted(set(stored) | set(deltas)):
        if stored.get(key, Decimal(0)) != deltas.get(key, Decimal(0)):
            problems.append(f"indicator_deltas {key}: worker {stored.get(key)} ≠ fold {deltas.get(key)}")
    for skey in sorted(set(folded) | set(stats)):
        if folded.get(skey) != stats.get(skey):
            problems.append(f"stat_folded {skey}: worker {folded.get(skey)} ≠ fold {stats.get(skey)}")
    print(f"  worker database: {len(stored):,} indicator cells, {len(folded):,} statistics cells, "
          f"{inbox:,} inbox rows in {batches:,} batches ({inbox / max(batches, 1):,.0f} events per batch), "
          f"{kpi_rows:,} KpiUpdated outbox rows", flush=True)
    return problems


# --- the in-process profile --------------------------------------------------------------------------
async def profile_fold(bootstrap: str, var: Path, n: int, out: Path) -> float:
    """The worker's fold (IndicatorFolder, same batch size) fed by a plain consumer, under pyinstrument."""
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from pyinstrument import Profiler

    from libs.common.inbox import Incoming
    from services.reporting.worker import IndicatorFolder

    settings = ReportingSettings(var_dir=var, kafka_bootstrap_servers=bootstrap)

    async def no_dlq(rec, exc) -> None:
        raise RuntimeError(f"unexpected dead letter: {exc}")

    folder = IndicatorFolder(settings, no_dlq)
    folder.relay.wake = lambda: None  # type: ignore[method-assign]  # no relay task here
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                                fetch_max_wait_ms=50, max_partition_fetch_bytes=4 * 1024 * 1024)
    await consumer.start()
    profiler = Profiler(async_mode="enabled", interval=0.002)
    try:
        consumer.assign([TopicPartition(t, p) for t in TOPICS for p in range(PARTITIONS)])
        seen = 0
        t0 = time.perf_counter()
        profiler.start()
        while seen < n:
            batches = await consumer.getmany(timeout_ms=1000, max_records=settings.batch_max)
            batch = [Incoming(m.topic, m.partition, m.offset, m.key, m.value, list(m.headers or []))
                     for messages in batches.values() for m in messages]
            if batch:
                await folder.processor.process(batch)
                seen += len(batch)
        elapsed = time.perf_counter() - t0
        profiler.stop()
    finally:
        await consumer.stop()
        await folder.close()
    out.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    out.with_suffix(".full.txt").write_text(profiler.output_text(unicode=True, color=False, show_all=True))
    by_package(profiler, out.with_suffix(".packages.txt"))
    return elapsed


def by_package(profiler, out: Path) -> None:
    """Self time of the profile's frames summed by top-level package (or our module)."""
    totals: dict[str, float] = defaultdict(float)
    session = profiler.last_session

    def walk(frame) -> None:
        path = frame.file_path or ""
        if frame.function == "[self]" and frame.parent is not None:  # time in the caller's own code
            path = frame.parent.file_path or ""
        if "site-packages/" in path:
            key = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif str(ROOT) in path:
            key = "/".join(Path(path).relative_to(ROOT).parts[:2])
        elif frame.identifier.startswith("[await]") or frame.function in ("[await]", "[self]"):
            key = frame.function
        else:
            key = "python stdlib" if path else frame.function or "?"
        totals[key] += frame.total_self_time
        for child in frame.children:
            walk(child)

    root = session.root_frame()
    if root is not None:
        walk(root)
    whole = sum(totals.values()) or 1.0
    lines = [f"{100 * t / whole:5.1f} %  {t:8.2f} s  {k}" for k, t in sorted(totals.items(), key=lambda kv: -kv[1])]
    out.write_text("\n".join(lines) + "\n")


# --- main --------------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=1800.0, help="longest wait for the worker (s)")
    parser.add_argument("--profile", action="store_true", help="also profile the fold in-process (pyinstrument)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    n = args.events
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-rebuild-"))
    var = tmp / "var"
    var.mkdir()
    broker = EmbeddedBroker(port=free_port(port_base()), log_path=tmp / "broker.log").start()
    print(f"rebuild: {n:,} events; load {loadavg()}; {tmp}", flush=True)
    try:
        truth, produce_s = asyncio.run(produce(broker.bootstrap, n))
        print(f"  produced in {produce_s:.1f} s ({n / produce_s:,.0f} events/s)", flush=True)
        bare_s, bare_cpu = asyncio.run(bare_consume(broker.bootstrap, n))
        bare_rate = n / bare_s
        print(f"  bare consumer: {bare_s:.1f} s ({bare_rate:,.0f} events/s); CPU {bare_cpu:.1f} s "
              f"({n / bare_cpu:,.0f} events per CPU second)", flush=True)
        w = run_worker(broker.bootstrap, var, n, args.timeout)
        fold_s = w["last"] - w["first"]
        rate = n / w["last"]
        print(f"  worker: first fold after {w['first']:.1f} s, last after {w['last']:.1f} s; "
              f"{rate:,.0f} events/s from start ({n / max(fold_s, 1e-9):,.0f}/s first→last); "
              f"CPU {w['cpu_s']:.1f} s ({n / w['cpu_s']:,.0f} events per CPU second); "
              f"peak RSS {w['rss_mb']:.0f} MB", flush=True)
        problems = check_values(var / "reporting.db", truth)
        for p in problems[:20]:
            print(f"  MISMATCH {p}")
        if args.profile:
            pvar = tmp / "profile"
            pvar.mkdir()
            subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "reporting"], check=True, cwd=ROOT,
                           env={**os.environ, "IPP_VAR_DIR": str(pvar)}, stdout=subprocess.DEVNULL)
            prof = ROOT / "var" / "bench" / "rebuild-profile.txt"
            prof.parent.mkdir(parents=True, exist_ok=True)
            ps = asyncio.run(profile_fold(broker.bootstrap, pvar, n, prof))
            print(f"  in-process fold (profiled): {ps:.1f} s ({n / ps:,.0f} events/s); profile {prof}, "
                  f"by package {prof.with_suffix('.packages.txt')}", flush=True)
        ratio = rate / bare_rate
        print(json.dumps({"events": n, "produce_s": round(produce_s, 2), "bare_s": round(bare_s, 2),
                          "bare_cpu_s": round(bare_cpu, 2),
                          "worker_first_s": round(w["first"], 2), "worker_last_s": round(w["last"], 2),
                          "worker_cpu_s": round(w["cpu_s"], 2), "worker_peak_rss_mb": round(w["rss_mb"]),
                          "mismatches": len(problems)}))
        print(f"SUMMARY rebuild rate: {rate:,.0f} events/s ({n:,} events, start → last fold) "
              f"goal ≥ {GOAL_RATE:,.0f}: {'MET' if rate >= GOAL_RATE else 'MISSED'}")
        print(f"SUMMARY rebuild ratio: {ratio:.3f}× the bare consumer ({bare_rate:,.0f} events/s) "
              f"goal ≥ {GOAL_RATIO}: {'MET' if ratio >= GOAL_RATIO else 'MISSED'}")
        print(f"SUMMARY rebuild values: {'identical to the direct fold' if not problems else f'{len(problems)} differ'}"
              f" {'MET' if not problems else 'MISSED'}")
        print(f"SUMMARY rebuild CPU: worker {n / w['cpu_s']:,.0f} events per CPU second, bare consumer "
              f"{n / bare_cpu:,.0f} ({(n / w['cpu_s']) / (n / bare_cpu):.3f}×; less sensitive to a busy machine)")
        print(f"SUMMARY rebuild worker peak RSS: {w['rss_mb']:.0f} MB")
        return 0 if not problems else 1
    finally:
        broker.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
