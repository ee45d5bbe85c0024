"""Request and response models: the training service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from libs.common.fields import USCC, BusinessDate, CityCode, RecordRef
from libs.common.sheets.results import RowError
from services.training.activities_domain import MAX_ENTERPRISES, MAX_PERSON_TIMES, ActivityKind, OnsiteSubKind
from services.training.domain import ClassStatus, IdNumberError, Track, validate_id_number


def _id_number(value: str) -> str:
    try:
        return validate_id_number(value)
    except IdNumberError as exc:
        raise PydanticCustomError(exc.rule, exc.message) from None


IdNumber = Annotated[str, AfterValidator(_id_number)]
Title = Annotated[str, Field(min_length=2, max_length=200)]
Reason = Annotated[str, Field(min_length=2, max_length=2000, description="理由")]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=4, decimal_places=1, description="考试成绩（0–100）")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------------------ classes

class ClassCreate(_Strict):
    track: Track = Field(description="培训类别：preparatory 万名专员（预科）、assessed 千名专员（考核）、"
                                     "private 民营企业、other 其他")
    code: str | None = Field(None, min_length=2, max_length=40, pattern=r"^[A-Za-z0-9\-_]+$",
                             description="班次编号（稳定引用，全省唯一）；缺省时自动生成")
    title: Title = Field(description="班次名称")
    city: CityCode = Field(description="举办地市州代码")
    organiser: Title = Field(description="主办单位 / 培训基地")
    organiser_org: str | None = Field(None, min_length=1, max_length=100,
                                      description="承办培训基地的机构标识（agency 令牌的 org）；该机构可管理本班")
    venue: str | None = Field(None, max_length=200, description="培训地点")
    start_date: BusinessDate
    end_date: BusinessDate
    session_dates: list[BusinessDate] | None = Field(None, max_length=60,
                                             description="授课日；缺省为起止日期之间的每一天")
    capacity: int = Field(ge=1, le=2000, description="容量（人）")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "track": "private", "code": "2025-WH-MY-03", "title": "2025年武汉市民营企业知识产权实务培训班（第三期）",
        "city": "420100", "organiser": "国家知识产权培训（湖北）基地", "organiser_org": "hbipt-base",
        "venue": "武汉市洪山区珞喻路", "start_date": "2025-06-10", "end_date": "2025-06-11", "capacity": 120}]})


class ClassUpdate(_Strict):
    title: Title | None = None
    organiser: Title | None = None
    venue: str | None = Field(None, max_length=200)
    start_date: BusinessDate | None = None
    end_date: BusinessDate | None = None
    session_dates: list[BusinessDate] | None = Field(None, max_length=60)
    capacity: int | None = Field(None, ge=1, le=2000)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"capacity": 150}]})


class CancelIn(_Strict):
    reason: Reason

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "报名人数不足，取消本期"}]})


class ClassOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    track: Track
    track_name: str
    title: str
    city: str
    city_name: str
    organiser: str
    organiser_org: str | None
    venue: str | None
    start_date: date
    end_date: date
    year: int = Field(description="班次所属年度（开班日期所在年度）")
    session_dates: list[date]
    required_days: int = Field(description="结业所需出勤天数")
    capacity: int
    enrolled: int
    seats_left: int
    status: ClassStatus
    status_name: str
    cancel_reason: str | None
    finished_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


# ------------------------------------------------------------------------------ trainees

class EnrolmentIn(_Strict):
    name: str = Field(min_length=2, max_length=50, description="学员姓名")
    id_number: IdNumber = Field(description="居民身份证号码（仅用于识别同一学员，不保存原文，不对外发布）")
    position: str | None = Field(None, max_length=100, description="职务")
    uscc: USCC | None = Field(None, description="所在企业统一社会信用代码；预科、考核、民营企业班必填")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "张晓明", "id_number": "420106199003071234", "position": "知识产权专员",
        "uscc": "91420100MA4K0000XJ"}]})


class EnrolmentBatchIn(_Strict):
    items: list[EnrolmentIn] = Field(min_length=1, max_length=300, description="学员名单（全部成功或全部不写入）")


class WithdrawIn(_Strict):
    reason: Reason


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    class_id: int
    name: str
    id_masked: str = Field(description="脱敏身份证号")
    person_key: str = Field(description="学员标识（跨班次稳定的假名键）")
    position: str | None
    uscc: str | None
    enterprise_name: str | None
    enterprise_city: str | None
    is_private: bool
    status: str
    attended_days: int
    completed: bool
    exam_score: Decimal | None
    exam_date: date | None
    exam_passed: bool | None
    certificate_number: str | None = None


class AttendanceMark(_Strict):
    enrolment_id: RecordRef
    present: bool


class AttendanceSheetIn(_Strict):
    records: list[AttendanceMark] = Field(min_length=1, max_length=2000)

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "records": [{"enrolment_id": 1, "present": True}, {"enrolment_id": 2, "present": False}]}]})


class AttendanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enrolment_id: RecordRef
    day: date
    present: bool


class AttendanceSheetOut(BaseModel):
    class_id: int
    day: date
    changed: int = Field(description="本次改变的出勤记录数")
    records: list[AttendanceOut]


class ExamIn(_Strict):
    score: Score
    exam_date: BusinessDate

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"score": "78.5",
                                                                               "exam_date": "2025-09-20"}]})


class CertificateIn(_Strict):
    issued_on: BusinessDate | None = Field(None, description="发证日期；缺省为今天")


class CertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    track: Track
    class_id: int
    enrolment_id: int
    name: str
    city: str
    enterprise_city: str | None
    issued_on: date
    issued_by: str


class BatchCertificatesOut(BaseModel):
    issued: list[CertificateOut]
    skipped: list[dict] = Field(description="未发证的学员及原因 [{enrolment_id, rule, message}]")


class LookupIn(_Strict):
    id_number: IdNumber


class TraineeRecord(BaseModel):
    person_key: str
    id_masked: str
    enrolments: list[EnrolmentOut]
    certificates: list[CertificateOut]
    commissioner: dict[str, bool] = Field(description="是否已计为预科 / 考核专员")


# ------------------------------------------------------------------------------ service activities

class ActivityCreate(_Strict):
    """One service activity for enterprises (服务活动)."""

    kind: ActivityKind = Field(description="类型：commissioner_dispatch 特派员服务、fee_briefing 专利费减政策宣讲、"
                                           "onsite_service 现场服务、examiner_visit 审查员代理师走访、"
                                           "key_enterprise_contact 重点企业联系服务、face_to_face 面对面服务、"
                                           "agency_aid 代理援助")
    sub_kind: OnsiteSubKind | None = Field(None, description="现场服务的服务内容：priority_examination 优先审查、"
                                                             "pledge_registration 质押登记、licence_filing 许可备案")
    title: Title = Field(description="活动名称")
    held_on: BusinessDate = Field(description="活动日期（计入的年度和月份）")
    organiser: Title = Field(description="组织单位")
    city: CityCode = Field(description="举办地市州代码")
    enterprises: list[USCC] = Field(min_length=1, max_length=MAX_ENTERPRISES,
                                    description="服务的企业（已在企业库登记的统一社会信用代码）")
    staff_person_times: int = Field(ge=1, le=MAX_PERSON_TIMES,
                                    description="服务人员人次（走访活动：参加走访的专利审查员和专利代理师人次）")
    note: str | None = Field(None, max_length=2000, description="备注")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "kind": "examiner_visit", "title": "“千家民企面对面”走访（襄阳站）", "held_on": "2025-05-16",
        "organiser": "专利审查协作湖北中心", "city": "420600", "enterprises": ["91420600MA4K0000XJ"],
        "staff_person_times": 6}]})


class ActivityCorrect(_Strict):
    """A correction: the fields to change (``sub_kind`` and ``note`` may be emptied), and why."""

    kind: ActivityKind | None = None
    sub_kind: OnsiteSubKind | None = None
    title: Title | None = None
    held_on: BusinessDate | None = None
    organiser: Title | None = None
    city: CityCode | None = None
    enterprises: list[USCC] | None = Field(None, min_length=1, max_length=MAX_ENTERPRISES)
    staff_person_times: int | None = Field(None, ge=1, le=MAX_PERSON_TIMES)
    note: str | None = Field(None, max_length=2000)
    reason: Reason = Field(description="更正原因")


class ActivityCancelIn(_Strict):
    reason: Reason


class ActivityEnterpriseOut(BaseModel):
    uscc: str
    name: str
    enterprise_city: str
    is_private: bool


class ActivityOut(BaseModel):
    id: int
    kind: str
    kind_name: str
    sub_kind: str | None
    sub_kind_name: str | None
    title: str
    held_on: date
    year: int
    organiser: str
    city: str
    city_name: str
    staff_person_times: int
    enterprise_count: int
    private_count: int
    enterprises: list[ActivityEnterpriseOut]
    note: str | None
    status: str
    status_name: str
    cancel_reason: str | None
    batch_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ActivityBulkIn(BaseModel):
    """Rows are validated one by one (a bad row does not stop the others)."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=2000,
                                       description="每行与 POST /activities 的请求体相同")

    model_config = ConfigDict(extra="forbid")


class ActivityBulkOut(BaseModel):
    atomic: bool
    dry_run: bool = Field(False, description="只校验、未写入")
    received: int
    written: int
    rejected: int = Field(description="有错误、未写入的行数")
    batch_id: str | None
    ids: list[int | None] = Field(description="每行写入的活动 id（未写入为 null）")
    errors: list[RowError]
