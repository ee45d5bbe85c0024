"""The pool's lists outward (专利产业化促进中小企业成长计划 三(三) “面向银行业金融机构推送入库企业名单”;
二(六)11 “省知识产权局会同相关部门共同推荐进入国家知识产权局培育库”): who reads them, what they show,
bad input."""
from __future__ import annotations

import io

import httpx
from openpyxl import load_workbook

from libs.common.testing import assert_problem, auth, token
from services.enterprise.client import ApiError, AsyncEnterpriseClient
from services.enterprise.tests.helpers import china_today
from services.enterprise.tests.pool_helpers import ADMIN, OFFICER, apply, graduation, member, pool_enterprise

WUHAN, YICHANG = "420100", "420500"
BANK = auth("bank", org="ICBC-HB")
LIST, NATIONAL = "/api/v1/pool/bank-list", "/api/v1/pool/national-recommendations"
INTERNALS = {"declarations", "evaluation", "failed_criteria", "unknown_criteria", "decision_reason", "history",
             "application_reason", "applied_by", "decided_by", "admission_rate", "id"}


async def _pool(api) -> dict[str, dict]:
    """Members in 武汉 and 宜昌, an application still pending and a graduate (neither listed)."""
    wuhan = await member(api, WUHAN, qualifications=["high_tech", "srdi_provincial"])
    yichang = await member(api, YICHANG, applied_on=china_today())
    pending = await apply(api, await pool_enterprise(api, WUHAN), WUHAN)
    gone = await member(api, WUHAN)
    r = await api.post(f"/api/v1/pool/memberships/{gone['id']}/graduate", json=graduation(china_today()),
                       headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    return {"wuhan": wuhan, "yichang": yichang, "pending": pending, "gone": gone}


async def test_a_bank_reads_the_members_and_nothing_of_the_applications(api, runtime):
    pool = await _pool(api)
    r = await api.get(LIST, headers=BANK)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == china_today().isoformat()
    assert {i["uscc"] for i in body["items"]} == {pool["wuhan"]["uscc"], pool["yichang"]["uscc"]}
    assert body["total"] == 2 and body["per_city"] == {WUHAN: 1, YICHANG: 1}
    item = next(i for i in body["items"] if i["uscc"] == pool["wuhan"]["uscc"])
    assert (item["city_name"], item["admitted_on"], item["size_class_name"]) == ("武汉市", china_today().isoformat(),
                                                                                 "小型")
    assert item["qualifications"] == ["高新技术企业", "省级专精特新中小企业"]
    assert not INTERNALS & set(item), "a bank sees no application internals"
    # a bank may narrow it to one city
    r = await api.get(LIST, params={"city": YICHANG}, headers=BANK)
    assert [i["uscc"] for i in r.json()["items"]] == [pool["yichang"]["uscc"]]


async def test_a_bank_is_still_refused_everywhere_else_on_the_pool(api, runtime):
    pool = await _pool(api)
    mid, uscc = pool["wuhan"]["id"], pool["wuhan"]["uscc"]
    for path in ("/api/v1/pool/memberships", f"/api/v1/pool/memberships/{mid}", "/api/v1/pool/summary",
                 "/api/v1/pool/review", f"/api/v1/enterprises/{uscc}/pool-history", NATIONAL):
        assert_problem(await api.get(path, headers=BANK), 403)
    assert_problem(await api.post("/api/v1/pool/evaluate", json={"uscc": uscc, "reason": "银行预评价"},
                                  headers=BANK), 403)
    assert_problem(await api.get(LIST, headers=auth("agency", org="AG-1")), 403)


async def test_a_city_officer_reads_its_own_city_only(api, runtime):
    pool = await _pool(api)
    r = await api.get(LIST, headers=auth(OFFICER, city=YICHANG))
    assert r.status_code == 200 and [i["uscc"] for i in r.json()["items"]] == [pool["yichang"]["uscc"]]
    assert_problem(await api.get(LIST, params={"city": WUHAN}, headers=auth(OFFICER, city=YICHANG)), 403)
    r = await api.get(LIST, params={"city": WUHAN}, headers=auth("viewer"))
    assert [i["uscc"] for i in r.json()["items"]] == [pool["wuhan"]["uscc"]]


async def test_bad_city_is_a_422_naming_it(api, runtime):
    for bad in ("110000", "4201", "abc"):
        body = assert_problem(await api.get(LIST, params={"city": bad}, headers=BANK), 422)
        assert [e["field"] for e in body["errors"]] == ["city"] and all(e["rule"] for e in body["errors"])
    assert_problem(await api.get(LIST, params={"city": "110000"}, headers=BANK), 422, "city", "division.not_hubei")


async def test_the_province_exports_its_recommendation_list(api, runtime):
    pool = await _pool(api)
    r = await api.get(NATIONAL, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cap"] == 500 and body["total"] == 2
    item = next(i for i in body["items"] if i["uscc"] == pool["wuhan"]["uscc"])
    assert len(item["passed"]) == 10 and item["failed"] == item["warned"] == item["unknown"] == []
    assert item["admission_rate"] == "60.00" and item["evaluation_year"] == china_today().year - 1
    r = await api.get(NATIONAL, params={"format": "xlsx"}, headers=auth(ADMIN))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["推荐名单", "条目说明"]
    ws = wb["推荐名单"]
    assert ws["A1"].value.startswith("湖北省推荐进入国家知识产权局")
    assert [c.value for c in ws[4]][:4] == ["序号", "统一社会信用代码", "企业名称", "所属市州"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert {row[1] for row in rows} == {pool["wuhan"]["uscc"], pool["yichang"]["uscc"]}
    assert rows[0][11] == "1、2、3、4、5、6、7、8、9、10"
    assert wb["条目说明"]["B2"].value.startswith("在湖北省境内注册登记")


async def test_only_the_province_admin_exports_and_a_bad_format_is_a_422(api, runtime):
    for who in (auth(OFFICER, city=WUHAN), auth("viewer"), BANK, auth("integration")):
        assert_problem(await api.get(NATIONAL, headers=who), 403)
    body = assert_problem(await api.get(NATIONAL, params={"format": "pdf"}, headers=auth(ADMIN)), 422)
    assert [e["field"] for e in body["errors"]] == ["format"] and all(e["rule"] for e in body["errors"])


async def test_the_client_reads_both_lists(api, app, runtime):
    pool = await _pool(api)

    def client(role: str, **kw) -> AsyncEnterpriseClient:
        return AsyncEnterpriseClient("http://test", token(role, **kw), transport=httpx.ASGITransport(app=app))

    async with client("bank", org="ICBC-HB") as bank:
        listed = await bank.pool_bank_list()
        assert {i.uscc for i in listed.items} == {pool["wuhan"]["uscc"], pool["yichang"]["uscc"]}
        assert [i.uscc for i in (await bank.pool_bank_list(city=WUHAN)).items] == [pool["wuhan"]["uscc"]]
        try:
            await bank.pool_national_recommendations()
        except ApiError as err:
            assert err.status == 403
        else:
            raise AssertionError("a bank read the national recommendations")
    async with client(ADMIN) as admin:
        assert (await admin.pool_national_recommendations()).total == 2
