"""Indicators folded from the transfer programme's events (to be filled in with the programme)."""
from __future__ import annotations

from typing import Any

from services.reporting.indicators.core import Delta, Indicator

INDICATORS: list[Indicator] = []


def fold(event_type: str, data: dict[str, Any]) -> list[Delta]:
    return []
