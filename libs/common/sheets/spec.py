"""What a bulk import's spreadsheet looks like: its columns (zh-CN header, field code, kind of cell)
and how a row of cells becomes the JSON row the bulk endpoint already validates.

Pure data: the reader (:mod:`.reader`), the template and result workbooks (:mod:`.workbooks`) and the
HTTP glue (:mod:`.http`) all work from one :class:`SheetSpec` per import.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"
    #: USCC, patent number, contract number…: must be typed as text (a number loses leading zeros
    #: and, past 15 digits, its last digits).
    IDENTIFIER = "identifier"
    DATE = "date"
    DECIMAL = "decimal"
    INTEGER = "integer"
    #: One of ``choices`` (code or its zh-CN name, or "code name" as the template's drop-down shows).
    CHOICE = "choice"
    BOOL = "bool"


KIND_NAMES = {Kind.TEXT: "文本", Kind.IDENTIFIER: "文本（请设置为文本格式）", Kind.DATE: "日期，如 2025-03-01",
              Kind.DECIMAL: "数字", Kind.INTEGER: "整数", Kind.CHOICE: "代码（下拉选择）", Kind.BOOL: "是 / 否"}


@dataclass(frozen=True)
class Column:
    code: str
    """The request field this column fills, dotted for nested objects (``from.uscc``)."""
    label: str
    """The zh-CN header officers read."""
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: Mapping[str, str] | None = None
    """code → zh-CN name, for ``Kind.CHOICE``."""
    many: bool = False
    """Several values in one cell, separated by ``；`` ``;`` ``,`` ``、`` or line breaks: a list."""
    note: str = ""
    width: int = 18
    aliases: tuple[str, ...] = ()
    """Other headers the column is known by in files made before the template."""


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"from.kind": "university"}`` → ``{"from": {"kind": "university"}}``; empty cells are left
    out, so the request's defaults apply as they do to a JSON row without that field."""
    out: dict[str, Any] = {}
    for code, value in values.items():
        if value is None:
            continue
        *parents, leaf = code.split(".")
        node = out
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return out


@dataclass(frozen=True)
class SheetSpec:
    title: str
    """What the sheet holds (zh-CN), e.g. ``企业批量登记``."""
    columns: tuple[Column, ...]
    build: Callable[[Mapping[str, Any]], dict[str, Any]] = nest
    """Cells by column code → the JSON row the bulk endpoint validates."""
    instructions: tuple[str, ...] = ()
    field_columns: Mapping[str, str] = field(default_factory=dict)
    """Request fields a custom ``build`` fills from another column (field prefix → column code)."""

    def column_of(self, field_path: str) -> Column | None:
        """The column an error on ``field_path`` (``from.uscc``, ``patents.2``) points at."""
        by_code = {c.code: c for c in self.columns}
        parts = field_path.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in by_code:
                return by_code[prefix]
            if prefix in self.field_columns:
                return by_code.get(self.field_columns[prefix])
        return None
