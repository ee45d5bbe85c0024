"""Demo data of the protection programme (filled in with the programme)."""
from __future__ import annotations

from ipp.demo.common import DemoEnterprise

SERVICE = "protection"


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    return ""
