"""HTTP routes of the reporting service: indicators with targets, the live stream, targets as data."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from sqlalchemy import select
from sse_starlette.sse import EventSourceResponse

from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import CurrentPrincipal, Principal, Role, Unauthorized, decode_token, require_roles
from libs.common.divisions import CITIES
from libs.common.errors import FieldInvalid, field_error, ProblemError
from services.reporting.indicators import INDICATORS, PROVINCE
from services.reporting.kpi import fmt_decimal, kpi_dict, read_kpis
from services.reporting.models import Target
from services.reporting.schemas import IndicatorsOut, KpiOut, TargetOut, TargetsIn

router = APIRouter(prefix="/api/v1")
CHINA = ZoneInfo("Asia/Shanghai")
ProvinceAdmin = Annotated[Principal, Depends(require_roles(Role.PROVINCE_ADMIN, Role.INTEGRATION))]


def runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RT = Annotated[Runtime, Depends(runtime)]
YearQ = Annotated[int | None, Query(ge=2000, le=2100, description="年度，缺省为当年")]
CityQ = Annotated[str | None, Query(description="420000=全省（缺省）；市州代码；all=全省及17个市州")]


def _cities(city: str | None) -> list[str]:
    if city in (None, "", PROVINCE):
        return [PROVINCE]
    if city == "all":
        return [PROVINCE, *CITIES]
    if city not in CITIES:
        raise FieldInvalid("city", "city.unknown", f"{city} 不是湖北省的市州代码（或 420000 / all）")
    return [city]


def _year(year: int | None) -> int:
    return year or datetime.now(CHINA).year


@router.get("/indicators", response_model=IndicatorsOut, tags=["指标 indicators"],
            summary="指标值、目标与完成度 indicator values with targets")
async def indicators(principal: CurrentPrincipal, rt: RT, year: YearQ = None, city: CityQ = None) -> IndicatorsOut:
    y, cities = _year(year), _cities(city)
    async with rt.sessions() as session:
        rows = await read_kpis(session, y, cities)
    return IndicatorsOut(year=y, city=city or PROVINCE, items=[KpiOut(**kpi_dict(r)) for r in rows])


@router.get("/indicators/catalogue", tags=["指标 indicators"], summary="指标定义 indicator definitions")
async def catalogue(principal: CurrentPrincipal) -> list[dict]:
    return [{"code": i.code, "name": i.name, "unit": i.unit, "kind": i.kind, "comparator": i.comparator,
             "source": i.source, "ratio_of": list(i.ratio_of) if i.ratio_of else None} for i in INDICATORS.values()]


async def stream_principal(request: Request, access_token: Annotated[str | None, Query(
        description="EventSource 无法设置请求头时可用此参数传递令牌")] = None) -> Principal:
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else access_token
    if not token:
        raise Unauthorized("缺少 Bearer 令牌")
    settings = request.app.state.settings
    return decode_token(settings.jwt_secret.get_secret_value(), token, settings.jwt_issuer)


@router.get("/indicators/stream", tags=["指标 indicators"],
            summary="指标实时推送（SSE）live indicator changes",
            description="先推送一次 `snapshot`（当前值），之后每次指标变化推送一条 `kpi` 事件。")
async def stream(request: Request, rt: RT, principal: Annotated[Principal, Depends(stream_principal)],
                 year: YearQ = None, city: CityQ = None):
    cities = _cities(city) if city else None
    broadcaster = rt.extras["broadcaster"]
    sub = broadcaster.subscribe(year, None if cities is None or len(cities) > 1 else cities[0])
    async with rt.sessions() as session:
        snapshot = await read_kpis(session, _year(year), cities or [PROVINCE, *CITIES])

    async def events():
        try:
            yield {"event": "snapshot", "data": json.dumps([kpi_dict(r) for r in snapshot], ensure_ascii=False)}
            while True:
                update = await sub.queue.get()
                yield {"event": "kpi", "id": update.get("event_id") or "", "data": json.dumps(update, ensure_ascii=False)}
        except asyncio.CancelledError:
            raise
        finally:
            broadcaster.unsubscribe(sub)

    return EventSourceResponse(events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.get("/targets", response_model=list[TargetOut], tags=["目标 targets"], summary="年度目标 targets of a year")
async def list_targets(principal: CurrentPrincipal, rt: RT, year: YearQ = None) -> list[TargetOut]:
    async with rt.sessions() as session:
        rows = (await session.scalars(select(Target).where(Target.year == _year(year))
                                      .order_by(Target.indicator, Target.city))).all()
    return [TargetOut(indicator=t.indicator, year=t.year, city=t.city, value=fmt_decimal(t.value), source=t.source)
            for t in rows]


@router.put("/targets/{year}", response_model=list[TargetOut], tags=["目标 targets"],
            summary="设置年度目标（可分解到市州） set a year's targets")
async def put_targets(year: Annotated[int, Path(ge=2000, le=2100, description="年度")], body: TargetsIn,
                      principal: ProvinceAdmin, rt: RT) -> list[TargetOut]:
    if not 2000 <= year <= 2100:
        raise FieldInvalid("year", "year.range", "年度应在 2000 至 2100 之间")
    errors = []
    for i, t in enumerate(body.targets):
        if t.indicator not in INDICATORS:
            errors.append(field_error(f"targets.{i}.indicator", "indicator.unknown",
                                      f"未知指标 {t.indicator}，可选：{'、'.join(INDICATORS)}"))
        if t.city != PROVINCE and t.city not in CITIES:
            errors.append(field_error(f"targets.{i}.city", "city.unknown", f"{t.city} 应为 420000 或市州代码"))
    if errors:
        raise ProblemError(422, "validation-error", "请求参数校验失败", "目标数据不合法", errors=errors)
    await upsert_targets(rt, year, [(t.indicator, t.city, t.value) for t in body.targets], body.source, principal)
    return await list_targets(principal, rt, year)


async def upsert_targets(rt: Runtime, year: int, items, source: str | None,
                         principal: Principal | None = None) -> None:
    """Insert or replace targets in one transaction; a change by a person (``principal``) is audited."""
    async with rt.sessions.write() as session:
        for indicator, city, value in items:
            row = await session.get(Target, (indicator, year, city))
            before = None if row is None else {"value": fmt_decimal(row.value), "source": row.source}
            if row is None:
                session.add(Target(indicator=indicator, year=year, city=city, value=value, source=source))
            else:
                row.value, row.source = value, source
            if principal is not None:
                await record_audit(session, principal, "target.set", "target", f"{indicator}:{city}:{year}",
                                   before, {"value": fmt_decimal(value), "source": source})
