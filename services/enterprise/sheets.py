"""The spreadsheets of the registry's bulk imports: enterprises (profile and a year's figures) and
tier recommendations (``…/bulk`` with a file, ``…/bulk/template``)."""
from __future__ import annotations

from libs.common.divisions import CITIES, COUNTIES
from libs.common.sheets import Column, Kind, SheetSpec
from services.enterprise.domain import TIER_NAMES
from services.enterprise.reference import INDUSTRIES, OWNERSHIP_NAMES, QUALIFICATION_NAMES, SIZE_CLASS_NAMES

ENTERPRISES = SheetSpec(
    title="企业批量登记",
    columns=(
        Column("uscc", "统一社会信用代码", Kind.IDENTIFIER, required=True, width=22,
               note="18 位，请保持文本格式；已登记的企业按所填字段修改，未登记的新登记"),
        Column("name", "企业名称", width=32, note="新登记必填"),
        Column("city", "所属市州", Kind.CHOICE, choices=CITIES, note="不填时取信用代码登记机关所在市州"),
        Column("county", "所属县（市、区）", Kind.CHOICE, choices=COUNTIES, note="须属于所属市州"),
        Column("industry", "产业（51020）", Kind.CHOICE, choices=INDUSTRIES, width=24, note="新登记必填"),
        Column("size_class", "企业规模", Kind.CHOICE, choices=SIZE_CLASS_NAMES, note="新登记必填"),
        Column("ownership", "所有制", Kind.CHOICE, choices=OWNERSHIP_NAMES, note="新登记必填"),
        Column("qualifications", "资质", Kind.CHOICE, choices=QUALIFICATION_NAMES, many=True, width=30),
        Column("ip_management_certified", "通过贯标认证", Kind.BOOL, note="GB/T 29490 知识产权管理体系认证"),
        Column("own_brand", "拥有自主商标品牌", Kind.BOOL),
        Column("patent_product_filed", "已完成专利产品备案", Kind.BOOL),
        Column("year", "年度", Kind.INTEGER, note="以下年度数据所属年度；填写任一年度数据时必填"),
        Column("revenue", "营业收入（元）", Kind.DECIMAL),
        Column("rd_spend", "研发投入（元）", Kind.DECIMAL),
        Column("staff", "职工总数", Kind.INTEGER),
        Column("rd_staff", "研发人员数", Kind.INTEGER),
        Column("invention_patents", "有效发明专利数", Kind.INTEGER),
        Column("industrialisation_rate", "专利产业化率（%）", Kind.DECIMAL),
    ),
    instructions=(
        "已登记企业：只修改所填的列（空白单元格保持原值，不会清空）；与库中一致的行不写入，重复导入同一文件不产生重复登记。",
        "年度数据：填写“年度”及任一年度数据时，该年度数据整体按本行填报（未填的项为空）。",
        "市州用户只能登记和修改本市州的企业。",
    ),
)

RECOMMENDATIONS = SheetSpec(
    title="梯队批量推荐",
    columns=(
        Column("uscc", "统一社会信用代码", Kind.IDENTIFIER, required=True, width=22),
        Column("tier", "推荐梯队", Kind.CHOICE, required=True, choices={t.value: n for t, n in TIER_NAMES.items()}),
        Column("reason", "推荐理由", required=True, width=60),
    ),
    instructions=("企业须已登记；已有待省局审核推荐的企业报告为错误，不会重复推荐。",),
)
