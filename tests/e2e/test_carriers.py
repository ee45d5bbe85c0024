"""Carriers → Kafka → reporting, end to end: an enterprise registered through its service reaches the
transfer service's read model; the province approves a navigation base it hosts and a university
conversion base, the city officer records their establishment, the province revokes one; the reporting
worker folds them into exact "new" and "operating" values, seen on the SSE stream and the indicators API."""
from __future__ import annotations

import time
import uuid

import pytest

from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.transfer.client import TransferClient
from services.transfer.schemas import CarrierCreate, EstablishIn, RevokeIn
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values
from tests.e2e.test_reporting import Stream
from tests.e2e.test_transfer import plus, wait_known

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "420600"  # 襄阳市
PROVINCE = "420000"


def test_approved_and_operating_carriers_reach_reporting(platform):
    officer = token("city-officer", city=CITY)
    before = indicator_values(platform, YEAR)
    stream = Stream(platform, year=YEAR)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        host = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="襄阳端到端汽车零部件股份有限公司", industry="A03", size_class="medium",
            ownership="private")).uscc
    tag = uuid.uuid4().hex[:8]
    with TransferClient(url(platform, "transfer"), officer) as tc, \
            TransferClient(url(platform, "transfer"), ADMIN) as admin:
        wait_known(tc, host)
        nav = admin.approve_carrier(CarrierCreate(
            kind="navigation_base", name=f"新能源汽车产业专利导航服务基地-{tag}", host_kind="enterprise",
            host_uscc=host, city=CITY, level="provincial", field="新能源与智能网联汽车", approved_on=f"{YEAR}-03-18"))
        assert nav.host_name == "襄阳端到端汽车零部件股份有限公司" and nav.status == "approved"
        base = admin.approve_carrier(CarrierCreate(
            kind="university_conversion_base", name=f"湖北文理学院专利转化基地-{tag}", host_kind="university",
            host_name="湖北文理学院", city=CITY, level="provincial", approved_on=f"{YEAR}-04-02"))
        city_level = tc.approve_carrier(CarrierCreate(
            kind="navigation_base", name=f"襄阳市级专利导航服务基地-{tag}", host_kind="other",
            host_name="襄阳市知识产权服务中心", city=CITY, level="city", approved_on=f"{YEAR}-02-01"))
        tc.establish_carrier(nav.id, EstablishIn(established_on=f"{YEAR}-05-10"))
        tc.establish_carrier(base.id, EstablishIn(established_on=f"{YEAR}-05-20"))
        tc.establish_carrier(city_level.id, EstablishIn(established_on=f"{YEAR}-03-01"))
        revoked = admin.revoke_carrier(base.id, RevokeIn(revoked_on=f"{YEAR}-10-31", reason="依托单位申请退出"))
        assert revoked.status == "revoked"

    expected = {
        ("carriers_new_navigation_base", CITY): plus(before, ("carriers_new_navigation_base", CITY), 1),
        ("carriers_new_navigation_base", PROVINCE): plus(before, ("carriers_new_navigation_base", PROVINCE), 1),
        ("carriers_operating_navigation_base", CITY): plus(before, ("carriers_operating_navigation_base", CITY), 2),
        ("carriers_new_university_conversion_base", CITY):
            plus(before, ("carriers_new_university_conversion_base", CITY), 1),
        ("carriers_operating_university_conversion_base", CITY):
            plus(before, ("carriers_operating_university_conversion_base", CITY), 0),
    }
    stream.wait_values({k: v for k, v in expected.items() if k[0] != "carriers_operating_university_conversion_base"},
                       timeout=120)
    wait_for_values(platform, YEAR, {k: v for k, v in expected.items()
                                     if k[0] != "carriers_operating_university_conversion_base"}, timeout=60)
    time.sleep(2)  # anything counted twice would show by now
    seen = indicator_values(platform, YEAR)
    assert {k: seen.get(k, "0") for k in expected} == expected


def test_demo_carriers_in_every_city_and_a_second_run_writes_nothing(platform):
    from ipp.demo import carriers as demo
    from ipp.demo.common import DemoEnterprise
    from libs.common.divisions import CITIES

    hosts = []
    with EnterpriseClient(url(platform, "enterprise"), ADMIN) as ent:
        for city in ("420100", "420500", CITY):
            e = ent.create_enterprise(EnterpriseCreate(uscc=random_uscc(city), name=f"演示载体依托企业{city}有限公司",
                                                       industry="A01", size_class="small", ownership="private"))
            hosts.append(DemoEnterprise(e.uscc, e.name, city, "A01", "private", True, None, ()))
    with TransferClient(url(platform, "transfer"), ADMIN) as tc:
        for h in hosts:
            wait_known(tc, h.uscc)
        urls = {"transfer": url(platform, "transfer")}
        seed = int(uuid.uuid4().int % 10**6)
        first = demo.load(urls, hosts, seed)
        assert "本次新写入：认定 0 个" not in first
        again = demo.load(urls, hosts, seed)
        assert "认定 0 个、建成运行 0 个、年度评价 0 条、撤销 0 个" in again, again
        listed = tc.list_carriers(limit=500)
    assert {c.city for c in listed.items} == set(CITIES)
    assert any(c.status == "revoked" and c.reviews and c.reviews[0].result == "failed" for c in listed.items)
