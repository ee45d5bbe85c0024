"""The rendered answers of ``GET /api/v1/indicators`` kept in memory, dropped on every KPI change.

An answer for ``city=all`` is 756 values with targets, expected progress and status, about 240 KB of
JSON; computing and serialising it costs tens of milliseconds, so a dashboard wall refreshing it
would keep a core busy. The API process already consumes ``ipp.reporting.kpi-updates`` (the
broadcaster behind the SSE stream), and every change of a stored value or target produces such an
event after its commit. So an answer, once rendered, is served as bytes until the next event.

Exactness: an answer is stored only if no event arrived while it was computed (a generation
counter), so it never outlives a change whose event this process has seen; it is at most as old as
the SSE stream is late. While the broadcaster is not connected to the broker (Kafka disabled, broker
down, reconnecting) nothing is cached and every read is computed; a (re)connection drops everything
(events may have been missed meanwhile). As a last guard against a writer that changes values
without an event, an entry lives at most ``max_age`` seconds. The key holds today's date (expected
progress and status move with it), the year or period, and the cities asked for; the answer does not
depend on who asks (every role reads every city), authentication still runs on each request. At most
``max_entries`` answers are kept (a full cache is emptied), about 240 KB each at most.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable


class RenderedCache:
    def __init__(self, max_age: float = 5.0, max_entries: int = 64) -> None:
        self.max_age = max_age
        self.max_entries = max_entries
        self.generation = 0
        #: True while the source of invalidations (the KPI broadcaster) is live.
        self.enabled = False
        self._entries: dict[Hashable, tuple[float, bytes]] = {}
        #: renders under way, by (key, generation): concurrent misses share one
        self._pending: dict[tuple[Hashable, int], asyncio.Future[bytes]] = {}
        self.hits = 0
        self.misses = 0

    def invalidate(self) -> None:
        self.generation += 1
        self._entries.clear()

    def set_enabled(self, enabled: bool) -> None:
        enabled = enabled and self.max_age > 0  # max_age 0: switched off
        if enabled != self.enabled:
            self.enabled = enabled
            self.invalidate()

    async def get(self, key: Hashable, render: Callable[[], Awaitable[bytes]]) -> bytes:
        if not self.enabled:
            return await render()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and now - hit[0] <= self.max_age:
            self.hits += 1
            return hit[1]
        generation = self.generation
        pending = self._pending.get((key, generation))
        if pending is not None:
            self.hits += 1
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():  # this request itself was cancelled
                    raise
                return await render()  # the request rendering it went away: render it here
        self.misses += 1
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[(key, generation)] = future
        try:
            body = await render()
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody else needs to
            raise
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(body)
        finally:
            del self._pending[(key, generation)]
        if self.enabled and generation == self.generation:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (now, body)
        return body
