"""What a fuzz probe found, fixed: bounded paging, plausible dates, scoped enterprise reads, body limit."""
from __future__ import annotations

from datetime import timedelta

import pytest

from libs.common.testing import app_client, assert_oversized_bodies_refused
from libs.readmodels.testing import assert_known_enterprise_read_rules
from services.training.app import create_app
from services.training.config import TrainingSettings
from services.training.models import known_enterprises
from services.training.tests.helpers import ADMIN, assert_problem, auth, china_today, class_body, mark, nothing_written


@pytest.mark.parametrize("path", ["/api/v1/classes", "/api/v1/certificates"])
async def test_an_offset_no_database_can_hold_is_a_422(api, path):
    assert_problem(await api.get(path, params={"offset": "9223372036854775808"}, headers=auth(ADMIN)), 422,
                   "offset", "less_than_equal")


@pytest.mark.parametrize(("change", "field"), [
    ({"start_date": "0001-01-01", "end_date": "0001-01-02"}, "start_date"),
    ({"start_date": "9999-12-30", "end_date": "9999-12-31"}, "start_date"),
    ({"end_date": "9999-12-31"}, "end_date"),
    ({"session_dates": [china_today().isoformat(), "0001-01-01"]}, "session_dates.1"),
])
async def test_classes_in_year_one_or_9999_are_refused(api, runtime, change, field):
    since = await mark(runtime)
    r = await api.post("/api/v1/classes", json=class_body(**change), headers=auth(ADMIN))
    problem = assert_problem(r, 422, field, "date_range")
    assert "1985-01-01" in problem["detail"] + problem["errors"][0]["message"]
    assert_problem(await api.patch("/api/v1/classes/1", json=change, headers=auth(ADMIN)), 422, field, "date_range")
    assert await nothing_written(runtime, since)


async def test_a_class_of_next_year_is_accepted(api):
    start = china_today().replace(month=1, day=1) + timedelta(days=400)
    r = await api.post("/api/v1/classes", json=class_body(start=start), headers=auth(ADMIN))
    assert r.status_code == 201, r.text


async def test_exam_certificate_and_attendance_dates_are_checked(api):
    assert_problem(await api.put("/api/v1/enrolments/1/exam", json={"score": "80", "exam_date": "0001-01-01"},
                                 headers=auth(ADMIN)), 422, "exam_date", "date_range")
    assert_problem(await api.post("/api/v1/enrolments/1/certificate", json={"issued_on": "9999-12-31"},
                                  headers=auth(ADMIN)), 422, "issued_on", "date_range")
    assert_problem(await api.put("/api/v1/classes/1/attendance/0001-01-01", json={"present": {}},
                                 headers=auth(ADMIN)), 422, "day", "date_range")


async def test_known_enterprises_follow_the_registry_read_rules(api, runtime):
    await assert_known_enterprise_read_rules(api, runtime.sessions, known_enterprises)


async def test_every_write_refuses_an_oversized_body(db_url):
    app = create_app(TrainingSettings(database_url=db_url, kafka_enabled=False, env="test", max_body_bytes=65536))
    async with app_client(app) as client:
        assert await assert_oversized_bodies_refused(app, client, 65536) >= 8
