"""Numbered, dated, immutable published lists (the credit white-list, the tier lists): the rules they
share, with no I/O.

* :func:`diff_keyed` — what changed between two versions of a list keyed by USCC: added, removed,
  and the keys whose value (a credit line, a tier) changed;
* :func:`check_publication_date` — versions are published in date order, never dated in the future.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from libs.common.rules import RuleViolation

V = TypeVar("V")


@dataclass(frozen=True)
class Change(Generic[V]):
    key: str
    before: V
    after: V


@dataclass(frozen=True)
class KeyedDiff(Generic[V]):
    added: dict[str, V]
    removed: dict[str, V]
    changed: list[Change[V]]
    unchanged: int


def diff_keyed(older: Mapping[str, V], newer: Mapping[str, V]) -> KeyedDiff[V]:
    """From ``older`` to ``newer`` (key → value), each part sorted by key."""
    added = {k: newer[k] for k in sorted(newer.keys() - older.keys())}
    removed = {k: older[k] for k in sorted(older.keys() - newer.keys())}
    both = sorted(older.keys() & newer.keys())
    changed = [Change(k, older[k], newer[k]) for k in both if older[k] != newer[k]]
    return KeyedDiff(added, removed, changed, len(both) - len(changed))


def check_publication_date(published_on: date, previous: date | None, today: date, code: str, what: str,
                           field: str = "published_on") -> None:
    """A version is not dated after today nor before the version published before it (``code`` is the
    rule's code for the second, e.g. ``whitelist.date_order``; ``what`` names the list in the message)."""
    if published_on > today:
        raise RuleViolation("date.future", f"发布日期（{published_on}）不能晚于今天（{today}）", field)
    if previous is not None and published_on < previous:
        raise RuleViolation(code, f"发布日期（{published_on}）不能早于上一版{what}的发布日期（{previous}）", field)


__all__ = ["Change", "KeyedDiff", "diff_keyed", "check_publication_date"]
