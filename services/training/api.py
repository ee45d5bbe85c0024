"""HTTP routes of the training service: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse

from libs.common import divisions
from libs.common.app import RT
from libs.common.auth import CurrentPrincipal, Principal, require_roles
from libs.common.fields import USCC, BusinessDate, CityCode
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from libs.common.sheets import http as sheets_http
from services.training import activities, exports, policy, service
from services.training.activities_domain import KIND_CLAUSES as ACTIVITY_CLAUSES
from services.training.activities_domain import KIND_NAMES as ACTIVITY_KIND_NAMES
from services.training.activities_domain import PRIVATE_KINDS, SUB_KIND_NAMES, ActivityKind, OnsiteSubKind
from services.training.activities_domain import STATUS_NAMES as ACTIVITY_STATUS_NAMES
from services.training.domain import STATUS_NAMES, TRACK_NAMES, ClassStatus, Track, mask_id_number
from services.training.schemas import (
    ActivityBulkIn,
    ActivityBulkOut,
    ActivityCancelIn,
    ActivityCorrect,
    ActivityCreate,
    ActivityOut,
    AttendanceOut,
    AttendanceSheetIn,
    AttendanceSheetOut,
    BatchCertificatesOut,
    CancelIn,
    CertificateIn,
    CertificateOut,
    ClassCreate,
    ClassOut,
    ClassUpdate,
    EnrolmentBatchIn,
    EnrolmentIn,
    EnrolmentOut,
    ExamIn,
    LookupIn,
    TraineeRecord,
    WithdrawIn,
)
from services.training.sheets import ACTIVITIES as ACTIVITY_SHEET
from services.training.sheets import ENROLMENTS
from services.training.views import activity_out, class_out, enrolment_out

router = APIRouter(prefix="/api/v1")
Manager = Annotated[Principal, Depends(require_roles(*policy.MANAGERS))]
MAX_BATCH = 300  # EnrolmentBatchIn.items
ClassId = Annotated[int, Path(ge=1, le=2**63 - 1, description="培训班 id")]
EnrolmentId = Annotated[int, Path(ge=1, le=2**63 - 1, description="报名记录 id")]
#: Tags as FastAPI types them (``list[str | Enum]``).
CLASSES: list[str | Enum] = ["培训班 classes"]
TRAINEES: list[str | Enum] = ["学员 trainees"]
CERTS: list[str | Enum] = ["证书 certificates"]


# ------------------------------------------------------------------------------ classes

@router.post("/classes", status_code=201, response_model=ClassOut, tags=CLASSES,
             summary="开设培训班 plan a class",
             description="市州用户开设本市州的班次；培训基地（agency）开设由本机构承办的班次；省局可开设任何班次。")
async def create_class(body: ClassCreate, principal: Manager, rt: RT, response: Response) -> ClassOut:
    cls = await service.create_class(rt, principal, body)
    response.headers["Location"] = f"/api/v1/classes/{cls.id}"
    return class_out(cls, rt.settings.completion_percent)


@router.get("/classes", response_model=Page[ClassOut], tags=CLASSES, summary="培训班列表 list classes",
            responses=SHEET_RESPONSES)
async def list_classes(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    track: Annotated[Track | None, Query(description="培训类别")] = None,
    status: Annotated[ClassStatus | None, Query(description="状态")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度（开班日期）")] = None,
    code: Annotated[str | None, Query(max_length=40, description="班次编号")] = None,
    organiser_org: Annotated[str | None, Query(max_length=100, description="承办培训基地机构标识")] = None,
) -> Page[ClassOut] | StreamingResponse:
    page.shape(exports.CLASSES, lambda c: class_out(c, rt.settings.completion_percent))
    rows, total = await service.list_classes(rt, principal, page, city=city, track=track, status=status, year=year,
                                             code=code, organiser_org=organiser_org)
    return page.answer(rows, total)


@router.get("/classes/{class_id}", response_model=ClassOut, tags=CLASSES, summary="培训班详情 one class")
async def get_class(class_id: ClassId, principal: CurrentPrincipal, rt: RT) -> ClassOut:
    return class_out(await service.get_class(rt, principal, class_id), rt.settings.completion_percent)


@router.patch("/classes/{class_id}", response_model=ClassOut, tags=CLASSES, summary="修改培训班 update a class",
              description="日期只能在“计划中”修改；容量不得小于已报名人数；已结束或已取消的班次不能修改。")
async def update_class(class_id: ClassId, body: ClassUpdate, principal: Manager, rt: RT) -> ClassOut:
    return class_out(await service.update_class(rt, principal, class_id, body), rt.settings.completion_percent)


@router.post("/classes/{class_id}/open", response_model=ClassOut, tags=CLASSES,
             summary="开班（开放报名） open: planned → open")
async def open_class(class_id: ClassId, principal: Manager, rt: RT) -> ClassOut:
    return class_out(await service.change_status(rt, principal, class_id, "open"), rt.settings.completion_percent)


@router.post("/classes/{class_id}/finish", response_model=ClassOut, tags=CLASSES,
             summary="结班 finish: open → finished",
             description="结束日期当天或之后才能结班。结班时按出勤判定结业；预科班结业学员计入万名专员。")
async def finish_class(class_id: ClassId, principal: Manager, rt: RT) -> ClassOut:
    return class_out(await service.change_status(rt, principal, class_id, "finish"), rt.settings.completion_percent)


@router.post("/classes/{class_id}/cancel", response_model=ClassOut, tags=CLASSES,
             summary="取消培训班 cancel: planned/open → cancelled", description="已登记出勤的班次不能取消。")
async def cancel_class(class_id: ClassId, body: CancelIn, principal: Manager, rt: RT) -> ClassOut:
    return class_out(await service.change_status(rt, principal, class_id, "cancel", body.reason),
                     rt.settings.completion_percent)


# ------------------------------------------------------------------------------ trainees

@router.post("/classes/{class_id}/enrolments", status_code=201, response_model=EnrolmentOut, tags=TRAINEES,
             summary="学员报名 enrol a trainee",
             description="身份证号只用于生成跨班次的学员标识，不保存原文。预科、考核、民营企业班须填写企业信用代码，"
                         "企业须已在企业库登记；民营企业班只收民营企业学员。容量在事务内检查。")
async def enrol(class_id: ClassId, body: EnrolmentIn, principal: Manager, rt: RT) -> EnrolmentOut:
    (e,) = await service.enrol(rt, principal, class_id, [body])
    return enrolment_out(e)


@router.post("/classes/{class_id}/enrolments/batch", status_code=201, response_model=list[EnrolmentOut],
             tags=TRAINEES, summary="批量报名 enrol a list (all or none; JSON, .xlsx or .csv)",
             description="全部合格才写入，否则 422 逐个报告错误。"
                         "也可上传模板格式的 .xlsx 或 .csv（multipart 字段 file），"
                         "错误另注明 Excel 行号（sheet_row）与列名（column）；"
                         "dry_run=true 只校验不写入（返回空列表）。",
             openapi_extra=sheets_http.openapi(EnrolmentBatchIn, "学员名单"),
             responses={200: {"description": "dry_run=true：校验通过，未写入（空列表）"}})
async def enrol_batch(request: Request, class_id: ClassId, principal: Manager, rt: RT,
                      dry_run: Annotated[bool, Query(description="只校验、不写入")] = False) -> Response:
    bulk = await sheets_http.read_bulk(request, EnrolmentBatchIn, "items", ENROLMENTS, MAX_BATCH)

    async def call() -> list[EnrolmentOut]:
        return [enrolment_out(e) for e in await service.enrol(rt, principal, class_id, bulk.body.items, batch=True,
                                                              dry_run=dry_run)]

    return await sheets_http.run(request, bulk.sheet, call, dry_run, rows_field="items",
                                 status=200 if dry_run else 201)


@router.get("/enrolments/template", tags=TRAINEES, response_class=Response,
            summary="学员名单导入模板 the enrolment list template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def enrolment_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(ENROLMENTS, "培训班学员名单-导入模板.xlsx")


@router.get("/classes/{class_id}/enrolments", response_model=list[EnrolmentOut], tags=TRAINEES,
            summary="学员名单 trainees of a class", responses=SHEET_RESPONSES)
async def list_enrolments(class_id: ClassId, principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                          include_withdrawn: bool = False) -> list[EnrolmentOut] | StreamingResponse:
    out = [enrolment_out(e, n) for e, n in await service.list_enrolments(rt, principal, class_id, include_withdrawn)]
    return await export_response(exports.ENROLMENTS, in_chunks(out), f"{class_id}") if xlsx else out


@router.get("/enrolments/{enrolment_id}", response_model=EnrolmentOut, tags=TRAINEES, summary="报名记录 one trainee")
async def get_enrolment(enrolment_id: EnrolmentId, principal: CurrentPrincipal, rt: RT) -> EnrolmentOut:
    return enrolment_out(*await service.get_enrolment(rt, principal, enrolment_id))


@router.post("/enrolments/{enrolment_id}/withdraw", response_model=EnrolmentOut, tags=TRAINEES,
             summary="退出培训班 withdraw (before any attendance)")
async def withdraw(enrolment_id: EnrolmentId, body: WithdrawIn, principal: Manager, rt: RT) -> EnrolmentOut:
    return enrolment_out(await service.withdraw(rt, principal, enrolment_id, body.reason))


@router.put("/classes/{class_id}/attendance/{day}", response_model=AttendanceSheetOut, tags=TRAINEES,
            summary="登记（更正）某授课日签到 record or correct a day's attendance",
            description="只改变列出的学员；重复提交相同内容不产生变化。已发证学员的出勤不能再修改。")
async def record_attendance(class_id: ClassId, day: Annotated[BusinessDate, Path(description="授课日 YYYY-MM-DD")],
                            body: AttendanceSheetIn, principal: Manager, rt: RT) -> AttendanceSheetOut:
    changed, rows = await service.record_attendance(rt, principal, class_id, day, body)
    return AttendanceSheetOut(class_id=class_id, day=day, changed=changed,
                              records=[AttendanceOut.model_validate(r) for r in rows])


@router.get("/classes/{class_id}/attendance", response_model=list[AttendanceOut], tags=TRAINEES,
            summary="出勤记录 attendance of a class", responses=SHEET_RESPONSES)
async def list_attendance(class_id: ClassId, principal: CurrentPrincipal, rt: RT,
                          xlsx: WantsSheet) -> list[AttendanceOut] | StreamingResponse:
    out = [AttendanceOut.model_validate(a) for a in await service.list_attendance(rt, principal, class_id)]
    return await export_response(exports.ATTENDANCE, in_chunks(out), f"{class_id}") if xlsx else out


@router.put("/enrolments/{enrolment_id}/exam", response_model=EnrolmentOut, tags=TRAINEES,
            summary="登记考试成绩（考核班） record an exam result",
            description="成绩不低于合格线（默认 60 分，IPP_TRAINING_PASS_MARK）为合格；发证后不能修改。")
async def record_exam(enrolment_id: EnrolmentId, body: ExamIn, principal: Manager, rt: RT) -> EnrolmentOut:
    return enrolment_out(await service.record_exam(rt, principal, enrolment_id, body))


@router.post("/trainees/lookup", response_model=TraineeRecord, tags=TRAINEES,
             summary="按身份证号查询学员培训记录 a person's record across classes")
async def lookup(body: LookupIn, principal: CurrentPrincipal, rt: RT) -> TraineeRecord:
    key, enrolments, certs, commissioner = await service.trainee_record(rt, principal, body.id_number)
    masked = enrolments[0][0].id_masked if enrolments else mask_id_number(body.id_number)
    return TraineeRecord(person_key=key, id_masked=masked, enrolments=[enrolment_out(e, n) for e, n in enrolments],
                         certificates=[CertificateOut.model_validate(c) for c in certs], commissioner=commissioner)


# ------------------------------------------------------------------------------ certificates

@router.post("/enrolments/{enrolment_id}/certificate", status_code=201, response_model=CertificateOut, tags=CERTS,
             summary="发证 issue a certificate",
             description="结班且结业（考核班另须考试合格）后发证；每人每类别只发一次，重复发证返回 409。")
async def issue_certificate(enrolment_id: EnrolmentId, principal: Manager, rt: RT,
                            body: CertificateIn | None = None) -> CertificateOut:
    cert = await service.issue_certificate(rt, principal, enrolment_id, body or CertificateIn())
    return CertificateOut.model_validate(cert)


@router.post("/classes/{class_id}/certificates", response_model=BatchCertificatesOut, tags=CERTS,
             summary="为全班符合条件的学员发证 issue to every eligible trainee")
async def issue_class_certificates(class_id: ClassId, principal: Manager, rt: RT,
                                   body: CertificateIn | None = None) -> BatchCertificatesOut:
    issued, skipped = await service.issue_class_certificates(rt, principal, class_id, body or CertificateIn())
    return BatchCertificatesOut(issued=[CertificateOut.model_validate(c) for c in issued], skipped=skipped)


@router.get("/certificates", response_model=Page[CertificateOut], tags=CERTS, summary="证书列表 certificates",
            responses=SHEET_RESPONSES)
async def list_certificates(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    class_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    track: Annotated[Track | None, Query()] = None,
    city: Annotated[CityCode | None, Query(description="培训班所在市州")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="发证年度")] = None,
) -> Page[CertificateOut] | StreamingResponse:
    page.shape(exports.CERTIFICATES, CertificateOut.model_validate)
    rows, total = await service.list_certificates(rt, principal, page, class_id=class_id, track=track, city=city,
                                                  year=year)
    return page.answer(rows, total)


@router.get("/certificates/{number}", response_model=CertificateOut, tags=CERTS,
            summary="核验证书 verify a certificate")
async def get_certificate(number: Annotated[str, Path(max_length=40)], principal: CurrentPrincipal,
                          rt: RT) -> CertificateOut:
    return CertificateOut.model_validate(await service.get_certificate(rt, principal, number))


@router.get("/summary", tags=["进度 progress"], summary="年度培训进度 a year's progress per track",
            description="按开班年度统计各类别班次（按状态）、报名人数、人次、民营企业人次、结业人数，以及当年发证数；"
                        "市州用户只看本市州，培训基地只看本机构承办的班次。")
async def summary(principal: CurrentPrincipal, rt: RT, year: Annotated[int, Query(ge=2000, le=2100)],
                  city: Annotated[CityCode | None, Query(description="市州代码")] = None) -> dict:
    return await service.summary(rt, principal, year, city)


@router.get("/reference", tags=["参考数据 reference"], summary="代码表 code tables")
async def reference(principal: CurrentPrincipal, rt: RT) -> dict:
    return {"tracks": {t.value: n for t, n in TRACK_NAMES.items()},
            "statuses": {s.value: n for s, n in STATUS_NAMES.items()},
            "cities": divisions.CITIES, "pass_mark": str(rt.settings.pass_mark),
            "completion_percent": rt.settings.completion_percent,
            "activity_kinds": {k: {"name": n, "clause": ACTIVITY_CLAUSES[k], "private_only": k in PRIVATE_KINDS}
                               for k, n in ACTIVITY_KIND_NAMES.items()},
            "activity_sub_kinds": dict(SUB_KIND_NAMES), "activity_statuses": dict(ACTIVITY_STATUS_NAMES)}


# ------------------------------------------------------------------------------ service activities

ACTIVITIES_TAG: list[str | Enum] = ["服务活动 service activities"]
ActivityWriter = Annotated[Principal, Depends(require_roles(*policy.ACTIVITY_WRITERS))]
ActivityId = Annotated[int, Path(ge=1, le=2**63 - 1, description="服务活动 id")]
MAX_ACTIVITY_ROWS = 2000  # ActivityBulkIn.rows


@router.post("/activities", status_code=201, response_model=ActivityOut, tags=ACTIVITIES_TAG,
             summary="登记服务活动 record a service activity",
             description="特派员服务、专利费减政策宣讲、现场服务（优先审查/质押登记/许可备案）、审查员代理师走访、"
                         "重点企业联系服务、面对面服务、代理援助。服务企业须已在企业库登记；面向民营企业的类型"
                         "（鄂知发〔2019〕1号 第12、16、19、20条）至少服务一家民营企业。市州用户登记本市州的活动。")
async def record_activity(body: ActivityCreate, principal: ActivityWriter, rt: RT, response: Response) -> ActivityOut:
    out = activity_out(*await activities.record_activity(rt, principal, body))
    response.headers["Location"] = f"/api/v1/activities/{out.id}"
    return out


@router.post("/activities/bulk", response_model=ActivityBulkOut, tags=ACTIVITIES_TAG,
             summary="批量导入服务活动 bulk import (JSON, .xlsx or .csv; per-row errors)",
             description="逐行校验；默认写入全部合法行（一个事务），不合法行不写入并逐行报告错误（行号、字段、规则、说明）。"
                         "atomic=true 时任一行不合法则全部不写入，返回 422；dry_run=true 只校验不写入。"
                         "也可上传模板格式的 .xlsx 或 .csv（multipart 字段 file），错误另注明 Excel 行号与列名；"
                         "Accept 为 xlsx 时返回标注错误的工作簿。",
             openapi_extra=sheets_http.openapi(ActivityBulkIn, "服务活动"))
async def bulk_activities(request: Request, principal: ActivityWriter, rt: RT,
                          atomic: Annotated[bool, Query(description="全部成功才写入")] = False,
                          dry_run: Annotated[bool, Query(description="只校验、不写入")] = False) -> Response:
    bulk = await sheets_http.read_bulk(request, ActivityBulkIn, "rows", ACTIVITY_SHEET, MAX_ACTIVITY_ROWS)
    return await sheets_http.run(request, bulk.sheet, lambda: activities.bulk_record(
        rt, principal, bulk.body.rows, atomic, dry_run), dry_run)


@router.get("/activities/bulk/template", tags=ACTIVITIES_TAG, response_class=Response,
            summary="服务活动导入模板 the import template (.xlsx)",
            responses={200: {"content": {sheets_http.XLSX_MEDIA_TYPE: {}}}})
async def activity_template(principal: CurrentPrincipal) -> Response:
    return sheets_http.template_response(ACTIVITY_SHEET, "服务活动-导入模板.xlsx")


@router.get("/activities", response_model=Page[ActivityOut], tags=ACTIVITIES_TAG,
            summary="服务活动列表 list (province-wide roles; a city officer their city's)", responses=SHEET_RESPONSES)
async def list_activities(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    kind: Annotated[ActivityKind | None, Query(description="活动类型")] = None,
    sub_kind: Annotated[OnsiteSubKind | None, Query(description="现场服务内容")] = None,
    status: Annotated[Literal["recorded", "cancelled"] | None, Query(description="状态")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="年度（活动日期）")] = None,
    date_from: Annotated[BusinessDate | None, Query(description="活动日期起")] = None,
    date_to: Annotated[BusinessDate | None, Query(description="活动日期止")] = None,
    uscc: Annotated[USCC | None, Query(description="服务的企业")] = None,
    batch_id: Annotated[str | None, Query(max_length=32, description="导入批次")] = None,
) -> Page[ActivityOut] | StreamingResponse:
    page.shape(exports.ACTIVITIES, lambda row: activity_out(*row), activities.with_enterprises)
    rows, total = await activities.search_activities(rt, principal, page, city=city, kind=kind, sub_kind=sub_kind,
                                                     status=status, year=year, date_from=date_from, date_to=date_to,
                                                     uscc=uscc, batch_id=batch_id)
    return page.answer(rows, total)


@router.get("/activities/{activity_id}", response_model=ActivityOut, tags=ACTIVITIES_TAG, summary="服务活动详情 one")
async def get_activity(activity_id: ActivityId, principal: CurrentPrincipal, rt: RT) -> ActivityOut:
    return activity_out(*await activities.get_activity(rt, principal, activity_id))


@router.patch("/activities/{activity_id}", response_model=ActivityOut, tags=ACTIVITIES_TAG,
              summary="更正服务活动 correct (with the reason)",
              description="只改列出的字段；指标先减去更正前、再计入更正后的数字。已取消的活动不能更正。")
async def correct_activity(activity_id: ActivityId, body: ActivityCorrect, principal: ActivityWriter,
                           rt: RT) -> ActivityOut:
    return activity_out(*await activities.correct_activity(rt, principal, activity_id, body))


@router.post("/activities/{activity_id}/cancel", response_model=ActivityOut, tags=ACTIVITIES_TAG,
             summary="取消服务活动 cancel (recorded in error or not held); its figures are taken back")
async def cancel_activity(activity_id: ActivityId, body: ActivityCancelIn, principal: ActivityWriter,
                          rt: RT) -> ActivityOut:
    return activity_out(*await activities.cancel_activity(rt, principal, activity_id, body.reason))

