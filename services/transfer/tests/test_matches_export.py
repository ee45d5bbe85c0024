"""A need's ranked library matches as a workbook: one row per entry, best first, with its score, the
reasons (rule:points:detail) and the entry's fields with their names."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from services.transfer.exports import MATCHES
from services.transfer.tests.helpers import ADMIN, OFFICER, WUHAN, YICHANG, assert_problem, headers
from services.transfer.tests.test_programme_api import entry_body


async def test_matches_export_equals_the_json_ranking(api, runtime, known):
    ent = await known(WUHAN, size_class="small")
    best = (await api.post("/api/v1/library", json=entry_body(), headers=headers(OFFICER, WUHAN))).json()
    await api.post("/api/v1/library", json=entry_body(
        title="固态电解质薄膜", ipc_classes=["H01M 10/0562"], keywords=["固态电解质"], use_first_pay_later=False,
        description="硫化物固态电解质薄膜制备工艺。",
        owner={"kind": "institute", "name": "中国科学院某研究所", "city": YICHANG}), headers=headers(ADMIN))
    r = await api.post("/api/v1/needs", json={
        "uscc": ent, "title": "动力电池正极材料循环寿命提升", "ipc_classes": ["H01M 4/505"],
        "keywords": ["正极材料", "动力电池"], "description": "寻求正极材料改性技术。"}, headers=headers(OFFICER, WUHAN))
    assert r.status_code == 201, r.text
    path = f"/api/v1/needs/{r.json()['id']}/matches"
    listed = await api.get(path, headers=headers("agency"))
    exported = await api.get(path, headers={**headers("agency"), "Accept": XLSX})
    items = listed.json()["items"]
    assert len(items) == 2
    data = assert_export_matches(exported, MATCHES, items)
    labels, codes, _ = read_sheet(exported.content)
    assert labels[:2] == ["匹配得分", "得分依据(规则:分值:说明)"]
    top = dict(zip(codes, data[0], strict=True))
    assert (top["entry.id"], top["score"], top["entry.city_name"]) == (best["id"], items[0]["score"], "武汉市")
    assert str(top["reasons"]).startswith("ipc.group:50:")
    bad = await api.get(path, params={"limit": 0, "format": "xlsx"}, headers=headers("agency"))
    assert_problem(bad, 422, "limit", "greater_than_equal")
