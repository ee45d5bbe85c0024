"""Pool rules read again against the seed text (2024 SME patent-industrialisation growth plan,
附件 入库企业基本标准), through HTTP: annex 1 on the current registration and legal-person status,
and the annex's 原则上 ("in principle") requirements as warnings the province weighs."""
from __future__ import annotations

import pytest

from libs.common.rules import RuleViolation
from libs.common.testing import auth, random_uscc, valid_uscc
from services.enterprise.pool.domain import POOL_CAP, check_capacity
from services.enterprise.tests.helpers import china_today
from services.enterprise.tests.pool_helpers import ADMIN, GOOD_FIGURES, OFFICER, admit, apply, pool_enterprise

WUHAN, XIANGYANG = "420100", "420600"


async def _register(api, uscc: str, city: str, **profile) -> str:
    body = {"uscc": uscc, "name": "测试主体", "city": city, "industry": "P1", "size_class": "small",
            "ownership": "private", "qualifications": ["high_tech"], "ip_management_certified": True,
            "own_brand": True, "patent_product_filed": True, **profile}
    r = await api.post("/api/v1/enterprises", json=body, headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{china_today().year - 1}", json=GOOD_FIGURES,
                      headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    return uscc


def _criterion(m: dict, code: str) -> dict:
    return next(c for c in m["evaluation"] if c["code"] == code)


async def test_annex_1_uses_the_current_registration_not_the_uscc_division(api, runtime):
    # 附件 1 “在湖北省境内注册登记”: a company first registered in Beijing (USCC 91110000…), now
    # registered in Xiangyang, is registered in Hubei; positions 3–8 never change when it moves.
    uscc = await _register(api, random_uscc("110000"), XIANGYANG)
    m = await apply(api, uscc, XIANGYANG)
    c = _criterion(m, "hubei_sme")
    assert c["outcome"] == "pass" and "现登记地 420600 襄阳市（湖北省）" in c["figure"], c
    assert m["failed_criteria"] == []


async def test_annex_1_follows_a_move_within_hubei(api, runtime):
    uscc = await pool_enterprise(api, WUHAN)
    r = await api.patch(f"/api/v1/enterprises/{uscc}", json={"city": XIANGYANG, "county": None},
                        headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    m = await apply(api, uscc, XIANGYANG)
    assert "现登记地 420600 襄阳市" in _criterion(m, "hubei_sme")["figure"]


async def test_annex_1_an_individual_business_is_not_a_legal_person(api, runtime):
    # 附件 1 “具有独立法人资格”: USCC 92… is an individual business 个体工商户 (GB 32100-2015)
    uscc = await _register(api, valid_uscc("92420100" + "MA4K0001A"), WUHAN)
    m = await apply(api, uscc, WUHAN)
    c = _criterion(m, "hubei_sme")
    assert c["outcome"] == "fail" and "92（个体工商户），不具有独立法人资格" in c["figure"], c
    assert m["failed_criteria"] == ["hubei_sme"]


async def test_in_principle_requirements_warn_and_do_not_block_admission(api, runtime):
    # 附件 2 “原则上应具备……资格”, 3 “主营业务原则上属于专利密集型产业”, 4 “原则上应……完成专利产品备案”
    uscc = await pool_enterprise(api, WUHAN, qualifications=[], industry="P5", patent_product_filed=False)
    r = await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "reason": "预评价测试",
                                                      "declarations": {"core_patents": True,
                                                                       "university_partnership": True,
                                                                       "clean_record": True}},
                       headers=auth(OFFICER, city=WUHAN))
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["warned"] == ["qualification", "patent_intensive_industry", "core_patents_filed"]
    assert e["failed"] == [] and e["no_fail"] is True and e["all_pass"] is False
    m = await apply(api, uscc, WUHAN)
    assert m["warned_criteria"] == e["warned"] and m["failed_criteria"] == []
    assert _criterion(m, "qualification")["detail"].endswith("（提示：原则上不符合，由省局研判）")
    admitted = await admit(api, m["id"], china_today())
    assert admitted["status"] == "admitted" and admitted["warned_criteria"] == e["warned"]


def test_the_004_cap_of_500_stays_beside_the_003_target():
    # 专利产业化成长计划 二(六)11 “省级筛选不超过500家”: the 500th admission is allowed, a 501st is not,
    # while 鄂知发〔2025〕2号 § 11 “培育500家” is the reporting target to reach (services/reporting).
    assert POOL_CAP == 500
    check_capacity(499)
    with pytest.raises(RuleViolation) as err:
        check_capacity(500)
    assert err.value.code == "pool.full"
