"""The innovation carriers' indicators: per kind, new (national/provincial approvals) in the period and
operating at its end; pure folds at their boundaries, the target files, and exact values through the
worker's idempotent path (redelivered, out of order, across years)."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from services.reporting.indicators import INDICATORS, PROGRAMME, PROVINCE, Delta, fold
from services.reporting.indicators import carriers as module
from services.reporting.kpi import read_kpis
from services.reporting.tests.test_folding import (
    exact,
    make_folder,  # noqa: F401  (fixture)
)

TOPIC = "ipp.transfer.events"
WUHAN, YICHANG = "420100", "420500"
APPROVED, ESTABLISHED = "ipp.transfer.carrier.approved.v1", "ipp.transfer.carrier.established.v1"
REVOKED, REVIEWED = "ipp.transfer.carrier.revoked.v1", "ipp.transfer.carrier.reviewed.v1"
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def approved(cid: str, kind="navigation_base", level="provincial", city=WUHAN, on="2025-03-10") -> dict:
    return {"carrier_id": cid, "kind": kind, "level": level, "name": f"载体{cid}", "host_kind": "university",
            "host_name": "某大学", "host_uscc": None, "city": city, "approved_on": on, "year": int(on[:4])}


def established(cid: str, kind="navigation_base", level="provincial", city=WUHAN, on="2025-06-01") -> dict:
    return {"carrier_id": cid, "kind": kind, "level": level, "city": city, "approved_on": "2025-03-10",
            "established_on": on, "year": int(on[:4])}


def revoked(cid: str, kind="navigation_base", level="provincial", city=WUHAN, on="2026-02-01",
            was_operating=True) -> dict:
    return {"carrier_id": cid, "kind": kind, "level": level, "city": city, "approved_on": "2025-03-10",
            "established_on": "2025-06-01" if was_operating else None, "was_operating": was_operating,
            "revoked_on": on, "year": int(on[:4]), "reason": "评价不合格"}


def d(code, city, year, n, month) -> Delta:
    return Delta(code, city, year, Decimal(n), month)


def test_new_counts_national_and_provincial_approvals_not_city_level():
    assert fold(APPROVED, approved("1")) == [d("carriers_new_navigation_base", WUHAN, 2025, 1, 3)]
    assert fold(APPROVED, approved("2", "patent_pool", "national", YICHANG, "2024-12-31")) == [
        d("carriers_new_patent_pool", YICHANG, 2024, 1, 12)]
    assert fold(APPROVED, approved("3", level="city")) == []


def test_operating_from_establishment_until_revocation_of_an_operating_carrier():
    assert fold(ESTABLISHED, established("1", level="city")) == [
        d("carriers_operating_navigation_base", WUHAN, 2025, 1, 6)]
    assert fold(REVOKED, revoked("1")) == [d("carriers_operating_navigation_base", WUHAN, 2026, -1, 2)]
    assert fold(REVOKED, revoked("2", was_operating=False)) == []   # approved, never operating: nothing to take back
    assert fold(REVIEWED, {"carrier_id": "1", "kind": "navigation_base", "level": "provincial", "city": WUHAN,
                           "year": 2025, "result": "failed", "note": None}) == []
    assert fold(APPROVED, approved("4", kind="incubator")) == []    # an unknown kind counts nowhere


def test_every_kind_has_both_indicators_in_the_catalogue():
    kinds = ("high_value_cultivation_centre", "navigation_base", "operations_centre", "university_conversion_base",
             "innovation_consortium", "patent_pool", "industrialisation_park", "service_cluster")
    assert tuple(module.KINDS) == kinds
    for kind in kinds:
        new, operating = INDICATORS[f"carriers_new_{kind}"], INDICATORS[f"carriers_operating_{kind}"]
        assert (new.kind, new.comparator, operating.kind) == ("flow", ">=", "stock")
        assert PROGRAMME[new.code] == PROGRAMME[operating.code] == "carriers"
    assert INDICATORS["carriers_new_high_value_cultivation_centre"].name == "新建高价值专利培育中心"
    assert INDICATORS["carriers_new_industrialisation_park"].name == "新选定专利产业化重点科技园区"  # 003 § 11 “选定”


def test_targets_of_2025_and_the_standing_two_operations_centres():
    y2025 = json.loads((TARGETS / "2025" / "carriers.json").read_text(encoding="utf-8"))
    y2026 = json.loads((TARGETS / "2026" / "carriers.json").read_text(encoding="utf-8"))
    assert {(t["indicator"], t["city"], t["value"]) for t in y2025["targets"]} == {
        ("carriers_new_high_value_cultivation_centre", PROVINCE, "10"),   # 003 § 5
        ("carriers_new_navigation_base", PROVINCE, "6"),                  # 003 § 7
        ("carriers_new_operations_centre", PROVINCE, "5"),                # 003 § 9
        ("carriers_new_university_conversion_base", PROVINCE, "10"),      # 003 § 9
        ("carriers_new_industrialisation_park", PROVINCE, "2"),           # 003 § 11
        ("carriers_new_service_cluster", PROVINCE, "2")}                  # 003 § 22
    assert {(t["indicator"], t["value"]) for t in y2026["targets"]} == {("carriers_new_operations_centre", "2")}
    for clause in ("第5条", "第7条", "第9条", "第11条", "第22条"):
        assert clause in y2025["source"]
    assert "二(二)3" in y2026["source"]
    assert all(t["indicator"] in INDICATORS for doc in (y2025, y2026) for t in doc["targets"])


async def values(folder, year: int, cities: tuple[str, ...]) -> dict[tuple[str, str], str]:
    async with folder.sessions() as session:
        rows = await read_kpis(session, year, list(cities), [i.code for i in module.INDICATORS])
    return {(r.indicator, r.city): exact(r.value) for r in rows}


def rec(event_type: str, data: dict) -> Incoming:
    key = data["carrier_id"]
    ce = CloudEvent(type=event_type, source="/services/transfer", subject=key, data=data, id=str(uuid.uuid4()),
                    time=datetime(2025, 5, 1, tzinfo=UTC))
    return Incoming(TOPIC, 0, 0, key.encode(), json.dumps(data).encode(), ce.kafka_headers())


def again(r: Incoming) -> Incoming:
    return Incoming(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers))


async def test_new_and_operating_exact_across_years_and_redelivery(make_folder):  # noqa: F811
    folder = await make_folder()
    records = []
    for i in range(7):                         # 7 provincial navigation bases in 2025, 5 of them operating
        cid = f"nav-{i}"
        records.append(rec(APPROVED, approved(cid, city=WUHAN if i < 4 else YICHANG)))
        if i < 5:
            records.append(rec(ESTABLISHED, established(cid, city=WUHAN if i < 4 else YICHANG)))
    records.append(rec(APPROVED, approved("city-1", level="city")))          # city level: not new …
    records.append(rec(ESTABLISHED, established("city-1", level="city")))    # … but operating
    records.append(rec(REVOKED, revoked("nav-0")))                            # revoked in 2026
    await folder.processor.process(records)
    first = await values(folder, 2025, (PROVINCE, WUHAN, YICHANG))
    await folder.processor.process([again(r) for r in records[::-1]])
    assert await values(folder, 2025, (PROVINCE, WUHAN, YICHANG)) == first
    assert first[("carriers_new_navigation_base", PROVINCE)] == "7"
    assert first[("carriers_new_navigation_base", WUHAN)] == "4"
    assert first[("carriers_operating_navigation_base", PROVINCE)] == "6"
    assert first[("carriers_operating_navigation_base", WUHAN)] == "5"
    y2026 = await values(folder, 2026, (PROVINCE, WUHAN))
    assert y2026[("carriers_operating_navigation_base", PROVINCE)] == "5"        # the stock carries over, less one
    assert y2026.get(("carriers_new_navigation_base", PROVINCE), "0") == "0"     # nothing new in 2026
