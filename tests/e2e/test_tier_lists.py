"""Tier selection and the published tier lists, end to end (鄂知发〔2022〕9号 § 三(二)): a city
recommends through the enterprise service's client, the province sees each tier's criteria evaluated
and designates (a failed criterion with its reason), publishes the tier list, promotes and revokes,
publishes again; the two versions differ exactly by those decisions, the first is unchanged, and the
reporting worker — which also receives the ``tier-list.published`` events — folds the decisions into
the tier stocks seen on the SSE stream and the indicators API."""
from __future__ import annotations

import time
import uuid
from datetime import date
from decimal import Decimal

import pytest

from libs.common.testing import china_today, random_uscc, token
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate, YearFiguresIn
from services.enterprise.tiers.schemas import TierListPublish
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values
from tests.e2e.test_reporting import Stream
from tests.e2e.test_transfer import plus

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "421300"  # 随州市
PROVINCE = "420000"


def test_designate_publish_change_publish_and_diff(platform):
    officer = token("city-officer", city=CITY)
    before = indicator_values(platform, YEAR)
    stream = Stream(platform, year=YEAR)
    tag = uuid.uuid4().hex[:6]
    with EnterpriseClient(url(platform, "enterprise"), officer) as city, \
            EnterpriseClient(url(platform, "enterprise"), ADMIN) as province, \
            EnterpriseClient(url(platform, "enterprise"), token("bank", org="ICBC-HB")) as bank:
        def register(name: str, **profile) -> str:
            return city.create_enterprise(EnterpriseCreate(
                uscc=random_uscc(CITY), name=f"随州{name}{tag}有限公司", industry="A01", size_class="small",
                ownership="private", **profile)).uscc

        growing = register("端到端成长机械", own_brand=True)
        seeded = register("端到端种子专用汽车", ip_management_certified=True, own_brand=True)
        leading = register("端到端优势装备", ip_management_certified=True, own_brand=False)
        last_year = china_today().year - 1
        city.put_figures(seeded, last_year, YearFiguresIn(invention_patents=8, revenue=Decimal(50_000_000),
                                                          rd_spend=Decimal(2_000_000)))
        city.put_figures(leading, last_year, YearFiguresIn(invention_patents=31, industrialisation_rate=Decimal(45),
                                                           revenue=Decimal(300_000_000), rd_spend=Decimal(18_000_000)))

        recs = {u: city.recommend_tier(u, t, "市局推荐").id
                for u, t in ((growing, "growth"), (seeded, "seed"), (leading, "advantage"))}
        seen = province.get_recommendation(recs[leading]).evaluation
        assert (seen.failed, seen.unknown) == (["advantage.brand"], []), seen
        assert province.get_recommendation(recs[seeded]).evaluation.all_pass
        with pytest.raises(ApiError) as refused:
            province.approve_recommendation(recs[leading], date(YEAR, 3, 10))
        assert refused.value.status == 422 and refused.value.problem["errors"][0]["rule"] == "tier.criteria_failed"
        for u in (growing, seeded):
            province.approve_recommendation(recs[u], date(YEAR, 3, 10))
        approved = province.approve_recommendation(recs[leading], date(YEAR, 3, 10), "商标注册已受理，专家评审同意认定")
        assert approved.evaluation.failed == ["advantage.brand"]

        first = province.publish_tier_list(TierListPublish(note=f"端到端 {tag}"))
        mine = [(e.uscc, e.tier) for e in bank.get_tier_list(first.number, city=CITY).entries]
        assert mine == [(leading, "advantage"), (seeded, "seed"), (growing, "growth")]

        province.promote(growing, "seed", date(YEAR, 6, 1), "发明专利与研发投入达到种子企业条件")
        province.revoke(seeded, date(YEAR, 6, 2), "存在非正常专利申请")
        second = province.publish_tier_list()
        assert second.number == first.number + 1 and bank.current_tier_list().number == second.number

        diff = bank.tier_list_diff(first.number, second.number, city=CITY)
        assert ([e.uscc for e in diff.added], [e.uscc for e in diff.removed]) == ([], [seeded])
        assert [(c.uscc, c.tier_before, c.tier_after) for c in diff.tier_changed] == [(growing, "growth", "seed")]
        assert diff.unchanged == 1
        again = [(e.uscc, e.tier) for e in bank.get_tier_list(first.number, city=CITY).entries]
        assert again == mine  # a published version never changes
        with pytest.raises(ApiError) as forbidden:
            city.publish_tier_list()
        assert forbidden.value.status == 403

    expected = {
        ("tier_advantage", CITY): plus(before, ("tier_advantage", CITY), 1),
        ("tier_advantage", PROVINCE): plus(before, ("tier_advantage", PROVINCE), 1),
        ("tier_seed", CITY): plus(before, ("tier_seed", CITY), 1),
        ("tier_seed", PROVINCE): plus(before, ("tier_seed", PROVINCE), 1),
    }
    stream.wait_values(expected, timeout=120)
    expected[("tier_growth", CITY)] = plus(before, ("tier_growth", CITY), 0)
    wait_for_values(platform, YEAR, expected, timeout=60)
    time.sleep(2)  # anything counted twice would show by now
    now = indicator_values(platform, YEAR)
    assert {k: now.get(k, "0") for k in expected} == expected
