"""Transfer → Kafka → reporting, end to end: the enterprise registered through its service reaches the
transfer service's read model, records (one by one and in bulk), a cancellation and a matching event
go through the typed client, and the reporting worker folds them into exact indicator values."""
from __future__ import annotations

import random
import time
import uuid

import pytest

from libs.common.identifiers import patent_check_char
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.transfer.client import ApiError, TransferClient
from services.transfer.schemas import HeldIn, MatchingEventCreate, PartyIn, TransferCreate
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "420500"  # 宜昌市


def patent() -> str:
    digits = f"2022{random.choice('12')}{random.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def wait_known(client: TransferClient, uscc: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.known_enterprise(uscc)
        except ApiError as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key, "0")) + n)


def test_records_bulk_and_matching_events_reach_reporting(platform):
    officer = token("city-officer", city=CITY)
    before = indicator_values(platform, YEAR)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        buyer = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌三峡端到端新材料有限公司", industry="A02", size_class="small",
            ownership="private")).uscc
    with TransferClient(url(platform, "transfer"), officer) as tc, \
            TransferClient(url(platform, "transfer"), ADMIN) as admin:
        known = wait_known(tc, buyer)
        assert known["city"] == CITY and known["is_private"] is True

        single = tc.create_transfer(TransferCreate(
            ref=f"E2E-{uuid.uuid4().hex[:10]}", kind="exclusive_licence", patents=[patent(), patent()],
            from_=PartyIn(kind="university", name="三峡大学", city=CITY), to=PartyIn(kind="enterprise", uscc=buyer),
            contract_date=f"{YEAR}-03-01", amount="120000"))
        assert single.to.is_private is True and single.city == CITY

        rows = [{"ref": f"E2E-B-{uuid.uuid4().hex[:10]}", "kind": "assignment", "patents": [patent()],
                 "from": {"kind": "enterprise", "uscc": buyer},
                 "to": {"kind": "other_enterprise", "name": f"长沙某科技有限公司{i}", "region": "other_province"},
                 "contract_date": f"{YEAR}-06-{1 + i % 28:02d}"} for i in range(300)]
        rows[7]["patents"] = ["202210000000.0"]                                   # bad check digit
        rows[8]["from"] = {"kind": "enterprise", "uscc": random_uscc(CITY)}       # unknown enterprise
        bulk = tc.bulk_transfers(rows)
        assert (bulk.written, bulk.rejected) == (298, 2)
        assert {(e.row, e.rule) for e in bulk.errors} == {(7, "patent.check_digit"), (8, "enterprise-registered")}

        first = bulk.ids[0]
        assert first is not None
        tc.cancel_transfer(first, "合同解除")
        mev = tc.plan_matching_event(MatchingEventCreate(
            title="鄂西片区新材料专利技术供需对接会", city=CITY, planned_date=f"{YEAR}-05-20",
            organiser="宜昌市知识产权局",
            field="新材料"))
        tc.hold_matching_event(mev.id, HeldIn(participants_enterprises=45, participants_institutions=6,
                                              deals_intended=9))
        assert admin.list_transfers(batch_id=bulk.batch_id).total == 298

    records = 1 + 298 - 1
    expected = {
        ("transfers_licences", CITY): plus(before, ("transfers_licences", CITY), records),
        ("transfers_licences", "420000"): plus(before, ("transfers_licences", "420000"), records),
        ("transfer_licences", CITY): plus(before, ("transfer_licences", CITY), 1),
        ("transfer_university", CITY): plus(before, ("transfer_university", CITY), 1),
        ("transfer_patents", CITY): plus(before, ("transfer_patents", CITY), 2 + 297),
        ("matching_events", CITY): plus(before, ("matching_events", CITY), 1),
        ("matching_events", "420000"): plus(before, ("matching_events", "420000"), 1),
    }
    wait_for_values(platform, YEAR, expected, timeout=120)
    time.sleep(2)  # anything counted twice would show by now
    assert {k: indicator_values(platform, YEAR)[k] for k in expected} == expected
