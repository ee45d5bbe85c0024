"""Service activities → Kafka → reporting, end to end: an enterprise registered through its service
reaches the training service's read model; a city officer records an examiner and attorney visit
(002 § 20), a fee-reduction briefing (002 § 19) and, through the bulk import, an on-site priority
examination service; the reporting worker folds them into exact values seen on the SSE stream. A
correction of the visit's person-times and month and the cancellation of the briefing then move the
indicators exactly: the old figures taken back, the new ones counted, nothing twice."""
from __future__ import annotations

import time
import uuid

import pytest

from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.training.client import TrainingClient
from services.training.schemas import ActivityCorrect, ActivityCreate
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values
from tests.e2e.test_reporting import Stream

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "421100"  # 黄冈市
PROVINCE = "420000"


def wait_known(client: TrainingClient, uscc: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while client.known_enterprise(uscc) is None:
        assert time.monotonic() < deadline, f"the training service never learnt of {uscc}"
        time.sleep(0.2)


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key) or "0") + n)


def test_activities_reach_the_stream_and_a_correction_moves_them_exactly(platform):
    officer = token("city-officer", city=CITY)
    before = indicator_values(platform, YEAR)
    stream = Stream(platform, year=YEAR)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        firms = [ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name=f"黄冈端到端{n}机械制造有限公司", industry="A03", size_class="small",
            ownership=own)).uscc for n, own in (("甲", "private"), ("乙", "private"), ("丙", "state"))]
    tag = uuid.uuid4().hex[:6]
    with TrainingClient(url(platform, "training"), officer) as tc:
        for u in firms:
            wait_known(tc, u)
        visit = tc.record_activity(ActivityCreate(
            kind="examiner_visit", title=f"“千家民企面对面”走访（黄冈站）{tag}", held_on=f"{YEAR}-05-16",
            organiser="专利审查协作湖北中心", city=CITY, enterprises=firms, staff_person_times=7))
        assert (visit.enterprise_count, visit.private_count) == (3, 2)
        briefing = tc.record_activity(ActivityCreate(
            kind="fee_briefing", title=f"民营企业专利费减政策宣讲会 {tag}", held_on=f"{YEAR}-04-10",
            organiser="黄冈市知识产权局", city=CITY, enterprises=firms[:2], staff_person_times=2))
        bulk = tc.import_activities([ActivityCreate(
            kind="onsite_service", sub_kind="priority_examination", title=f"上门优先审查服务 {tag}",
            held_on=f"{YEAR}-06-03", organiser="黄冈市知识产权局", city=CITY, enterprises=[firms[0]],
            staff_person_times=1)])
        assert (bulk.written, bulk.rejected) == (1, 0)

        first = {("activities_examiner_visit", CITY): plus(before, ("activities_examiner_visit", CITY), 1),
                 ("activities_examiner_visit_person_times", CITY):
                     plus(before, ("activities_examiner_visit_person_times", CITY), 7),
                 ("activities_examiner_visit_person_times", PROVINCE):
                     plus(before, ("activities_examiner_visit_person_times", PROVINCE), 7),
                 ("activities_examiner_visit_private_enterprises", CITY):
                     plus(before, ("activities_examiner_visit_private_enterprises", CITY), 2),
                 ("activities_fee_briefing", CITY): plus(before, ("activities_fee_briefing", CITY), 1),
                 ("activities_fee_briefing", PROVINCE): plus(before, ("activities_fee_briefing", PROVINCE), 1),
                 ("activities_onsite_priority_examination", CITY):
                     plus(before, ("activities_onsite_priority_examination", CITY), 1)}
        stream.wait_values(first, timeout=120)

        # the visit had 9 person-times, not 7; the briefing was recorded twice elsewhere: cancelled
        fixed = tc.correct_activity(visit.id, ActivityCorrect(staff_person_times=9, held_on=f"{YEAR}-06-20",
                                                              reason="走访人次录入错误"))
        assert (fixed.staff_person_times, fixed.version) == (9, 2)
        assert tc.cancel_activity(briefing.id, "重复登记").status == "cancelled"

    final = {**first,
             ("activities_examiner_visit_person_times", CITY):
                 plus(before, ("activities_examiner_visit_person_times", CITY), 9),
             ("activities_examiner_visit_person_times", PROVINCE):
                 plus(before, ("activities_examiner_visit_person_times", PROVINCE), 9),
             ("activities_fee_briefing", CITY): plus(before, ("activities_fee_briefing", CITY), 0),
             ("activities_fee_briefing", PROVINCE): plus(before, ("activities_fee_briefing", PROVINCE), 0)}
    stream.wait_values({k: v for k, v in final.items() if v != first[k]}, timeout=120)
    wait_for_values(platform, YEAR, final, timeout=60)
    time.sleep(2)  # anything counted twice would show by now
    assert {k: indicator_values(platform, YEAR).get(k) or "0" for k in final} == final


def test_demo_activities_load_through_the_bulk_import_and_a_second_run_writes_nothing(platform):
    from ipp.demo import activities as demo
    from ipp.demo.common import DemoEnterprise

    firms = []
    with EnterpriseClient(url(platform, "enterprise"), ADMIN) as ent:
        for city in ("420100", "420500", CITY):
            e = ent.create_enterprise(EnterpriseCreate(uscc=random_uscc(city), name=f"演示服务活动企业{city}有限公司",
                                                       industry="A01", size_class="small", ownership="private"))
            firms.append(DemoEnterprise(e.uscc, e.name, city, "A01", "private", True, None, ()))
    with TrainingClient(url(platform, "training"), ADMIN) as tc:
        for f in firms:
            wait_known(tc, f.uscc)
        urls = {"training": url(platform, "training")}
        seed = int(uuid.uuid4().int % 10**6)
        first = demo.load(urls, firms, seed)
        assert "登记 0 次" not in first, first
        again = demo.load(urls, firms, seed)
        assert "登记 0 次、更正 0 次" in again, again
        listed = tc.list_activities(year=YEAR, limit=500)
    assert {"420100", "420500", CITY} <= {a.city for a in listed.items}
