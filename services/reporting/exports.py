"""The indicator views and the statistics lists as workbooks (``?format=xlsx``).

Values are exact decimals in the JSON; in a workbook they are numbers (text only beyond the 15 digits
a spreadsheet number keeps). Units differ per indicator, so each row names its unit."""
from __future__ import annotations

from libs.common.divisions import CITIES, PROVINCE_NAME
from libs.common.list_export import Column, Sheet
from services.reporting.indicators import INDICATORS as CATALOGUE
from services.reporting.indicators import PROGRAMME_NAMES, PROVINCE
from services.reporting.progress import STATUS_LABELS

#: Org units of statistics and targets: the province and its 17 cities, code → name.
PLACE_NAMES = {PROVINCE: PROVINCE_NAME, **CITIES}
#: States of submitted statistics and of approvals, code → zh-CN name.
STAT_STATE_NAMES = {"draft": "待审核", "approved": "已审核锁定", "reopened": "已重新开放"}
INDICATOR_NAMES = {code: ind.name for code, ind in CATALOGUE.items()}

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
    Column("org_unit", "组织机构", names=PLACE_NAMES), Column("period", "期间"), Column("value", "数值", "number"),
    Column("approved_value", "已审核数值", "number"), Column("state", "状态", names=STAT_STATE_NAMES),
    Column("source_system", "来源系统"),
    Column("updated_at", "更新时间"),
])

APPROVALS = Sheet("审核状态", "approvals", [
    Column("period", "期间"), Column("org_unit", "组织机构", names=PLACE_NAMES),
    Column("state", "状态", names=STAT_STATE_NAMES),
    Column("version", "版本", "int"),
    Column("approved_by", "审核人"), Column("approved_at", "审核时间"), Column("reopen_reason", "重新开放原因"),
])

#: ``GET /targets``: field codes are those the targets import (``POST /targets/import``) reads, so this
#: export can be edited and imported back.
TARGETS = Sheet("年度目标", "targets", [
    Column("indicator", "指标", names=INDICATOR_NAMES), Column("unit", "单位"), Column("year", "年度", "int"),
    Column("city", "组织机构", names=PLACE_NAMES), Column("value", "目标值", "number"), Column("source", "依据"),
    Column("profile", "月度进度权重", "list"),
])

#: Kinds of indicators and of statistics elements, code → zh-CN name.
KIND_NAMES = {"flow": "流量", "stock": "存量", "ratio": "比率"}

CATALOGUE_SHEET = Sheet("指标定义", "indicator-catalogue", [
    Column("code", "指标代码"), Column("name", "指标名称"), Column("unit", "单位"),
    Column("kind", "指标类型", names=KIND_NAMES), Column("comparator", "比较"),
    Column("programme", "所属工作", names=PROGRAMME_NAMES), Column("headline", "主要预期目标", "bool"),
    Column("pace", "进度口径"), Column("statistic", "统计数据元素"), Column("ratio_of", "比率的分子与分母", "list"),
    Column("factor", "比率系数", "number"), Column("source", "依据"), Column("note", "说明"),
])

ELEMENTS = Sheet("统计数据元素", "statistics-elements", [
    Column("code", "数据元素代码"), Column("name", "数据元素名称"), Column("unit", "单位"),
    Column("kind", "类型", names=KIND_NAMES), Column("value_type", "数值类型"), Column("min", "下限", "number"),
    Column("max", "上限", "number"), Column("source", "依据"), Column("description", "说明"),
])
