"""The indicator views and the statistics lists as workbooks (``?format=xlsx``).

Values are exact decimals in the JSON; in a workbook they are numbers (text only beyond the 15 digits
a spreadsheet number keeps). Units differ per indicator, so each row names its unit."""
from __future__ import annotations

from libs.common.list_export import Column, Sheet
from services.reporting.progress import STATUS_LABELS

_KPI = [
    Column("indicator", "指标代码"), Column("name", "指标名称"), Column("unit", "单位"), Column("city", "组织机构代码"),
    Column("city_name", "组织机构名称"), Column("year", "年度", "int"), Column("period", "期间"),
    Column("value", "当前值", "number"), Column("ytd", "年初至期末累计", "number"),
    Column("target", "目标值", "number"),
    Column("progress", "完成度(%)", "number"), Column("met", "已完成", "bool"), Column("comparator", "比较"),
    Column("expected", "按进度应达", "number"), Column("status", "状态", names=STATUS_LABELS),
    Column("forecast", "年末预测", "number"), Column("source", "目标依据"),
]

INDICATORS = Sheet("指标进度", "indicators", _KPI)

RANKING = Sheet("市州排名", "indicator-ranking", [Column("rank", "排名", "int"), *_KPI])

SERIES = Sheet("指标逐期数据", "indicator-series", [
    Column("indicator", "指标代码"), Column("name", "指标名称"), Column("unit", "单位"), Column("kind", "指标类型"),
    Column("city", "组织机构代码"), Column("city_name", "组织机构名称"), Column("year", "年度", "int"),
    Column("granularity", "粒度"), Column("target", "年度目标值", "number"), Column("period", "期间"),
    Column("label", "期间名称"), Column("value", "数值", "number"), Column("ytd", "年初至期末累计", "number"),
    Column("expected", "按进度应达", "number"), Column("status", "状态", names=STATUS_LABELS),
])

DATA_VALUES = Sheet("统计数据", "data-values", [
    Column("element", "数据元素代码"), Column("name", "数据元素名称"), Column("unit", "单位"),
    Column("org_unit", "组织机构代码"), Column("period", "期间"), Column("value", "数值", "number"),
    Column("approved_value", "已审核数值", "number"), Column("state", "状态"), Column("source_system", "来源系统"),
    Column("updated_at", "更新时间"),
])

APPROVALS = Sheet("审核状态", "approvals", [
    Column("period", "期间"), Column("org_unit", "组织机构代码"), Column("state", "状态"),
    Column("version", "版本", "int"),
    Column("approved_by", "审核人"), Column("approved_at", "审核时间"), Column("reopen_reason", "重新开放原因"),
])
