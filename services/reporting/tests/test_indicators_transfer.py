"""The transfer programme's indicators: pure folds, target files, and exact values under redelivery
through the worker's idempotent path (a bulk import's thousands of events included)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from services.reporting.indicators import HEADLINE, INDICATORS, PROVINCE, Delta, fold
from services.reporting.indicators import transfer as module
from services.reporting.kpi import read_kpis
from services.reporting.tests.test_folding import (
    exact,
    make_folder,  # noqa: F401  (fixture)
)

TOPIC = "ipp.transfer.events"
WUHAN, YICHANG = "420100", "420500"
REGISTERED = "ipp.transfer.record.registered.v1"
CANCELLED = "ipp.transfer.record.cancelled.v1"
HELD = "ipp.transfer.matching-event.held.v1"
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def registered(city=WUHAN, year=2025, kind="ordinary_licence", university=True, patents=2, record_id=None) -> dict:
    return {"record_id": record_id or uuid.uuid4().hex, "ref": "R", "kind": kind,
            "is_licence": kind != "assignment", "patents": [f"p{i}" for i in range(patents)], "patent_count": patents,
            "from_party": {}, "to_party": {}, "university_origin": university, "city": city,
            "contract_date": f"{year}-05-01", "year": year, "amount": "1000.00", "payment": None,
            "channel": "direct", "batch_id": None}


def cancelled(data: dict) -> dict:
    return {k: data[k] for k in ("record_id", "ref", "kind", "is_licence", "patent_count", "university_origin", "city",
                                 "contract_date", "year", "amount")} | {"reason": "录入错误"}


def held(city=YICHANG, year=2026) -> dict:
    return {"matching_event_id": 1, "title": "对接会", "city": city, "held_on": f"{year}-04-20", "year": year,
            "organiser": "某局", "field": None, "participants_enterprises": 30, "participants_institutions": 3,
            "deals_intended": 5, "amount_intended": None}


def d(code, city, year, n, month: int = 5) -> Delta:
    return Delta(code, city, year, Decimal(n), month)


def test_registered_licence_from_a_university():
    assert fold(REGISTERED, registered(patents=3)) == [
        d("transfers_licences", WUHAN, 2025, 1), d("transfer_licences", WUHAN, 2025, 1),
        d("transfer_university", WUHAN, 2025, 1), d("transfer_patents", WUHAN, 2025, 3)]


def test_assignment_between_enterprises_counts_only_the_total_and_patents():
    assert fold(REGISTERED, registered(YICHANG, 2024, "assignment", False, 1)) == [
        d("transfers_licences", YICHANG, 2024, 1), d("transfer_patents", YICHANG, 2024, 1)]


def test_cancel_takes_back_exactly_what_registration_added():
    data = registered(patents=4)
    total: dict[tuple, Decimal] = {}
    for delta in fold(REGISTERED, data) + fold(CANCELLED, cancelled(data)):
        key = (delta.indicator, delta.city, delta.year)
        total[key] = total.get(key, Decimal(0)) + delta.amount
    assert total and set(total.values()) == {Decimal(0)}


def test_matching_event_held_counts_in_its_year():
    assert fold(HELD, held()) == [d("matching_events", YICHANG, 2026, 1, month=4)]
    assert fold("ipp.transfer.matching-event.planned.v1", {"city": WUHAN}) == []
    assert fold("ipp.transfer.need.registered.v1", {"city": WUHAN, "year": 2025}) == []


def test_indicator_definitions_and_targets_files():
    assert INDICATORS["transfers_licences"].kind == "flow" and INDICATORS["transfers_licences"].comparator == ">"
    assert INDICATORS["matching_events"].comparator == ">="
    y2025 = json.loads((TARGETS / "2025" / "transfer.json").read_text(encoding="utf-8"))
    y2026 = json.loads((TARGETS / "2026" / "transfer.json").read_text(encoding="utf-8"))
    assert {(t["indicator"], t["city"], t["value"]) for t in y2025["targets"]} == {
        ("transfer_patents", PROVINCE, "45000"), ("transfers_licences", PROVINCE, "45000"),
        ("matching_events", PROVINCE, "4")}
    assert {(t["indicator"], t["value"]) for t in y2026["targets"]} == {("matching_events", "4")}
    assert all(t["indicator"] in INDICATORS for doc in (y2025, y2026) for t in doc["targets"])
    assert {i.code for i in module.INDICATORS} <= set(INDICATORS)


async def values(folder, year: int, cities: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """{(indicator, city): value} of the transfer indicators, as exact strings."""
    async with folder.sessions() as session:
        rows = await read_kpis(session, year, list(cities), [i.code for i in module.INDICATORS])
    return {(r.indicator, r.city): exact(r.value) for r in rows}


def rec(event_type: str, data: dict, key: str) -> Incoming:
    ce = CloudEvent(type=event_type, source="/services/transfer", subject=key, data=data, id=str(uuid.uuid4()),
                    time=datetime(2025, 5, 1, tzinfo=UTC))
    return Incoming(TOPIC, 0, 0, key.encode(), json.dumps(data).encode(), ce.kafka_headers())


def again(r: Incoming) -> Incoming:
    return Incoming(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers))


async def test_a_bulk_import_redelivered_counts_once(make_folder):  # noqa: F811
    folder = await make_folder()
    bulk = [registered(WUHAN if i % 3 else YICHANG, 2025, patents=1 + i % 2, university=i % 4 == 0)
            for i in range(1500)]
    records = [rec(REGISTERED, data, data["record_id"]) for data in bulk]
    gone = bulk[0]
    records.append(rec(CANCELLED, cancelled(gone), gone["record_id"]))
    records.append(rec(HELD, held(WUHAN, 2025), "1"))
    for i in range(0, len(records), 400):
        await folder.processor.process(records[i:i + 400])
    first = await values(folder, 2025, (PROVINCE, WUHAN, YICHANG))
    await folder.processor.process([again(r) for r in records[::-1]])  # everything again, out of order
    assert await values(folder, 2025, (PROVINCE, WUHAN, YICHANG)) == first
    wuhan = sum(1 for x in bulk if x["city"] == WUHAN)
    yichang_left = sum(1 for x in bulk if x["city"] == YICHANG) - 1  # bulk[0] is in Yichang and was cancelled
    assert first[("transfers_licences", WUHAN)] == str(wuhan)
    assert first[("transfers_licences", YICHANG)] == str(yichang_left)
    assert first[("transfers_licences", PROVINCE)] == str(1499)
    patents = sum(x["patent_count"] for x in bulk) - gone["patent_count"]
    assert first[("transfer_patents", PROVINCE)] == str(patents)
    university = sum(1 for x in bulk if x["university_origin"]) - 1
    assert first[("transfer_university", PROVINCE)] == str(university)
    assert first[("matching_events", WUHAN)] == "1" and first[("matching_events", PROVINCE)] == "1"


def test_the_45000_target_is_in_patent_times_with_contracts_beside_it():
    # 鄂知发〔2025〕2号 主要预期目标 “专利转让许可次数超4.5万次”: 次 counted per patent (the national
    # statistics' unit), so a contract covering 3 patents is 3 次 towards the target, 1 contract beside it.
    patents, contracts = INDICATORS["transfer_patents"], INDICATORS["transfers_licences"]
    assert (patents.unit, patents.comparator, contracts.unit, contracts.comparator) == ("次", ">", "份", ">")
    assert "按专利件次计" in patents.name and "按合同计" in contracts.name
    assert patents.note and "按专利件次计" in patents.note
    three = fold(REGISTERED, registered(patents=3))
    assert {x.indicator: x.amount for x in three if x.indicator in ("transfer_patents", "transfers_licences")} == {
        "transfer_patents": 3, "transfers_licences": 1}
    # side by side in the headline targets, the target's unit first
    assert HEADLINE[HEADLINE.index("transfer_patents") + 1] == "transfers_licences"
