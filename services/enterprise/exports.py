"""The enterprise registry's lists as workbooks (``?format=xlsx``): enterprises, tier recommendations and
pool memberships, credit-register entries.

Field codes are the JSON fields, so an enterprise or recommendation export is laid out as the bulk
imports read it."""
from __future__ import annotations

from libs.common.divisions import CITIES, COUNTIES
from libs.common.list_export import Column, Sheet
from services.enterprise.credit.domain import KIND_NAMES as CREDIT_KIND_NAMES
from services.enterprise.credit.domain import STATUS_NAMES as CREDIT_STATUS_NAMES
from services.enterprise.domain import TIER_NAMES
from services.enterprise.pool.domain import REMOVAL_REASON_NAMES
from services.enterprise.pool.domain import STATUS_NAMES as POOL_STATUS_NAMES
from services.enterprise.reference import INDUSTRIES, OWNERSHIP_NAMES, SIZE_CLASS_NAMES

ENTERPRISES = Sheet("企业", "enterprises", [
    Column("uscc", "统一社会信用代码"), Column("name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("county", "县市区", names=COUNTIES), Column("registered_division", "登记机关区划"),
    Column("industry", "产业", names=INDUSTRIES), Column("size_class", "企业规模", names=SIZE_CLASS_NAMES),
    Column("ownership", "所有制", names=OWNERSHIP_NAMES), Column("qualifications", "资质", "list"),
    Column("ip_management_certified", "贯标认证", "bool"), Column("own_brand", "自主品牌", "bool"),
    Column("patent_product_filed", "专利产品备案", "bool"), Column("tier", "梯队", names=TIER_NAMES),
    Column("tier_since", "入梯队日期", "date"), Column("version", "版本", "int"),
    Column("created_at", "登记时间", "datetime"), Column("updated_at", "更新时间", "datetime"),
])

RECOMMENDATIONS = Sheet("梯队推荐", "tier-recommendations", [
    Column("id", "推荐编号", "int"), Column("uscc", "统一社会信用代码"), Column("city", "市州", names=CITIES),
    Column("tier", "推荐梯队", names=TIER_NAMES), Column("reason", "推荐理由"), Column("status", "状态"),
    Column("recommended_by", "推荐人"), Column("recommended_at", "推荐时间", "datetime"),
    Column("decided_by", "审定人"), Column("decided_at", "审定时间", "datetime"),
    Column("decision_reason", "审定意见"), Column("evaluation.year", "评价年度", "int"),
    Column("evaluation.failed", "不符合的遴选条件", "list"), Column("evaluation.unknown", "无法判断的遴选条件", "list"),
    Column("evaluation.warned", "提示项", "list"),
])

MEMBERSHIPS = Sheet("培育库入库记录", "pool-memberships", [
    Column("id", "入库记录编号", "int"), Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("city", "市州", names=CITIES), Column("status", "状态", names=POOL_STATUS_NAMES),
    Column("applied_on", "申请日期", "date"), Column("applied_by", "申请人"),
    Column("application_reason", "申请理由"), Column("evaluation_year", "评价年度", "int"),
    Column("failed_criteria", "不符合的条件", "list"), Column("unknown_criteria", "无法判断的条件", "list"),
    Column("decided_on", "审核日期", "date"), Column("decided_by", "审核人"), Column("decision_reason", "审核意见"),
    Column("admitted_on", "入库日期", "date"), Column("admission_rate", "入库时通过率", "number"),
    Column("review_from", "复核起始日期", "date"), Column("ended_on", "出库日期", "date"),
    Column("ended_by", "出库经办人"), Column("end_reason", "出库说明"),
    Column("removal_reason", "移出原因", names=REMOVAL_REASON_NAMES),
    Column("last_progress_on", "最近进展日期", "date"),
])

CREDIT_ENTRIES = Sheet("信用记录", "credit-entries", [
    Column("id", "记录编号", "int"), Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("city", "市州", names=CITIES), Column("kind", "类别", names=CREDIT_KIND_NAMES),
    Column("authority", "决定机关"), Column("decided_on", "决定日期", "date"), Column("document_no", "文书编号"),
    Column("effective_from", "有效期起", "date"), Column("effective_until", "有效期止", "date"),
    Column("status", "状态", names=CREDIT_STATUS_NAMES), Column("summary", "事实摘要"),
    Column("recorded_by", "记录人"), Column("lifted_on", "解除日期", "date"), Column("lift_reason", "解除理由"),
    Column("lifted_by", "解除人"), Column("created_at", "记录时间", "datetime"),
])

TIER_LIST = Sheet("梯队企业名单", "tier-list", [
    Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("tier", "梯队", names=TIER_NAMES), Column("since", "入选日期", "date"),
])

TIER_LIST_VERSIONS = Sheet("梯队名单各版本", "tier-list-versions", [
    Column("number", "版本号", "int"), Column("title", "名称"), Column("published_on", "发布日期", "date"),
    Column("entry_count", "企业数", "int"), Column("advantage_count", "优势企业", "int"),
    Column("seed_count", "种子企业", "int"), Column("growth_count", "成长型企业", "int"), Column("note", "说明"),
    Column("published_by", "发布人"), Column("created_at", "发布时间", "datetime"),
])

TIER_LIST_DIFF = Sheet("梯队名单变化", "tier-list-diff", [
    Column("change_name", "变化"), Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"),
    Column("city", "市州", names=CITIES), Column("tier_before", "原梯队", names=TIER_NAMES),
    Column("tier_after", "现梯队", names=TIER_NAMES),
])

# --- the per-enterprise detail lists and the pool's review queue (not paged: WantsSheet) ------------

FIGURES = Sheet("企业年度数据", "enterprise-figures", [
    Column("uscc", "统一社会信用代码"), Column("year", "年度", "int"),
    Column("revenue", "营业收入", "money"), Column("rd_spend", "研发投入", "money"),
    Column("staff", "职工总数", "int"), Column("rd_staff", "研发人员数", "int"),
    Column("invention_patents", "有效发明专利数", "int"),
    Column("industrialisation_rate", "专利产业化率(%)", "number"),
])

#: zh-CN names of a tier decision's kind of change (``TierChange``).
CHANGE_NAMES = {"designated": "认定", "promoted": "晋级", "demoted": "降级", "revoked": "撤销"}

TIER_HISTORY = Sheet("梯队变更历史", "tier-history", [
    Column("id", "记录编号", "int"), Column("uscc", "统一社会信用代码"), Column("city", "市州", names=CITIES),
    Column("change", "变更类型", names=CHANGE_NAMES), Column("from_tier", "原梯队", names=TIER_NAMES),
    Column("to_tier", "新梯队", names=TIER_NAMES), Column("effective_date", "生效日期", "date"),
    Column("reason", "理由"), Column("recommendation_id", "推荐编号", "int"), Column("decided_by", "审定人"),
    Column("decided_at", "审定时间", "datetime"),
])

POOL_HISTORY = Sheet("企业入库历史", "pool-history", MEMBERSHIPS.columns)

POOL_REVIEW = Sheet("培育库复核名单", "pool-review", [
    Column("membership_id", "入库记录编号", "int"), Column("uscc", "统一社会信用代码"),
    Column("enterprise_name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("admitted_on", "入库日期", "date"), Column("review_from", "复核起始日期", "date"),
    Column("days_in_pool", "在库天数", "int"), Column("admission_rate", "入库时通过率", "number"),
    Column("latest_rate", "最新通过率", "number"), Column("reason", "列入复核原因"),
])

POOL_BANK_LIST = Sheet("培育库入库企业名单", "pool-bank-list", [
    Column("uscc", "统一社会信用代码"), Column("enterprise_name", "企业名称"), Column("city", "市州", names=CITIES),
    Column("county", "县市区", names=COUNTIES), Column("industry", "产业", names=INDUSTRIES),
    Column("size_class", "企业规模", names=SIZE_CLASS_NAMES), Column("qualifications", "相关资格", "list"),
    Column("admitted_on", "入库日期", "date"),
])
