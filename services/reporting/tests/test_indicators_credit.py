"""The credit register's indicators (鄂知发〔2019〕1号 § 5; 鄂知发〔2025〕2号 §§ 8, 16): entries recorded per
kind in the month of their decision, and entries lifted early; no target (no seed sets one); exact
through the worker's idempotent path."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from services.reporting.indicators import INDICATORS, PROGRAMME, PROGRAMME_NAMES, PROVINCE, Delta, fold
from services.reporting.indicators import credit as module
from services.reporting.kpi import read_kpis
from services.reporting.tests.test_folding import (
    exact,
    make_folder,  # noqa: F401  (fixture)
)

TOPIC = "ipp.enterprise.events"
WUHAN, YICHANG = "420100", "420500"
RECORDED, LIFTED = "ipp.enterprise.credit.recorded.v1", "ipp.enterprise.credit.lifted.v1"
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def entry(eid: int, kind: str = "serious_dishonesty", city: str = WUHAN, decided: str = "2025-03-10",
          lifted: str | None = None) -> dict:
    return {"entry_id": eid, "uscc": "91420100MA4K0000XJ", "city": city, "is_private": True, "kind": kind,
            "authority": "湖北省知识产权局", "document_no": f"鄂知〔2025〕{eid}号", "decided_on": decided,
            "effective_from": decided, "effective_until": None, "lifted_on": lifted,
            "year": int((lifted or decided)[:4])}


def d(code: str, city: str, year: int, n: int, month: int) -> Delta:
    return Delta(code, city, year, Decimal(n), month)


def test_recorded_per_kind_in_the_month_of_the_decision():
    assert fold(RECORDED, entry(1)) == [d("credit_recorded_serious_dishonesty", WUHAN, 2025, 1, 3)]
    assert fold(RECORDED, entry(2, "abnormal_patent_application", YICHANG, "2024-12-31")) == [
        d("credit_recorded_abnormal_patent_application", YICHANG, 2024, 1, 12)]


def test_lifting_counts_once_in_its_own_month_and_does_not_undo_recorded():
    assert fold(LIFTED, {**entry(1, lifted="2026-01-05"), "reason": "信用修复"}) == [
        d("credit_lifted", WUHAN, 2026, 1, 1)]


def test_an_unknown_kind_folds_nothing():
    assert fold(RECORDED, entry(3, "gossip")) == []


def test_catalogue_programme_and_no_target():
    for kind in module.KINDS:
        assert PROGRAMME[f"credit_recorded_{kind}"] == "credit"
    assert PROGRAMME_NAMES["credit"] == "知识产权信用记录"
    assert INDICATORS["credit_recorded_abnormal_patent_application"].name == "记入信用记录的非正常专利申请"
    assert not any(p.name.startswith("credit") for p in TARGETS.rglob("*.json"))


async def values(folder, year: int, cities: tuple[str, ...]) -> dict[tuple[str, str], str]:
    async with folder.sessions() as session:
        rows = await read_kpis(session, year, list(cities), [i.code for i in module.INDICATORS])
    return {(r.indicator, r.city): exact(r.value) for r in rows}


def rec(event_type: str, data: dict) -> Incoming:
    key = data["uscc"]
    ce = CloudEvent(type=event_type, source="/services/enterprise", subject=key, data=data, id=str(uuid.uuid4()),
                    time=datetime(2025, 5, 1, tzinfo=UTC))
    return Incoming(TOPIC, 0, 0, key.encode(), json.dumps(data).encode(), ce.kafka_headers())


def again(r: Incoming) -> Incoming:
    return Incoming(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers))


async def test_exact_values_under_redelivery(make_folder):  # noqa: F811
    folder = await make_folder()
    records = [rec(RECORDED, entry(i, city=WUHAN if i < 3 else YICHANG)) for i in range(5)]
    records.append(rec(LIFTED, {**entry(0, lifted="2025-09-01"), "reason": "信用修复"}))
    await folder.processor.process(records)
    first = await values(folder, 2025, (PROVINCE, WUHAN, YICHANG))
    await folder.processor.process([again(r) for r in records[::-1]])
    assert await values(folder, 2025, (PROVINCE, WUHAN, YICHANG)) == first
    assert first[("credit_recorded_serious_dishonesty", PROVINCE)] == "5"
    assert first[("credit_recorded_serious_dishonesty", WUHAN)] == "3"
    assert first[("credit_lifted", WUHAN)] == "1"
