"""Rows of a data value set from an uploaded CSV (UTF-8 with or without BOM, or GB18030 as Chinese
Excel saves it) or .xlsx workbook: columns ``element``, ``period``, ``org_unit``, ``value`` (or
their Chinese headings 数据元素 / 期间 / 组织机构 / 数值)."""
from __future__ import annotations

import csv
import io
from datetime import datetime

from libs.common.errors import FieldInvalid

HEADINGS = {"element": "element", "数据元素": "element", "指标": "element", "period": "period", "期间": "period",
            "org_unit": "org_unit", "组织机构": "org_unit", "行政区划代码": "org_unit", "value": "value",
            "数值": "value"}
REQUIRED = ("element", "value")


def decode_csv(data: bytes) -> str:
    """CSV text as Chinese offices save it: UTF-8 (with or without BOM), else GB18030/GBK."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FieldInvalid("file", "file.encoding", "CSV 文件应为 UTF-8 或 GB18030/GBK 编码")


def _cell(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.strftime("%Y%m")
    return str(v).strip()


def read_rows(filename: str, data: bytes) -> list[dict]:
    """Data rows as dicts with the canonical keys; blank rows are skipped; unknown columns refused."""
    name = (filename or "").lower()
    if name.endswith(".xlsx") or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # not a workbook
            raise FieldInvalid("file", "file.xlsx", f"无法读取 Excel 文件：{exc}") from None
        table = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    elif name.endswith(".csv") or not name:
        table = [[c.strip() for c in row] for row in csv.reader(io.StringIO(decode_csv(data)))]
    else:
        raise FieldInvalid("file", "file.type", "仅支持 .xlsx 或 .csv 文件")
    table = [r for r in table if any(c not in (None, "") for c in r)]
    if not table:
        raise FieldInvalid("file", "file.empty", "文件中没有数据")
    header = [HEADINGS.get((h or "").strip()) for h in table[0]]
    unknown = [h for h, k in zip(table[0], header, strict=True) if k is None and h not in (None, "")]
    if unknown:
        raise FieldInvalid("file", "file.columns", f"无法识别的列：{'、'.join(map(str, unknown))}；"
                                                   "应为 element/数据元素、period/期间、org_unit/组织机构、value/数值")
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise FieldInvalid("file", "file.columns", f"缺少列：{'、'.join(missing)}")
    return [{k: (row[i] if i < len(row) else None) for i, k in enumerate(header) if k} for row in table[1:]]
