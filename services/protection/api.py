"""HTTP routes of the protection service: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from libs.common import clock, divisions
from libs.common.app import RT, Runtime
from libs.common.auth import CurrentPrincipal
from libs.common.db import utcnow
from libs.common.fields import USCC, BusinessMonth, CityCode, RecordId
from libs.common.list_export import SHEET_RESPONSES, Listing, WantsSheet, export_response, in_chunks
from libs.common.pagination import Page
from services.protection import exports, service
from services.protection.domain import (
    CASE_KIND_NAMES,
    CENTRE_KIND_NAMES,
    HOST_KIND_NAMES,
    IP_TYPE_NAMES,
    LEVEL_NAMES,
    OUTCOME_NAMES,
    STATUS_NAMES,
    VISIT_SERVICE_NAMES,
    CaseKind,
    CaseStatus,
    CentreKind,
    WorkstationLevel,
    month_key,
)
from services.protection.schemas import (
    CaseCreate,
    CaseOut,
    CaseSummaryOut,
    CentreCreate,
    CentreOut,
    CentreUpdate,
    CloseIn,
    ComplianceOut,
    DeregisterIn,
    KindSummaryOut,
    MissedMonth,
    OverdueCaseOut,
    OverdueList,
    StepIn,
    VisitCreate,
    VisitOut,
    WorkstationCreate,
    WorkstationOut,
)
from services.protection.views import case_out, centre_months_out, centre_out, duration_days, visit_out, workstation_out

router = APIRouter(prefix="/api/v1")

CENTRES, WORKSTATIONS, CASES, VISITS = ("中心 centres", "保护工作站 workstations", "案件 cases",
                                        "上门服务 visits")
MonthQ = Annotated[BusinessMonth | None, Query(description="月份 YYYY-MM")]
CityQ = Annotated[CityCode | None, Query(description="市州代码")]
CentreQ = Annotated[str | None, Query(max_length=40, description="中心编号")]


# ------------------------------------------------------------------------------------------- shaping

# ------------------------------------------------------------------------------------------ centres

@router.post("/centres", status_code=201, response_model=CentreOut, tags=[CENTRES],
             summary="登记维权援助/保护中心 register a centre")
async def create_centre(body: CentreCreate, principal: CurrentPrincipal, rt: RT, response: Response) -> CentreOut:
    centre = await service.register_centre(rt, principal, body)
    response.headers["Location"] = f"/api/v1/centres/{centre.id}"
    return centre_out(centre)


@router.get("/centres", response_model=list[CentreOut], tags=[CENTRES], summary="中心列表 centres",
            responses=SHEET_RESPONSES)
async def list_centres(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, city: CityQ = None,
                       kind: Annotated[CentreKind | None, Query()] = None) -> list[CentreOut] | StreamingResponse:
    out = [centre_out(c) for c in await service.list_centres(rt, principal, city, kind.value if kind else None)]
    return await export_response(exports.CENTRES, in_chunks(out)) if xlsx else out


@router.get("/centres/{centre_id}", response_model=CentreOut, tags=[CENTRES], summary="中心详情 one centre")
async def get_centre(centre_id: str, principal: CurrentPrincipal, rt: RT) -> CentreOut:
    return centre_out(await service.get_centre(rt, principal, centre_id))


@router.patch("/centres/{centre_id}", response_model=CentreOut, tags=[CENTRES], summary="修改中心信息 update a centre")
async def update_centre(centre_id: str, body: CentreUpdate, principal: CurrentPrincipal, rt: RT) -> CentreOut:
    return centre_out(await service.update_centre(rt, principal, centre_id, body))


# ------------------------------------------------------------------------------------- workstations

@router.post("/workstations", status_code=201, response_model=WorkstationOut, tags=[WORKSTATIONS],
             summary="设立保护工作站 establish a workstation")
async def create_workstation(body: WorkstationCreate, principal: CurrentPrincipal, rt: RT,
                             response: Response) -> WorkstationOut:
    ws = await service.establish_workstation(rt, principal, body)
    response.headers["Location"] = f"/api/v1/workstations/{ws.id}"
    return workstation_out(ws)


@router.get("/workstations", response_model=Page[WorkstationOut], tags=[WORKSTATIONS],
            summary="保护工作站列表 workstations", responses=SHEET_RESPONSES)
async def list_workstations(
    principal: CurrentPrincipal, rt: RT, page: Listing, city: CityQ = None,
    level: Annotated[WorkstationLevel | None, Query(description="级别")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="设立年度")] = None,
    active: Annotated[bool | None, Query(description="true=在运行，false=已撤销")] = None,
    host_uscc: Annotated[USCC | None, Query(description="依托企业信用代码")] = None,
) -> Page[WorkstationOut] | StreamingResponse:
    page.shape(exports.WORKSTATIONS, workstation_out)
    rows, total = await service.list_workstations(rt, principal, page, city, level.value if level else None, year,
                                                  active, host_uscc)
    return page.answer(rows, total)


@router.get("/workstations/{ws_id}", response_model=WorkstationOut, tags=[WORKSTATIONS],
            summary="保护工作站详情 one workstation")
async def get_workstation(ws_id: RecordId, principal: CurrentPrincipal, rt: RT) -> WorkstationOut:
    return workstation_out(await service.get_workstation(rt, principal, ws_id))


@router.post("/workstations/{ws_id}/deregister", response_model=WorkstationOut, tags=[WORKSTATIONS],
             summary="撤销保护工作站 deregister a workstation")
async def deregister_workstation(ws_id: RecordId, body: DeregisterIn, principal: CurrentPrincipal,
                                 rt: RT) -> WorkstationOut:
    return workstation_out(await service.deregister_workstation(rt, principal, ws_id, body))


# -------------------------------------------------------------------------------------------- cases

@router.post("/cases", status_code=201, response_model=CaseOut, tags=[CASES],
             summary="首问登记案件 a centre receives a case (首问负责制)")
async def create_case(body: CaseCreate, principal: CurrentPrincipal, rt: RT, response: Response) -> CaseOut:
    case = await service.receive_case(rt, principal, body)
    response.headers["Location"] = f"/api/v1/cases/{case.id}"
    _, steps = await service.get_case(rt, principal, case.id)
    return case_out(rt, case, steps)


@router.get("/cases", response_model=Page[CaseOut], tags=[CASES], summary="案件列表 cases", responses=SHEET_RESPONSES)
async def list_cases(
    principal: CurrentPrincipal, rt: RT, page: Listing, city: CityQ = None, centre_id: CentreQ = None,
    kind: Annotated[CaseKind | None, Query()] = None, status: Annotated[CaseStatus | None, Query()] = None,
    uscc: Annotated[USCC | None, Query()] = None,
    case_no: Annotated[str | None, Query(max_length=40, description="案件编号")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="接收年度")] = None,
) -> Page[CaseOut] | StreamingResponse:
    now = utcnow()
    page.shape(exports.CASES, lambda c: case_out(rt, c, now=now))
    rows, total = await service.list_cases(rt, principal, page, city, centre_id, kind.value if kind else None,
                                           status.value if status else None, uscc, case_no, year)
    return page.answer(rows, total)


@router.get("/cases/overdue", response_model=OverdueList, tags=[CASES],
            summary="超期案件清单 open cases past their step's time limit", responses=SHEET_RESPONSES)
async def list_overdue(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, city: CityQ = None,
                       centre_id: CentreQ = None,
                       kind: Annotated[CaseKind | None, Query()] = None) -> OverdueList | StreamingResponse:
    pairs = await service.overdue_cases(rt, principal, city, centre_id, kind.value if kind else None)
    limits = service.limits_of(rt)
    items = [OverdueCaseOut(
        id=c.id, case_no=c.case_no, kind=c.kind, centre_id=c.centre_id, city=c.city, uscc=c.uscc,
        enterprise_name=c.enterprise_name, title=c.title, status=late.status, status_name=STATUS_NAMES[late.status],
        entered_at=late.entered_at, limit_days=late.limit_days, due_at=late.due_at,
        overdue_days=duration_days(late.overdue_seconds)) for c, late in pairs]
    if xlsx:
        return await export_response(exports.OVERDUE, in_chunks(items))
    return OverdueList(as_of=utcnow(), items=items, total=len(items),
                       limits={"accept_days": limits.accept_days, "start_days": limits.start_days,
                               "close_days": limits.close_days})


@router.get("/cases/summary", response_model=CaseSummaryOut, tags=[CASES],
            summary="案件统计：按类型的受理、结案、超期与各环节平均用时 case statistics of a year")
async def case_summary(principal: CurrentPrincipal, rt: RT,
                       year: Annotated[int, Query(ge=2000, le=2100, description="接收年度")],
                       city: CityQ = None, centre_id: CentreQ = None) -> CaseSummaryOut:
    city, centre_id, as_of, kinds, total = await service.case_summary(rt, principal, year, city, centre_id)

    def out(k) -> KindSummaryOut:
        return KindSummaryOut(kind=k.kind, kind_name=CASE_KIND_NAMES[CaseKind(k.kind)] if k.kind else "合计",
                              received=k.received, open=k.open, closed=k.closed, overdue=k.overdue,
                              closed_in_time=k.closed_in_time, outcomes=k.outcomes or {},
                              average_days=k.average_days())

    return CaseSummaryOut(year=year, city=city, centre_id=centre_id, as_of=as_of, kinds=[out(k) for k in kinds],
                          total=out(total))


@router.get("/cases/{case_id}", response_model=CaseOut, tags=[CASES], summary="案件详情与各环节用时 one case")
async def get_case(case_id: RecordId, principal: CurrentPrincipal, rt: RT) -> CaseOut:
    case, steps = await service.get_case(rt, principal, case_id)
    return case_out(rt, case, steps)


async def _advance(rt: Runtime, principal, case_id: int, target: CaseStatus, body) -> CaseOut:
    await service.advance_case(rt, principal, case_id, target, body)
    case, steps = await service.get_case(rt, principal, case_id)
    return case_out(rt, case, steps)


@router.post("/cases/{case_id}/accept", response_model=CaseOut, tags=[CASES], summary="受理 accept")
async def accept_case(case_id: RecordId, body: StepIn, principal: CurrentPrincipal, rt: RT) -> CaseOut:
    return await _advance(rt, principal, case_id, CaseStatus.ACCEPTED, body)


@router.post("/cases/{case_id}/start-handling", response_model=CaseOut, tags=[CASES], summary="开始办理 start handling")
async def start_handling(case_id: RecordId, body: StepIn, principal: CurrentPrincipal, rt: RT) -> CaseOut:
    return await _advance(rt, principal, case_id, CaseStatus.HANDLING, body)


@router.post("/cases/{case_id}/close", response_model=CaseOut, tags=[CASES], summary="结案并反馈 close")
async def close_case(case_id: RecordId, body: CloseIn, principal: CurrentPrincipal, rt: RT) -> CaseOut:
    return await _advance(rt, principal, case_id, CaseStatus.CLOSED, body)


# ------------------------------------------------------------------------------------------- visits

@router.post("/visits", status_code=201, response_model=VisitOut, tags=[VISITS],
             summary="登记民营企业上门服务 record an on-site visit")
async def create_visit(body: VisitCreate, principal: CurrentPrincipal, rt: RT, response: Response) -> VisitOut:
    visit = await service.record_visit(rt, principal, body)
    response.headers["Location"] = f"/api/v1/visits?centre_id={visit.centre_id}&month={visit.month}"
    return visit_out(visit)


@router.get("/visits", response_model=Page[VisitOut], tags=[VISITS], summary="上门服务记录 visits",
            responses=SHEET_RESPONSES)
async def list_visits(principal: CurrentPrincipal, rt: RT, page: Listing, city: CityQ = None,
                      centre_id: CentreQ = None, month: MonthQ = None,
                      uscc: Annotated[USCC | None, Query()] = None) -> Page[VisitOut] | StreamingResponse:
    page.shape(exports.VISITS, visit_out)
    rows, total = await service.list_visits(rt, principal, page, city, centre_id, month, uscc)
    return page.answer(rows, total)


@router.get("/visits/compliance", response_model=ComplianceOut, tags=[VISITS],
            summary="每月上门服务落实情况与缺月清单 centres that missed a month")
async def visit_compliance(principal: CurrentPrincipal, rt: RT, from_month: MonthQ = None, to_month: MonthQ = None,
                           city: CityQ = None, centre_id: CentreQ = None) -> ComplianceOut:
    today = clock.today()
    to_month = to_month or month_key(today)
    from_month = from_month or f"{to_month[:4]}-01"
    rows = await service.visit_compliance(rt, principal, from_month, to_month, city, centre_id)
    centres = [centre_months_out(c, m) for c, m in rows]
    missed = [MissedMonth(centre_id=c.id, centre_name=c.name, city=c.city, month=month)
              for c, m in rows for month in m.missed]
    return ComplianceOut(from_month=from_month, to_month=to_month, as_of=today, centres=centres, missed=missed)


# ---------------------------------------------------------------------------------------- reference

@router.get("/reference", tags=["参考数据 reference"], summary="代码表与办理时限 code tables and time limits")
async def reference(principal: CurrentPrincipal, rt: RT) -> dict:
    limits = service.limits_of(rt)
    return {"cities": divisions.CITIES,
            "case_kinds": {k.value: v for k, v in CASE_KIND_NAMES.items()},
            "case_statuses": {k.value: v for k, v in STATUS_NAMES.items()},
            "outcomes": {k.value: v for k, v in OUTCOME_NAMES.items()},
            "ip_types": {k.value: v for k, v in IP_TYPE_NAMES.items()},
            "centre_kinds": {k.value: v for k, v in CENTRE_KIND_NAMES.items()},
            "workstation_levels": {k.value: v for k, v in LEVEL_NAMES.items()},
            "host_kinds": {k.value: v for k, v in HOST_KIND_NAMES.items()},
            "visit_services": {k.value: v for k, v in VISIT_SERVICE_NAMES.items()},
            "time_limits_days": {"received_to_accepted": limits.accept_days,
                                 "accepted_to_handling": limits.start_days,
                                 "handling_to_closed": limits.close_days}}
