"""Benchmark: one bulk import of transfer records against a bare FastAPI + sqlite3 baseline, same run.

What is measured: ``POST /api/v1/transfers/bulk`` with N rows (default 5,000) in one request, served
by the real transfer service process (``python -m ipp.cli serve transfer``, SQLite, no broker:
``IPP_KAFKA_ENABLED=false`` — the outbox rows are still written in the transaction): JWT check,
per-row pydantic validation (patent check digits, city codes, amounts), one read-model query for
every USCC, one query for every ref, the rules of every row, then ``executemany`` inserts of the
records and their patent index, one audit row, N outbox rows, one commit, and the per-row answer.
Every row names a registered enterprise (seeded in the read model before the start).

Baseline: a bare FastAPI route in this file, served by uvicorn the same way, that parses the same
JSON into plain pydantic rows (no identifier rules, no lookups) and does one ``sqlite3``
``executemany`` INSERT of the records + COMMIT into a WAL file. No auth, audit, outbox or patent index.

Rounds alternate baseline / service (fresh refs each time). Printed: seconds per request, rows/s
and the ratio service ÷ baseline (time).

    .venv/bin/python -m bench.transfer_bulk [--rows 5000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from pydantic import BaseModel

from bench._util import Server, bench_port, cpu_seconds, loadavg
from libs.common.identifiers import patent_check_char
from libs.common.testing import random_uscc, token

CITIES = ["420100", "420500", "420600", "421000", "420300"]


def make_rows(n: int, buyers: list[str]) -> list[dict]:
    rows = []
    for i in range(n):
        patents = []
        for _ in range(1 + i % 3):
            digits = f"2021{random.choice('12')}{random.randrange(10**7):07d}"
            patents.append(f"{digits}.{patent_check_char(digits)}")
        rows.append({"ref": f"B-{uuid.uuid4().hex[:16]}", "kind": "ordinary_licence" if i % 2 else "assignment",
                     "patents": patents, "from": {"kind": "university", "name": "华中科技大学", "city": "420100"},
                     "to": {"kind": "enterprise", "uscc": buyers[i % len(buyers)]},
                     "contract_date": "2025-06-01", "amount": str(1000 + i)})
    return rows


# ------------------------------------------------------------------------------ the baseline

class Row(BaseModel):
    ref: str
    kind: str
    patents: list[str]
    contract_date: str
    amount: str | None = None


class Body(BaseModel):
    records: list[Row]


def baseline_app(db_path: str):
    from fastapi import FastAPI

    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS records (ref TEXT PRIMARY KEY, kind TEXT, patents TEXT, "
                 "contract_date TEXT, amount TEXT)")
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"status": "ready"}

    @app.post("/api/v1/transfers/bulk")
    async def bulk(body: Body) -> dict:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                         [(r.ref, r.kind, ",".join(r.patents), r.contract_date, r.amount) for r in body.records])
        conn.execute("COMMIT")
        return {"written": len(body.records)}

    return app


def serve_baseline(port: int, db: str) -> None:
    import uvicorn

    uvicorn.run(baseline_app(db), host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=5)


# ------------------------------------------------------------------------------ the service

def service_env(var: Path) -> dict[str, str]:
    return {**os.environ, "IPP_VAR_DIR": str(var), "IPP_KAFKA_ENABLED": "false", "IPP_ENV": "development",
            "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


def seed_read_model(var: Path, n: int) -> list[str]:
    from libs.common.db import create_engine, session_factory
    from libs.readmodels.testing import seed_known_enterprise
    from services.transfer.models import known_enterprises

    usccs = [random_uscc(CITIES[i % len(CITIES)]) for i in range(n)]

    async def _seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{var / 'transfer.db'}")
        sessions = session_factory(engine)
        for i, u in enumerate(usccs):
            await seed_known_enterprise(sessions, known_enterprises, u, CITIES[i % len(CITIES)])
        await engine.dispose()

    asyncio.run(_seed())
    return usccs


def post(url: str, rows: list[dict], headers: dict) -> tuple[float, dict]:
    with httpx.Client(timeout=600) as http:
        started = time.perf_counter()
        r = http.post(url, json={"records": rows}, headers=headers)
        elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed, r.json()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--serve-baseline", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        serve_baseline(int(args.serve_baseline[0]), args.serve_baseline[1])
        return
    import subprocess

    with tempfile.TemporaryDirectory(prefix="ipp-bench-transfer-") as tmp_name:
        tmp = Path(tmp_name)
        var = tmp / "var"
        env = service_env(var)
        subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "transfer"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        buyers = seed_read_model(var, 200)
        s_port, b_port = bench_port(400), bench_port(500)  # below the ephemeral range
        service = Server("transfer", [sys.executable, "-m", "ipp.cli", "serve", "transfer", "--port", str(s_port)],
                         env, tmp / "service.log", f"http://127.0.0.1:{s_port}/readyz").start()
        baseline = Server("baseline", [sys.executable, "-m", "bench.transfer_bulk", "--serve-baseline", str(b_port),
                                       str(tmp / "baseline.db")], env, tmp / "baseline.log",
                          f"http://127.0.0.1:{b_port}/readyz").start()
        headers = {"Authorization": f"Bearer {token('province-admin')}"}
        times: dict[str, list[float]] = {"baseline": [], "service": []}
        cpu: dict[str, list[float]] = {"baseline": [], "service": []}
        try:
            post(f"http://127.0.0.1:{s_port}/api/v1/transfers/bulk", make_rows(200, buyers), headers)  # warm-up
            post(f"http://127.0.0.1:{b_port}/api/v1/transfers/bulk", make_rows(200, buyers), headers)
            print(f"{args.rows} rows per request, {args.rounds} rounds; load average {loadavg()}")
            for i in range(args.rounds):
                for name, server, port in (("baseline", baseline, b_port), ("service", service, s_port)):
                    rows = make_rows(args.rows, buyers)
                    cpu0 = cpu_seconds(server.pid)
                    elapsed, out = post(f"http://127.0.0.1:{port}/api/v1/transfers/bulk", rows, headers)
                    cpu[name].append(cpu_seconds(server.pid) - cpu0)
                    assert out["written"] == args.rows, out.get("errors", [])[:3]
                    times[name].append(elapsed)
                    extra = f" (server-side {out['elapsed_ms']} ms)" if "elapsed_ms" in out else ""
                    print(f"  round {i + 1} {name:<8} {elapsed:6.2f} s  {args.rows / elapsed:8.0f} rows/s  "
                          f"server CPU {cpu[name][-1]:.2f} s{extra}")
        finally:
            service.stop()
            baseline.stop()
        b, s = statistics.median(times["baseline"]), statistics.median(times["service"])
        print(f"median: baseline {b:.2f} s ({args.rows / b:.0f} rows/s), service {s:.2f} s "
              f"({args.rows / s:.0f} rows/s); service/baseline time ratio {s / b:.1f}x")


if __name__ == "__main__":
    main()
