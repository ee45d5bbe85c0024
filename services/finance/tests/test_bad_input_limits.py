"""What a fuzz probe found, fixed: bounded paging, plausible dates, scoped enterprise reads, body limit."""
from __future__ import annotations

import pytest

from libs.common.testing import app_client, assert_oversized_bodies_refused
from libs.readmodels.testing import assert_known_enterprise_read_rules
from services.finance.app import create_app
from services.finance.config import FinanceSettings
from services.finance.models import known_enterprises
from services.finance.tests.helpers import admin, assert_problem, known, mark, nothing_written, pledge_body


@pytest.mark.parametrize("path", ["/api/v1/pledges", "/api/v1/activities"])
async def test_an_offset_no_database_can_hold_is_a_422(api, path):
    assert_problem(await api.get(path, params={"offset": "9223372036854775808"}, headers=admin()), 422, "offset",
                   "less_than_equal")


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
async def test_implausible_dates_are_a_422_naming_the_field(api, runtime, value):
    uscc = await known(runtime)
    since = await mark(runtime)
    assert_problem(await api.post("/api/v1/pledges", json=pledge_body(uscc, registration_date=value),
                                  headers=admin()), 422, "registration_date", "date_range")
    for action, field in (("release", "released_on"), ("default", "defaulted_on")):
        assert_problem(await api.post(f"/api/v1/pledges/1/{action}", json={field: value}, headers=admin()), 422,
                       field, "date_range")
    body = {"kind": "matchmaking", "title": "知识产权质押融资银企对接会", "held_on": value, "city": "420100",
            "organiser": "市市场监督管理局（知识产权局）", "enterprise_count": 30}
    assert_problem(await api.post("/api/v1/activities", json=body, headers=admin()), 422, "held_on", "date_range")
    assert_problem(await api.post("/api/v1/whitelists", json={"title": "2025年第一批", "published_on": value,
                                                               "entries": []}, headers=admin()),
                   422, "published_on", "date_range")
    assert_problem(await api.get("/api/v1/pledges", params={"maturing_before": value}, headers=admin()), 422,
                   "maturing_before", "date_range")
    assert await nothing_written(runtime, since)


async def test_known_enterprises_follow_the_registry_read_rules(api, runtime):
    await assert_known_enterprise_read_rules(api, runtime.sessions, known_enterprises)


async def test_every_write_refuses_an_oversized_body(db_url):
    app = create_app(FinanceSettings(database_url=db_url, kafka_enabled=False, env="test", max_body_bytes=65536))
    async with app_client(app) as client:
        assert await assert_oversized_bodies_refused(app, client, 65536) >= 5
