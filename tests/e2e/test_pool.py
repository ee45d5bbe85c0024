"""The industrialisation pool end to end: a city officer applies through the typed client, the
province admits, graduates and removes, and the pool indicators reach the SSE stream of the
reporting service (real broker, every service as its own process)."""
from __future__ import annotations

import json
import threading
import time
from datetime import date
from decimal import Decimal

import httpx
import pytest
from httpx_sse import connect_sse

from libs.common.testing import random_uscc, token
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.pool.schemas import ApplicationIn, DeclarationsIn, GraduateIn, RemoveIn
from services.enterprise.schemas import EnterpriseCreate, YearFiguresIn
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "421300"  # 随州市
PROVINCE = "420000"


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key, "0")) + n)


def listen(plat, year: int, city: str, events: list[dict], stop: threading.Event) -> threading.Thread:
    def run() -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(5, read=60)) as http:
                with connect_sse(http, "GET", f"{url(plat, 'reporting')}/api/v1/indicators/stream",
                                 params={"year": year, "city": city, "access_token": ADMIN}) as source:
                    for sse in source.iter_sse():
                        if sse.data:
                            events.append({"event": sse.event, "data": json.loads(sse.data)})
                        if stop.is_set():
                            return
        except httpx.HTTPError:  # the platform stopped while we were still listening
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def saw(events: list[dict], indicator: str, city: str, value: str) -> bool:
    return any(e["event"] == "kpi" and e["data"]["indicator"] == indicator and e["data"]["city"] == city
               and e["data"]["value"] == value for e in events)


def new_member_candidate(officer: EnterpriseClient, n: int) -> str:
    e = officer.create_enterprise(EnterpriseCreate(
        uscc=random_uscc(CITY), name=f"随州编钟智造科技{n}号有限公司", industry="A01", size_class="small",
        ownership="private", qualifications=["srdi_provincial"], ip_management_certified=True, own_brand=True,
        patent_product_filed=True))
    officer.put_figures(e.uscc, YEAR - 1, YearFiguresIn(
        revenue=Decimal("48000000.00"), rd_spend=Decimal("3100000.00"), staff=120, rd_staff=30,
        invention_patents=14, industrialisation_rate=Decimal("58.00")))
    return e.uscc


def test_application_to_pool_indicators_on_the_sse_stream(platform):
    before = indicator_values(platform, YEAR)
    events: list[dict] = []
    stop = threading.Event()
    listen(platform, YEAR, CITY, events, stop)
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events and events[0]["event"] == "snapshot"
    assert {"pool_members", "pool_admitted", "pool_graduated", "pool_removed"} <= {
        r["indicator"] for r in events[0]["data"]}

    officer_token = token("city-officer", city=CITY)
    base = url(platform, "enterprise")
    with EnterpriseClient(base, officer_token) as officer, EnterpriseClient(base, ADMIN) as province:
        usccs = [new_member_candidate(officer, i) for i in range(3)]
        memberships = []
        for uscc in usccs:
            m = officer.apply_to_pool(ApplicationIn(
                uscc=uscc, applied_on=date(YEAR, 3, 1), reason="核心专利产品已备案，申报入库培育",
                declarations=DeclarationsIn(core_patents=True, university_partnership=True, clean_record=True)))
            assert m.status == "applied" and m.evaluation_year == YEAR - 1
            rd = next(c for c in m.evaluation if c.code == "rd_spend")
            assert rd.outcome == "fail" and "3,100,000 元" in rd.figure and "6.5 %" in rd.figure
            assert m.failed_criteria == ["rd_spend"]  # submitted with a failure: the province sees it
            memberships.append(m)
        with pytest.raises(ApiError) as exc:  # officers do not admit
            officer.admit_to_pool(memberships[0].id, date(YEAR, 6, 30))
        assert exc.value.status == 403
        for m in memberships:
            admitted = province.admit_to_pool(m.id, date(YEAR, 6, 30), "专家评审通过，同意入库")
            assert admitted.status == "admitted"
        province.graduate_from_pool(memberships[0].id, GraduateIn(
            effective_date=date(YEAR, 12, 1), industrialisation_rate_before=Decimal("58.00"),
            industrialisation_rate_after=Decimal("71.00"), new_patent_intensive_products=1,
            reason="专利产业化率明显提升，新增专利密集型产品1件，准予出库"))
        province.remove_from_pool(memberships[1].id, RemoveIn(
            effective_date=date(YEAR, 12, 2), removal_reason="abnormal_patent_applications",
            reason="存在非正常专利申请行为，予以退库"))
        history = officer.pool_history(usccs[0])
        assert [h.action for h in history[0].history] == ["applied", "admitted", "graduated"]

    expected = {
        ("pool_members", CITY): plus(before, ("pool_members", CITY), 1),
        ("pool_admitted", CITY): plus(before, ("pool_admitted", CITY), 3),
        ("pool_graduated", CITY): plus(before, ("pool_graduated", CITY), 1),
        ("pool_removed", CITY): plus(before, ("pool_removed", CITY), 1),
        ("pool_members", PROVINCE): plus(before, ("pool_members", PROVINCE), 1),
    }
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(saw(events, i, c, v) for (i, c), v in expected.items() if c == CITY):
            break
        time.sleep(0.1)
    stop.set()
    kpis = [e["data"] for e in events if e["event"] == "kpi"]
    for (indicator, city), value in expected.items():
        if city == CITY:
            assert saw(events, indicator, city, value), (indicator, value, kpis)
    assert all(k["city"] == CITY and k["year"] == YEAR for k in kpis)
    seen = wait_for_values(platform, YEAR, expected)
    rows = httpx.get(f"{url(platform, 'reporting')}/api/v1/indicators", params={"year": YEAR, "city": "all"},
                     headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10).json()["items"]
    province_members = next(r for r in rows if r["indicator"] == "pool_members" and r["city"] == PROVINCE)
    # 003 § 11: cultivate 500 (a target to reach); a pool of a few members is not "met"
    assert province_members["comparator"] == ">=" and province_members["target"] == "500"
    assert province_members["met"] is False and province_members["status"] in ("off_track", "at_risk", "on_track")
    assert seen[("pool_members", PROVINCE)] == expected[("pool_members", PROVINCE)]
