"""Routes of the dashboard page: ``/`` → ``/dashboard``, the page itself, who the signed-in token is,
and the static files (the page's own script and style, and the npm libraries it uses).

The page holds no data: the browser keeps the token in its session and reads the JSON APIs
(``/api/v1/indicators…``, ``/reports/progress``) and the live stream with it, so the HTML is the same
for everyone and may be served without a token.
"""
from __future__ import annotations

import json
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel, Field

from libs.common.auth import CurrentPrincipal, Role
from libs.common.clock import today
from libs.common.divisions import CITIES
from libs.common.errors import ProblemError
from services.reporting.indicators import HEADLINE, INDICATORS, PROGRAMME, PROGRAMME_NAMES, PROVINCE
from services.reporting.progress import STATUS_LABELS

HERE = Path(__file__).parent
STATIC = HERE / "static"
#: ``npm ci`` (the Makefile's ``assets`` step) installs the pinned libraries under node_modules/.
ECHARTS = HERE / "node_modules" / "echarts" / "dist"
#: Roles the dashboard is for (the others use the programme services' APIs).
DASHBOARD_ROLES = {Role.PROVINCE_ADMIN: "省级管理员", Role.CITY_OFFICER: "市州用户", Role.VIEWER: "只读用户"}
#: What the page sets on the HTML: no framing, no inline script, no referrer (a link may carry a token).
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
                               "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
}

_jinja = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                     trim_blocks=True, lstrip_blocks=True)
router = APIRouter(tags=["看板 dashboard"])


def page_config() -> dict:
    """What the page needs to draw itself before any data arrives (public definitions only)."""
    year = today().year
    return {
        "province": PROVINCE, "year": year, "years": list(range(2024, year + 2)),
        "cities": [{"code": c, "name": n} for c, n in CITIES.items()],
        "statuses": STATUS_LABELS, "headline": list(HEADLINE),
        "programmes": [{"code": p, "name": n} for p, n in PROGRAMME_NAMES.items()],
        "indicators": [{"code": i.code, "name": i.name, "unit": i.unit, "kind": i.kind, "comparator": i.comparator,
                        "programme": PROGRAMME[i.code], "source": i.source} for i in INDICATORS.values()],
    }


@router.get("/", include_in_schema=False)
async def root(request: Request) -> RedirectResponse:
    query = request.url.query
    return RedirectResponse(f"/dashboard?{query}" if query else "/dashboard", status_code=307)


@router.get("/dashboard", response_class=HTMLResponse, summary="指标看板（网页） the officers' live dashboard",
            description="中文网页：全省目标、17个市州排名、市州页面、实时更新。页面本身不含数据，"
                        "登录令牌保存在浏览器会话中，由页面调用各 JSON 接口。")
async def dashboard() -> HTMLResponse:
    config = json.dumps(page_config(), ensure_ascii=False)
    html = _jinja.get_template("dashboard.html").render(config=config, cities=CITIES)
    return HTMLResponse(html, headers=SECURITY_HEADERS)


class SessionOut(BaseModel):
    sub: str
    role: str
    role_name: str
    city: str | None = Field(description="市州用户所属市州")
    city_name: str | None
    name: str | None


@router.get("/dashboard/session", response_model=SessionOut, summary="看板登录检查 who the dashboard's token is",
            description="令牌有效且角色可使用看板（省级管理员、市州用户、只读用户）时返回用户信息；否则 401 / 403。")
async def session(principal: CurrentPrincipal) -> SessionOut:
    if principal.role not in DASHBOARD_ROLES:
        allowed = "、".join(DASHBOARD_ROLES.values())
        raise ProblemError(403, "dashboard-role", "该角色不能使用指标看板",
                           f"角色 {principal.role.value} 不能使用指标看板（可用：{allowed}）")
    return SessionOut(sub=principal.sub, role=principal.role.value, role_name=DASHBOARD_ROLES[principal.role],
                      city=principal.city, city_name=CITIES.get(principal.city or ""), name=principal.name)


def install(app: FastAPI) -> None:
    """Add the page's routes and static files to the reporting API."""
    app.include_router(router)
    app.mount("/dashboard/static", StaticFiles(directory=STATIC), name="dashboard-static")
    # Without the libraries (before `make assets`) the API still starts: the page draws no charts.
    if ECHARTS.is_dir():
        app.mount("/dashboard/vendor/echarts", StaticFiles(directory=ECHARTS), name="dashboard-echarts")


