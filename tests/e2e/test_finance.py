"""Enterprise → finance (read model) → Kafka → reporting, end to end, through the typed clients.

The enterprises are registered in the enterprise service; the finance service learns of them from
``ipp.enterprise.events``; loans and activities recorded through ``FinanceClient`` reach the reporting
worker as ``ipp.finance.events`` and become the pledge indicators of their city and the province.
"""
from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import ApiError, FinanceClient
from services.finance.schemas import ActivityCreate, PledgeCreate, PledgedItemIn, WhitelistEntryIn, WhitelistPublish
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "421300"  # 随州市
PROVINCE = "420000"


def wait_known(plat, uscc: str, timeout: float = 60) -> None:
    with FinanceClient(url(plat, "finance"), ADMIN) as c:
        deadline = time.monotonic() + timeout
        while True:
            try:
                c.known_enterprise(uscc)
                return
            except ApiError as exc:
                assert exc.status == 404, exc.problem
                assert time.monotonic() < deadline, f"finance never learned of {uscc}"
                time.sleep(0.2)


def plus(before: dict, key: tuple[str, str], amount: str) -> str:
    value = Decimal(before.get(key, "0")) + Decimal(amount)
    return format(value.normalize(), "f")


def loan(uscc: str, contract: str, amount: str, patent: str, lender: str | None = None) -> PledgeCreate:
    return PledgeCreate(uscc=uscc, lender_bank=lender, contract_no=contract, amount=Decimal(amount),
                        registration_date=date(YEAR, 3, 18), term_months=12, annual_rate=Decimal("3.45"),
                        risk_sharing=["risk_compensation"], items=[PledgedItemIn(kind="patent", number=patent)])


def test_loans_and_activities_reach_the_pledge_indicators(platform):
    officer = token("city-officer", city=CITY)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        private = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="随州端到端专用汽车有限公司", industry="P2", size_class="small",
            ownership="private")).uscc
        state = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="随州端到端国有机械有限公司", industry="A01", size_class="medium",
            ownership="state")).uscc
    wait_known(platform, private)
    wait_known(platform, state)
    before = indicator_values(platform, YEAR)
    tag = random_uscc(CITY)[-6:]

    with FinanceClient(url(platform, "finance"), token("bank", org="HUBEI-BANK")) as bank, \
            FinanceClient(url(platform, "finance"), officer) as city, \
            FinanceClient(url(platform, "finance"), ADMIN) as admin:
        a = bank.register_pledge(loan(private, f"E2E-{tag}-1", "3000000.50", "200710308494.X"))
        assert (a.lender_bank, a.city, a.is_private) == ("HUBEI-BANK", CITY, True)
        b = bank.register_pledge(loan(state, f"E2E-{tag}-2", "1000000.00", "97101765.4"))
        wrong = city.register_pledge(loan(private, f"E2E-{tag}-3", "500000.00", "201310000005.X",
                                          lender="SUIZHOU-RCB"))
        city.cancel_pledge(wrong.id, "重复登记，予以撤销")
        bank.release_pledge(a.id, date(YEAR, 12, 1))  # the financing stays counted
        with pytest.raises(ApiError) as err:
            bank.default_pledge(a.id, date(YEAR, 12, 2))
        assert err.value.status == 409
        city.record_activity(ActivityCreate(
            kind="matchmaking", title=f"随州市质押融资对接会（{tag}）", held_on=date(YEAR, 5, 8), city=CITY,
            organiser="随州市知识产权局", enterprise_count=12, institution_count=5, enterprises=[private]))
        admin.record_activity(ActivityCreate(
            kind="roadshow", title=f"一月一链路演（汽车，{tag}）", held_on=date(YEAR, 6, 18), city=CITY, chain="P2",
            organiser="湖北省知识产权局", enterprise_count=10, institution_count=20))
        published = admin.publish_whitelist(WhitelistPublish(
            title=f"端到端白名单 {tag}", published_on=date.today(),
            entries=[WhitelistEntryIn(uscc=private, suggested_credit_line=Decimal("8000000"))]))
        assert bank.current_whitelist().number == published.number
        assert [x.id for x in bank.list_pledges(year=YEAR).items] == [b.id, a.id]

    expected = {}
    for place in (CITY, PROVINCE):
        expected[("pledge_amount", place)] = plus(before, ("pledge_amount", place), "4000000.50")
        expected[("pledge_projects", place)] = plus(before, ("pledge_projects", place), "2")
        expected[("pledge_private_projects", place)] = plus(before, ("pledge_private_projects", place), "1")
        expected[("pledge_matchmaking_events", place)] = plus(before, ("pledge_matchmaking_events", place), "1")
        expected[("pledge_roadshows", place)] = plus(before, ("pledge_roadshows", place), "1")
    expected[("pledge_private_share", CITY)] = "50"  # 1 of 2 in a city that had none before
    seen = wait_for_values(platform, YEAR, expected, timeout=120)
    time.sleep(2)  # a cancelled loan counted twice, or a release counted, would show by now
    again = indicator_values(platform, YEAR)
    assert {k: again.get(k) for k in expected} == expected, seen
