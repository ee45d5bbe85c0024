"""What a fuzz probe found, fixed: bounded paging, literal search text, plausible dates, scoped
enterprise reads, body limit."""
from __future__ import annotations

import pytest

from libs.common.testing import app_client, assert_oversized_bodies_refused
from libs.readmodels.testing import assert_known_enterprise_read_rules
from services.transfer.app import create_app
from services.transfer.config import TransferSettings
from services.transfer.models import known_enterprises
from services.transfer.tests.helpers import (
    ADMIN,
    WUHAN,
    assert_problem,
    china_today,
    headers,
    mark,
    nothing_written,
    patent,
    transfer_body,
)

LISTS = ["/api/v1/transfers", "/api/v1/open-licences", "/api/v1/library", "/api/v1/needs", "/api/v1/matching-events"]


@pytest.mark.parametrize("path", LISTS)
async def test_an_offset_no_database_can_hold_is_a_422(api, path):
    assert_problem(await api.get(path, params={"offset": "9223372036854775808"}, headers=headers(ADMIN)), 422,
                   "offset", "less_than_equal")


async def test_search_text_is_matched_literally(api):
    names = {"pct": "深圳百分之100%科技有限公司", "under": "深圳某_某科技有限公司", "plain": "深圳普通科技有限公司"}
    ids = {}
    for key, name in names.items():
        body = transfer_body(to={"kind": "other_enterprise", "name": name, "region": "other_province"})
        r = await api.post("/api/v1/transfers", json=body, headers=headers(ADMIN))
        assert r.status_code == 201, r.text
        ids[r.json()["id"]] = key
        licence = {"title": f"开放许可：{name}", "patents": [patent()], "fee_kind": "free",
                   "licensor": {"kind": "university", "name": "武汉理工大学", "city": WUHAN},
                   "valid_from": china_today().isoformat(), "valid_to": "2030-12-31"}
        r = await api.post("/api/v1/open-licences", json=licence, headers=headers(ADMIN))
        assert r.status_code == 201, r.text

    async def found(path: str, q: str) -> set[str]:
        r = await api.get(path, params={"q": q, "limit": 500}, headers=headers(ADMIN))
        assert r.status_code == 200, r.text
        if path.endswith("transfers"):
            return {ids[x["id"]] for x in r.json()["items"] if x["id"] in ids}
        return {k for x in r.json()["items"] for k, n in names.items() if x["title"].endswith(n)}

    for path in ("/api/v1/transfers", "/api/v1/open-licences"):
        assert await found(path, "%") == {"pct"}, path
        assert await found(path, "_") == {"under"}, path
        assert await found(path, "某_某") == {"under"}, path
        assert await found(path, "\\") == set(), path
        assert await found(path, "深圳") == {"pct", "under", "plain"}, path


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
async def test_matching_events_in_year_one_or_9999_are_refused(api, runtime, value):
    since = await mark(runtime)
    body = {"title": "光电子信息领域专利技术供需对接会", "city": WUHAN, "planned_date": value,
            "organiser": "湖北省知识产权局"}
    assert_problem(await api.post("/api/v1/matching-events", json=body, headers=headers(ADMIN)), 422, "planned_date",
                   "date_range")
    held = {"held_on": value, "participants_enterprises": 10, "deals_intended": 1}
    assert_problem(await api.post("/api/v1/matching-events/1/held", json=held, headers=headers(ADMIN)), 422,
                   "held_on", "date_range")
    assert await nothing_written(runtime, since)


async def test_record_and_licence_dates_are_checked(api, runtime):
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers", json=transfer_body(contract_date="0001-01-01"), headers=headers(ADMIN))
    assert_problem(r, 422, "contract_date", "date_range")
    r = await api.post("/api/v1/transfers", json=transfer_body(term_end="9999-12-31"), headers=headers(ADMIN))
    assert_problem(r, 422, "term_end", "date_range")
    licence = {"title": "开放许可测试", "patents": [patent()], "fee_kind": "free",
               "licensor": {"kind": "university", "name": "武汉理工大学", "city": WUHAN},
               "valid_from": "0001-01-01", "valid_to": "9999-12-31"}
    r = await api.post("/api/v1/open-licences", json=licence, headers=headers(ADMIN))
    assert_problem(r, 422, "valid_from", "date_range")
    assert_problem(r, 422, "valid_to", "date_range")
    r = await api.post("/api/v1/transfers/bulk", json={"records": [transfer_body(contract_date="9999-12-31")]},
                       headers=headers(ADMIN))
    assert r.status_code == 200 and r.json()["written"] == 0, r.text  # per-row errors, the good rows written
    assert [(e["row"], e["field"], e["rule"]) for e in r.json()["errors"]] == [(0, "contract_date", "date_range")]
    assert await nothing_written(runtime, since)
    # a licence term 20 years ahead is a patent's life, not a typing mistake
    r = await api.post("/api/v1/transfers", json=transfer_body(term_end=f"{china_today().year + 20}-03-17"),
                       headers=headers(ADMIN))
    assert r.status_code == 201, r.text


async def test_known_enterprises_follow_the_registry_read_rules(api, runtime):
    await assert_known_enterprise_read_rules(api, runtime.sessions, known_enterprises)


async def test_every_write_refuses_an_oversized_body(db_url):
    app = create_app(TransferSettings(database_url=db_url, kafka_enabled=False, env="test", max_body_bytes=65536))
    async with app_client(app) as client:
        assert await assert_oversized_bodies_refused(app, client, 65536) >= 8
