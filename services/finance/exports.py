"""The finance lists as workbooks (``?format=xlsx``): columns of loans and activities.

Field codes are the JSON fields, so a loan export is laid out as the pledge import reads it."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.list_export import Column, Sheet
from services.finance.domain import ACTIVITY_KIND_NAMES, CHAINS, LOAN_STATUS_NAMES

PLEDGES = Sheet("质押贷款", "pledge-loans", [
    Column("id", "登记编号", "int"), Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("city", "市州", names=CITIES), Column("ownership", "所有制"), Column("is_private", "民营企业", "bool"),
    Column("lender_bank", "贷款银行标识"), Column("lender_name", "贷款银行名称"), Column("contract_no", "合同编号"),
    Column("amount", "贷款金额", "money"), Column("registration_date", "质押登记日期", "date"),
    Column("term_months", "贷款期限(月)", "int"), Column("maturity_date", "到期日", "date"),
    Column("annual_rate", "年利率(%)", "number"), Column("risk_sharing", "风险分担", "list"),
    Column("items", "质押物(类型:号码:名称)", "list"), Column("status", "状态", names=LOAN_STATUS_NAMES),
    Column("status_date", "状态日期", "date"), Column("status_note", "状态说明"),
    Column("registered_by", "登记人"), Column("created_at", "登记时间", "datetime"),
])

ACTIVITIES = Sheet("融资对接活动", "financing-activities", [
    Column("id", "活动编号", "int"), Column("kind", "活动类型", names=ACTIVITY_KIND_NAMES), Column("title", "活动名称"),
    Column("held_on", "举办日期", "date"), Column("city", "举办地市州", names=CITIES),
    Column("chain", "产业链", names=CHAINS), Column("organiser", "主办单位"),
    Column("enterprise_count", "参加企业数", "int"), Column("private_enterprise_count", "其中民营企业数", "int"),
    Column("institution_count", "参加机构数", "int"), Column("enterprises", "参加企业信用代码", "list"),
    Column("intended_amount", "意向融资金额", "money"), Column("intended_deals", "意向签约数", "int"),
    Column("status", "状态"), Column("cancel_reason", "撤销原因"), Column("recorded_by", "登记人"),
    Column("created_at", "登记时间", "datetime"),
])

WHITELIST = Sheet("授信白名单", "credit-whitelist", [
    Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("is_private", "民营企业", "bool"), Column("suggested_credit_line", "建议授信额度", "money"),
])

WHITELIST_VERSIONS = Sheet("授信白名单版本", "credit-whitelist-versions", [
    Column("number", "版本号", "int"), Column("title", "标题"), Column("published_on", "发布日期", "date"),
    Column("note", "说明"), Column("entry_count", "企业数", "int"),
    Column("total_credit_line", "建议授信额度合计", "money"), Column("published_by", "发布人"),
    Column("created_at", "发布时间", "datetime"),
])

#: zh-CN names of a line of the difference between two white-list versions.
DIFF_CHANGE_NAMES = {"added": "新增", "removed": "移出", "changed": "额度调整"}

WHITELIST_DIFF = Sheet("授信白名单差异", "credit-whitelist-diff", [
    Column("change", "变化", names=DIFF_CHANGE_NAMES), Column("uscc", "统一社会信用代码"),
    Column("enterprise_name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("before", "原建议授信额度", "money"), Column("after", "新建议授信额度", "money"),
])
