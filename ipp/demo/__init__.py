"""The demo data set, loaded through the real HTTP APIs of a running platform (``ipp demo``,
``ipp up --demo``).

First the enterprises (``enterprises``: registry, figures, tiers), then every programme at once —
``pool`` (the industrialisation pool), ``credit`` (the credit register), ``finance``, ``protection``,
``transfer``, ``carriers`` (the transfer service's register of innovation carriers), ``training``,
``activities`` (the training service's service activities for enterprises), ``statistics`` — each in
its own thread against its own service, about those same enterprises. A programme service learns of
enterprises from their events, so before loading it the demo waits until the service's read model
knows them (``GET /api/v1/known-enterprises/{uscc}``). Inside a programme,
independent items (enterprises, cases, classes, loans of different enterprises) go in parallel
(:func:`ipp.demo.common.in_parallel`). Last, the demo waits until every event has reached the
reporting worker, so the dashboards show the loaded data. With ``progress=True`` a progress bar per
part is drawn (rich). Every loader is a pure function of the seed and today's date, and a second run
skips what exists.
"""
from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from functools import partial
from typing import Any

import httpx

from ipp.demo.common import DemoEnterprise, DemoError, report_to, wait_known
from ipp.demo.enterprises import (
    CITY_WEIGHTS,
    FIGURE_YEARS,
    Action,
    PlannedEnterprise,
    allocate_cities,
    build_plan,
    load_enterprises,
)

#: Programme loaders, in order: module ``ipp.demo.<name>`` with ``load(urls, enterprises, seed) -> str``.
PROGRAMMES = ("pool", "credit", "finance", "protection", "transfer", "carriers", "training", "activities",
              "statistics")
#: The progress bars' labels.
LABELS = {"enterprises": "企业与梯队", "pool": "样板企业培育库", "credit": "信用记录", "finance": "质押融资",
          "protection": "知识产权保护", "transfer": "转化运用", "carriers": "创新载体与基地",
          "training": "培训", "activities": "服务活动",
          "statistics": "统计数据与目标", "pipeline": "指标汇总（事件处理）"}

__all__ = ["load_demo", "build_plan", "allocate_cities", "PlannedEnterprise", "Action", "DemoError",
           "DemoEnterprise", "FIGURE_YEARS", "CITY_WEIGHTS", "PROGRAMMES"]


class _Bars:
    """A rich progress bar per part (or nothing): each part reports from its own thread."""

    def __init__(self, enabled: bool) -> None:
        self.progress: Any = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(TextColumn("{task.description:<24}"), BarColumn(), MofNCompleteColumn(),
                                     TimeElapsedColumn(), TextColumn("{task.fields[note]}"))

    def __enter__(self) -> _Bars:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def add(self, name: str) -> Callable[..., None]:
        """A reporter for part ``name``: ``(advance, total)`` steps, or ``note=`` / ``done=`` only."""
        if self.progress is None:
            return lambda *args, **kwargs: None
        task = self.progress.add_task(LABELS.get(name, name), total=None, note="")
        totals = [0]

        def report(steps: int = 0, total: int | None = None, note: str | None = None, done: bool = False) -> None:
            if total:
                totals[0] += total
                self.progress.update(task, total=totals[0])
            if steps:
                self.progress.advance(task, steps)
            if note is not None:
                self.progress.update(task, note=note)
            if done:
                self.progress.update(task, total=totals[0] or 1, completed=totals[0] or 1)
        return report


def _run_part(bars_report: Callable[..., None], work: Callable[[], str]) -> str:
    report_to(bars_report)
    started = time.monotonic()
    try:
        text = work()
    except BaseException:
        bars_report(note="失败 failed")
        raise
    bars_report(note=f"{time.monotonic() - started:.1f} 秒", done=True)
    return text


def _metric_sum(text: str, name: str) -> float | None:
    values = [float(v) for v in re.findall(rf"^{name}(?:{{[^}}]*}})? ([0-9.e+-]+)$", text, re.M)]
    return sum(values) if values else None


def wait_pipeline(urls: dict[str, str], worker_metrics_url: str | None, timeout: float = 300.0,
                  report: Callable[..., None] | None = None) -> None:
    """Wait until every source service's outbox is published and the reporting worker has folded
    everything on its topics (outbox backlog 0 and consumer lag 0 on the /metrics pages)."""
    sources = [url for name, url in urls.items() if name != "reporting"]
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    with httpx.Client(timeout=5.0) as http:
        while time.monotonic() < deadline:
            pending = 0.0
            for url in [*sources, *([worker_metrics_url] if worker_metrics_url else [])]:
                try:
                    text = http.get(f"{url.rstrip('/')}/metrics").text
                except httpx.HTTPError:
                    continue
                pending += (_metric_sum(text, "ipp_outbox_backlog") or 0) + (_metric_sum(text, "ipp_consumer_lag") or 0)
            if report is not None:
                report(note=f"待处理 {pending:.0f} 条")
            # lag is sampled per batch: nothing pending twice, half a second apart
            if pending == 0:
                if quiet_since is not None and time.monotonic() - quiet_since >= 0.5:
                    return
                quiet_since = quiet_since or time.monotonic()
            else:
                quiet_since = None
            time.sleep(0.25)
    raise DemoError(f"事件在 {timeout:.0f} 秒内未处理完（the reporting pipeline is lagging）")


def load_demo(urls: dict[str, str] | str, enterprises: int = 300, seed: int = 20251,
              programmes: tuple[str, ...] = PROGRAMMES, progress: bool = False,
              worker_metrics_url: str | None = None, wait_for_indicators: bool = False) -> str:
    """Load everything; ``urls`` maps service name → base URL (a bare string is the enterprise URL,
    and then only the enterprise part is loaded). Returns a summary in Chinese, one line per part.

    ``progress``: draw a progress bar per part. ``wait_for_indicators``: return only when every
    event has been folded by the reporting worker (``worker_metrics_url``: its /metrics)."""
    if isinstance(urls, str):
        urls, programmes = {"enterprise": urls}, ()
    todo = []
    for name in programmes:
        module = importlib.import_module(f"ipp.demo.{name}")
        service = getattr(module, "SERVICE", name)
        if service in urls:
            todo.append((name, module, service))
    with _Bars(progress) as bars:
        reporters = {name: bars.add(name) for name in ["enterprises", *(n for n, _, _ in todo)]}
        loaded: list[list[DemoEnterprise]] = [[]]

        def enterprises_part() -> str:
            text, loaded[0] = load_enterprises(urls["enterprise"], enterprises=enterprises, seed=seed)
            return text

        lines = [_run_part(reporters["enterprises"], enterprises_part)]

        def programme(name: str, module: Any, service: str) -> str:
            if service not in ("enterprise", "reporting"):  # reporting keeps no read model of enterprises
                reporters[name](note="等待企业数据同步…")
                wait_known(urls[service], loaded[0])
                reporters[name](note="")
            started = time.monotonic()
            text: str = module.load(urls, loaded[0], seed)
            return text + f"（用时 {time.monotonic() - started:.1f} 秒）"

        with ExitStack() as stack:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=max(1, len(todo)),
                                                          thread_name_prefix="demo"))
            futures = [pool.submit(_run_part, reporters[name], partial(programme, name, module, service))
                       for name, module, service in todo]
        lines += [f.result() for f in futures]  # the first failure (in programme order) is raised
        if wait_for_indicators:
            report = bars.add("pipeline")
            started = time.monotonic()
            try:
                wait_pipeline(urls, worker_metrics_url, report=report)
            except DemoError as exc:  # the data is loaded; the dashboards catch up later
                report(note="仍在处理")
                lines.append(f"指标汇总：{exc}，指标稍后更新")
            else:
                report(note=f"{time.monotonic() - started:.1f} 秒", done=True)
                lines.append(f"指标汇总：全部事件已计入指标（等待 {time.monotonic() - started:.1f} 秒）")
    return "\n".join(lines)
