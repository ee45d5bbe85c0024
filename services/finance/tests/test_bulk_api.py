"""Bulk import of loans (a bank's or a city's monthly report): per-row errors, one transaction."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from libs.common.audit import audit_table
from libs.common.testing import random_uscc, token
from services.finance.client import AsyncFinanceClient
from services.finance.models import PledgeLoan
from services.finance.tests.helpers import (
    WUHAN,
    YICHANG,
    admin,
    assert_problem,
    bank,
    count,
    headers,
    known,
    mark,
    new_patent,
    nothing_written,
    officer,
    pledge_body,
    written_since,
)

REGISTERED = "ipp.finance.pledge.registered.v1"


async def test_good_rows_are_written_and_bad_rows_reported(api, runtime):
    a, b = await known(runtime, WUHAN), await known(runtime, YICHANG, "state")
    shared = new_patent()
    rows = [pledge_body(a, lender_bank=None),                                        # 0 ok
            pledge_body(random_uscc(), lender_bank=None),                            # 1 unknown enterprise
            pledge_body(b, lender_bank=None, amount="-1"),                           # 2 bad amount
            pledge_body(b, lender_bank=None, items=[{"kind": "patent", "number": shared}]),  # 3 ok
            pledge_body(a, lender_bank=None, items=[{"kind": "patent", "number": shared}]),  # 4 item taken by row 3
            pledge_body(a, lender_bank="CCB-HB")]                                     # 5 another bank's name
    rows.append({**pledge_body(a, lender_bank=None), "contract_no": rows[0]["contract_no"]})  # 6 duplicate contract
    since = await mark(runtime)
    r = await api.post("/api/v1/pledges/bulk", json={"rows": rows}, headers=bank("HUBEI-BANK"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert [w["row"] for w in out["written"]] == [0, 3]
    assert [(e["row"], e["field"], e["rule"]) for e in out["errors"]] == [
        (1, "uscc", "enterprise-registered"), (2, "amount", "greater_than"),
        (4, "items", "pledge.item_already_pledged"), (5, "lender_bank", "forbidden-lender"),
        (6, "contract_no", "pledge.duplicate_contract")]
    events, audits = await written_since(runtime, since)
    assert [(e["event_type"], e["key"]) for e in events] == [(REGISTERED, str(w["id"])) for w in out["written"]]
    assert [x["action"] for x in audits] == ["pledge.bulk_import"]
    assert audits[0]["after"]["loan_ids"] == [w["id"] for w in out["written"]]
    assert await count(runtime, PledgeLoan) == 2
    # the same report again writes nothing new
    since = await mark(runtime)
    again = (await api.post("/api/v1/pledges/bulk", json={"rows": rows}, headers=bank("HUBEI-BANK"))).json()
    assert again["written"] == [] and {e["rule"] for e in again["errors"] if e["row"] in (0, 3)} == {
        "pledge.duplicate_contract"}
    assert await nothing_written(runtime, since)


async def test_atomic_import_writes_nothing_when_a_row_is_bad(api, runtime):
    a = await known(runtime)
    since = await mark(runtime)
    rows = [pledge_body(a), pledge_body(a, items=[{"kind": "trademark", "number": "0"}])]
    r = await api.post("/api/v1/pledges/bulk", params={"atomic": "true"}, json={"rows": rows}, headers=admin())
    body = assert_problem(r, 422, slug="bulk-rejected")
    assert [(e["row"], e["field"], e["rule"]) for e in body["errors"]] == [(1, "items.0.number", "trademark.format")]
    assert await nothing_written(runtime, since) and await count(runtime, PledgeLoan) == 0
    r = await api.post("/api/v1/pledges/bulk", params={"atomic": "true"}, json={"rows": rows[:1]}, headers=admin())
    assert len(r.json()["written"]) == 1


async def test_a_city_officers_report_stays_in_their_city(api, runtime):
    mine, other = await known(runtime, WUHAN), await known(runtime, YICHANG)
    r = await api.post("/api/v1/pledges/bulk", json={"rows": [pledge_body(mine), pledge_body(other)]},
                       headers=officer(WUHAN))
    out = r.json()
    assert [w["row"] for w in out["written"]] == [0]
    assert [(e["row"], e["rule"]) for e in out["errors"]] == [(1, "forbidden-city")]


@pytest.mark.parametrize("db_backend", ["sqlite"])
async def test_bulk_auth_and_shape(api):
    assert_problem(await api.post("/api/v1/pledges/bulk", json={"rows": [{}]}), 401)
    assert_problem(await api.post("/api/v1/pledges/bulk", json={"rows": [{}]}, headers=headers("viewer")), 403)
    assert_problem(await api.post("/api/v1/pledges/bulk", json={"rows": []}, headers=admin()), 422, "rows",
                   "too_short")
    r = await api.post("/api/v1/pledges/bulk", json={"rows": [{"uscc": "x"}]}, headers=admin())
    rules = {(e["field"], e["rule"]) for e in r.json()["errors"]}
    assert ("uscc", "uscc.length") in rules and ("amount", "missing") in rules


async def test_client_imports(api, app, runtime):
    a = await known(runtime)
    async with AsyncFinanceClient("http://test", token("bank", org="CMB-WH"),
                                  transport=httpx.ASGITransport(app=app)) as c:
        out = await c.import_pledges([pledge_body(a, lender_bank=None)])
    assert out.rows == 1 and len(out.written) == 1 and out.errors == []
    async with runtime.sessions() as session:
        actions = (await session.scalars(select(audit_table.c.action))).all()
    assert actions == ["pledge.bulk_import"]
