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


async def _fold(var_dir: Path, work: Path, years: list[int]) -> dict[tuple[str, str, int], str | None]:
    url = f"sqlite+aiosqlite:///{work / 'truth.db'}"
    (work / "truth.db").unlink(missing_ok=True)
    await migrate(SERVICES["reporting"].migrations, url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    try:
        async with sessions.write() as session:
            await apply_deltas(session,
                               [d for event_type, data in outbox_events(var_dir) for d in fold(event_type, data)])
        out: dict[tuple[str, str, int], str | None] = {}
        async with sessions() as session:
            for year in years:
                for row in await read_kpis(session, year, [PROVINCE, *CITIES]):
                    out[(row.indicator, row.city, year)] = fmt_decimal(row.value)
        return out
    finally:
        await engine.dispose()


def ground_truth(var_dir: Path, work: Path, years: list[int]) -> dict[tuple[str, str, int], str | None]:
    return asyncio.run(_fold(var_dir, work, years))
