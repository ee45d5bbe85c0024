"""Training → Kafka → reporting, end to end: the typed clients, the real broker, real processes.

The enterprise service registers the enterprises; the training service learns them from
``ipp.enterprise.events`` (its read model); classes, enrolments, attendance (with a correction),
completions and a certificate go through the training client; the reporting worker folds
``ipp.training.events`` into the four training indicators.

Only the three services this path crosses are started (plus the reporting worker), which keeps the
run light on a shared machine and independent of the other programmes' state.
"""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

import pytest

from ipp.launcher import Platform
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.training.client import ApiError, TrainingClient
from services.training.domain import id_check_char
from services.training.schemas import ClassCreate, EnrolmentIn, ExamIn
from tests.e2e.conftest import ADMIN, BrokerLink, indicator_values, make_platform, url, wait_for_values

pytestmark = pytest.mark.e2e
NEEDED = ("enterprise", "training", "reporting")
YEAR = 2024
SUIZHOU, XIANNING, PROVINCE = "421300", "421200", "420000"


class _Subset(Platform):
    """The launcher's platform, limited to the services this path crosses."""

    def migrate(self) -> None:
        for name in NEEDED:
            subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", name], env=self.env(), check=True,
                           stdout=subprocess.DEVNULL)

    def start_all(self) -> None:
        for name in NEEDED:
            self.procs[name] = self.service_proc(name, replay=False)
        self.procs["reporting-worker"] = self.worker_proc()
        for proc in self.procs.values():
            proc.start()


@pytest.fixture(scope="module")
def training_platform(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-training")
    link = BrokerLink(tmp)
    link.start()
    base = make_platform(tmp, link)
    plat = _Subset(var_dir=base.var_dir, ports=base.ports, worker_metrics_port=base.worker_metrics_port,
                   extra_env=base.extra_env, quiet=True, replay_on_start=False)
    try:
        plat.start_broker()
        plat.migrate()
        plat.start_all()
        status = plat.wait_ready(timeout=120)
        assert all(status.values()), f"not ready: {status}"
        yield plat
    finally:
        plat.stop_all()
        link.stop()


def person(n: int) -> str:
    body = f"421302{1980 + n:04d}0612{n:03d}"
    return body + id_check_char(body)


def register(plat, city: str, ownership: str) -> str:
    with EnterpriseClient(url(plat, "enterprise"), token("city-officer", city=city)) as c:
        e = c.create_enterprise(EnterpriseCreate(uscc=random_uscc(city), name=f"培训端到端测试{ownership}企业有限公司",
                                                 industry="P1", size_class="small", ownership=ownership))
    return e.uscc


def wait_known(t: TrainingClient, usccs: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for uscc in usccs:
        while t.known_enterprise(uscc) is None:
            assert time.monotonic() < deadline, f"the training service never learnt of {uscc}"
            time.sleep(0.2)


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key, "0")) + n)


def test_classes_attendance_and_certificates_reach_the_indicators(training_platform):
    plat = training_platform
    private_a, private_b = register(plat, SUIZHOU, "private"), register(plat, SUIZHOU, "private")
    state_x = register(plat, XIANNING, "state")
    before = indicator_values(plat, YEAR)
    with TrainingClient(url(plat, "training"), ADMIN) as admin:  # an officer sees only their city's
        wait_known(admin, [private_a, private_b, state_x])
    with TrainingClient(url(plat, "training"), token("city-officer", city=SUIZHOU)) as officer:

        # an enterprise the service does not know: a clear 422, nothing written
        unknown = officer.create_class(ClassCreate(
            track="private", title="随州市民营企业知识产权培训班（拒绝测试）", city=SUIZHOU,
            organiser="随州市知识产权局",
            start_date=date(YEAR, 4, 1), end_date=date(YEAR, 4, 1), capacity=5))
        officer.open_class(unknown.id)
        with pytest.raises(ApiError) as info:
            officer.enrol(unknown.id, EnrolmentIn(name="未知企业学员", id_number=person(99), uscc=random_uscc(SUIZHOU)))
        assert info.value.status == 422 and info.value.problem["errors"][0]["rule"] == "enterprise-registered"
        officer.cancel_class(unknown.id, "测试：无人报名")

        # private-enterprise class: 3 trainees attend, one sign-in is then corrected away → 2 person-times
        cls = officer.create_class(ClassCreate(
            track="private", title="随州市民营企业知识产权实务培训班", city=SUIZHOU, organiser="随州市知识产权局",
            start_date=date(YEAR, 5, 6), end_date=date(YEAR, 5, 7), capacity=30))
        officer.open_class(cls.id)
        a, b, c = officer.enrol_batch(cls.id, [
            EnrolmentIn(name="陈民营", id_number=person(1), uscc=private_a),
            EnrolmentIn(name="刘民营", id_number=person(2), uscc=private_a),
            EnrolmentIn(name="黄民营", id_number=person(3), uscc=private_b)])
        day1, day2 = cls.session_dates
        officer.record_attendance(cls.id, day1, {a.id: True, b.id: True, c.id: True})
        officer.record_attendance(cls.id, day2, {a.id: True, b.id: True, c.id: False})
        officer.finish_class(cls.id)
        officer.record_attendance(cls.id, day1, {c.id: False})  # c was never there

        # preparatory class in Suizhou: a Xianning state-owned trainee and a private one complete
        prep = officer.create_class(ClassCreate(
            track="preparatory", title="随州市企业知识产权“万名专员”（预科）培训班", city=SUIZHOU,
            organiser="随州市知识产权局", start_date=date(YEAR, 6, 3), end_date=date(YEAR, 6, 3), capacity=30))
        officer.open_class(prep.id)
        x, y = officer.enrol_batch(prep.id, [EnrolmentIn(name="周国企", id_number=person(4), uscc=state_x),
                                             EnrolmentIn(name="陈民营", id_number=person(1), uscc=private_a)])
        officer.record_attendance(prep.id, prep.session_dates[0], {x.id: True, y.id: True})
        officer.finish_class(prep.id)

    # assessed class at a training base (agency), exam and certificate
    with TrainingClient(url(plat, "training"), token("agency", org="hbipt-e2e")) as base:
        assessed = base.create_class(ClassCreate(
            track="assessed", title="“千名专员”（考核）培训班", city=SUIZHOU,
            organiser="湖北省知识产权培训基地（端到端）",
            start_date=date(YEAR, 9, 2), end_date=date(YEAR, 9, 2), capacity=10))
        base.open_class(assessed.id)
        (z,) = base.enrol_batch(assessed.id, [EnrolmentIn(name="周国企", id_number=person(4), uscc=state_x)])
        base.record_attendance(assessed.id, assessed.session_dates[0], {z.id: True})
        base.record_exam(z.id, ExamIn(score="81.5", exam_date=date(YEAR, 9, 2)))
        base.finish_class(assessed.id)
        cert = base.issue_certificate(z.id, issued_on=date(YEAR, 9, 30))
        assert cert.number == f"HBIPT-A-{YEAR}-00001"
        with pytest.raises(ApiError) as info:
            base.issue_certificate(z.id)
        assert info.value.status == 409

    expected = {
        ("training_private_classes", SUIZHOU): plus(before, ("training_private_classes", SUIZHOU), 1),
        ("training_private_classes", PROVINCE): plus(before, ("training_private_classes", PROVINCE), 1),
        # 2 in the private class after the correction, and the private trainee of the preparatory class
        ("training_private_person_times", SUIZHOU): plus(before, ("training_private_person_times", SUIZHOU), 3),
        ("training_private_person_times", PROVINCE): plus(before, ("training_private_person_times", PROVINCE), 3),
        # commissioners count in their enterprise's city
        ("commissioners_preparatory", XIANNING): plus(before, ("commissioners_preparatory", XIANNING), 1),
        ("commissioners_preparatory", SUIZHOU): plus(before, ("commissioners_preparatory", SUIZHOU), 1),
        ("commissioners_preparatory", PROVINCE): plus(before, ("commissioners_preparatory", PROVINCE), 2),
        ("commissioners_assessed", XIANNING): plus(before, ("commissioners_assessed", XIANNING), 1),
        ("commissioners_assessed", PROVINCE): plus(before, ("commissioners_assessed", PROVINCE), 1),
    }
    wait_for_values(plat, YEAR, expected, timeout=120)
    time.sleep(2)  # anything counted twice would show by now
    assert {k: indicator_values(plat, YEAR)[k] for k in expected} == expected
    # stocks carry into later years; flows do not
    later = indicator_values(plat, YEAR + 1)
    assert later[("commissioners_preparatory", PROVINCE)] == expected[("commissioners_preparatory", PROVINCE)]
    assert later.get(("training_private_classes", SUIZHOU), "0") == "0"
