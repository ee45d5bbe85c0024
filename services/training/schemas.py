"""Request and response models: the training service's HTTP contract."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from libs.common.fields import USCC, BusinessDate, CityCode, RecordRef
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
