"""HTTP routes of the reporting service: indicators with targets, the live stream, targets as data."""
from __future__ import annotations

import asyncio
import json
from decimal import ROUND_DOWN, Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sse_starlette.sse import EventSourceResponse

from libs.common.app import RT
from libs.common.auth import CurrentPrincipal, Principal, Role, Unauthorized, decode_token, require_roles
from libs.common.clock import today
from libs.common.divisions import CITIES
from libs.common.errors import ProblemError, field_error
from libs.common.list_export import SHEET_RESPONSES, WantsSheet, export_response, in_chunks
from libs.common.rules import RuleViolation
from services.reporting import exports, periods, service
from services.reporting.indicators import HEADLINE, INDICATORS, PROGRAMME, PROGRAMME_NAMES, PROVINCE
from services.reporting.kpi import (
    city_label,
    fmt_decimal,
    kpi_dict,
    read_kpis,
    read_ranking,
    read_series,
)
from services.reporting.live import StreamStatus
from services.reporting.schemas import (
    IndicatorsOut,
    KpiOut,
    RankingOut,
    RankOut,
    SeriesOut,
    SeriesPoint,
    SplitIn,
    SplitOut,
    StreamTicketOut,
    TargetOut,
    TargetsIn,
)
from services.reporting.tickets import decode_ticket, issue_ticket

router = APIRouter(prefix="/api/v1")
ProvinceAdmin = Annotated[Principal, Depends(require_roles(Role.PROVINCE_ADMIN, Role.INTEGRATION))]


YearQ = Annotated[int | None, Query(ge=2000, le=2100, description="年度，缺省为当年")]
CityQ = Annotated[str | None, Query(description="420000=全省（缺省）；市州代码；all=全省及17个市州")]


def _cities(city: str | None) -> list[str]:
    if city in (None, "", PROVINCE):
        return [PROVINCE]
    if city == "all":
        return [PROVINCE, *CITIES]
    if city not in CITIES:
        raise RuleViolation("city.unknown", f"{city} 不是湖北省的市州代码（或 420000 / all）", field="city")
    return [city]


def _year(year: int | None) -> int:
    return year or today().year


PeriodQ = Annotated[str | None, Query(max_length=10, description="期间：2025、2025Q1 或 202503（优先于 year）")]
IndicatorQ = Annotated[str, Query(max_length=50, description="指标代码（见 /indicators/catalogue）")]


def _period(period: str | None) -> periods.Period | None:
    if period is None:
        return None
    try:
        return periods.parse(period)
    except periods.PeriodError as exc:
        raise RuleViolation(exc.rule, exc.message, field="period") from None


def _indicator(code: str) -> str:
    if code not in INDICATORS:
        raise RuleViolation("indicator.unknown", f"未知指标 {code}，可选：{'、'.join(INDICATORS)}", field="indicator")
    return code


@router.get("/indicators", response_model=IndicatorsOut, tags=["指标 indicators"],
            summary="指标值、目标、预期进度与状态 indicator values with targets, expected progress and status",
            description="`year` 读全年（流量为年内累计、存量为期末值）；"
                        "`period` 读某季度或某月（流量另给年初至期末累计 `ytd`）。"
                        "`expected` 为按今日应达到的值，`status` 为 met / on_track / at_risk / off_track / no_data，"
                        "`forecast` 为按当前进度推算的年末值。`format=xlsx` 下载 Excel 工作簿。",
            responses=SHEET_RESPONSES)
async def indicators(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet, year: YearQ = None, city: CityQ = None,
                     period: PeriodQ = None) -> Response:
    p, cities = _period(period), _cities(city)
    y = p.year if p else _year(year)

    async def answer() -> IndicatorsOut:
        async with rt.sessions() as session:
            rows = await read_kpis(session, y, cities, period=p)
        return IndicatorsOut(year=y, city=city or PROVINCE, period=p.code if p else str(y),
                             items=[KpiOut(**kpi_dict(r)) for r in rows])

    if xlsx:
        out = await answer()
        return await export_response(exports.INDICATORS, in_chunks(out.items), f"{out.period}_{out.city}")

    async def render() -> bytes:
        return (await answer()).model_dump_json().encode()

    # The same answer for everyone who may read it: served from memory until the next KPI change.
    cache = rt.extras.get("kpi_cache")
    key = (today(), y, p.code if p else None, city or PROVINCE, tuple(cities))
    body = await cache.get(key, render) if cache is not None else await render()
    return Response(body, media_type="application/json")


@router.get("/indicators/series", response_model=SeriesOut, tags=["指标 indicators"],
            summary="逐月或逐季数据 monthly or quarterly series of an indicator", responses=SHEET_RESPONSES)
async def series(principal: CurrentPrincipal, rt: RT, indicator: IndicatorQ, xlsx: WantsSheet, city: CityQ = None,
                 year: YearQ = None,
                 period: Annotated[Literal["month", "quarter"], Query(description="month（12个点）或 quarter（4个点）")]
                 = "month") -> SeriesOut | StreamingResponse:
    code, (place,) = _indicator(indicator), _cities(city if city != "all" else None)
    y = _year(year)
    async with rt.sessions() as session:
        rows = await read_series(session, code, place, y, period)
    ind = INDICATORS[code]
    out = SeriesOut(indicator=code, name=ind.name, unit=ind.unit, kind=ind.kind, city=place,
                    city_name=city_label(place), year=y, granularity=period,
                    target=fmt_decimal(rows[0].target) if rows else None,
                    points=[SeriesPoint(period=r.period, label=periods.parse(r.period).label(),
                                        value=fmt_decimal(r.value), ytd=fmt_decimal(r.ytd),
                                        expected=fmt_decimal(r.expected), status=r.status) for r in rows])
    if xlsx:  # one row per point, each with the indicator and place it belongs to
        head = out.model_dump(exclude={"points"})
        return await export_response(exports.SERIES, in_chunks({**head, **p.model_dump()} for p in out.points),
                                     f"{code}_{place}_{y}")
    return out


@router.get("/indicators/ranking", response_model=RankingOut, tags=["指标 indicators"],
            summary="市州排名 the 17 cities ranked on an indicator",
            description="按各市州对本市州目标的完成度排序（无目标时按数值；“≤”类指标数值越小越好），无数据者排在最后。",
            responses=SHEET_RESPONSES)
async def ranking(principal: CurrentPrincipal, rt: RT, indicator: IndicatorQ, xlsx: WantsSheet,
                  year: YearQ = None) -> RankingOut | StreamingResponse:
    code, y = _indicator(indicator), _year(year)
    async with rt.sessions() as session:
        rows = await read_ranking(session, code, y)
    ind = INDICATORS[code]
    out = RankingOut(indicator=code, name=ind.name, unit=ind.unit, year=y, comparator=ind.comparator,
                     items=[RankOut(rank=i + 1, **kpi_dict(r)) for i, r in enumerate(rows)])
    if xlsx:
        return await export_response(exports.RANKING, in_chunks(out.items), f"{code}_{y}")
    return out


@router.get("/indicators/catalogue", tags=["指标 indicators"], summary="指标定义 indicator definitions",
            response_model=list[dict], responses=SHEET_RESPONSES)
async def catalogue(principal: CurrentPrincipal, xlsx: WantsSheet) -> list[dict] | StreamingResponse:
    rows = [{"code": i.code, "name": i.name, "unit": i.unit, "kind": i.kind, "comparator": i.comparator,
             "source": i.source, "programme": PROGRAMME[i.code], "programme_name": PROGRAMME_NAMES[PROGRAMME[i.code]],
             "headline": i.code in HEADLINE, "pace": i.pace, "statistic": i.statistic, "note": i.note,
             "ratio_of": list(i.ratio_of) if i.ratio_of else None,
             "factor": i.factor if i.kind == "ratio" else None} for i in INDICATORS.values()]
    return await export_response(exports.CATALOGUE_SHEET, in_chunks(rows)) if xlsx else rows


async def stream_principal(request: Request, access_token: Annotated[str | None, Query(
        description="EventSource 无法设置请求头时可用此参数传递令牌")] = None, ticket: Annotated[str | None, Query(
        max_length=2000, description="推送凭证（POST /indicators/stream/tickets 获取，短时有效），"
                                     "网页用它代替令牌，令牌不出现在地址中")] = None) -> Principal:
    settings = request.app.state.settings
    secret = settings.jwt_secret.get_secret_value()
    header = request.headers.get("authorization", "")
    if ticket and not header:
        return decode_ticket(secret, ticket, settings.jwt_issuer)
    token = header[7:] if header.lower().startswith("bearer ") else access_token
    if not token:
        raise Unauthorized("缺少 Bearer 令牌")
    return decode_token(secret, token, settings.jwt_issuer)


@router.post("/indicators/stream/tickets", response_model=StreamTicketOut, tags=["指标 indicators"],
             summary="实时推送凭证 a short-lived ticket for opening the live stream",
             description="以 Bearer 令牌换取短时有效的推送凭证，浏览器 EventSource 以 `?ticket=` 打开 "
                         "`/indicators/stream`（EventSource 不能设置请求头，长期令牌不应出现在地址中）。"
                         "凭证仅能用于打开推送，不能调用其他接口。")
async def stream_ticket(principal: CurrentPrincipal, request: Request) -> StreamTicketOut:
    settings = request.app.state.settings
    ttl = settings.stream_ticket_ttl
    return StreamTicketOut(ticket=issue_ticket(settings.jwt_secret.get_secret_value(), principal,
                                               settings.jwt_issuer, ttl), expires_in=ttl)


@router.get("/indicators/stream", tags=["指标 indicators"],
            summary="指标实时推送（SSE）live indicator changes",
            description="先推送一次 `snapshot`（当前值）和一次 `status`（`{\"live\": true|false}`），"
                        "之后每次指标变化推送一条 `kpi` 事件；消息代理中断或恢复时推送 `status`"
                        "（`live: false`：数据可能不是最新）。认证：Bearer 令牌、`access_token` 或 `ticket`。")
async def stream(request: Request, rt: RT, principal: Annotated[Principal, Depends(stream_principal)],
                 year: YearQ = None, city: CityQ = None):
    cities = _cities(city) if city else None
    broadcaster = rt.extras["broadcaster"]
    # At most max_streams_per_subject open streams per token subject (429 beyond), each released
    # when its response ends, however it ends (disconnect, failed send, error, shutdown).
    sub = broadcaster.subscribe(year, None if cities is None or len(cities) > 1 else cities[0],
                                owner=principal.sub)
    y, wanted = _year(year), cities or [PROVINCE, *CITIES]

    async def render() -> bytes:
        async with rt.sessions() as session:
            rows = await read_kpis(session, y, wanted)
        return json.dumps([kpi_dict(r) for r in rows], ensure_ascii=False).encode()

    # Subscribed first, then the snapshot: an update after the snapshot's read reaches the queue. A
    # cached snapshot is one no update has arrived since (a wall of dashboards connects at once).
    cache = rt.extras.get("kpi_cache")
    try:
        snapshot = await cache.get(("snapshot", today(), y, tuple(wanted)), render) if cache else await render()
    except BaseException:
        broadcaster.unsubscribe(sub)
        raise

    async def events():
        try:
            yield {"event": "snapshot", "data": snapshot.decode()}
            yield {"event": "status", "data": json.dumps({"live": broadcaster.live})}
            while True:
                update = await sub.queue.get()
                if isinstance(update, StreamStatus):
                    yield {"event": "status", "data": json.dumps(update)}
                    continue
                yield {"event": "kpi", "id": update.get("event_id") or "",
                       "data": json.dumps(update, ensure_ascii=False)}
        except asyncio.CancelledError:
            raise
        finally:
            broadcaster.unsubscribe(sub)

    return _ReleasingEventSource(lambda: broadcaster.unsubscribe(sub), events(), ping=15,
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


class _ReleasingEventSource(EventSourceResponse):
    """An SSE response that runs ``release`` when it ends, even if its generator never started."""

    def __init__(self, release, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._release = release

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


@router.get("/targets", response_model=list[TargetOut], tags=["目标 targets"], summary="年度目标 targets of a year",
            responses=SHEET_RESPONSES, description="`format=xlsx`：下载为工作簿，修改目标值后可经 "
                                                  "`POST /api/v1/targets/import` 导入。")
async def list_targets(principal: CurrentPrincipal, rt: RT, xlsx: WantsSheet,
                       year: YearQ = None) -> list[TargetOut] | StreamingResponse:
    y = _year(year)
    rows = await service.targets_of_year(rt, y)
    if xlsx:
        units = {code: ind.unit for code, ind in INDICATORS.items()}
        lines = [{**t.model_dump(), "unit": units.get(t.indicator)} for t in rows]
        return await export_response(exports.TARGETS, in_chunks(lines), str(y))
    return rows


YearPath = Annotated[int, Path(ge=2000, le=2100, description="年度")]


def check_targets(items) -> list[dict]:
    """Field errors of target rows (indicator and city codes); empty when all are good."""
    errors = []
    for i, t in enumerate(items):
        if t.indicator not in INDICATORS:
            errors.append(field_error(f"targets.{i}.indicator", "indicator.unknown",
                                      f"未知指标 {t.indicator}，可选：{'、'.join(INDICATORS)}"))
        if t.city != PROVINCE and t.city not in CITIES:
            errors.append(field_error(f"targets.{i}.city", "city.unknown", f"{t.city} 应为 420000 或市州代码"))
    return errors


@router.put("/targets/{year}", response_model=list[TargetOut], tags=["目标 targets"],
            summary="设置年度目标（可分解到市州） set a year's targets",
            description="按行设置全省（420000）或市州目标；`profile` 可给出12个月的进度权重（缺省按天数平均）。"
                        "目标变化立即推送指标更新（SSE、Kafka、Prometheus）。")
async def put_targets(year: YearPath, body: TargetsIn, principal: ProvinceAdmin, rt: RT) -> list[TargetOut]:
    errors = check_targets(body.targets)
    if errors:
        raise ProblemError(422, "validation-error", "请求参数校验失败", "目标数据不合法", errors=errors)
    await service.upsert_targets(rt, year, [(t.indicator, t.city, t.value, t.profile) for t in body.targets],
                                 body.source, principal)
    return await service.targets_of_year(rt, year)


def split_values(total: Decimal, shares: dict[str, Decimal], places: Decimal) -> dict[str, Decimal]:
    """``total`` split by ``shares`` (largest remainder: the parts add up to ``total`` exactly)."""
    weight = sum(shares.values())
    raw = {c: total * s / weight for c, s in shares.items()}
    parts = {c: v.quantize(places, rounding=ROUND_DOWN) for c, v in raw.items()}
    left = total - sum(parts.values())
    for c in sorted(raw, key=lambda c: (raw[c] - parts[c], shares[c]), reverse=True):
        if left < places:
            break
        parts[c] += places
        left -= places
    return parts


@router.post("/targets/{year}/split", response_model=SplitOut, tags=["目标 targets"],
             summary="把全省目标分解到市州 split a province target across the cities",
             description="按 `shares`（权重，如各市州上年完成量）或直接按 `values` 分解；"
                         "写入市州目标并报告市州目标之和与全省目标之差。")
async def split_target(year: YearPath, body: SplitIn, principal: ProvinceAdmin, rt: RT) -> SplitOut:
    code = body.indicator
    if code not in INDICATORS:
        raise RuleViolation("indicator.unknown", f"未知指标 {code}", field="indicator")
    given = body.shares if body.shares is not None else body.values
    if not given:
        raise RuleViolation("split.required", "请给出 shares（各市州权重）或 values（各市州目标值）之一",
                            field="shares")
    if body.shares is not None and body.values is not None:
        raise RuleViolation("split.one_of", "shares 与 values 只能给出其一", field="values")
    field = "shares" if body.shares is not None else "values"
    bad = [c for c in given if c not in CITIES]
    if bad:
        raise RuleViolation("city.unknown", f"{bad[0]} 不是湖北省的市州代码", field=f"{field}.{bad[0]}")
    total = body.total if body.total is not None else await service.target_value(rt, code, year, PROVINCE)
    if body.shares is not None:
        if total is None:
            raise RuleViolation("target.missing", f"{year} 年 {code} 尚无全省目标，请给出 total", field="total")
        if sum(body.shares.values()) <= 0:
            raise RuleViolation("split.weights", "各市州权重之和应大于 0", field="shares")
        places = Decimal("0.01") if INDICATORS[code].unit in ("元", "%") else Decimal(1)
        values = split_values(total, body.shares, places)
    else:
        values = dict(given)  # the values: shares were not given
    items = [(code, c, v, None) for c, v in sorted(values.items())]
    if body.total is not None:
        items.append((code, PROVINCE, body.total, None))
    await service.upsert_targets(rt, year, items, body.source, principal)
    city_sum = sum(values.values(), Decimal(0))
    difference = None if total is None else city_sum - total
    message = None
    if total is not None and difference != 0:
        message = (f"市州目标之和 {fmt_decimal(city_sum)} 与全省目标 {fmt_decimal(total)} 不一致"
                   f"（相差 {fmt_decimal(difference)}）")
    if len(values) < len(CITIES):
        missing = "、".join(CITIES[c] for c in CITIES if c not in values)
        message = (message + "；" if message else "") + f"未分解到：{missing}"
    return SplitOut(indicator=code, year=year, province_target=fmt_decimal(total), city_sum=fmt_decimal(city_sum),
                    difference=fmt_decimal(difference), consistent=message is None, message=message,
                    cities=[service.target_view(code, year, c, v, body.source) for c, v in sorted(values.items())])
