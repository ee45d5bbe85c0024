"""Spreadsheets in: the shared reader of every bulk import (.xlsx and .csv), its templates and result
workbooks, and the HTTP glue that lets one bulk path take JSON or a file. See docs/imports.md."""
from libs.common.sheets.cells import Unreadable
from libs.common.sheets.reader import Sheet, SheetRow, decode_csv, parse, read_table
from libs.common.sheets.spec import Column, Kind, SheetSpec, nest

__all__ = ["Column", "Kind", "Sheet", "SheetRow", "SheetSpec", "Unreadable", "decode_csv", "nest", "parse",
           "read_table"]
