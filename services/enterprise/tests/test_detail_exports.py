"""The per-enterprise detail lists (yearly figures, tier history, pool history) and the pool's review
queue as workbooks: the JSON rows, zh-CN headings, codes with their names, money in yuan, and the JSON's
scoping (a city officer reads only their city's enterprises; 403 in both forms otherwise)."""
from __future__ import annotations

from datetime import date, timedelta

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from libs.common.testing import assert_problem, auth, random_uscc
from services.enterprise.exports import FIGURES, POOL_HISTORY, POOL_REVIEW, TIER_HISTORY
from services.enterprise.tests.helpers import china_today, create
from services.enterprise.tests.pool_helpers import member

ADMIN, OFFICER = "province-admin", "city-officer"
WUHAN, YICHANG = "420100", "420500"


def days_ago(n: int) -> str:
    return (china_today() - timedelta(days=n)).isoformat()


async def _both(api, path: str, headers: dict, params: dict | None = None):
    listed = await api.get(path, params=params or {}, headers=headers)
    assert listed.status_code == 200, listed.text
    exported = await api.get(path, params=params or {}, headers={**headers, "Accept": XLSX})
    return listed.json(), exported


async def _seed_enterprise(api) -> str:
    """A Yichang enterprise with two years of figures, designated a seed enterprise."""
    uscc = (await create(api, random_uscc(YICHANG), city=YICHANG, county="420502", ownership="state"))["uscc"]
    for year, revenue in ((2023, "12345678.90"), (2024, "20000000.00")):
        r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", headers=auth(ADMIN),
                          json={"revenue": revenue, "rd_spend": "1500000.50", "staff": 120, "rd_staff": 30,
                                "invention_patents": 8, "industrialisation_rate": "45.50"})
        assert r.status_code == 200, r.text
    rec = await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations",
                         json={"tier": "seed", "reason": "研发投入高"}, headers=auth(OFFICER, city=YICHANG))
    assert rec.status_code == 201, rec.text
    ok = await api.post(f"/api/v1/tier-recommendations/{rec.json()['id']}/approve",
                        json={"effective_date": days_ago(1)}, headers=auth(ADMIN))
    assert ok.status_code == 200, ok.text
    return uscc


async def test_yearly_figures_export_with_money_in_yuan(api):
    uscc = await _seed_enterprise(api)
    for who in (auth(ADMIN), auth(OFFICER, city=YICHANG), auth("viewer")):
        items, exported = await _both(api, f"/api/v1/enterprises/{uscc}/figures", who)
        assert len(items) == 2
        data = assert_export_matches(exported, FIGURES, items)
    labels, codes, _ = read_sheet(exported.content)
    assert labels[:4] == ["统一社会信用代码", "年度", "营业收入(元)", "研发投入(元)"]
    first = dict(zip(codes, data[0], strict=True))
    assert (first["uscc"], first["year"], first["revenue"], first["industrialisation_rate"]) == (
        uscc, 2023, 12345678.9, 45.5)
    assert uscc in exported.headers["content-disposition"]


async def test_tier_history_export_names_the_change_and_the_tiers(api):
    uscc = await _seed_enterprise(api)
    items, exported = await _both(api, f"/api/v1/enterprises/{uscc}/tier-history", auth(OFFICER, city=YICHANG))
    data = assert_export_matches(exported, TIER_HISTORY, items)
    _, codes, _ = read_sheet(exported.content)
    row = dict(zip(codes, data[0], strict=True))
    assert (row["change"], row["change_name"], row["to_tier"], row["to_tier_name"]) == (
        "designated", "认定", "seed", "种子企业")
    assert (row["city"], row["city_name"], row["from_tier"]) == (YICHANG, "宜昌市", None)


async def test_another_citys_officer_gets_403_in_both_forms(api):
    uscc = await _seed_enterprise(api)
    for path in (f"/api/v1/enterprises/{uscc}/figures", f"/api/v1/enterprises/{uscc}/tier-history",
                 f"/api/v1/enterprises/{uscc}/pool-history"):
        for extra in ({}, {"format": "xlsx"}):
            assert_problem(await api.get(path, params=extra, headers=auth(OFFICER, city=WUHAN)), 403)


async def test_pool_history_and_review_queue_export(api):
    m = await member(api, WUHAN, applied_on=date(2024, 7, 1))
    await member(api, YICHANG, applied_on=date(2024, 7, 1))
    items, exported = await _both(api, f"/api/v1/enterprises/{m['uscc']}/pool-history", auth(ADMIN))
    assert [i["id"] for i in items] == [m["id"]]
    assert_export_matches(exported, POOL_HISTORY, items)
    params = {"as_of": "2026-07-02"}
    items, exported = await _both(api, "/api/v1/pool/review", auth(ADMIN), params)
    assert {i["city"] for i in items} == {WUHAN, YICHANG}
    data = assert_export_matches(exported, POOL_REVIEW, items)
    labels, codes, _ = read_sheet(exported.content)
    assert "在库天数" in labels and "市州名称" in labels
    wuhan = next(dict(zip(codes, r, strict=True)) for r in data if r[codes.index("membership_id")] == m["id"])
    assert (wuhan["city_name"], wuhan["days_in_pool"], wuhan["review_from"]) == ("武汉市", 731, date(2026, 7, 2))


async def test_a_city_officers_review_export_holds_only_their_city(api):
    await member(api, WUHAN, applied_on=date(2024, 7, 1))
    await member(api, YICHANG, applied_on=date(2024, 7, 1))
    items, exported = await _both(api, "/api/v1/pool/review", auth(OFFICER, city=YICHANG), {"as_of": "2026-07-02"})
    data = assert_export_matches(exported, POOL_REVIEW, items)
    _, codes, _ = read_sheet(exported.content)
    assert data and {r[codes.index("city")] for r in data} == {YICHANG}
    for extra in ({}, {"format": "xlsx"}):  # naming another city is a 403, as in JSON
        assert_problem(await api.get("/api/v1/pool/review", params={"as_of": "2026-07-02", "city": WUHAN, **extra},
                                     headers=auth(OFFICER, city=YICHANG)), 403)


async def test_the_bank_list_exports_its_items_scoped_as_the_json(api):
    """Seed: “面向银行业金融机构推送入库企业名单” — the list pushed to banks, as a workbook."""
    from services.enterprise.exports import POOL_BANK_LIST

    await member(api, WUHAN, qualifications=["high_tech", "srdi_provincial"])
    await member(api, YICHANG)
    bank = auth("bank", org="ICBC-HB")
    listed, exported = await _both(api, "/api/v1/pool/bank-list", bank)
    assert {i["city"] for i in listed["items"]} == {WUHAN, YICHANG}
    data = assert_export_matches(exported, POOL_BANK_LIST, listed["items"])
    _, codes, _ = read_sheet(exported.content)
    wuhan = next(dict(zip(codes, r, strict=True)) for r in data if r[codes.index("city")] == WUHAN)
    assert (wuhan["city_name"], wuhan["qualifications"]) == ("武汉市", "高新技术企业;省级专精特新中小企业")
    listed, exported = await _both(api, "/api/v1/pool/bank-list", auth(OFFICER, city=YICHANG))
    data = assert_export_matches(exported, POOL_BANK_LIST, listed["items"])
    assert data and {r[codes.index("city")] for r in data} == {YICHANG}
    for extra in ({}, {"format": "xlsx"}):  # the review queue stays closed to banks in both forms
        assert_problem(await api.get("/api/v1/pool/review", params=extra, headers=bank), 403)
