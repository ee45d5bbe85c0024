"""Official statistics through the reporting API (SQLite and PostgreSQL): import summaries, dry runs,
roles, approval and lock, re-opening; and the worker's fold of approvals into the indicators."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from libs.common.audit import audit_table
from libs.common.outbox import outbox_table
from libs.common.testing import auth
from services.reporting.events import DOMAIN_TOPIC
from services.reporting.indicators import fold_statistics
from services.reporting.kpi import apply_stat_deltas, read_kpis, read_series
from services.reporting.models import StatValue

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
PROVINCE, WUHAN, YICHANG = "420000", "420100", "420500"
ADMIN, INTEGRATION, VIEWER = auth("province-admin"), auth("integration"), auth("viewer")
WUHAN_OFFICER = auth("city-officer", city=WUHAN)
URL = "/api/v1/statistics/datavaluesets"


def value_set(org_unit=WUHAN, period="2025", **values) -> dict:
    return {"period": period, "org_unit": org_unit, "source_system": "统计联网直报",
            "values": [{"element": k, "value": v} for k, v in values.items()]}


async def count(api, table) -> int:
    async with api.app.state.runtime.sessions() as s:
        return (await s.execute(select(func.count()).select_from(table))).scalar_one()


async def approved_events(api) -> list[dict]:
    async with api.app.state.runtime.sessions() as s:
        rows = (await s.execute(select(outbox_table).where(outbox_table.c.topic == DOMAIN_TOPIC)
                                .order_by(outbox_table.c.id))).mappings().all()
    return [dict(r) for r in rows]


async def fold_outbox(api) -> None:
    """What the worker does with the approvals on the reporting outbox (without a broker)."""
    async with api.app.state.runtime.sessions.write() as s:
        for row in await approved_events(api):
            await apply_stat_deltas(s, fold_statistics(row["event_type"], row["payload"]))


async def test_catalogue_lists_the_elements(api):
    resp = await api.get("/api/v1/statistics/elements", headers=VIEWER)
    assert resp.status_code == 200
    by_code = {e["code"]: e for e in resp.json()}
    for code in ("invention_patents_in_force", "high_value_invention_patents", "trademark_registrations",
                 "pct_applications", "geographical_indications", "population", "registered_patent_attorneys"):
        assert by_code[code]["name"] and by_code[code]["kind"] in ("stock", "flow") and by_code[code]["source"]
    assert by_code["pct_applications"]["kind"] == "flow" and by_code["population"]["unit"] == "人"


async def test_import_summary_and_idempotent_resend(api):
    body = value_set(invention_patents_in_force="120000", population="13744000")
    resp = await api.post(URL, json=body, headers=INTEGRATION)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"status": "SUCCESS", "dry_run": False,
                           "counts": {"imported": 2, "updated": 0, "ignored": 0}, "conflicts": []}
    again = await api.post(URL, json=body, headers=INTEGRATION)
    assert again.json()["counts"] == {"imported": 0, "updated": 0, "ignored": 2}
    changed = await api.post(URL, json=value_set(invention_patents_in_force="120500"), headers=INTEGRATION)
    assert changed.json()["counts"] == {"imported": 0, "updated": 1, "ignored": 0}
    assert await count(api, StatValue.__table__) == 2
    async with api.app.state.runtime.sessions() as s:
        audits = (await s.execute(select(audit_table).where(audit_table.c.action == "statistic.set")
                                  .order_by(audit_table.c.id))).mappings().all()
    assert len(audits) == 3 and audits[-1]["before"] == {"value": "120000", "source_system": "统计联网直报"}
    assert audits[-1]["after"]["value"] == "120500"


async def test_bad_rows_are_conflicts_naming_row_field_and_rule(api):
    body = {"period": "2025", "org_unit": WUHAN, "values": [
        {"element": "invention_patents_in_force", "value": "100"},
        {"element": "no_such_element", "value": "1"},
        {"element": "pct_applications", "value": "-3"},
        {"element": "trademark_registrations", "value": "很多"},
        {"element": "population", "value": "1.5"},
        {"element": "pct_applications", "value": "5", "period": "2025Q5"},
        {"element": "pct_applications", "value": "5", "period": "202513"},
        {"element": "pct_applications", "value": "5", "org_unit": "110000"},
        {"element": "invention_patents_in_force", "value": "101"},
    ]}
    resp = await api.post(URL, json=body, headers=INTEGRATION)
    assert resp.status_code == 200, resp.text
    summary = resp.json()
    assert summary["status"] == "WARNING" and summary["counts"]["imported"] == 1
    got = [(c["index"], c["field"], c["rule"]) for c in summary["conflicts"]]
    assert got == [(1, "values.1.element", "element.unknown"), (2, "values.2.value", "value.negative"),
                   (3, "values.3.value", "value.number"), (4, "values.4.value", "value.integer"),
                   (5, "values.5.period", "period.quarter"), (6, "values.6.period", "period.month"),
                   (7, "values.7.org_unit", "org_unit.unknown"), (8, "values.8.element", "value.duplicate")]
    assert all(c["message"] for c in summary["conflicts"])
    assert await count(api, StatValue.__table__) == 1


async def test_all_rows_bad_is_a_422_problem_and_nothing_written(api):
    resp = await api.post(URL, json=value_set(pct_applications="-1", population="x"), headers=INTEGRATION)
    assert resp.status_code == 422 and resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert body["status"] == 422 and body["counts"]["imported"] == 0
    assert {e["field"] for e in body["errors"]} == {"values.0.value", "values.1.value"}
    assert await count(api, StatValue.__table__) == 0


@pytest.mark.parametrize("field, value, rule", [("period", "2025Q5", "period.quarter"),
                                                ("period", "202513", "period.month"),
                                                ("org_unit", "110000", "org_unit.unknown")])
async def test_bad_set_period_or_org_unit_is_a_422(api, field, value, rule):
    body = {**value_set(pct_applications="1"), field: value}
    resp = await api.post(URL, json=body, headers=INTEGRATION)
    assert resp.status_code == 422
    assert [(e["field"], e["rule"]) for e in resp.json()["errors"]] == [(field, rule)]


async def test_dry_run_validates_and_writes_nothing(api):
    resp = await api.post(URL, params={"dry_run": "true"}, json=value_set(pct_applications="12"), headers=ADMIN)
    assert resp.status_code == 200
    assert resp.json()["dry_run"] is True and resp.json()["counts"]["imported"] == 1
    assert await count(api, StatValue.__table__) == 0 and await count(api, audit_table) == 0


async def test_atomic_writes_nothing_when_a_row_is_bad(api):
    resp = await api.post(URL, params={"atomic": "true"}, json=value_set(pct_applications="12", population="-1"),
                          headers=ADMIN)
    assert resp.status_code == 422 and resp.json()["import_status"] == "ERROR"
    assert await count(api, StatValue.__table__) == 0


async def test_roles(api):
    assert (await api.post(URL, json=value_set(pct_applications="1"), headers=WUHAN_OFFICER)).status_code == 200
    other = await api.post(URL, json=value_set(org_unit=YICHANG, pct_applications="1"), headers=WUHAN_OFFICER)
    assert other.status_code == 403
    row_other = {"period": "2025", "values": [{"element": "pct_applications", "value": "1", "org_unit": YICHANG}]}
    assert (await api.post(URL, json=row_other, headers=WUHAN_OFFICER)).status_code == 403
    for role in (VIEWER, auth("bank", org="ICBC"), auth("agency")):
        assert (await api.post(URL, json=value_set(pct_applications="1"), headers=role)).status_code == 403
    assert (await api.post(URL, json=value_set(pct_applications="1"))).status_code == 401
    approval = {"period": "2025", "org_unit": WUHAN}
    for role in (WUHAN_OFFICER, INTEGRATION, VIEWER):
        assert (await api.post("/api/v1/statistics/approvals", json=approval, headers=role)).status_code == 403


async def test_approval_locks_emits_an_event_and_reopening_allows_a_correction(api):
    await api.post(URL, json=value_set(high_value_invention_patents="30000", population="15000000"),
                   headers=INTEGRATION)
    resp = await api.post("/api/v1/statistics/approvals", json={"period": "2025", "org_unit": WUHAN}, headers=ADMIN)
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "approved" and resp.json()["version"] == 1
    (event,) = await approved_events(api)
    assert event["event_type"] == "ipp.reporting.statistics.approved.v1" and event["key"] == f"2025:{WUHAN}"
    assert sorted((v["element"], v["value"], v["previous"]) for v in event["payload"]["values"]) == [
        ("high_value_invention_patents", "30000", None), ("population", "15000000", None)]

    locked = await api.post(URL, json=value_set(population="15100000"), headers=INTEGRATION)
    assert locked.status_code == 409 and locked.json()["errors"][0]["rule"] == "approval.locked"
    assert "锁定" in locked.json()["errors"][0]["message"]
    again = await api.post("/api/v1/statistics/approvals", json={"period": "2025", "org_unit": WUHAN}, headers=ADMIN)
    assert again.status_code == 409

    await fold_outbox(api)
    async with api.app.state.runtime.sessions() as s:
        (row,) = await read_kpis(s, 2025, [WUHAN], ["high_value_patents_per_10k"])
    assert row.value == Decimal("20.00")  # 30,000 ÷ 15,000,000 × 10,000

    no_reason = await api.post("/api/v1/statistics/reopenings", json={"period": "2025", "org_unit": WUHAN},
                               headers=ADMIN)
    assert no_reason.status_code == 422
    reopened = await api.post("/api/v1/statistics/reopenings", headers=ADMIN,
                              json={"period": "2025", "org_unit": WUHAN, "reason": "统计局修订常住人口"})
    assert reopened.status_code == 200 and reopened.json()["state"] == "reopened"
    fixed = await api.post(URL, json=value_set(population="12000000"), headers=INTEGRATION)
    assert fixed.json()["counts"] == {"imported": 0, "updated": 1, "ignored": 0}
    await api.post("/api/v1/statistics/approvals", json={"period": "2025", "org_unit": WUHAN}, headers=ADMIN)
    events = await approved_events(api)
    assert [e["event_type"].split(".")[-2] for e in events] == ["approved", "reopened", "approved"]
    assert ("population", "12000000", "15000000") in [(v["element"], v["value"], v["previous"])
                                                      for v in events[-1]["payload"]["values"]]
    async with api.app.state.runtime.sessions.write() as s:  # fold only the new approval
        await apply_stat_deltas(s, fold_statistics(events[-1]["event_type"], events[-1]["payload"]))
    async with api.app.state.runtime.sessions() as s:
        (row,) = await read_kpis(s, 2025, [WUHAN], ["high_value_patents_per_10k"])
    assert row.value == Decimal("25.00")  # the corrected figure, not a sum of both


async def test_approving_nothing_is_a_conflict_and_bad_period_a_422(api):
    resp = await api.post("/api/v1/statistics/approvals", json={"period": "2024", "org_unit": YICHANG}, headers=ADMIN)
    assert resp.status_code == 409
    bad = await api.post("/api/v1/statistics/approvals", json={"period": "2024Q9", "org_unit": YICHANG},
                         headers=ADMIN)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "period"


async def test_csv_and_xlsx_uploads_go_through_the_same_validator(api):
    csv_text = ("数据元素,期间,组织机构,数值\r\n"
                "pct_applications,2025Q1,420100,120\r\npct_applications,2025Q2,420100,-1\r\n")
    resp = await api.post(URL, files={"file": ("stats.csv", csv_text.encode("gb18030"), "text/csv")},
                          headers=INTEGRATION)
    assert resp.status_code == 200, resp.text
    assert resp.json()["counts"]["imported"] == 1
    assert [(c["index"], c["rule"]) for c in resp.json()["conflicts"]] == [(1, "value.negative")]
    assert (resp.json()["conflicts"][0]["sheet_row"], resp.json()["conflicts"][0]["column"]) == (3, "数值")

    from io import BytesIO

    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["element", "period", "org_unit", "value"])
    ws.append(["pct_applications", "2025Q2", 420100, 130])
    ws.append([None, None, None, None])
    buf = BytesIO()
    wb.save(buf)
    resp = await api.post(URL, files={"file": ("stats.xlsx", buf.getvalue(), "application/octet-stream")},
                          headers=INTEGRATION)
    assert resp.status_code == 200, resp.text
    assert resp.json()["counts"]["imported"] == 1
    odd = await api.post(URL, files={"file": ("s.csv", "名称,值\r\na,1\r\n".encode(), "text/csv")}, headers=INTEGRATION)
    assert odd.status_code == 422 and odd.json()["errors"][0]["rule"] == "file.columns"


async def test_flow_statistics_sum_quarters_and_stocks_take_the_latest_level(api):
    for period, v in (("2025Q1", "100"), ("2025Q2", "150"), ("2025Q3", "50")):
        await api.post(URL, json=value_set(period=period, pct_applications=v, invention_patents_in_force=str(
            1000 + int(v))), headers=INTEGRATION)
        await api.post("/api/v1/statistics/approvals", json={"period": period, "org_unit": WUHAN}, headers=ADMIN)
    await fold_outbox(api)
    async with api.app.state.runtime.sessions() as s:
        year = {r.indicator: r.value for r in await read_kpis(s, 2025, [WUHAN],
                                                               ["pct_applications", "invention_patents_in_force"])}
        quarters = await read_series(s, "pct_applications", WUHAN, 2025, "quarter")
        province = {r.indicator: r.value for r in await read_kpis(s, 2025, [PROVINCE], ["pct_applications"])}
        empty = {r.indicator: r for r in await read_kpis(s, 2025, [YICHANG], ["pct_applications"])}
    assert year == {"pct_applications": Decimal(300), "invention_patents_in_force": Decimal(1050)}  # Q3's level
    assert [q.value for q in quarters] == [Decimal(100), Decimal(150), Decimal(50), None]
    assert [q.ytd for q in quarters][:3] == [Decimal(100), Decimal(250), Decimal(300)]
    assert province == {"pct_applications": Decimal(300)}  # no provincial figure: the sum of the cities
    assert empty["pct_applications"].value is None  # no data is not zero
