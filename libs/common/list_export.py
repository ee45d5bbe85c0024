"""Lists as Excel workbooks: every list endpoint answers ``?format=xlsx`` (or ``Accept:`` the xlsx media type).

* :class:`Column` / :class:`Sheet` describe a list as people read it: a zh-CN heading row, then the
  field-code row (the JSON field names, dotted for nested objects: ``from.uscc``) so that an export can
  be loaded back through the bulk imports, then one row per record. Codes come with their names
  (``city`` + ``city_name``), money is a number with the unit in the heading (``金额(元)``), dates are
  real dates, identifiers are text.
* :func:`write_workbook` writes rows from an async iterator of chunks with xlsxwriter in
  ``constant_memory`` mode into an anonymous temporary file (memory stays flat whatever the size);
  :func:`workbook_response` streams that file in chunks and closes (deletes) it afterwards.
* :class:`ListParams` (the ``Listing`` dependency) replaces ``Paging`` on list routes. For a JSON
  request it is an ordinary page. For a workbook request, ``fetch_page`` (through
  :meth:`ListParams.fetch`) streams *every* row of the same filtered, scoped and ordered statement into
  the workbook instead of one page, at most :data:`MAX_EXPORT_ROWS` (more is a 422 on ``format``).
"""
from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import IO, Annotated, Any, Literal
from urllib.parse import quote

import xlsxwriter
from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, PrivateAttr
from sqlalchemy import func, select
from sqlalchemy.sql import Select

from libs.common.clock import CHINA, today
from libs.common.errors import FieldInvalid
from libs.common.pagination import Page, PageParams, Paging

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The most rows one export holds; a larger selection is a 422 asking to narrow the filters.
MAX_EXPORT_ROWS = 200_000
#: Rows fetched from the database (and written) at a time.
CHUNK_ROWS = 1000
#: Bytes per piece of the streamed response.
STREAM_CHUNK = 64 * 1024
#: The OpenAPI ``responses`` of a list route that can answer as a workbook.
SHEET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
          "description": "JSON 分页列表；format=xlsx 时为 Excel 工作簿（全部符合条件的行）"}}
LIST_SEPARATOR = ";"
TRUE_FALSE = ("是", "否")

Kind = Literal["text", "int", "number", "money", "date", "datetime", "bool", "list"]


@dataclass(frozen=True)
class Column:
    """One column: ``field`` is the JSON field (dotted path into nested objects) and the field-code row;
    ``label`` the zh-CN heading. ``names`` makes it a code-with-name pair: the code column
    (``<label>代码``) and a name column (``<label>名称``, field ``<field>_name``)."""

    field: str
    label: str
    kind: Kind = "text"
    names: Mapping[Any, str] | None = None
    unit: str = "元"

    def __post_init__(self) -> None:
        if self.names is not None:  # enum-keyed name tables: look up by the code itself
            object.__setattr__(self, "names", {str(_plain(k)): v for k, v in self.names.items()})

    def headings(self) -> list[tuple[str, str]]:
        """(zh-CN heading, field code) of each column this spec makes."""
        if self.names is not None:
            return [(f"{self.label}代码", self.field), (f"{self.label}名称", f"{self.field}_name")]
        if self.kind == "money":
            return [(f"{self.label}({self.unit})", self.field)]
        return [(self.label, self.field)]

    def cells(self, record: Mapping[str, Any]) -> list[Any]:
        value = _lookup(record, self.field)
        if self.names is not None:
            code = _plain(value)
            return [code, self.names.get(code, "") if code is not None else None]
        return [cell_value(self.kind, value)]


@dataclass(frozen=True)
class Sheet:
    """A list as a workbook: its sheet title (zh-CN, also the file name), an ASCII file-name fallback
    and the columns."""

    title: str
    ascii_name: str
    columns: Sequence[Column]
    kinds: list[Kind] = field(init=False)

    def __post_init__(self) -> None:
        kinds: list[Kind] = []
        for c in self.columns:
            kinds.extend(["text", "text"] if c.names is not None else [c.kind])
        object.__setattr__(self, "kinds", kinds)

    def headings(self) -> list[tuple[str, str]]:
        return [h for c in self.columns for h in c.headings()]

    def row(self, record: Mapping[str, Any]) -> list[Any]:
        return [v for c in self.columns for v in c.cells(record)]

    def filename(self, qualifier: str = "") -> tuple[str, str]:
        """(zh-CN file name, ASCII fallback): the title, an optional qualifier and today's date."""
        stamp = today().strftime("%Y%m%d")
        middle = f"{qualifier}_" if qualifier else ""
        ascii_middle = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in middle)
        return f"{self.title}_{middle}{stamp}.xlsx", f"{self.ascii_name}-{ascii_middle}{stamp}.xlsx"


def _lookup(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def cell_value(kind: Kind, value: Any) -> Any:
    """What goes into the cell: numbers as numbers, dates as dates, lists joined, booleans 是/否."""
    value = _plain(value)
    if value is None:
        return None
    if kind == "list":
        return LIST_SEPARATOR.join(_list_item(v) for v in value)
    if kind == "bool":
        return TRUE_FALSE[0] if value else TRUE_FALSE[1]
    if kind in ("money", "number"):
        return _number(value)
    if kind == "datetime" and isinstance(value, datetime):
        return value.astimezone(CHINA).replace(tzinfo=None) if value.tzinfo else value
    if kind == "text" and not isinstance(value, str):
        return str(value)
    return value


#: Significant digits a float keeps exactly; a longer exact decimal goes into the cell as text.
FLOAT_DIGITS = 15


def _number(value: Any) -> Any:
    """Decimals (and exact decimal strings, as the indicators give them) as numbers when a float holds
    them exactly, else as text."""
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except InvalidOperation:
            return value
    if isinstance(value, Decimal):
        if not value.is_finite() or len(value.normalize().as_tuple().digits) > FLOAT_DIGITS:
            return str(value)
        return float(value)
    return value


def _list_item(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, Mapping):  # e.g. a pledged item: kind:number[:title]
        return ":".join(_list_item(v) for v in value.values() if v is not None)
    if isinstance(value, bool):
        return TRUE_FALSE[0] if value else TRUE_FALSE[1]
    return str(value)


# --- writing ------------------------------------------------------------------------------------------

class SpooledWorkbook:
    """A finished workbook in an anonymous temporary file (gone when closed or collected)."""

    def __init__(self, file: IO[bytes], size: int, rows: int) -> None:
        self.file, self.size, self.rows = file, size, rows


class _Writer:
    def __init__(self, sheet: Sheet) -> None:
        self.sheet = sheet
        self.file: IO[bytes] = tempfile.TemporaryFile()
        self.book = xlsxwriter.Workbook(self.file, {
            "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False, "remove_timezone": True})
        self.ws = self.book.add_worksheet(_sheet_name(sheet.title))
        bold = {"bold": True, "bg_color": "#DDEBF7", "border": 1}
        self.fmt_label = self.book.add_format(bold)
        self.fmt_code = self.book.add_format({"font_color": "#7F7F7F", "italic": True, "bg_color": "#F2F2F2",
                                              "num_format": "@"})
        self.fmt = {
            "text": self.book.add_format({"num_format": "@"}),
            "int": self.book.add_format({"num_format": "0"}),
            "number": self.book.add_format({"num_format": "General"}),
            "money": self.book.add_format({"num_format": "#,##0.00"}),
            "date": self.book.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
        }
        headings = sheet.headings()
        for col, ((label, _), kind) in enumerate(zip(headings, sheet.kinds, strict=True)):
            width = max(10.0, min(40.0, 2.2 * len(label) + 2))
            self.ws.set_column(col, col, width, self.fmt.get(kind, self.fmt["text"]))
        for row, fmt in ((0, self.fmt_label), (1, self.fmt_code)):  # constant_memory: rows in order
            for col, heading in enumerate(headings):
                self.ws.write_string(row, col, heading[row], fmt)
        self.ws.freeze_panes(2, 0)
        self.row = 2

    def write(self, records: Iterable[Mapping[str, Any]]) -> None:
        ws, fmt, kinds = self.ws, self.fmt, self.sheet.kinds
        for record in records:
            for col, (kind, value) in enumerate(zip(kinds, self.sheet.row(record), strict=True)):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(self.row, col, value, fmt["text"])
                elif isinstance(value, bool):
                    ws.write_string(self.row, col, TRUE_FALSE[0] if value else TRUE_FALSE[1], fmt["text"])
                elif isinstance(value, date):
                    ws.write_datetime(self.row, col, value, fmt["datetime" if isinstance(value, datetime) else "date"])
                elif isinstance(value, int | float):
                    ws.write_number(self.row, col, value, fmt.get(kind, fmt["number"]))
                else:
                    ws.write_string(self.row, col, str(value), fmt["text"])
            self.row += 1

    def finish(self) -> SpooledWorkbook:
        self.book.close()
        size = self.file.tell()
        self.file.seek(0)
        return SpooledWorkbook(self.file, size, self.row - 2)


def _sheet_name(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return cleaned[:31] or "Sheet1"


async def write_workbook(sheet: Sheet, chunks: AsyncIterable[Sequence[Mapping[str, Any]]]) -> SpooledWorkbook:
    """Write the records of every chunk (each a short list, in order) into a workbook; the writing runs
    in a worker thread so the event loop keeps serving other requests."""
    writer = await asyncio.to_thread(_Writer, sheet)
    try:
        async for chunk in chunks:
            await asyncio.to_thread(writer.write, chunk)
        return await asyncio.to_thread(writer.finish)
    except BaseException:
        writer.file.close()
        raise


def content_disposition(filename: str, fallback: str, disposition: str = "attachment") -> str:
    """RFC 6266 / RFC 5987: an ASCII ``filename`` for old clients and the UTF-8 ``filename*``."""
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def workbook_response(book: SpooledWorkbook, filename: str, fallback: str) -> StreamingResponse:
    """Stream the finished workbook in pieces, then close (and so delete) its temporary file."""

    async def pieces() -> AsyncIterator[bytes]:
        try:
            while piece := await asyncio.to_thread(book.file.read, STREAM_CHUNK):
                yield piece
        finally:
            book.file.close()

    return StreamingResponse(pieces(), media_type=XLSX, headers={
        "Content-Disposition": content_disposition(filename, fallback), "Content-Length": str(book.size),
        "Cache-Control": "no-store", "X-Total-Count": str(book.rows)})


async def export_response(sheet: Sheet, chunks: AsyncIterable[Sequence[Mapping[str, Any]]],
                          qualifier: str = "") -> StreamingResponse:
    """A workbook of ``chunks`` (e.g. rows computed from a query) as a streamed download; ``qualifier``
    (e.g. ``2025_420100``) goes into the file name."""
    book = await write_workbook(sheet, chunks)
    return workbook_response(book, *sheet.filename(qualifier))


def records(items: Iterable[BaseModel | Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Response models as the JSON shape (aliases, nested objects), for :meth:`Sheet.row`."""
    return [i.model_dump(by_alias=True) if isinstance(i, BaseModel) else i for i in items]


async def in_chunks(items: Iterable[BaseModel | Mapping[str, Any]], size: int = CHUNK_ROWS
                    ) -> AsyncIterator[list[Mapping[str, Any]]]:
    """An already computed (bounded) list as the chunks :func:`write_workbook` takes."""
    batch: list[BaseModel | Mapping[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield records(batch)
            batch = []
    if batch:
        yield records(batch)


# --- the list routes' dependency ----------------------------------------------------------------------

FormatQ = Annotated[Literal["json", "xlsx"] | None, Query(
    description="json（缺省）或 xlsx：下载 Excel 工作簿，含全部符合筛选条件的行（不分页，"
                f"最多 {MAX_EXPORT_ROWS} 行）；也可用 Accept: {XLSX}")]


def wants_workbook(format: str | None, accept: str | None) -> bool:
    """``format`` decides when given; otherwise the xlsx media type must be preferred over JSON in Accept."""
    if format is not None:
        return format == "xlsx"
    accept = (accept or "").lower()
    if XLSX not in accept:
        return False
    quality: dict[str, float] = {}
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        quality[media.lower()] = max(q, quality.get(media.lower(), 0.0))
    json_q = max(quality.get("application/json", 0.0), quality.get("application/*", 0.0),
                 quality.get("*/*", 0.0) if "application/json" not in quality else 0.0)
    return quality.get(XLSX, 0.0) > 0 and quality.get(XLSX, 0.0) >= json_q


RowView = Callable[[Any], BaseModel]
Prepare = Callable[[Any, list[Any]], Awaitable[list[Any]]]


class ListParams(PageParams):
    """A page (JSON) or, when a workbook was asked for, the whole list streamed into one.

    Routes call :meth:`shape` before the use case and answer with :meth:`answer` after it."""

    _xlsx: bool = PrivateAttr(default=False)
    _sheet: Sheet | None = PrivateAttr(default=None)
    _view: RowView | None = PrivateAttr(default=None)
    _prepare: Prepare | None = PrivateAttr(default=None)
    _book: SpooledWorkbook | None = PrivateAttr(default=None)

    @property
    def xlsx(self) -> bool:
        return self._xlsx

    def shape(self, sheet: Sheet, view: RowView, prepare: Prepare | None = None) -> ListParams:
        """How a fetched row becomes the response model (``view``), and its columns in a workbook.
        ``prepare(session, rows)`` turns a chunk of fetched rows into what ``view`` takes when that needs
        another query (e.g. names looked up per page)."""
        self._sheet, self._view, self._prepare = sheet, view, prepare
        return self

    async def fetch(self, session: Any, stmt: Select[Any], order_by: Sequence[Any]) -> tuple[list[Any], int]:
        if not self._xlsx:
            return await super().fetch(session, stmt, order_by)
        assert self._sheet is not None and self._view is not None, "call shape() before the use case"
        total = int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
        if total > MAX_EXPORT_ROWS:
            raise FieldInvalid("format", "export.too_many_rows",
                               f"符合条件的记录共 {total} 条，超过单次导出上限 {MAX_EXPORT_ROWS} 条，"
                               "请增加筛选条件（如年度、市州、状态）分批导出")
        result = await session.stream_scalars(stmt.order_by(*order_by).execution_options(yield_per=CHUNK_ROWS))
        view, prepare = self._view, self._prepare

        async def chunks() -> AsyncIterator[list[Mapping[str, Any]]]:
            async for part in result.partitions():
                rows = await prepare(session, list(part)) if prepare else list(part)
                yield records(view(r) for r in rows)

        self._book = await write_workbook(self._sheet, chunks())
        return [], total

    def answer(self, rows: list[Any], total: int) -> Page[Any] | StreamingResponse:
        """The JSON page of ``rows``, or the streamed workbook written during the fetch."""
        if self._xlsx:
            assert self._book is not None and self._sheet is not None, "the use case did not fetch through fetch_page"
            return workbook_response(self._book, *self._sheet.filename())
        assert self._view is not None, "call shape() before answer()"
        return Page(items=[self._view(r) for r in rows], total=total, limit=self.limit, offset=self.offset)


def sheet_requested(request: Request, format: FormatQ = None) -> bool:
    return wants_workbook(format, request.headers.get("accept"))


#: ``True`` when the request asks for a workbook (``format=xlsx`` or ``Accept:``): for routes whose
#: answer is not a paged list (e.g. the indicator views), which build it with :func:`export_response`.
WantsSheet = Annotated[bool, Depends(sheet_requested)]


def list_params(page: Paging, xlsx: WantsSheet) -> ListParams:
    params = ListParams(limit=page.limit, offset=page.offset)
    params._xlsx = xlsx
    return params


#: The paging of a list route that can also answer as a workbook (``format=xlsx`` or ``Accept:``).
Listing = Annotated[ListParams, Depends(list_params)]
