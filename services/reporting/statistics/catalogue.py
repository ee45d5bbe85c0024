"""The catalogue of statistical data elements — data (``elements.json``), not code."""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

FILE = Path(__file__).with_name("elements.json")


@dataclass(frozen=True)
class Element:
    code: str
    name: str
    unit: str
    kind: Literal["stock", "flow"]
    value_type: Literal["integer", "decimal"]
    min: Decimal | None
    max: Decimal | None
    source: str
    description: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "unit": self.unit, "kind": self.kind,
                "value_type": self.value_type, "min": None if self.min is None else str(self.min),
                "max": None if self.max is None else str(self.max), "source": self.source,
                "description": self.description}


def load(path: Path = FILE) -> dict[str, Element]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    out = {}
    for e in doc["elements"]:
        out[e["code"]] = Element(e["code"], e["name"], e["unit"], e["kind"], e["value_type"],
                                 None if e.get("min") is None else Decimal(e["min"]),
                                 None if e.get("max") is None else Decimal(e["max"]),
                                 e["source"], e.get("description", ""))
    return out


ELEMENTS: dict[str, Element] = load()
