"""The sources' ground truth: every event the services wrote (their outboxes), folded directly.

The outbox of each service is what it acknowledged; folding all of it with the reporting service's
own fold and read functions into a fresh database gives the values the KPIs must show once every
event has arrived, however often the broker lost data or a process died on the way.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from ipp.registry import SERVICES
from libs.common.db import create_engine, session_factory
from libs.common.divisions import CITIES
from libs.common.testing import migrate
from services.reporting.indicators import PROVINCE, fold
from services.reporting.kpi import apply_deltas, fmt_decimal, read_kpis

SOURCES = [name for name in SERVICES if name != "reporting"]


def outbox_events(var_dir: Path) -> list[tuple[str, dict]]:
    events: list[tuple[str, dict]] = []
    for name in SOURCES:
        db = var_dir / f"{name}.db"
        if not db.exists():
            continue
        with sqlite3.connect(db) as conn:
            for event_type, payload in conn.execute("SELECT event_type, payload FROM outbox ORDER BY id"):
                events.append((event_type, json.loads(payload) if isinstance(payload, str) else payload))
    return events


def outbox_events_at(url: str) -> list[tuple[str, str, dict]]:
    """(event id, type, payload) of every event in the outbox of the database at ``url`` (SQLite or
    PostgreSQL; services on a shared database), in id order."""
    from sqlalchemy import select

    from libs.common.outbox import outbox_table

    async def read() -> list[tuple[str, str, dict]]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(select(outbox_table.c.event_id, outbox_table.c.event_type,
                                                  outbox_table.c.payload).order_by(outbox_table.c.id))).all()
        finally:
            await engine.dispose()
        return [(i, t, json.loads(p) if isinstance(p, str) else p) for i, t, p in rows]

    return asyncio.run(read())


async def _fold(var_dir: Path, work: Path, years: list[int],
                events: list[tuple[str, dict]] | None = None) -> dict[tuple[str, str, int], str | None]:
    url = f"sqlite+aiosqlite:///{work / 'truth.db'}"
    (work / "truth.db").unlink(missing_ok=True)
    await migrate(SERVICES["reporting"].migrations, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions.write() as session:
            await apply_deltas(session,
                               [d for event_type, data in (outbox_events(var_dir) if events is None else events)
                                for d in fold(event_type, data)])
        out: dict[tuple[str, str, int], str | None] = {}
        async with sessions() as session:
            for year in years:
                for row in await read_kpis(session, year, [PROVINCE, *CITIES]):
                    out[(row.indicator, row.city, year)] = fmt_decimal(row.value)
        return out
    finally:
        await engine.dispose()


def ground_truth(var_dir: Path, work: Path, years: list[int],
                 events: list[tuple[str, dict]] | None = None) -> dict[tuple[str, str, int], str | None]:
    """The values every indicator must show: the sources' outboxes under ``var_dir`` (SQLite), or
    ``events`` (event type, payload) read elsewhere, folded into a fresh database at ``work``."""
    return asyncio.run(_fold(var_dir, work, years, events))
