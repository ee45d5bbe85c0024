"""The demo's parallel helper and its wait for the reporting pipeline, without a platform."""
from __future__ import annotations

import threading

import pytest

from ipp.demo import _metric_sum
from ipp.demo.common import advance, expect, in_parallel, report_to


def test_in_parallel_keeps_the_order_and_reports_one_step_per_item() -> None:
    steps: list[tuple[int, int | None]] = []
    lock = threading.Lock()

    def reporter(advanced: int, total: int | None) -> None:
        with lock:
            steps.append((advanced, total))

    report_to(reporter)
    try:
        assert in_parallel(list(range(20)), lambda i: i * i, workers=4) == [i * i for i in range(20)]
        expect(2)
        advance(2)
    finally:
        report_to(None)
    assert steps.count((0, 20)) == 1 and steps.count((1, None)) == 20
    assert steps[-2:] == [(0, 2), (2, None)]


def test_in_parallel_raises_the_first_error_after_every_item_ran() -> None:
    ran: list[int] = []

    def work(i: int) -> int:
        ran.append(i)
        if i in (3, 7):
            raise ValueError(f"item {i}")
        return i

    with pytest.raises(ValueError, match="item 3"):
        in_parallel(list(range(10)), work, workers=3)
    assert sorted(ran) == list(range(10))


def test_metric_sum_adds_every_labelled_sample() -> None:
    text = """# HELP ipp_consumer_lag Messages behind
# TYPE ipp_consumer_lag gauge
ipp_consumer_lag{service="reporting",topic="ipp.enterprise.events",partition="0"} 3.0
ipp_consumer_lag{service="reporting",topic="ipp.enterprise.events",partition="1"} 0.0
ipp_consumer_lag{service="reporting",topic="ipp.finance.events",partition="0"} 2.0
ipp_outbox_backlog{service="finance"} 5.0
"""
    assert _metric_sum(text, "ipp_consumer_lag") == 5.0
    assert _metric_sum(text, "ipp_outbox_backlog") == 5.0
    assert _metric_sum(text, "ipp_outbox_oldest_age_seconds") is None
