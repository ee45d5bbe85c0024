"""The reconciler: what reporting folded, checked against what every source says it published.

Each round, per source service (and the reporting outbox itself, read locally):
- **missing**: the source's outbox rows (``GET /api/v1/outbox/events``) that were published before
  the cut (now − grace) and are not in the worker's inbox. The rows are read in id order from a
  watermark, so each is checked once; a missing one stays on a list that is checked again every
  round until it arrives.
- **extra**: inbox rows of the source's topic received before the cut whose event id the source
  does not know (``POST /api/v1/outbox/lookup``): events folded that no source wrote.
- **repair**: an event still missing a round later makes the reconciler ask the source to publish
  again from the oldest missing row (``POST /api/v1/outbox/replays``); the inbox absorbs the
  overlap. At most one request per source per cool-down; an event still missing after
  ``max_replays`` requests (e.g. it was dead-lettered) is reported, not requested again.

Figures: ``ipp_reconcile_missing``, ``ipp_reconcile_extra``, ``ipp_reconcile_verified_total``,
``ipp_reconcile_replays_total``, ``ipp_reconcile_errors_total`` and
``ipp_reconcile_last_success_timestamp_seconds``, per source, and the same under ``details`` on
``/readyz``. The alert ``IndicatorsMissingEvents`` fires on a gap that does not close.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import httpx
from prometheus_client import Counter, Gauge
from sqlalchemy import and_, or_, select

from libs.common.auth import Role, issue_token
from libs.common.db import Sessions, utcnow
from libs.common.inbox import inbox_table
from libs.common.outbox import mark_for_replay, outbox_table

log = logging.getLogger(__name__)

#: The stream worker's inbox consumer name (services.reporting.worker.CONSUMER).
CONSUMER = "reporting-indicators"

MISSING = Gauge("ipp_reconcile_missing", "Events a source published that reporting has not folded", ["source"])
EXTRA = Gauge("ipp_reconcile_extra", "Events reporting folded that the source does not know", ["source"])
VERIFIED = Gauge("ipp_reconcile_verified_total", "Source events checked against the inbox so far", ["source"])
REPLAYS = Counter("ipp_reconcile_replays_total", "Replays the reconciler asked a source for", ["source"])
ERRORS = Counter("ipp_reconcile_errors_total", "Reconciliation rounds that failed", ["source"])
LAST_SUCCESS = Gauge("ipp_reconcile_last_success_timestamp_seconds", "When a round last completed", ["source"])


class Source(Protocol):
    async def events(self, after_id: int, limit: int) -> list[dict]: ...
    async def lookup(self, event_ids: list[str]) -> set[str]: ...
    async def replay(self, since_id: int, reason: str) -> int: ...


class HttpSource:
    """A source service, through its outbox API, with an integration token of this platform."""

    def __init__(self, name: str, base_url: str, secret: str, issuer: str, timeout: float = 15.0) -> None:
        self.name = name
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout)
        self._secret = secret
        self._issuer = issuer

    def _headers(self) -> dict[str, str]:
        token = issue_token(self._secret, role=Role.INTEGRATION, sub="reporting-reconciler", issuer=self._issuer,
                            ttl_seconds=300)
        return {"Authorization": f"Bearer {token}"}

    async def events(self, after_id: int, limit: int) -> list[dict]:
        r = await self._client.get("/api/v1/outbox/events", params={"after_id": after_id, "limit": limit,
                                                                     "topic": f"ipp.{self.name}.events"},
                                   headers=self._headers())
        r.raise_for_status()
        return r.json()["items"]

    async def lookup(self, event_ids: list[str]) -> set[str]:
        r = await self._client.post("/api/v1/outbox/lookup", json={"event_ids": event_ids}, headers=self._headers())
        r.raise_for_status()
        return set(r.json()["known"])

    async def replay(self, since_id: int, reason: str) -> int:
        r = await self._client.post("/api/v1/outbox/replays", json={"since_id": since_id, "reason": reason},
                                    headers=self._headers())
        r.raise_for_status()
        return int(r.json()["marked"])

    async def close(self) -> None:
        await self._client.aclose()


class LocalSource:
    """The reporting outbox itself (approved statistics), in the same database as the inbox."""

    def __init__(self, sessions: Sessions, topic: str) -> None:
        self._sessions = sessions
        self._topic = topic

    async def events(self, after_id: int, limit: int) -> list[dict]:
        t = outbox_table.c
        async with self._sessions() as session:
            rows = (await session.execute(
                select(t.id, t.event_id, t.created_at, t.published_at)
                .where(t.id > after_id, t.topic == self._topic).order_by(t.id).limit(limit))).mappings().all()
        return [dict(r) for r in rows]

    async def lookup(self, event_ids: list[str]) -> set[str]:
        async with self._sessions() as session:
            return set((await session.scalars(select(outbox_table.c.event_id).where(
                outbox_table.c.event_id.in_(event_ids)))).all())

    async def replay(self, since_id: int, reason: str) -> int:
        return await mark_for_replay(self._sessions, since_id=since_id, topics=[self._topic])

    async def close(self) -> None:
        return None


@dataclass
class SourceState:
    name: str
    topic: str
    #: Every source row with an id up to this one has been checked against the inbox.
    watermark: int = 0
    verified: int = 0
    #: Missing rows: outbox id → (event id, monotonic time first seen missing).
    missing: dict[int, tuple[str, float]] = field(default_factory=dict)
    extra: int = 0
    #: Inbox rows received up to this (time, event id) have been checked for being extra.
    inbox_mark: tuple[datetime, str] | None = None
    replays: int = 0
    replay_attempts: dict[int, int] = field(default_factory=dict)
    last_replay: float = float("-inf")
    last_success: datetime | None = None
    error: str | None = None

    def report(self) -> dict:
        return {"missing": len(self.missing), "extra": self.extra, "verified": self.verified,
                "watermark": self.watermark, "replays_requested": self.replays,
                "last_success": self.last_success, "error": self.error}


def _parse_time(value) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


class Reconciler:
    def __init__(self, sessions: Sessions, sources: dict[str, Source], *, grace: float = 15.0,
                 replay_after: float = 10.0, cooldown: float = 60.0, max_replays: int = 3,
                 page_size: int = 2000, max_pages: int = 50) -> None:
        self._sessions = sessions
        self.sources = sources
        self.states = {name: SourceState(name, f"ipp.{name}.events") for name in sources}
        self.grace = grace
        self.replay_after = replay_after
        self.cooldown = cooldown
        self.max_replays = max_replays
        self.page_size = page_size
        self.max_pages = max_pages

    def report(self) -> dict:
        missing = sum(len(s.missing) for s in self.states.values())
        extra = sum(s.extra for s in self.states.values())
        return {"status": "consistent" if not missing and not extra else "gap", "missing": missing, "extra": extra,
                "sources": {name: s.report() for name, s in self.states.items()}}

    async def run(self, interval: float) -> None:
        while True:
            await self.round()
            await asyncio.sleep(interval)

    async def round(self) -> None:
        for name, source in self.sources.items():
            state = self.states[name]
            try:
                await self._reconcile(source, state)
                state.error = None
                state.last_success = utcnow()
                LAST_SUCCESS.labels(name).set(time.time())
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a source down is a gap in knowledge, not a crash
                state.error = f"{type(exc).__name__}: {exc}"[:300]
                ERRORS.labels(name).inc()
                log.info("reconcile %s: %s", name, state.error)
            MISSING.labels(name).set(len(state.missing))
            EXTRA.labels(name).set(state.extra)
            VERIFIED.labels(name).set(state.verified)

    async def _reconcile(self, source: Source, state: SourceState) -> None:
        cut = utcnow() - timedelta(seconds=self.grace)
        await self._check_missing_again(state)
        await self._scan_source(source, state, cut)
        await self._scan_inbox(source, state, cut)
        await self._repair(source, state)

    async def _in_inbox(self, event_ids: list[str]) -> set[str]:
        found: set[str] = set()
        async with self._sessions() as session:
            for i in range(0, len(event_ids), 500):
                found.update((await session.scalars(select(inbox_table.c.event_id).where(
                    inbox_table.c.consumer == CONSUMER, inbox_table.c.event_id.in_(event_ids[i:i + 500])))).all())
        return found

    async def _check_missing_again(self, state: SourceState) -> None:
        if not state.missing:
            return
        arrived = await self._in_inbox([event_id for event_id, _ in state.missing.values()])
        for outbox_id in [i for i, (event_id, _) in state.missing.items() if event_id in arrived]:
            del state.missing[outbox_id]
            state.replay_attempts.pop(outbox_id, None)

    async def _scan_source(self, source: Source, state: SourceState, cut: datetime) -> None:
        for _ in range(self.max_pages):
            rows = await source.events(state.watermark, self.page_size)
            ready = []
            for row in rows:  # the cut: the first row not yet published, or too young to be folded
                published = _parse_time(row["published_at"])
                if published is None or published > cut:
                    break
                ready.append(row)
            if ready:
                present = await self._in_inbox([r["event_id"] for r in ready])
                now = time.monotonic()
                for row in ready:
                    if row["event_id"] not in present:
                        state.missing[row["id"]] = (row["event_id"], now)
                state.verified += len(ready)
                state.watermark = ready[-1]["id"]
            if len(ready) < len(rows) or len(rows) < self.page_size:
                return

    async def _scan_inbox(self, source: Source, state: SourceState, cut: datetime) -> None:
        t = inbox_table.c
        for _ in range(self.max_pages):
            query = select(t.received_at, t.event_id).where(
                t.consumer == CONSUMER, t.topic == state.topic, t.received_at <= cut)
            if state.inbox_mark is not None:
                at, event_id = state.inbox_mark
                query = query.where(or_(t.received_at > at, and_(t.received_at == at, t.event_id > event_id)))
            async with self._sessions() as session:
                rows = (await session.execute(query.order_by(t.received_at, t.event_id)
                                              .limit(self.page_size))).all()
            if not rows:
                return
            known = await source.lookup([r.event_id for r in rows])
            state.extra += sum(1 for r in rows if r.event_id not in known)
            state.inbox_mark = (rows[-1].received_at, rows[-1].event_id)
            if len(rows) < self.page_size:
                return

    async def _repair(self, source: Source, state: SourceState) -> None:
        now = time.monotonic()
        due = sorted(i for i, (_, seen) in state.missing.items()
                     if now - seen >= self.replay_after and state.replay_attempts.get(i, 0) < self.max_replays)
        if not due or now - state.last_replay < self.cooldown:
            return
        since = due[0]
        marked = await source.replay(since, f"对账发现 {len(state.missing)} 个事件未计入指标 reconciler: "
                                            f"{len(state.missing)} events missing from the indicators")
        for i in due:
            state.replay_attempts[i] = state.replay_attempts.get(i, 0) + 1
        state.last_replay = now
        state.replays += 1
        REPLAYS.labels(state.name).inc()
        log.warning("reconcile %s: %d events missing from the indicators; asked the source to publish again "
                    "from outbox id %d (%d rows marked)", state.name, len(state.missing), since, marked)

    async def close(self) -> None:
        for source in self.sources.values():
            await source.close()  # type: ignore[attr-defined]


__all__ = ["Reconciler", "HttpSource", "LocalSource", "SourceState"]
