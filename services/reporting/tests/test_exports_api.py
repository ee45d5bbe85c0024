"""The indicator views and the statistics lists as workbooks: the same rows as the JSON answers."""
from __future__ import annotations

from libs.common.export_testing import assert_export_matches, read_sheet
from libs.common.list_export import XLSX
from libs.common.testing import auth
from services.reporting.exports import APPROVALS, DATA_VALUES, INDICATORS, RANKING, SERIES
from services.reporting.indicators import INDICATORS as CATALOGUE
from services.reporting.tests.test_api import ENSHI, VIEWER, WUHAN, YICHANG, insert_deltas
from services.reporting.tests.test_statistics import value_set


async def _export(api, path: str, params: dict):
    listed = await api.get(path, params=params, headers=VIEWER)
    assert listed.status_code == 200, listed.text
    return listed.json(), await api.get(path, params={**params, "format": "xlsx"}, headers=VIEWER)


async def test_indicator_views_export_as_workbooks(api):
    await insert_deltas(api, [("tier_seed", WUHAN, 2025, "120"), ("tier_seed", YICHANG, 2025, "80"),
                              ("tier_seed", ENSHI, 2024, "7"), ("transfers_licences", WUHAN, 2025, "1234")])
    for params in ({"year": 2025}, {"year": 2025, "city": "all"}, {"year": 2025, "city": WUHAN},
                   {"period": "2025Q2", "city": YICHANG}):
        body, exported = await _export(api, "/api/v1/indicators", params)
        assert len(body["items"]) >= len(CATALOGUE)
        assert_export_matches(exported, INDICATORS, body["items"])
    body, exported = await _export(api, "/api/v1/indicators/ranking", {"indicator": "tier_seed", "year": 2025})
    data = assert_export_matches(exported, RANKING, body["items"])
    assert [row[0] for row in data] == list(range(1, 18))
    body, exported = await _export(api, "/api/v1/indicators/series", {"indicator": "tier_seed", "year": 2025,
                                                                       "city": WUHAN})
    head = {k: v for k, v in body.items() if k != "points"}
    assert_export_matches(exported, SERIES, [{**head, **p} for p in body["points"]])
    _, codes, data = read_sheet(exported.content)
    assert [row[codes.index("value")] for row in data][5] == 120  # June
    assert "tier_seed" in exported.headers["content-disposition"]


async def test_statistics_lists_export_as_workbooks(api):
    admin, url = auth("province-admin"), "/api/v1/statistics/datavaluesets"
    for city in (WUHAN, YICHANG):
        r = await api.post(url, json=value_set(city, invention_patents_in_force="120000", population="13744000"),
                           headers=auth("integration"))
        assert r.status_code == 200, r.text
    r = await api.post("/api/v1/statistics/approvals", json={"period": "2025", "org_unit": WUHAN}, headers=admin)
    assert r.status_code == 200, r.text
    for path, sheet, who in ((url, DATA_VALUES, admin), (url, DATA_VALUES, auth("city-officer", city=YICHANG)),
                             ("/api/v1/statistics/approvals", APPROVALS, admin)):
        listed = await api.get(path, headers=who)
        exported = await api.get(path, headers={**who, "Accept": XLSX})
        assert listed.json()
        assert_export_matches(exported, sheet, listed.json())
    _, codes, data = read_sheet(exported.content)
    assert data[0][codes.index("org_unit")] == WUHAN
