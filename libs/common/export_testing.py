"""Test helpers for list exports: read a workbook back (python-calamine) and compare it with the JSON list."""
from __future__ import annotations

import io
import types
import typing
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel
from python_calamine import CalamineWorkbook

from libs.common.clock import CHINA
from libs.common.list_export import LIST_SEPARATOR, TRUE_FALSE, XLSX, Kind, Sheet, cell_value

#: The second (field-code) row comes after the zh-CN headings; data from the third row.
HEADER_ROWS = 2


def read_sheet(content: bytes) -> tuple[list[str], list[str], list[list[Any]]]:
    """(zh-CN headings, field codes, data rows) of the first sheet; empty cells are None."""
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    cleaned = [[None if v == "" else v for v in row] for row in rows]
    labels, codes, *data = cleaned
    return [str(v) for v in labels], [str(v) for v in codes], data


def _from_json(kind: Kind, value: Any) -> Any:
    """A JSON value as the cell read back should hold it."""
    if value is None or value == []:
        return None
    if kind in ("money", "number", "int"):
        return float(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        return datetime.fromisoformat(value).astimezone(CHINA).replace(tzinfo=None)
    return cell_value(kind, value)


def _same(kind: Kind, expected: Any, got: Any) -> bool:
    if expected is None or got is None:
        return expected is None and got is None
    if kind in ("money", "number", "int"):
        return bool(abs(float(got) - expected) < 1e-6)
    if kind == "datetime":  # Excel keeps milliseconds
        return isinstance(got, datetime) and abs(got - expected) < timedelta(milliseconds=2)
    if kind == "date":
        return isinstance(got, date) and got == expected
    return str(got) == str(expected)


def assert_export_matches(response: httpx.Response, sheet: Sheet, items: list[dict[str, Any]]) -> list[list[Any]]:
    """The workbook in ``response`` holds exactly ``items`` (the JSON list, same order) in ``sheet``'s
    columns; returns the data rows."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    labels, codes, data = read_sheet(response.content)
    assert labels == [h[0] for h in sheet.headings()]
    assert codes == [h[1] for h in sheet.headings()]
    assert len(data) == len(items), (len(data), len(items))
    for n, (item, got) in enumerate(zip(items, data, strict=True)):
        expected = [_from_json(k, v) for k, v in zip(sheet.kinds, _raw_values(sheet, item), strict=True)]
        for col, (kind, e, g) in enumerate(zip(sheet.kinds, expected, got, strict=True)):
            assert _same(kind, e, g), f"row {n + HEADER_ROWS + 1}, column {codes[col]}: expected {e!r}, got {g!r}"
    return data


def _raw_values(sheet: Sheet, item: dict[str, Any]) -> list[Any]:
    """The JSON values behind each column (a code-with-name pair gives the code and its name: the JSON's
    own ``<field>_name`` where it has one)."""
    out: list[Any] = []
    for c in sheet.columns:
        value: Any = item
        parent: Any = None
        for part in c.field.split("."):
            parent, value = value, value.get(part) if isinstance(value, dict) else None
        if c.names is not None:
            name_key = c.field.rsplit(".", 1)[-1] + "_name"
            name = parent[name_key] if isinstance(parent, dict) and name_key in parent else (
                c.names.get(value, "") if value is not None else None)
            out.extend([value, name or None])
        else:
            out.append(value)
    return out


async def list_and_export(api: httpx.AsyncClient, path: str, params: dict[str, Any], headers: dict[str, str]
                          ) -> tuple[list[dict[str, Any]], httpx.Response]:
    """The JSON list (one page of up to 500: every row in a test) and the workbook of the same filters,
    asked for with a page size and offset the export must ignore."""
    listed = await api.get(path, params={**params, "limit": 500}, headers=headers)
    assert listed.status_code == 200, listed.text
    exported = await api.get(path, params={**params, "format": "xlsx", "limit": 1, "offset": 1}, headers=headers)
    items: list[dict[str, Any]] = listed.json()["items"]
    return items, exported


def _strip_optional(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _strip_optional(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip_optional(args[0])
    return annotation


def _input_paths(model: type[BaseModel], prefix: str = "") -> dict[str, Any]:
    """The request fields of ``model`` as dotted paths (aliases, nested models flattened)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = _strip_optional(info.annotation)
        path = prefix + (info.alias or name)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.update(_input_paths(annotation, path + "."))
        else:
            out[path] = annotation
    return out


def _to_json(annotation: Any, value: Any) -> Any:
    if typing.get_origin(annotation) is list:
        return [v for v in str(value).split(LIST_SEPARATOR) if v]
    if annotation is bool:
        return value in (TRUE_FALSE[0], True)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return int(value) if value.is_integer() and annotation is int else repr(value)
    return value


def bodies_from_export(content: bytes, model: type[BaseModel]) -> list[dict[str, Any]]:
    """Request bodies of ``model`` from an export's rows: the columns whose field code is a field of
    the request (a test's stand-in for the bulk import reading a workbook)."""
    _, codes, data = read_sheet(content)
    wanted = _input_paths(model)
    bodies = []
    for row in data:
        body: dict[str, Any] = {}
        for code, value in zip(codes, row, strict=True):
            if code not in wanted or value is None:
                continue
            *parents, last = code.split(".")
            target = body
            for part in parents:
                target = target.setdefault(part, {})
            target[last] = _to_json(wanted[code], value)
        bodies.append(body)
    return bodies
