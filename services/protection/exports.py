"""The protection lists as workbooks (``?format=xlsx``): workstations, cases and visits."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.list_export import Column, Sheet
from services.protection.domain import (
    CASE_KIND_NAMES,
    CENTRE_KIND_NAMES,
    HOST_KIND_NAMES,
    IP_TYPE_NAMES,
    LEVEL_NAMES,
    OUTCOME_NAMES,
    STATUS_NAMES,
)

WORKSTATIONS = Sheet("保护工作站", "workstations", [
    Column("id", "工作站编号", "int"), Column("name", "工作站名称"), Column("city", "市州", names=CITIES),
    Column("level", "级别", names=LEVEL_NAMES), Column("host_kind", "依托单位类型", names=HOST_KIND_NAMES),
    Column("host_uscc", "依托企业信用代码"), Column("host_name", "依托单位名称"),
    Column("host_is_private", "依托企业为民营", "bool"), Column("centre_id", "所属中心编号"),
    Column("established_on", "设立日期", "date"), Column("deregistered_on", "撤销日期", "date"),
    Column("deregister_reason", "撤销原因"), Column("active", "在运行", "bool"), Column("version", "版本", "int"),
    Column("created_at", "登记时间", "datetime"), Column("updated_at", "更新时间", "datetime"),
])

CASES = Sheet("维权援助案件", "cases", [
    Column("id", "案件序号", "int"), Column("case_no", "案件编号"), Column("kind", "案件类型", names=CASE_KIND_NAMES),
    Column("centre_id", "中心编号"), Column("city", "市州", names=CITIES), Column("uscc", "统一社会信用代码"),
    Column("enterprise_name", "企业名称"), Column("enterprise_city", "企业所在市州"),
    Column("is_private", "民营企业", "bool"), Column("ip_type", "知识产权类型", names=IP_TYPE_NAMES),
    Column("title", "案由"), Column("counterparty", "对方当事人"), Column("overseas_country", "涉外国家（地区）"),
    Column("amount_involved", "涉案金额", "money"), Column("status", "状态", names=STATUS_NAMES),
    Column("received_at", "接收时间", "datetime"), Column("accepted_at", "受理时间", "datetime"),
    Column("handling_at", "开始办理时间", "datetime"), Column("closed_at", "结案时间", "datetime"),
    Column("outcome", "结案方式", names=OUTCOME_NAMES), Column("transferred_to", "移送单位"),
    Column("result_summary", "办理结果"), Column("overdue", "超期", "bool"), Column("due_at", "本环节时限", "datetime"),
    Column("version", "版本", "int"),
])

VISITS = Sheet("上门服务记录", "visits", [
    Column("id", "记录编号", "int"), Column("centre_id", "中心编号"), Column("city", "中心所在市州", names=CITIES),
    Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("enterprise_city", "企业所在市州"), Column("visit_date", "服务日期", "date"), Column("month", "月份"),
    Column("services", "服务内容", "list"),
    Column("staff", "服务人员", "list"), Column("issues", "发现问题"), Column("follow_up", "后续跟进"),
    Column("recorded_by", "登记人"), Column("created_at", "登记时间", "datetime"),
])

CENTRES = Sheet("维权援助中心", "centres", [
    Column("id", "中心编号"), Column("name", "中心名称"), Column("kind", "类型", names=CENTRE_KIND_NAMES),
    Column("city", "市州", names=CITIES), Column("established_on", "设立日期", "date"),
    Column("closed_on", "撤销日期", "date"), Column("phone", "联系电话"), Column("version", "版本", "int"),
    Column("created_at", "登记时间", "datetime"), Column("updated_at", "更新时间", "datetime"),
])

OVERDUE = Sheet("超期案件", "overdue-cases", [
    Column("id", "案件序号", "int"), Column("case_no", "案件编号"), Column("kind", "案件类型", names=CASE_KIND_NAMES),
    Column("centre_id", "中心编号"), Column("city", "市州", names=CITIES), Column("uscc", "统一社会信用代码"),
    Column("enterprise_name", "企业名称"), Column("title", "案由"), Column("status", "所处环节", names=STATUS_NAMES),
    Column("entered_at", "进入本环节时间", "datetime"), Column("limit_days", "时限(天)", "int"),
    Column("due_at", "应完成时间", "datetime"), Column("overdue_days", "已超期(天)", "number"),
])
