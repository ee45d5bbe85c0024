"""Demo data of the pool programme (filled in with the programme)."""
from __future__ import annotations

from ipp.demo.common import DemoEnterprise

SERVICE = "enterprise"


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    return ""
