"""The platform's calendar: business dates are China's (Asia/Shanghai), whatever the host's zone."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def now_in_china() -> datetime:
    return datetime.now(CHINA)


def today() -> date:
    """Today in China (a date the officers would write on a form)."""
    return now_in_china().date()


__all__ = ["CHINA", "now_in_china", "today"]
