"""Reconnecting loops for long-running work (relay, consumers, broadcaster), on tenacity's backoff."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn

from tenacity import RetryCallState, Retrying, wait_exponential_jitter

log = logging.getLogger(__name__)


class Backoff:
    """``delay = backoff.next()`` after each failure; ``backoff.reset()`` after a success."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0, jitter: float = 0.5) -> None:
        self._wait = wait_exponential_jitter(initial=initial, max=maximum, jitter=jitter)
        self.failures = 0
        # The strategy reads only ``attempt_number`` of the retry state it is given.
        self._state = RetryCallState(Retrying(), None, (), {})

    def next(self) -> float:
        self.failures += 1
        self._state.attempt_number = self.failures
        return self._wait(self._state)

    def reset(self) -> None:
        self.failures = 0


async def keep_running(name: str, session: Callable[[], Awaitable[object]], backoff: Backoff,
                       on_failure: Callable[[Exception], Awaitable[None]] | None = None) -> NoReturn:
    """Run ``session`` for ever: when it fails (broker away, database busy…), log, let ``on_failure``
    clean up, wait the backoff's next delay and start it again. A session calls ``backoff.reset()``
    once it is connected; one that returns is simply started again. Cancellation ends the loop."""
    while True:
        try:
            await session()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delay = backoff.next()
            log.warning("%s: %s: %s; retry %d in %.1fs", name, type(exc).__name__, exc, backoff.failures, delay,
                        exc_info=backoff.failures == 3)
            if on_failure is not None:
                await on_failure(exc)
            await asyncio.sleep(delay)
