"""The typed client (client.py) against the service in-process: the whole programme, and ApiError."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from libs.common.pagination import Page
from libs.common.testing import token
from services.protection.client import ApiError, AsyncProtectionClient
from services.protection.schemas import (
    CaseCreate,
    CaseOut,
    CentreCreate,
    CentreUpdate,
    CloseIn,
    ComplianceOut,
    DeregisterIn,
    VisitCreate,
    WorkstationCreate,
)
from services.protection.tests.helpers import YICHANG, china_today, days_ago, known, uid


def client(app, role: str, city: str | None = None, org: str | None = None) -> AsyncProtectionClient:
    return AsyncProtectionClient("http://test", token(role, city=city, org=org), transport=httpx.ASGITransport(app=app))


async def test_async_client_covers_the_programme(api, app, runtime):
    uscc = await known(runtime, YICHANG, "private")
    centre_id = uid("C")
    async with client(app, "city-officer", YICHANG) as officer, client(app, "agency", org=centre_id) as centre:
        c = await officer.register_centre(CentreCreate(id=centre_id, name="宜昌市知识产权维权援助中心",
                                                       kind="assistance", city=YICHANG,
                                                       established_on=china_today() - timedelta(days=400)))
        assert (await officer.update_centre(c.id, CentreUpdate(phone="0717-1"))).phone == "0717-1"
        assert [x.id for x in await officer.list_centres(city=YICHANG)] == [c.id]
        ws = await officer.establish_workstation(WorkstationCreate(
            name="宜昌测试工作站", level="provincial_joint", host_kind="enterprise", host_uscc=uscc, centre_id=c.id,
            established_on=china_today()))
        page = await officer.list_workstations(level="provincial_joint")
        assert isinstance(page, Page) and [w.id for w in page.items] == [ws.id]
        assert not (await officer.deregister_workstation(ws.id, DeregisterIn(
            deregistered_on=china_today(), reason="测试撤销"))).active

        case = await centre.receive_case(CaseCreate(case_no=uid("WQ"), kind="mediation", centre_id=c.id, uscc=uscc,
                                                    ip_type="trademark", title="商标侵权纠纷",
                                                    received_at=days_ago(3)))
        assert isinstance(case, CaseOut) and case.status == "received"
        await centre.accept_case(case.id, at=days_ago(2), note="受理")
        await centre.start_handling(case.id)
        closed = await centre.close_case(case.id, CloseIn(outcome="mediated", result_summary="调解成功"))
        assert (closed.status, closed.outcome, len(closed.timings)) == ("closed", "mediated", 3)
        assert (await centre.get_case(case.id)).steps[-1].status == "closed"
        assert (await centre.list_cases(status="closed")).total == 1
        assert (await officer.overdue_cases()).total == 0
        summary = await officer.case_summary(case.received_at.astimezone(ZoneInfo("Asia/Shanghai")).year, city=YICHANG)
        assert (summary.total.received, summary.total.closed) == (1, 1)

        visit = await centre.record_visit(VisitCreate(centre_id=c.id, uscc=uscc, visit_date=china_today(),
                                                      services=["consultation"]))
        assert (await officer.list_visits(month=visit.month)).total == 1
        report = await officer.visit_compliance(from_month=visit.month, to_month=visit.month)
        assert isinstance(report, ComplianceOut) and report.centres[0].visits == {visit.month: 1}
        assert (await officer.known_enterprise(uscc))["city"] == YICHANG

        with pytest.raises(ApiError) as exc:
            await centre.accept_case(case.id)
        assert exc.value.status == 409 and exc.value.problem["type"] == "urn:ipp:problem:case.closed"
        with pytest.raises(ApiError) as exc:
            await officer.get_case(999999)
        assert exc.value.status == 404
