"""The spreadsheet of a class's enrolment list (``…/enrolments/batch`` with a file, ``…/template``)."""
from __future__ import annotations

from libs.common.sheets import Column, Kind, SheetSpec

ENROLMENTS = SheetSpec(
    title="培训班学员名单",
    columns=(
        Column("name", "学员姓名", required=True),
        Column("id_number", "居民身份证号码", Kind.IDENTIFIER, required=True, width=22,
               note="18 位，请保持文本格式（按数字保存会丢失末尾数字）；仅用于识别同一学员，不保存原文"),
        Column("position", "职务", width=20),
        Column("uscc", "所在企业统一社会信用代码", Kind.IDENTIFIER, width=22, note="预科、考核、民营企业班必填"),
    ),
    instructions=("一个文件为一个培训班的名单：全部合格才写入（与接口的批量报名相同），否则逐行报告错误、全部不写入。",
                  "已报名本班的学员再次导入会被拒绝（不会重复报名）。"),
)
