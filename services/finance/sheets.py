"""The spreadsheet of the pledge-loan bulk import (a bank's monthly report): one row per loan, the
pledged patents, trademarks and geographical indications as lists in their own columns."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from libs.common.sheets import Column, Kind, SheetSpec, Unreadable, nest
from services.finance.domain import RISK_SHARING_NAMES

_ITEM_COLUMNS = (("patents", "patent"), ("trademarks", "trademark"),
                 ("geographical_indications", "geographical_indication"))


def _row(values: Mapping[str, Any]) -> dict[str, Any]:
    """The pledged items of the three list columns become ``items`` (a refused cell refuses them)."""
    row = nest({k: v for k, v in values.items() if k not in dict(_ITEM_COLUMNS)})
    items: list[dict[str, Any]] | Unreadable = []
    for column, kind in _ITEM_COLUMNS:
        cell = values.get(column)
        if isinstance(cell, Unreadable):
            items = cell
            break
        assert isinstance(items, list)
        items.extend({"kind": kind, "number": n} for n in cell or [])
    if isinstance(items, Unreadable) or items:
        row["items"] = items
    return row


PLEDGES = SheetSpec(
    title="知识产权质押贷款",
    columns=(
        Column("uscc", "借款企业统一社会信用代码", Kind.IDENTIFIER, required=True, width=22),
        Column("lender_bank", "贷款银行标识", Kind.IDENTIFIER, note="银行用户可不填（为本行）"),
        Column("lender_name", "贷款银行名称", width=28),
        Column("contract_no", "借款（质押）合同编号", Kind.IDENTIFIER, required=True, width=24,
               note="同一银行内唯一；已登记的合同报告为重复，可重复提交同一报表"),
        Column("amount", "贷款金额（元）", Kind.DECIMAL, required=True),
        Column("registration_date", "质押登记日期", Kind.DATE, required=True),
        Column("term_months", "贷款期限（月）", Kind.INTEGER, required=True),
        Column("annual_rate", "年利率（%）", Kind.DECIMAL, required=True),
        Column("risk_sharing", "风险分担", Kind.CHOICE, many=True, width=24,
               choices={k.value: v for k, v in RISK_SHARING_NAMES.items()}),
        Column("patents", "质押专利号", Kind.IDENTIFIER, many=True, width=30),
        Column("trademarks", "质押商标注册号", Kind.IDENTIFIER, many=True, width=24),
        Column("geographical_indications", "质押地理标志注册号", Kind.IDENTIFIER, many=True, width=24),
    ),
    build=_row,
    field_columns={"items": "patents"},
    instructions=("质押物至少一项：专利、商标、地理标志分别填在各自列中，多项用“；”分隔。",),
)
