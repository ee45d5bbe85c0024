"""What a fuzz probe found, fixed: bounded paging, months and times checked before use, plausible
dates, scoped enterprise reads, body limit."""
from __future__ import annotations

import pytest

from libs.common.testing import app_client, assert_oversized_bodies_refused
from libs.readmodels.testing import assert_known_enterprise_read_rules
from services.protection.app import create_app
from services.protection.config import ProtectionSettings
from services.protection.models import known_enterprises
from services.protection.tests.helpers import (
    admin,
    assert_problem,
    case_body,
    centre,
    known,
    mark,
    nothing_written,
    uid,
)


@pytest.mark.parametrize("path", ["/api/v1/workstations", "/api/v1/cases", "/api/v1/visits"])
async def test_an_offset_no_database_can_hold_is_a_422(api, path):
    assert_problem(await api.get(path, params={"offset": "9223372036854775808"}, headers=admin()), 422, "offset",
                   "less_than_equal")


@pytest.mark.parametrize(("params", "field"), [
    ({"from_month": "1984-12"}, "from_month"),
    ({"to_month": "2101-01"}, "to_month"),
    ({"from_month": "0001-01", "to_month": "0001-02"}, "from_month"),
])
async def test_compliance_months_out_of_range_are_a_422(api, params, field):
    assert_problem(await api.get("/api/v1/visits/compliance", params=params, headers=admin()), 422, field,
                   "date_range")
    assert_problem(await api.get("/api/v1/visits", params={"month": "2101-01"}, headers=admin()), 422, "month",
                   "date_range")


async def test_compliance_in_the_last_century_is_answered(api):
    c = await centre(api, established_on="1999-06-01")
    r = await api.get("/api/v1/visits/compliance", params={"from_month": "1999-12", "to_month": "2000-01"},
                      headers=admin())
    assert r.status_code == 200, r.text
    mine = [x for x in r.json()["centres"] if x["centre_id"] == c["id"]]
    assert mine and mine[0]["due_months"] == ["1999-12", "2000-01"]


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00", "1984-12-31T23:59:59+08:00"])
async def test_a_case_time_out_of_range_is_a_422_not_an_overflow(api, runtime, at):
    c = await centre(api)
    uscc = await known(runtime)
    since = await mark(runtime)
    r = await api.post("/api/v1/cases", json=case_body(c["id"], uscc, received_at=at), headers=admin())
    assert_problem(r, 422, "received_at", "date_range")
    for step in ("accept", "start-handling"):
        assert_problem(await api.post(f"/api/v1/cases/1/{step}", json={"at": at}, headers=admin()), 422, "at",
                       "date_range")
    r = await api.post("/api/v1/cases/1/close", json={"outcome": "mediated", "at": at, "result_summary": "调解结案"},
                       headers=admin())
    assert_problem(r, 422, "at", "date_range")
    assert await nothing_written(runtime, since)


async def test_centres_and_workstations_established_in_year_one_are_refused(api, runtime):
    since = await mark(runtime)
    body = {"id": uid("C"), "name": "测试中心", "kind": "assistance", "city": "420100", "established_on": "0001-01-01"}
    assert_problem(await api.post("/api/v1/centres", json=body, headers=admin()), 422, "established_on", "date_range")
    assert_problem(await api.post("/api/v1/centres", json={**body, "established_on": "1949-09-30"}, headers=admin()),
                   422, "established_on", "date_range")
    assert_problem(await api.patch("/api/v1/centres/X-1", json={"closed_on": "9999-12-31"}, headers=admin()), 422,
                   "closed_on", "date_range")
    ws = {"name": "测试园区知识产权保护工作站", "level": "provincial_joint", "host_kind": "park",
          "host_name": "测试园区",
          "city": "420100", "established_on": "0001-01-01"}
    assert_problem(await api.post("/api/v1/workstations", json=ws, headers=admin()), 422, "established_on",
                   "date_range")
    assert_problem(await api.post("/api/v1/workstations/1/deregister", json={"deregistered_on": "0001-01-01",
                                                                            "reason": "撤销理由"}, headers=admin()),
                   422, "deregistered_on", "date_range")
    visit = {"centre_id": "X-1", "uscc": await known(runtime), "visit_date": "9999-12-31",
             "services": ["risk_screening"]}
    assert_problem(await api.post("/api/v1/visits", json=visit, headers=admin()), 422, "visit_date", "date_range")
    assert await nothing_written(runtime, since)
    # a centre founded long ago, but after 1949, is fine
    assert (await centre(api, established_on="1950-01-01"))["established_on"] == "1950-01-01"


async def test_known_enterprises_follow_the_registry_read_rules(api, runtime):
    await assert_known_enterprise_read_rules(api, runtime.sessions, known_enterprises)


async def test_every_write_refuses_an_oversized_body(db_url):
    app = create_app(ProtectionSettings(database_url=db_url, kafka_enabled=False, env="test", max_body_bytes=65536))
    async with app_client(app) as client:
        assert await assert_oversized_bodies_refused(app, client, 65536) >= 8
