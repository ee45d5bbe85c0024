"""The rules published lists share (credit white-list, tier lists): the keyed diff and the date order."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.common.published import check_publication_date, diff_keyed
from libs.common.rules import RuleViolation


def test_diff_keyed_sorts_each_part_and_counts_the_unchanged():
    d = diff_keyed({"B": Decimal(1), "A": Decimal(2), "C": Decimal(3)}, {"C": Decimal(4), "A": Decimal(2), "D": 0})
    assert list(d.added) == ["D"] and list(d.removed) == ["B"]
    assert [(c.key, c.before, c.after) for c in d.changed] == [("C", Decimal(3), Decimal(4))]
    assert d.unchanged == 1
    nothing: dict[str, int] = {}
    empty = diff_keyed(nothing, nothing)
    assert (empty.added, empty.removed, empty.changed, empty.unchanged) == ({}, {}, [], 0)


def test_publication_date_order():
    today = date(2026, 3, 1)
    check_publication_date(today, today, today, "x.date_order", "名单")  # same day as the previous: fine
    with pytest.raises(RuleViolation) as e:
        check_publication_date(date(2026, 2, 28), today, today, "x.date_order", "名单")
    assert (e.value.code, e.value.field) == ("x.date_order", "published_on") and "上一版名单" in e.value.message
    with pytest.raises(RuleViolation) as e:
        check_publication_date(date(2026, 3, 2), None, today, "x.date_order", "名单", field="on")
    assert (e.value.code, e.value.field) == ("date.future", "on")
