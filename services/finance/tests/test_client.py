"""The typed async client against the app in-process; the OpenAPI contract; the read-model endpoint."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from libs.common.testing import random_uscc, token
from services.finance.client import ApiError, AsyncFinanceClient, FinanceClient
from services.finance.schemas import ActivityCreate, PledgeCreate, PledgedItemIn, WhitelistEntryIn, WhitelistPublish
from services.finance.tests.helpers import YICHANG, known, new_patent


def client(app, role: str, city: str | None = None, org: str | None = None) -> AsyncFinanceClient:
    return AsyncFinanceClient("http://test", token(role, city, org), transport=httpx.ASGITransport(app=app))


async def test_async_client_round_trip(api, app, runtime):
    uscc = await known(runtime, YICHANG)
    async with client(app, "bank", org="CMB-WH") as bank, client(app, "province-admin") as admin:
        loan = await bank.register_pledge(PledgeCreate(
            uscc=uscc, contract_no="CMB-2025-1", amount=Decimal("3000000.00"), registration_date=date(2025, 4, 1),
            term_months=24, annual_rate=Decimal("3.2"), risk_sharing=["guarantee"],
            items=[PledgedItemIn(kind="patent", number=new_patent())]))
        assert (loan.lender_bank, loan.city, loan.amount) == ("CMB-WH", YICHANG, Decimal("3000000.00"))
        assert (await bank.get_pledge(loan.id)).contract_no == "CMB-2025-1"
        page = await bank.list_pledges(year=2025)
        assert [x.id for x in page.items] == [loan.id]
        released = await bank.release_pledge(loan.id, date(2025, 10, 1))
        assert released.status == "released"
        with pytest.raises(ApiError) as err:
            await bank.default_pledge(loan.id, date(2025, 10, 2))
        assert err.value.status == 409 and err.value.problem["type"].endswith("pledge.transition")
        summary = await admin.pledge_summary(2025)
        assert summary.total.loans == 1 and summary.total.released == 1

        v = await admin.publish_whitelist(WhitelistPublish(
            title="2025年第一批白名单", published_on=date(2025, 4, 10),
            entries=[WhitelistEntryIn(uscc=uscc, suggested_credit_line=Decimal("5000000"))]))
        assert v.number == 1 and (await bank.current_whitelist()).entries[0].uscc == uscc
        assert [x.number for x in await bank.list_whitelists()] == [1]
        assert (await bank.whitelist_diff(1, 1)).unchanged == 1

        a = await admin.record_activity(ActivityCreate(
            kind="matchmaking", title="宜昌市知识产权质押融资对接会", held_on=date(2025, 6, 6), city=YICHANG,
            organiser="宜昌市知识产权局", enterprise_count=20, institution_count=6, enterprises=[uscc]))
        assert (await bank.list_activities(year=2025)).items[0].id == a.id
        assert (await admin.cancel_activity(a.id, "误登记")).status == "cancelled"
        assert (await admin.known_enterprise(uscc))["city"] == YICHANG


async def test_client_errors_carry_the_problem(api, app):
    async with client(app, "province-admin") as admin:
        with pytest.raises(ApiError) as err:
            await admin.known_enterprise(random_uscc())
        assert err.value.status == 404
        with pytest.raises(ApiError) as err:
            await admin.get_pledge(12345)
        assert err.value.status == 404 and err.value.problem["title"] == "资源不存在"


def test_sync_client_builds_the_same_requests():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/v1/pledges":
            return httpx.Response(200, json={"items": [], "total": 0, "limit": 10, "offset": 0})
        return httpx.Response(422, json={"title": "请求参数校验失败", "detail": "x"})

    with FinanceClient("http://x", "t", transport=httpx.MockTransport(answer)) as c:
        assert c.list_pledges(year=2025, city=None, maturing_before=date(2025, 12, 31), limit=10).total == 0
        with pytest.raises(ApiError) as err:
            c.whitelist_diff(1, 2)
        assert err.value.status == 422
        with pytest.raises(ApiError):
            c.default_pledge(7, date(2025, 10, 2))
    listing, diff, default = seen
    assert (listing.method, listing.url.path, dict(listing.url.params)) == (
        "GET", "/api/v1/pledges", {"year": "2025", "maturing_before": "2025-12-31", "limit": "10", "offset": "0"})
    assert dict(diff.url.params) == {"from": "1", "to": "2"}
    # the bodies leave out what was not given (None)
    assert (default.method, json.loads(default.content)) == ("POST", {"defaulted_on": "2025-10-02"})


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_openapi_has_examples_and_problem_free_paths(api):
    spec = (await api.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]
    for name in ("PledgeCreate", "WhitelistPublish", "ActivityCreate"):
        assert schemas[name].get("examples"), name
    assert "/api/v1/whitelists/diff" in spec["paths"] and "/api/v1/known-enterprises/{uscc}" in spec["paths"]
    # the examples are valid requests
    PledgeCreate.model_validate(schemas["PledgeCreate"]["examples"][0])
    WhitelistPublish.model_validate(schemas["WhitelistPublish"]["examples"][0])
    ActivityCreate.model_validate(schemas["ActivityCreate"]["examples"][0])
