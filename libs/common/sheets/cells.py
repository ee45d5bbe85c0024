"""One cell of an uploaded sheet as the value a JSON row would carry.

Cells come from python-calamine (``str``, ``float``, ``int``, ``bool``, ``date``, ``datetime``;
formula cells as their cached value) or from a CSV (``str``). What a spreadsheet does to data that a
JSON client would not is undone here: Excel serial dates, ``2025/3/1`` and ``2025年3月1日``, whole
numbers stored as ``120.0``, ``1,234.50``, codes picked from a drop-down as ``420100 武汉市``. An
identifier stored as a number cannot be repaired (``1.2E+17`` has lost its digits): the cell becomes
:class:`Unreadable`, which no request field accepts, so the row is refused with the reason.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from libs.common.sheets.spec import Column, Kind

_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
#: How Excel shows a long number: a signed exponent ("9.14201E+17"). A real identifier such as the
#: USCC 9142010012345E6786 has no sign, so it stays an identifier.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]\d+$")
_SEPARATORS = re.compile(r"[;；,，、\n\r]+")
_TRUE = {"是", "y", "yes", "true", "1", "√", "有"}
_FALSE = {"否", "n", "no", "false", "0", "×", "无"}


class Unreadable:
    """A cell that cannot be taken as written; carries the rule and the zh-CN reason."""

    __slots__ = ("rule", "message")

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        self.message = message

    def __repr__(self) -> str:
        return f"Unreadable({self.rule!r})"


def numeric_identifier(label: str) -> Unreadable:
    return Unreadable("cell.numeric_identifier",
                      f"“{label}”按数字保存（如 1.2E+17），前导零或末尾数字已丢失："
                      "请将该列设置为文本格式后重新填写")


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)


def _serial_date(value: float) -> date | None:
    if 1 <= value < 2958466:  # 1900-01-01 … 9999-12-31
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return None


def _as_date(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = _serial_date(float(value))
        return serial.isoformat() if serial else value
    if isinstance(value, str):
        m = _DATE_TEXT.match(value) or _DATE_COMPACT.match(value)
        if m:
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                return value  # 2025-02-30: the request's date check names it
    return value


def _as_decimal(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value)
    if isinstance(value, str):
        text = value.replace(",", "").replace("，", "").replace(" ", "")
        try:
            Decimal(text)
        except InvalidOperation:
            return value
        return text
    return value


def _as_integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.replace(",", "").replace(" ", "")
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else value
    return value


def _as_choice(value: Any, choices: Mapping[str, str]) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _number_text(value)
    if not isinstance(value, str):
        return value
    if value in choices:
        return value
    for code, name in choices.items():
        if value == name:
            return code
    head = re.split(r"[\s｜|:：]+", value, maxsplit=1)[0]
    if head in choices:
        return head
    lower = value.lower()
    return next((code for code in choices if code.lower() == lower), value)


def _as_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else value
    if isinstance(value, str):
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
    return value


def _as_identifier(value: Any, column: Column) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return numeric_identifier(column.label)
    if isinstance(value, str) and _SCIENTIFIC.match(value):
        return numeric_identifier(column.label)
    return value


def _as_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return _number_text(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (time, timedelta)):
        return str(value)
    return value


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _one(value: Any, column: Column) -> Any:
    kind = column.kind
    if kind is Kind.IDENTIFIER:
        return _as_identifier(value, column)
    if kind is Kind.DATE:
        return _as_date(value)
    if kind is Kind.DECIMAL:
        return _as_decimal(value)
    if kind is Kind.INTEGER:
        return _as_integer(value)
    if kind is Kind.CHOICE:
        return _as_choice(value, column.choices or {})
    if kind is Kind.BOOL:
        return _as_bool(value)
    return _as_text(value)


def convert(value: Any, column: Column) -> Any:
    """The cell as a request value: ``None`` for an empty cell, :class:`Unreadable` when it cannot be
    taken as written, else what a JSON row would hold (a list for a ``many`` column)."""
    if isinstance(value, str):
        value = value.strip()
    if blank(value):
        return None
    if column.many:
        if isinstance(value, str):
            parts = [p.strip() for p in _SEPARATORS.split(value) if p.strip()]
        else:
            parts = [value]
        items = [_one(p, column) for p in parts]
        bad = next((i for i in items if isinstance(i, Unreadable)), None)
        return bad if bad is not None else items
    return _one(value, column)
