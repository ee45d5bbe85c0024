"""Are we on pace? Expected value by today, status and year-end forecast. Pure code, no I/O.

The rule (also in docs/reporting/progress.md):

* ``fraction`` — the share of the year's target due by today: days elapsed ÷ days in the year, or
  the cumulative weight of a monthly profile given with the target (``periods.fraction_elapsed``);
  0 before the year, 1 once it is over.
* **Cumulative** indicators (flows, and stocks built up during the year) start from a ``base`` —
  0 for a flow, last year's closing level for a stock — and are expected to have covered
  ``fraction`` of the way to the target: ``expected = base + (target − base) × fraction``. The
  forecast extrapolates the run rate: ``base + (value − base) ÷ fraction``.
* **Level** indicators (ratios such as the private share or per-10,000 figures, ranks, caps) are
  held to the target at every moment: ``expected = target``, forecast = the current value.
* Status: ``met`` when the value satisfies the target's comparator; a finished year not met is
  ``off_track``; otherwise a cumulative indicator is ``on_track`` when it has covered at least the
  expected part of the way, ``at_risk`` when at least 80 % of it, else ``off_track``; a level
  indicator not met is ``at_risk`` within 10 % of the target, else ``off_track``. ``no_data`` when
  there is no value (a statistic not approved yet); no status without a target.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from services.reporting.indicators.core import Indicator, met

Status = Literal["met", "on_track", "at_risk", "off_track", "no_data"]
STATUS_LABELS: dict[str, str] = {"met": "已完成", "on_track": "进度正常", "at_risk": "略有滞后",
                                 "off_track": "明显滞后", "no_data": "暂无数据"}
#: Numeric codes for Prometheus (``ipp_kpi_status``) and Grafana value mappings.
STATUS_CODES: dict[str | None, int] = {None: 0, "met": 1, "on_track": 2, "at_risk": 3, "off_track": 4, "no_data": 5}
AT_RISK_SHARE = Decimal("0.8")
LEVEL_AT_RISK_SHARE = Decimal("0.9")


@dataclass(frozen=True)
class Pace:
    expected: Decimal | None
    status: Status | None
    forecast: Decimal | None


def _round(indicator: Indicator, value: Decimal) -> Decimal:
    places = Decimal("0.01") if indicator.unit in ("元", "%") or indicator.kind == "ratio" else Decimal("0.1")
    return value.quantize(places, rounding=ROUND_HALF_UP)


def assess(indicator: Indicator, value: Decimal | None, target: Decimal | None, fraction: Decimal,
           base: Decimal = Decimal(0), level: bool = False) -> Pace:
    """Expected by today, status and year-end forecast of one indicator value. ``level`` treats a
    cumulative indicator as a level (a statistic whose starting level is unknown)."""
    level = level or indicator.pace == "level"
    if level:
        expected, forecast = target, value
    else:
        forecast = None
        if value is not None and fraction > 0:
            forecast = _round(indicator, base + (value - base) / fraction)
        expected = None
        if target is not None:
            expected = target if target <= base else _round(indicator, base + (target - base) * fraction)
    if target is None:
        return Pace(None, None, forecast)
    return Pace(expected, status(indicator, value, target, expected, fraction, base, level), forecast)


def status(indicator: Indicator, value: Decimal | None, target: Decimal, expected: Decimal | None,
           fraction: Decimal, base: Decimal = Decimal(0), level: bool = False) -> Status:
    if value is None:
        return "no_data"
    if met(indicator, value, target):
        return "met"
    if fraction >= 1 or indicator.comparator == "<=":
        return "off_track"
    if level or indicator.pace == "level":
        return "at_risk" if value >= target * LEVEL_AT_RISK_SHARE else "off_track"
    need, gain = (expected or Decimal(0)) - base, value - base
    if need <= 0 or gain >= need:
        return "on_track"
    return "at_risk" if gain >= need * AT_RISK_SHARE else "off_track"
