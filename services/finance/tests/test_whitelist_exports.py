"""White-list versions and the difference between two versions as workbooks: the JSON rows, zh-CN
headings, cities with their names, credit lines as numbers in yuan.

Seed: “定期发布知识产权质押融资授信企业白名单” — each publication, and what changed since the last
one, is what a bank or bureau takes away as a spreadsheet."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from services.finance.exports import WHITELIST_DIFF, WHITELIST_VERSIONS
from services.finance.tests.helpers import WUHAN, YICHANG, admin, assert_problem, bank, days_ago, known, officer
from services.finance.tests.test_whitelist_api import body


async def _two_versions(api, runtime) -> tuple[str, str, str, str]:
    a, b = await known(runtime, WUHAN, "private"), await known(runtime, YICHANG, "state")
    c, d = await known(runtime, WUHAN, "private"), await known(runtime, YICHANG, "private")
    r = await api.post("/api/v1/whitelists", json=body([(a, "1000000"), (b, "2000000.50"), (c, "3000000")],
                                                       published_on=days_ago(20)), headers=admin())
    assert r.status_code == 201, r.text
    r = await api.post("/api/v1/whitelists", json=body([(b, "2000000.5"), (c, "5000000"), (d, "800000")],
                                                       title="2025年第二批", published_on=days_ago(5)),
                       headers=admin())
    assert r.status_code == 201, r.text
    return a, b, c, d


async def test_versions_export_equals_the_json_list(api, runtime):
    await _two_versions(api, runtime)
    for who in (admin(), officer(YICHANG), bank()):
        listed = await api.get("/api/v1/whitelists", headers=who)
        exported = await api.get("/api/v1/whitelists", headers={**who, "Accept": XLSX})
        assert [v["number"] for v in listed.json()] == [2, 1]
        data = assert_export_matches(exported, WHITELIST_VERSIONS, listed.json())
    labels, codes, _ = read_sheet(exported.content)
    assert "建议授信额度合计(元)" in labels
    assert data[1][codes.index("total_credit_line")] == 6000000.5


async def test_diff_export_has_one_line_per_enterprise_that_changed(api, runtime):
    a, _, c, d = await _two_versions(api, runtime)
    r = await api.get("/api/v1/whitelists/diff", params={"from": 1, "to": 2, "format": "xlsx"}, headers=bank())
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    labels, codes, data = read_sheet(r.content)
    assert [h[0] for h in WHITELIST_DIFF.headings()] == labels
    assert labels[:4] == ["变化代码", "变化名称", "统一社会信用代码", "企业名称"]
    assert "原建议授信额度(元)" in labels and "新建议授信额度(元)" in labels
    rows = [dict(zip(codes, row, strict=True)) for row in data]
    assert [(x["change"], x["change_name"], x["uscc"]) for x in rows] == [
        ("added", "新增", d), ("removed", "移出", a), ("changed", "额度调整", c)]
    assert (rows[0]["city"], rows[0]["city_name"], rows[0]["before"], rows[0]["after"]) == (
        YICHANG, "宜昌市", None, 800000)
    assert (rows[1]["city_name"], rows[1]["before"], rows[1]["after"]) == ("武汉市", 1000000, None)
    assert (rows[2]["before"], rows[2]["after"]) == (3000000, 5000000)
    assert "filename*=UTF-8''" in r.headers["content-disposition"]


async def test_a_bad_diff_is_the_same_422_as_json(api, runtime):
    await _two_versions(api, runtime)
    assert_problem(await api.get("/api/v1/whitelists/diff", params={"from": 1, "to": 9, "format": "xlsx"},
                                 headers=bank()), 422, "to", "whitelist.unknown_version")
