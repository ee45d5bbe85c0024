"""HTTP routes of the credit register 信用记录: parse, authorise, call a use case, shape the answer."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import StreamingResponse

from libs.common.app import RT
from libs.common.auth import CurrentPrincipal
from libs.common.clock import today
from libs.common.fields import BusinessDate, CityCode, RecordId, parse_uscc
from libs.common.list_export import SHEET_RESPONSES, Listing
from libs.common.pagination import Page
from services.enterprise.credit import service
from services.enterprise.credit.domain import KIND_NAMES, KIND_SOURCES, STATUS_NAMES, CreditKind
from services.enterprise.credit.schemas import CreditEntryIn, CreditEntryOut, CreditLiftIn
from services.enterprise.credit.views import entry_out
from services.enterprise.exports import CREDIT_ENTRIES
from services.enterprise.policy import ProvinceAdmin, Writer

TAG = "信用记录 credit register"
router = APIRouter(prefix="/api/v1", tags=[TAG])


@router.post("/credit-entries", status_code=201, response_model=CreditEntryOut,
             summary="记录严重违法失信、非正常专利申请等信用信息 record an entry")
async def record(body: CreditEntryIn, principal: Writer, rt: RT, response: Response) -> CreditEntryOut:
    entry = await service.record(rt, principal, body)
    response.headers["Location"] = f"/api/v1/credit-entries/{entry.id}"
    return await one(entry.id, principal, rt)


@router.get("/credit-entries", response_model=Page[CreditEntryOut], responses=SHEET_RESPONSES,
            summary="信用记录列表 entries (filters; format=xlsx for a workbook)")
async def list_entries(
    principal: CurrentPrincipal, rt: RT, page: Listing,
    city: Annotated[CityCode | None, Query(description="市州代码")] = None,
    kind: Annotated[CreditKind | None, Query(description="类别")] = None,
    uscc: Annotated[str | None, Query(description="统一社会信用代码")] = None,
    active_on: Annotated[BusinessDate | None, Query(description="仅列出该日有效的记录")] = None,
) -> Page[CreditEntryOut] | StreamingResponse:
    day = today()
    page.shape(CREDIT_ENTRIES, lambda named: entry_out(named[0], named[1], day), service.with_names)
    rows, names, total = await service.list_entries(rt, principal, page, city, kind.value if kind else None,
                                                    parse_uscc(uscc) if uscc else None, active_on)
    return page.answer([(e, names.get(e.uscc, "")) for e in rows], total)


@router.get("/credit-entries/reference", summary="信用记录代码表 kinds and statuses")
async def reference(principal: CurrentPrincipal) -> dict:
    return {"kinds": {k.value: {"name": KIND_NAMES[k], "source": KIND_SOURCES[k]} for k in CreditKind},
            "statuses": {s.value: n for s, n in STATUS_NAMES.items()}}


@router.get("/credit-entries/{entry_id}", response_model=CreditEntryOut, summary="一条信用记录 one entry")
async def one(entry_id: RecordId, principal: CurrentPrincipal, rt: RT) -> CreditEntryOut:
    entry, name = await service.get_entry(rt, principal, entry_id)
    return entry_out(entry, name, today())


@router.post("/credit-entries/{entry_id}/lift", response_model=CreditEntryOut,
             summary="省局提前解除（信用修复等） the province lifts an entry early")
async def lift(entry_id: RecordId, body: CreditLiftIn, principal: ProvinceAdmin, rt: RT) -> CreditEntryOut:
    await service.lift(rt, principal, entry_id, body)
    return await one(entry_id, principal, rt)


@router.get("/enterprises/{uscc}/credit-entries", response_model=list[CreditEntryOut],
            summary="企业的信用记录 every entry of an enterprise")
async def enterprise_entries(uscc: Annotated[str, Path(description="统一社会信用代码")],
                             principal: CurrentPrincipal, rt: RT) -> list[CreditEntryOut]:
    rows, name = await service.enterprise_entries(rt, principal, parse_uscc(uscc))
    day = today()
    return [entry_out(e, name, day) for e in rows]
