"""The typed clients (client.py): async in-process, sync over a real socket."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import timedelta

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from libs.common.db import create_engine, session_factory
from libs.common.testing import random_uscc, token
from libs.readmodels.testing import seed_known_enterprise
from services.training.app import create_app
from services.training.client import ApiError, AsyncTrainingClient, TrainingClient
from services.training.config import TrainingSettings
from services.training.models import known_enterprises
from services.training.schemas import ClassCreate, ClassOut, EnrolmentIn, ExamIn
from services.training.tests.helpers import WUHAN, china_today, enterprise, id_number


def new_class(track: str = "assessed", days: int = 2, **kw) -> ClassCreate:
    start = china_today() - timedelta(days=days + 2)
    return ClassCreate(track=track, title="千名专员（考核）培训班", city=kw.pop("city", WUHAN),
                       organiser="湖北省知识产权培训基地",
                       start_date=start, end_date=start + timedelta(days=days - 1), capacity=30, **kw)


async def test_async_client_runs_a_class_to_certificates(api, app, runtime):
    uscc = await enterprise(runtime)
    async with AsyncTrainingClient("http://test", token("city-officer", city=WUHAN),
                                   transport=httpx.ASGITransport(app=app)) as officer:
        cls = await officer.create_class(new_class())
        assert isinstance(cls, ClassOut) and cls.status == "planned"
        assert (await officer.open_class(cls.id)).status == "open"
        trainees = await officer.enrol_batch(cls.id, [EnrolmentIn(name=f"学员{i}号", id_number=id_number(), uscc=uscc)
                                                       for i in range(3)])
        for day in cls.session_dates:
            sheet = await officer.record_attendance(cls.id, day, {t.id: True for t in trainees})
            assert sheet.changed == 3
        done = await officer.finish_class(cls.id)
        assert done.status == "finished" and done.finished_on == china_today()
        for t, score in zip(trainees, ("90", "60", "45"), strict=True):
            await officer.record_exam(t.id, ExamIn(score=score, exam_date=cls.end_date))
        batch = await officer.issue_class_certificates(cls.id)
        assert len(batch.issued) == 2 and batch.skipped[0]["rule"] == "certificate.exam-not-passed"
        page = await officer.list_certificates(track="assessed")
        assert page.total == 2
        progress = await officer.summary(cls.start_date.year)
        assert progress["tracks"]["assessed"]["completed"] == 3
        assert (await officer.get_certificate(batch.issued[0].number)).enrolment_id == trainees[0].id
        assert (await officer.known_enterprise(uscc))["uscc"] == uscc
        assert await officer.known_enterprise(random_uscc()) is None
        with pytest.raises(ApiError) as info:
            await officer.issue_certificate(trainees[0].id)
        assert (info.value.status, info.value.problem["type"]) == (409, "urn:ipp:problem:certificate.exists")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def live(db_url):
    app = create_app(TrainingSettings(database_url=db_url, kafka_enabled=False, env="test"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="training-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", db_url
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


async def test_sync_client_over_http(live):
    base, db_url = live
    uscc = random_uscc(WUHAN)
    engine = create_engine(db_url)  # this test's loop (the server's engine lives on the server thread's loop)
    try:
        await seed_known_enterprise(session_factory(engine), known_enterprises, uscc, WUHAN, "private")
    finally:
        await engine.dispose()

    def scenario() -> None:
        with TrainingClient(base, token("province-admin")) as admin:
            cls = admin.create_class(new_class(track="private", code="SYNC-1"))
            admin.open_class(cls.id)
            person = EnrolmentIn(name="王同步", id_number=id_number(), uscc=uscc)
            e = admin.enrol(cls.id, person)
            assert admin.list_enrolments(cls.id)[0].id == e.id
            assert admin.list_classes(code="SYNC-1").total == 1
            with pytest.raises(ApiError) as info:
                admin.enrol(cls.id, person)
            assert (info.value.status, info.value.problem["type"]) == (409, "urn:ipp:problem:enrolment.exists")
            with pytest.raises(ValidationError):  # the client checks its request models before sending
                admin.cancel_class(cls.id, "x")
            assert admin.cancel_class(cls.id, "场地调整").status == "cancelled"
        with TrainingClient(base, token("viewer")) as viewer:
            with pytest.raises(ApiError) as info:
                viewer.create_class(new_class())
            assert info.value.status == 403

    await asyncio.to_thread(scenario)
