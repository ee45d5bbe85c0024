"""Exponential backoff with jitter for long-running loops (relay, consumers), on tenacity's strategy."""
from __future__ import annotations

from dataclasses import dataclass

from tenacity import wait_exponential_jitter


@dataclass
class _State:
    attempt_number: int


class Backoff:
    """``delay = backoff.next()`` after each failure; ``backoff.reset()`` after a success."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0, jitter: float = 0.5) -> None:
        self._wait = wait_exponential_jitter(initial=initial, max=maximum, jitter=jitter)
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        return self._wait(_State(self.failures))

    def reset(self) -> None:
        self.failures = 0
