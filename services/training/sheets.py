"""The spreadsheets of the training imports: a class's enrolment list (``…/enrolments/batch`` with a file,
``…/template``) and the service activities (``/activities/bulk``, ``/activities/bulk/template``)."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.sheets import Column, Kind, SheetSpec
from services.training.activities_domain import KIND_NAMES, SUB_KIND_NAMES

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

ACTIVITIES = SheetSpec(
    title="服务活动",
    columns=(
        Column("kind", "活动类型", Kind.CHOICE, required=True, choices=KIND_NAMES),
        Column("sub_kind", "服务内容", Kind.CHOICE, choices=SUB_KIND_NAMES,
               note="仅现场服务填写：优先审查、质押登记或许可备案"),
        Column("title", "活动名称", required=True, width=30),
        Column("held_on", "活动日期", Kind.DATE, required=True, note="决定计入的年度和月份；不能晚于今天"),
        Column("organiser", "组织单位", required=True, width=24),
        Column("city", "举办地市州", Kind.CHOICE, required=True, choices=CITIES),
        Column("enterprises", "服务企业统一社会信用代码", Kind.IDENTIFIER, required=True, many=True, width=40,
               note="须已在企业库登记；多家用“；”分隔"),
        Column("staff_person_times", "服务人员人次", Kind.INTEGER, required=True,
               note="走访活动填参加走访的专利审查员和专利代理师人次"),
        Column("note", "备注", width=30),
    ),
    instructions=("每行一次服务活动，与“登记服务活动”接口的字段相同；默认写入全部合格行，不合格行逐行报告、不写入。",
                  "特派员服务、专利费减政策宣讲、现场服务、审查员代理师走访、代理援助面向民营企业：服务企业中至少应有一家民营企业。"),
)
