"""Protection end to end: enterprise → read model → protection (typed client) → Kafka → reporting.

Real processes and the real broker. Only the services this programme needs run (enterprise,
protection, reporting and its worker), so the test does not depend on the other programmes.
"""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.protection.client import ApiError, ProtectionClient
from services.protection.schemas import CaseCreate, CentreCreate, CloseIn, VisitCreate, WorkstationCreate
from tests.e2e.conftest import ADMIN, BrokerLink, indicator_values, make_platform, url, wait_for_values

pytestmark = pytest.mark.e2e
NEEDED = ["enterprise", "protection", "reporting"]
YEAR = 2025
CITY, PROVINCE = "420500", "420000"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-protection")
    link = BrokerLink(tmp)
    link.start()
    plat = make_platform(tmp, link)
    try:
        plat.start_broker()
        for name in NEEDED:
            subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", name], env=plat.env(), check=True,
                           stdout=subprocess.DEVNULL)
        for name in NEEDED:
            plat.procs[name] = plat.service_proc(name, replay=False)
        plat.procs["reporting-worker"] = plat.worker_proc()
        for proc in plat.procs.values():
            proc.start()
        status = plat.wait_ready(timeout=120)
        assert all(status.values()), f"not ready: {status}"
        yield plat
    finally:
        plat.stop_all()
        link.stop()


def wait_known(base: str, uscc: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        r = httpx.get(f"{base}/api/v1/known-enterprises/{uscc}", headers={"Authorization": f"Bearer {ADMIN}"})
        if r.status_code == 200:
            return
        assert r.status_code == 404, r.text
        assert time.monotonic() < deadline, f"protection never learned of {uscc}"
        time.sleep(0.2)


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key, "0")) + n)


def test_protection_programme_reaches_reporting(platform):
    before = indicator_values(platform, YEAR)
    officer = token("city-officer", city=CITY)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        private = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌端到端保护测试科技有限公司", industry="P3", size_class="small",
            ownership="private")).uscc
        state = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌端到端国有测试有限公司", industry="P3", size_class="medium",
            ownership="state")).uscc
    base = url(platform, "protection")
    for uscc in (private, state):
        wait_known(base, uscc)

    centre_id = f"E2E-{uuid.uuid4().hex[:6].upper()}"
    received = datetime(YEAR, 3, 3, 1, 30, tzinfo=UTC)
    with ProtectionClient(base, officer) as prot, \
            ProtectionClient(base, token("agency", org=centre_id)) as centre:
        prot.register_centre(CentreCreate(id=centre_id, name=f"宜昌端到端维权援助中心{centre_id}", kind="assistance",
                                          city=CITY, established_on=date(2019, 1, 1)))
        joint = prot.establish_workstation(WorkstationCreate(
            name="宜昌端到端省级联合保护工作站", level="provincial_joint", host_kind="enterprise", host_uscc=private,
            centre_id=centre_id, established_on=date(YEAR, 4, 26)))
        assert (joint.city, joint.host_is_private) == (CITY, True)
        prot.establish_workstation(WorkstationCreate(
            name="宜昌端到端园区工作站", level="city", host_kind="park", host_name="宜昌端到端产业园", city=CITY,
            established_on=date(YEAR, 6, 1)))

        with pytest.raises(ApiError) as exc:  # unknown enterprise: a clear 422, nothing written
            centre.receive_case(CaseCreate(case_no=f"X-{centre_id}", kind="assistance", centre_id=centre_id,
                                           uscc=random_uscc(CITY), ip_type="patent", title="未登记企业"))
        assert exc.value.status == 422 and exc.value.problem["errors"][0]["rule"] == "enterprise-registered"

        for i, uscc in enumerate((private, state)):
            case = centre.receive_case(CaseCreate(
                case_no=f"WQ-{centre_id}-{i}", kind="mediation", centre_id=centre_id, uscc=uscc, ip_type="patent",
                title="专利侵权纠纷", received_at=received))
            centre.accept_case(case.id, at=received + timedelta(days=1))
            centre.start_handling(case.id, at=received + timedelta(days=2 + 5 * i))  # the second one is late
            closed = centre.close_case(case.id, CloseIn(outcome="mediated", at=received + timedelta(days=20),
                                                        result_summary="调解结案并反馈企业"))
            assert closed.status == "closed"
            with pytest.raises(ApiError) as exc:
                centre.accept_case(case.id)
            assert exc.value.status == 409

        centre.record_visit(VisitCreate(centre_id=centre_id, uscc=private, visit_date=date(YEAR, 3, 12),
                                        services=["risk_screening"]))
        report = prot.visit_compliance(from_month=f"{YEAR - 1}-12", to_month=f"{YEAR}-03", centre_id=centre_id)
        assert report.missed and [m.month for m in report.missed] == [f"{YEAR - 1}-12", f"{YEAR}-01", f"{YEAR}-02"]

    expected = {}
    for code, n in [("protection_workstations_new", 1), ("protection_workstations", 2),
                    ("protection_cases_received", 2), ("protection_cases_private", 1),
                    ("protection_cases_closed", 2), ("protection_cases_closed_in_time", 1), ("protection_visits", 1)]:
        for city in (CITY, PROVINCE):
            expected[(code, city)] = plus(before, (code, city), n)
    seen = wait_for_values(platform, YEAR, expected, timeout=120)
    assert seen[("protection_workstations_new", PROVINCE)] == expected[("protection_workstations_new", PROVINCE)]
    r = httpx.get(f"{url(platform, 'reporting')}/api/v1/indicators", params={"year": YEAR, "city": PROVINCE},
                  headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    item = next(i for i in r.json()["items"] if i["indicator"] == "protection_workstations_new")
    assert item["target"] == "50" and item["met"] is False
