"""Baseline for ``bench.enterprise_write``: the least a FastAPI write endpoint can cost here.

One POST route, a small pydantic body (the same JSON the enterprise service receives, plain types,
no identifier rules), one ``INSERT`` + ``COMMIT`` with the standard-library ``sqlite3`` into a
WAL-mode file (``synchronous=NORMAL``, as the services use). No auth, no middleware, no audit row, no
outbox row, no ORM. The route is ``async def`` and calls ``sqlite3`` directly on one connection:
an insert+commit into WAL takes tens of microseconds, cheaper than a thread hop.

Served exactly as ``ipp serve`` serves a service: ``uvicorn.run(app, host, port, log_level="warning",
timeout_graceful_shutdown=5)`` in one process (uvloop/httptools when installed, as for the service).

    python -m bench.baseline_app --port 38101 --db /tmp/baseline.db
"""
from __future__ import annotations

import argparse
import sqlite3

from fastapi import FastAPI
from pydantic import BaseModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS enterprises (
    uscc TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    city TEXT,
    industry TEXT NOT NULL,
    size_class TEXT NOT NULL,
    ownership TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
)
"""


class Body(BaseModel):
    uscc: str
    name: str
    city: str | None = None
    county: str | None = None
    industry: str
    size_class: str
    ownership: str
    qualifications: list[str] = []
    ip_management_certified: bool = False
    own_brand: bool = False
    patent_product_filed: bool = False


def create_app(db_path: str) -> FastAPI:
    conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute(SCHEMA)
    app = FastAPI()

    @app.get("/readyz")
    async def readyz() -> dict:
        return {"status": "ready"}

    @app.post("/api/v1/enterprises", status_code=201)
    async def create(body: Body) -> dict:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO enterprises (uscc, name, city, industry, size_class, ownership)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
                     (body.uscc, body.name, body.city, body.industry, body.size_class, body.ownership))
        conn.execute("COMMIT")
        return {"uscc": body.uscc, "name": body.name}

    return app


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args()
    uvicorn.run(create_app(args.db), host=args.host, port=args.port, log_level=args.log_level,
                timeout_graceful_shutdown=5)


if __name__ == "__main__":
    main()
