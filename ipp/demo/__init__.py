"""The demo data set, loaded through the real HTTP APIs of a running platform (``ipp demo``,
``ipp up --demo``).

First the enterprises (``enterprises``: registry, figures, tiers), then each programme in turn —
``pool`` (the industrialisation pool), ``finance``, ``protection``, ``transfer``, ``carriers`` (the
transfer service's register of innovation carriers), ``training`` — about
those same enterprises. A programme service learns of enterprises from their events, so before
loading it the demo waits until the service's read model knows them
(``GET /api/v1/known-enterprises/{uscc}``). Every loader is a pure function of the seed and today's
date, and a second run skips what exists.
"""
from __future__ import annotations

import importlib
import time

from ipp.demo.common import DemoEnterprise, DemoError, wait_known
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
PROGRAMMES = ("pool", "finance", "protection", "transfer", "carriers", "training", "statistics")

__all__ = ["load_demo", "build_plan", "allocate_cities", "PlannedEnterprise", "Action", "DemoError",
           "DemoEnterprise", "FIGURE_YEARS", "CITY_WEIGHTS", "PROGRAMMES"]


def load_demo(urls: dict[str, str] | str, enterprises: int = 300, seed: int = 20251,
              programmes: tuple[str, ...] = PROGRAMMES) -> str:
    """Load everything; ``urls`` maps service name → base URL (a bare string is the enterprise URL,
    and then only the enterprise part is loaded). Returns a summary in Chinese, one line per part."""
    if isinstance(urls, str):
        urls, programmes = {"enterprise": urls}, ()
    summary, loaded = load_enterprises(urls["enterprise"], enterprises=enterprises, seed=seed)
    lines = [summary]
    for name in programmes:
        module = importlib.import_module(f"ipp.demo.{name}")
        service = getattr(module, "SERVICE", name)
        if service not in urls:
            continue
        if service not in ("enterprise", "reporting"):  # reporting keeps no read model of enterprises
            wait_known(urls[service], loaded)
        started = time.monotonic()
        lines.append(module.load(urls, loaded, seed))
        lines[-1] += f"（用时 {time.monotonic() - started:.1f} 秒）"
    return "\n".join(lines)
