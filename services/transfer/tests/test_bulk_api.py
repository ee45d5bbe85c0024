"""The bulk import: per-row errors, good rows written in one transaction, ``atomic=true``, roles."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from libs.common.outbox import outbox_table
from libs.common.testing import random_uscc
from services.transfer.models import TransferPatent, TransferRecord
from services.transfer.tests.helpers import (
    ADMIN,
    OFFICER,
    WUHAN,
    YICHANG,
    assert_problem,
    china_today,
    count,
    headers,
    mark,
    nothing_written,
    patent,
    transfer_body,
    written_since,
)

SQLITE_ONLY = pytest.mark.parametrize("db_backend", ["sqlite"])


async def test_good_rows_are_written_bad_rows_reported_by_index(api, runtime, known):
    buyer = await known(WUHAN)
    rows = [transfer_body(buyer) for _ in range(6)]
    rows[1]["patents"] = ["202110987654.0"]                     # bad check digit (parse error)
    rows[3]["to"] = {"kind": "enterprise", "uscc": random_uscc(WUHAN)}  # unknown enterprise
    rows[4]["ref"] = rows[0]["ref"]                               # duplicate within the batch
    rows.append({"nonsense": True})                               # row 6: not a record at all
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers/bulk", json={"records": rows}, headers=headers(ADMIN))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["received"], out["written"], out["rejected"], out["atomic"]) == (7, 3, 4, False)
    assert [i is not None for i in out["ids"]] == [True, False, True, False, False, True, False]
    by_row = {(e["row"], e["field"], e["rule"]) for e in out["errors"]}
    assert (1, "patents.0", "patent.check_digit") in by_row
    assert (3, "to.uscc", "enterprise-registered") in by_row
    assert (4, "ref", "ref.duplicate_in_batch") in by_row
    assert (6, "nonsense", "extra_forbidden") in by_row and (6, "ref", "missing") in by_row
    assert all(e["message"] for e in out["errors"])
    events, audits = await written_since(runtime, since)
    assert sorted(e["key"] for e in events) == sorted(i for i in out["ids"] if i)
    assert {e["payload"]["batch_id"] for e in events} == {out["batch_id"]}
    assert [(a["action"], a["entity_id"], a["after"]["written"]) for a in audits] == [
        ("transfer.bulk_import", out["batch_id"], 3)]
    assert await count(runtime, TransferRecord) == 3
    assert await count(runtime, TransferPatent) == 6
    r = await api.get("/api/v1/transfers", params={"batch_id": out["batch_id"]}, headers=headers(ADMIN))
    assert r.json()["total"] == 3


async def test_atomic_writes_nothing_when_any_row_is_bad(api, runtime, known):
    buyer = await known(WUHAN)
    rows = [transfer_body(buyer) for _ in range(5)]
    rows[2]["contract_date"] = (china_today() + timedelta(days=1)).isoformat()
    rows[2]["term_end"] = None
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers/bulk", params={"atomic": "true"}, json={"records": rows},
                       headers=headers(ADMIN))
    body = assert_problem(r, 422, "contract_date", "date.future", slug="bulk-rejected")
    assert [e["row"] for e in body["errors"]] == [2] and body["rejected"] == 1
    assert await nothing_written(runtime, since)
    assert await count(runtime, TransferRecord) == 0
    rows[2]["contract_date"] = "2024-12-01"
    r = await api.post("/api/v1/transfers/bulk?atomic=true", json={"records": rows}, headers=headers(ADMIN))
    assert r.status_code == 200 and r.json()["written"] == 5 and r.json()["errors"] == []


async def test_rows_already_registered_are_reported_not_rewritten(api, runtime, known):
    buyer = await known(WUHAN)
    rows = [transfer_body(buyer) for _ in range(3)]
    assert (await api.post("/api/v1/transfers/bulk", json={"records": rows},
                           headers=headers(ADMIN))).json()["written"] == 3
    r = await api.post("/api/v1/transfers/bulk", json={"records": rows}, headers=headers(ADMIN))
    assert r.json()["written"] == 0 and {e["rule"] for e in r.json()["errors"]} == {"ref.exists"}
    assert await count(runtime, TransferRecord) == 3


async def test_officer_rows_of_another_city_are_refused_per_row(api, runtime, known):
    wuhan, yichang = await known(WUHAN), await known(YICHANG)
    rows = [transfer_body(wuhan), transfer_body(yichang)]
    r = await api.post("/api/v1/transfers/bulk", json={"records": rows}, headers=headers(OFFICER, WUHAN))
    out = r.json()
    assert out["written"] == 1 and [(e["row"], e["field"], e["rule"]) for e in out["errors"]] == [
        (1, "city", "forbidden-city")]


async def test_integration_client_may_bulk_import(api, known):
    buyer = await known(WUHAN)
    r = await api.post("/api/v1/transfers/bulk", json={"records": [transfer_body(buyer)]},
                       headers=headers("integration"))
    assert r.status_code == 200 and r.json()["written"] == 1


@SQLITE_ONLY
@pytest.mark.parametrize("role", ["viewer", "agency", "bank"])
async def test_bulk_wrong_role(api, runtime, role):
    since = await mark(runtime)
    r = await api.post("/api/v1/transfers/bulk", json={"records": [transfer_body(None)]}, headers=headers(role))
    assert_problem(r, 403)
    assert await nothing_written(runtime, since)


@SQLITE_ONLY
async def test_bulk_envelope_errors(api):
    assert_problem(await api.post("/api/v1/transfers/bulk", json={"records": [transfer_body(None)]}), 401)
    assert_problem(await api.post("/api/v1/transfers/bulk", json={"records": []}, headers=headers(ADMIN)), 422,
                   "records", "too_short")
    assert_problem(await api.post("/api/v1/transfers/bulk", json={"rows": []}, headers=headers(ADMIN)), 422,
                   "records", "missing")


async def test_two_thousand_rows_in_one_request(api, runtime, known):
    """Large enough to catch per-row queries (the benchmark measures 5,000; see bench/transfer_bulk.py)."""
    buyers = [await known(c) for c in (WUHAN, YICHANG, "420600", "421000")]
    rows = [transfer_body(buyers[i % 4], patents=[patent(), patent(2020, 2)]) for i in range(2000)]
    started = time.perf_counter()
    r = await api.post("/api/v1/transfers/bulk", json={"records": rows}, headers=headers(ADMIN))
    elapsed = time.perf_counter() - started
    assert r.status_code == 200 and r.json()["written"] == 2000, r.text[:500]
    async with runtime.sessions() as session:
        n_events = await session.scalar(select(func.count()).select_from(outbox_table))
    assert n_events == 2000
    assert elapsed < 60, elapsed  # generous: the machine is shared; typical is a few seconds
