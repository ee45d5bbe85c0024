"""The training lists as workbooks (``?format=xlsx``): classes, certificates and service activities."""
from __future__ import annotations

from libs.common.divisions import CITIES
from libs.common.list_export import Column, Sheet
from services.training.activities_domain import KIND_NAMES as ACTIVITY_KIND_NAMES
from services.training.activities_domain import STATUS_NAMES as ACTIVITY_STATUS_NAMES
from services.training.activities_domain import SUB_KIND_NAMES
from services.training.domain import STATUS_NAMES, TRACK_NAMES

CLASSES = Sheet("培训班", "training-classes", [
    Column("id", "培训班序号", "int"), Column("code", "班次编号"), Column("track", "培训类别", names=TRACK_NAMES),
    Column("title", "培训班名称"), Column("city", "市州", names=CITIES), Column("organiser", "承办单位"),
    Column("organiser_org", "承办培训基地机构标识"), Column("venue", "培训地点"),
    Column("start_date", "开班日期", "date"), Column("end_date", "结束日期", "date"), Column("year", "年度", "int"),
    Column("session_dates", "培训日期", "list"), Column("required_days", "结业所需出勤天数", "int"),
    Column("capacity", "计划人数", "int"), Column("enrolled", "已报名人数", "int"),
    Column("seats_left", "剩余名额", "int"), Column("status", "状态", names=STATUS_NAMES),
    Column("cancel_reason", "取消原因"), Column("finished_on", "结束登记日期", "date"),
    Column("version", "版本", "int"), Column("created_at", "登记时间", "datetime"),
    Column("updated_at", "更新时间", "datetime"),
])

CERTIFICATES = Sheet("结业证书", "certificates", [
    Column("number", "证书编号"), Column("track", "培训类别", names=TRACK_NAMES),
    Column("class_id", "培训班序号", "int"), Column("enrolment_id", "报名记录编号", "int"), Column("name", "姓名"),
    Column("city", "培训班所在市州", names=CITIES),
    Column("enterprise_city", "所在单位市州"), Column("issued_on", "发证日期", "date"), Column("issued_by", "发证人"),
])

ENROLMENTS = Sheet("学员名单", "enrolments", [
    Column("id", "报名记录编号", "int"), Column("class_id", "培训班序号", "int"), Column("name", "姓名"),
    Column("id_masked", "身份证号（脱敏）"), Column("person_key", "学员标识"), Column("position", "职务"),
    Column("uscc", "所在企业统一社会信用代码"), Column("enterprise_name", "所在企业名称"),
    Column("enterprise_city", "所在企业市州", names=CITIES), Column("is_private", "民营企业", "bool"),
    Column("status", "状态"), Column("attended_days", "出勤天数", "int"), Column("completed", "已结业", "bool"),
    Column("exam_score", "考试成绩", "number"), Column("exam_date", "考试日期", "date"),
    Column("exam_passed", "考试合格", "bool"), Column("certificate_number", "证书编号"),
])

ACTIVITIES = Sheet("服务活动", "activities", [
    Column("id", "活动编号", "int"), Column("kind", "活动类型", names=ACTIVITY_KIND_NAMES),
    Column("sub_kind", "服务内容", names=SUB_KIND_NAMES), Column("title", "活动名称"),
    Column("held_on", "活动日期", "date"), Column("year", "年度", "int"), Column("organiser", "组织单位"),
    Column("city", "市州", names=CITIES), Column("staff_person_times", "服务人员人次", "int"),
    Column("enterprise_count", "服务企业数", "int"), Column("private_count", "其中民营企业数", "int"),
    Column("enterprises", "服务企业（信用代码:名称:市州:是否民营）", "list"), Column("note", "备注"),
    Column("status", "状态", names=ACTIVITY_STATUS_NAMES), Column("cancel_reason", "取消原因"),
    Column("batch_id", "导入批次"), Column("version", "版本", "int"), Column("created_at", "登记时间", "datetime"),
    Column("updated_at", "更新时间", "datetime"),
])

ATTENDANCE = Sheet("出勤记录", "attendance", [
    Column("enrolment_id", "报名记录编号", "int"), Column("day", "授课日", "date"), Column("present", "出勤", "bool"),
])
