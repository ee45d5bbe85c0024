"""The typed client against the app in-process (async), and request shapes of the sync client."""
from __future__ import annotations

import json

import httpx
import pytest

from libs.common.testing import token
from services.transfer.client import ApiError, AsyncTransferClient, TransferClient
from services.transfer.schemas import HeldIn, MatchingEventCreate, PartyIn, TransferCreate
from services.transfer.tests.helpers import WUHAN, patent, ref, transfer_body


@pytest.fixture
async def client(api):
    async with AsyncTransferClient("http://test", token("province-admin"), transport=api._transport) as c:
        yield c


async def test_async_client_round_trip(client, known):
    buyer = await known(WUHAN)
    rec = await client.create_transfer(TransferCreate(
        ref=ref(), kind="exclusive_licence", patents=[patent()], from_=PartyIn(kind="institute", name="某研究院",
                                                                                city=WUHAN),
        to=PartyIn(kind="enterprise", uscc=buyer), contract_date="2025-01-02"))
    assert rec.to.uscc == buyer and rec.from_.kind == "institute" and rec.city == WUHAN
    assert (await client.get_transfer(rec.id)).id == rec.id
    assert (await client.list_transfers(uscc=buyer)).total == 1
    result = await client.bulk_transfers([transfer_body(buyer), {"ref": "bad"}], atomic=False)
    assert (result.written, result.rejected) == (1, 1) and result.errors[0].row == 1
    with pytest.raises(ApiError) as err:
        await client.bulk_transfers([{"ref": "bad"}], atomic=True)
    assert err.value.status == 422 and err.value.problem["errors"][0]["row"] == 0
    assert (await client.cancel_transfer(rec.id, "录入错误")).status == "cancelled"
    mev = await client.plan_matching_event(MatchingEventCreate(title="测试对接会", city=WUHAN,
                                                               planned_date="2025-02-01",
                                                               organiser="武汉市知识产权局"))
    held = await client.hold_matching_event(mev.id, HeldIn(participants_enterprises=3, deals_intended=1))
    assert held.status == "held"
    assert (await client.known_enterprise(buyer))["uscc"] == buyer
    with pytest.raises(ApiError) as err:
        await client.get_transfer("missing")
    assert err.value.status == 404


def test_sync_client_sends_aliases_and_atomic_flag():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"atomic": True, "received": 1, "written": 1, "rejected": 0, "batch_id": "b",
                                         "ids": ["x"], "errors": [], "elapsed_ms": 1})

    body = TransferCreate.model_validate(transfer_body(None))
    with TransferClient("http://t", "tok", transport=httpx.MockTransport(handler)) as c:
        out = c.bulk_transfers([body], atomic=True)
    assert out.written == 1
    sent = json.loads(seen[0].content)
    assert seen[0].url.params["atomic"] == "true" and "from" in sent["records"][0]
    assert seen[0].headers["authorization"] == "Bearer tok"
