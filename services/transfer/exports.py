"""The transfer lists as workbooks (``?format=xlsx``): records, open licences, the library, needs and
matching events.

Field codes are the JSON fields, the parties' dotted (``from.uscc``, ``to.name``), so a record export is
laid out as the transfer import reads it."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.list_export import Column, Sheet
from services.transfer.domain import (
    CARRIER_KIND_NAMES,
    CARRIER_LEVEL_NAMES,
    HOST_KIND_NAMES,
    KIND_NAMES,
    PARTY_KIND_NAMES,
    STATUS_NAMES,
)


def _party(side: str, label: str) -> list[Column]:
    return [Column(f"{side}.kind", f"{label}类型", names=PARTY_KIND_NAMES), Column(f"{side}.name", f"{label}名称"),
            Column(f"{side}.uscc", f"{label}统一社会信用代码"), Column(f"{side}.region", f"{label}地域"),
            Column(f"{side}.city", f"{label}市州", names=CITIES),
            Column(f"{side}.is_private", f"{label}为民营企业", "bool")]


TRANSFERS = Sheet("专利转让许可", "transfers", [
    Column("id", "记录编号"), Column("ref", "登记/备案编号"), Column("kind", "类型", names=KIND_NAMES),
    Column("patents", "专利申请号", "list"), *_party("from", "让与人/许可人"), *_party("to", "受让人/被许可人"),
    Column("university_origin", "来自高校院所", "bool"), Column("amount", "合同金额", "money"),
    Column("payment", "支付方式"), Column("contract_date", "合同日期", "date"),
    Column("term_end", "许可期限截止", "date"),
    Column("year", "统计年度", "int"), Column("city", "计入市州", names=CITIES),
    Column("status", "状态", names=STATUS_NAMES),
    Column("open_licence_id", "开放许可编号", "int"), Column("library_entry_id", "资源库条目编号", "int"),
    Column("matching_event_id", "对接活动编号", "int"), Column("note", "备注"), Column("batch_id", "导入批次"),
    Column("registered_by", "登记人"), Column("cancelled_reason", "撤销原因"),
    Column("created_at", "登记时间", "datetime"),
])

OPEN_LICENCES = Sheet("开放许可", "open-licences", [
    Column("id", "声明编号", "int"), Column("title", "名称"), Column("patents", "专利申请号", "list"),
    Column("licensor_kind", "许可人类型", names=PARTY_KIND_NAMES), Column("licensor_name", "许可人名称"),
    Column("licensor_uscc", "许可人统一社会信用代码"), Column("city", "市州", names=CITIES),
    Column("fee_kind", "许可费方式"), Column("fee_amount", "每年许可费", "money"),
    Column("royalty_rate", "提成比例(%)", "number"), Column("valid_from", "有效期起", "date"),
    Column("valid_to", "有效期止", "date"), Column("status", "状态", names=STATUS_NAMES),
    Column("in_force", "现行有效", "bool"), Column("licensees", "被许可人数", "int"),
    Column("withdrawn_reason", "撤回原因"),
    Column("created_at", "发布时间", "datetime"),
])

LIBRARY = Sheet("可转化专利资源库", "patent-library", [
    Column("id", "条目编号", "int"), Column("title", "名称"), Column("patents", "专利申请号", "list"),
    Column("ipc_classes", "IPC分类", "list"), Column("keywords", "关键词", "list"), Column("description", "简介"),
    Column("owner_kind", "权利人类型", names=PARTY_KIND_NAMES), Column("owner_name", "权利人名称"),
    Column("owner_uscc", "权利人统一社会信用代码"), Column("city", "市州", names=CITIES),
    Column("use_first_pay_later", "先使用后付费", "bool"), Column("terms", "转化条件"),
    Column("status", "状态", names=STATUS_NAMES), Column("deals", "成交数", "int"),
    Column("withdrawn_reason", "撤回原因"),
    Column("created_at", "入库时间", "datetime"),
])

NEEDS = Sheet("企业技术需求", "needs", [
    Column("id", "需求编号", "int"), Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("city", "市州", names=CITIES), Column("is_private", "民营企业", "bool"), Column("title", "需求名称"),
    Column("ipc_classes", "IPC分类", "list"), Column("keywords", "关键词", "list"), Column("description", "需求描述"),
    Column("budget", "预算", "money"), Column("status", "状态", names=STATUS_NAMES),
    Column("closed_reason", "关闭原因"),
    Column("created_at", "登记时间", "datetime"),
])

MATCHING_EVENTS = Sheet("供需对接活动", "matching-events", [
    Column("id", "活动编号", "int"), Column("ref", "活动标识"), Column("title", "活动名称"),
    Column("city", "市州", names=CITIES), Column("planned_date", "计划日期", "date"),
    Column("held_on", "举办日期", "date"),
    Column("organiser", "主办单位"), Column("field", "领域"), Column("status", "状态", names=STATUS_NAMES),
    Column("participants_enterprises", "参加企业数", "int"), Column("participants_institutions", "参加机构数", "int"),
    Column("deals_intended", "意向成交数", "int"), Column("amount_intended", "意向金额", "money"),
    Column("cancelled_reason", "取消原因"), Column("created_at", "登记时间", "datetime"),
])

CARRIERS = Sheet("创新载体与基地", "carriers", [
    Column("id", "载体编号", "int"), Column("kind", "载体类型", names=CARRIER_KIND_NAMES), Column("name", "载体名称"),
    Column("host_kind", "依托单位类型", names=HOST_KIND_NAMES), Column("host_name", "依托单位名称"),
    Column("host_uscc", "依托单位统一社会信用代码"), Column("city", "市州", names=CITIES),
    Column("level", "级别", names=CARRIER_LEVEL_NAMES), Column("field", "领域"),
    Column("approved_on", "认定日期", "date"), Column("established_on", "建成运行日期", "date"),
    Column("status", "状态", names=STATUS_NAMES), Column("revoked_on", "撤销日期", "date"),
    Column("revoked_reason", "撤销原因"), Column("created_at", "登记时间", "datetime"),
])


#: ``GET /needs/{id}/matches``: the ranked library entries (nested ``entry.*`` fields), best first.
MATCHES = Sheet("需求匹配专利", "need-matches", [
    Column("score", "匹配得分", "int"), Column("reasons", "得分依据(规则:分值:说明)", "list"),
    Column("entry.id", "条目编号", "int"), Column("entry.title", "名称"), Column("entry.patents", "专利申请号", "list"),
    Column("entry.ipc_classes", "IPC分类", "list"), Column("entry.keywords", "关键词", "list"),
    Column("entry.owner_kind", "权利人类型", names=PARTY_KIND_NAMES), Column("entry.owner_name", "权利人名称"),
    Column("entry.city", "市州", names=CITIES), Column("entry.use_first_pay_later", "先使用后付费", "bool"),
    Column("entry.status", "状态", names=STATUS_NAMES),
])
