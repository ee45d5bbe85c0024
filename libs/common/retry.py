"""Exponential backoff with jitter for long-running loops (relay, consumers), on tenacity's strategy."""
from __future__ import annotations

from tenacity import RetryCallState, Retrying, wait_exponential_jitter


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
