"""The spreadsheet of the transfer-record bulk import (``POST /api/v1/transfers/bulk`` with a file,
``GET /api/v1/transfers/bulk/template``): one column per field of ``POST /transfers``."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.sheets import Column, Kind, SheetSpec
from services.transfer.domain import KIND_NAMES, PARTY_KIND_NAMES

REGIONS = {"hubei": "湖北省内", "other_province": "省外", "foreign": "境外"}
PAYMENTS = {"lump_sum": "一次性支付", "instalments": "分期支付", "royalty": "提成",
            "use_first_pay_later": "先使用后付费", "free": "免费"}
_KINDS = {k.value: v for k, v in KIND_NAMES.items()}
_PARTIES = {k.value: v for k, v in PARTY_KIND_NAMES.items()}


def _party(side: str, label: str) -> tuple[Column, ...]:
    return (
        Column(f"{side}.kind", f"{label}类型", Kind.CHOICE, required=True, choices=_PARTIES,
               note="已登记企业填信用代码即可；高校、院所、其他企业、个人须填名称"),
        Column(f"{side}.name", f"{label}名称", width=30),
        Column(f"{side}.uscc", f"{label}统一社会信用代码", Kind.IDENTIFIER, width=22),
        Column(f"{side}.region", f"{label}地区", Kind.CHOICE, choices=REGIONS, note="缺省为湖北省内"),
        Column(f"{side}.city", f"{label}所在市州", Kind.CHOICE, choices=CITIES),
    )


TRANSFERS = SheetSpec(
    title="专利转让许可记录",
    columns=(
        Column("ref", "登记编号", Kind.IDENTIFIER, required=True,
               note="合同登记号或许可备案号，全省唯一；重复导入的编号报告为已存在"),
        Column("kind", "类型", Kind.CHOICE, required=True, choices=_KINDS),
        Column("patents", "专利申请号", Kind.IDENTIFIER, required=True, many=True, width=30,
               note="如 200710308494.X，可带 CN/ZL 前缀；多件用“；”分隔"),
        *_party("from", "让与人/许可人"),
        *_party("to", "受让人/被许可人"),
        Column("contract_date", "合同日期", Kind.DATE, required=True, note="决定计入的年度"),
        Column("term_end", "许可期限截止日", Kind.DATE),
        Column("amount", "合同金额（元）", Kind.DECIMAL, note="不填为未披露，0 为无偿"),
        Column("payment", "支付方式", Kind.CHOICE, choices=PAYMENTS),
        Column("city", "计入市州", Kind.CHOICE, choices=CITIES, note="缺省取已登记企业所在市州"),
        Column("open_licence_id", "开放许可声明编号", Kind.INTEGER),
        Column("library_entry_id", "资源库条目编号", Kind.INTEGER),
        Column("matching_event_id", "对接活动编号", Kind.INTEGER),
        Column("note", "备注", width=30),
    ),
    instructions=("每行一条转让或许可记录，与“登记专利转让/许可”接口的字段相同。",),
)
