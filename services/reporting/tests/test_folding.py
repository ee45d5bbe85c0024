"""The worker's idempotent processing path, without Kafka: records → IdempotentProcessor →
IndicatorFolder's handler → indicator deltas + inbox + KpiUpdated outbox rows, on every backend."""
from __future__ import annotations

import contextlib
import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming, inbox_table
from libs.common.outbox import outbox_table
from libs.common.testing import fresh_database, migrate
from services.reporting import worker
from services.reporting.config import ReportingSettings
from services.reporting.indicators import PROVINCE
from services.reporting.kpi import read_kpis
from services.reporting.models import IndicatorDelta, Target
from services.reporting.worker import CONSUMER, IndicatorFolder

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
SOURCE_TOPIC = "ipp.enterprise.events"
KPI_TOPIC = "ipp.reporting.kpi-updates"
KPI_TYPE = "ipp.reporting.kpi.updated.v1"
WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"
#: The worker publishes stock values from a change's year up to the current year (China time):
#: events of this year touch exactly one period, which keeps outbox expectations exact.
THIS_YEAR = datetime.now(ZoneInfo("Asia/Shanghai")).year


# --- fixtures and record builders ----------------------------------------------------------------

@pytest.fixture
async def make_folder(db_backend, tmp_path):
    """Factory of IndicatorFolders, each on its own freshly migrated database."""
    async with contextlib.AsyncExitStack() as stack:
        async def _make() -> IndicatorFolder:
            url = await stack.enter_async_context(
                fresh_database(db_backend, tmp_path, f"reporting{uuid.uuid4().hex[:6]}"))
            await migrate(MIGRATIONS, url)
            dead: list[tuple[Incoming, BaseException]] = []

            async def dead_letter(rec: Incoming, exc: BaseException) -> None:
                dead.append((rec, exc))

            folder = IndicatorFolder(ReportingSettings(database_url=url, kafka_enabled=False, env="test"),
                                     dead_letter)
            folder.dead = dead  # type: ignore[attr-defined]
            stack.push_async_callback(folder.close)
            return folder

        yield _make


@pytest.fixture
async def folder(make_folder) -> IndicatorFolder:
    return await make_folder()


_offsets = iter(range(10**9))


def uscc() -> str:
    return "9142" + uuid.uuid4().hex[:14].upper()


def record(event_type: str, data: dict, subject: str | None = None, event_id: str | None = None) -> Incoming:
    subject = subject or data.get("uscc") or uscc()
    ce = CloudEvent(type=event_type, source="/services/enterprise", subject=subject, data=data,
                    id=event_id or str(uuid.uuid4()), time=datetime(2025, 5, 1, 8, 0, tzinfo=UTC))
    return Incoming(SOURCE_TOPIC, 0, next(_offsets), subject.encode(), json.dumps(data).encode(),
                    ce.kafka_headers())


def tier(kind: str, from_tier: str | None, to_tier: str | None, city: str = WUHAN, year: int = THIS_YEAR,
         who: str | None = None) -> Incoming:
    data = {"uscc": who or uscc(), "city": city, "is_private": True, "from_tier": from_tier, "to_tier": to_tier,
            "effective_date": f"{year}-03-01", "year": year, "reason": "test", "recommendation_id": None}
    return record(f"ipp.enterprise.tier.{kind}.v1", data)


def moved(who: str, previous_city: str, city: str, tier_code: str | None, year: int = THIS_YEAR) -> Incoming:
    data = {"uscc": who, "name": "测试企业", "city": city, "previous_city": previous_city, "ownership": "private",
            "is_private": True, "tier": tier_code, "changed_fields": ["city"], "updated_on": f"{year}-04-01"}
    return record("ipp.enterprise.enterprise.updated.v1", data)


def redelivered(rec: Incoming) -> Incoming:
    """The same Kafka record delivered again (a fresh object, as a consumer would build it)."""
    return Incoming(rec.topic, rec.partition, rec.offset, rec.key, rec.value, list(rec.headers))


def raw(value: bytes | None, headers: list[tuple[str, bytes]]) -> Incoming:
    return Incoming(SOURCE_TOPIC, 1, next(_offsets), b"k", value, headers)


async def values(folder: IndicatorFolder, year: int = THIS_YEAR,
                 cities: tuple[str, ...] = (PROVINCE, WUHAN, YICHANG, XIANGYANG)) -> dict[tuple[str, str], str]:
    """{(indicator, city): value} as exact strings, e.g. {("tier_seed", "420100"): "2"}."""
    async with folder.sessions() as session:
        rows = await read_kpis(session, year, list(cities), ["tier_advantage", "tier_seed", "tier_growth"])
    return {(r.indicator, r.city): exact(r.value) for r in rows}


def exact(value: Decimal | None) -> str:
    """An indicator's value as an exact string (every indicator read here has one)."""
    assert value is not None
    return format(value.normalize(), "f")


async def count(folder: IndicatorFolder, table) -> int:
    async with folder.sessions() as session:
        return await session.scalar(select(func.count()).select_from(table)) or 0


async def outbox_rows(folder: IndicatorFolder) -> list[dict]:
    async with folder.sessions() as session:
        return [dict(r) for r in (await session.execute(
            select(outbox_table).order_by(outbox_table.c.id))).mappings().all()]


def mixed_batch() -> list[Incoming]:
    """Wuhan: 3 seed designated, one of them promoted to advantage, 1 growth designated then moved to
    Yichang; Yichang: 1 advantage designated, 1 seed designated then revoked; Xiangyang: 1 advantage
    designated then demoted to growth."""
    mover, revoked, promoted, demoted = uscc(), uscc(), uscc(), uscc()
    return [
        tier("designated", None, "seed"),
        tier("designated", None, "seed"),
        tier("designated", None, "seed", who=promoted),
        tier("promoted", "seed", "advantage", who=promoted),
        tier("designated", None, "growth", who=mover),
        moved(mover, WUHAN, YICHANG, "growth"),
        tier("designated", None, "advantage", city=YICHANG),
        tier("designated", None, "seed", city=YICHANG, who=revoked),
        tier("revoked", "seed", None, city=YICHANG, who=revoked),
        tier("designated", None, "advantage", city=XIANGYANG, who=demoted),
        tier("demoted", "advantage", "growth", city=XIANGYANG, who=demoted),
    ]


MIXED_EXPECTED = {
    ("tier_seed", WUHAN): "2", ("tier_advantage", WUHAN): "1", ("tier_growth", WUHAN): "0",
    ("tier_seed", YICHANG): "0", ("tier_advantage", YICHANG): "1", ("tier_growth", YICHANG): "1",
    ("tier_seed", XIANGYANG): "0", ("tier_advantage", XIANGYANG): "0", ("tier_growth", XIANGYANG): "1",
    ("tier_seed", PROVINCE): "2", ("tier_advantage", PROVINCE): "2", ("tier_growth", PROVINCE): "2",
}


# --- exact values --------------------------------------------------------------------------------

async def test_batch_folds_into_exact_values_per_city_and_province(folder):
    await folder.processor.process(mixed_batch())
    assert await values(folder) == MIXED_EXPECTED
    assert folder.dead == []
    assert await count(folder, inbox_table) == 11


async def test_values_accumulate_over_batches(folder):
    batch = [tier("designated", None, "seed") for _ in range(10)]
    await folder.processor.process(batch[:4])
    assert (await values(folder))[("tier_seed", WUHAN)] == "4"
    await folder.processor.process(batch[4:])
    got = await values(folder)
    assert got[("tier_seed", WUHAN)] == "10" and got[("tier_seed", PROVINCE)] == "10"


async def test_stock_carries_into_later_years_and_not_earlier(folder):
    await folder.processor.process([tier("designated", None, "seed", year=THIS_YEAR - 1),
                                    tier("designated", None, "seed", year=THIS_YEAR)])
    assert (await values(folder, THIS_YEAR - 2))[("tier_seed", WUHAN)] == "0"
    assert (await values(folder, THIS_YEAR - 1))[("tier_seed", WUHAN)] == "1"
    assert (await values(folder, THIS_YEAR))[("tier_seed", WUHAN)] == "2"
    assert (await values(folder, THIS_YEAR + 3))[("tier_seed", PROVINCE)] == "2"


# --- idempotence ---------------------------------------------------------------------------------

async def test_redelivered_batch_changes_nothing(folder):
    batch = mixed_batch()
    await folder.processor.process(batch)
    outbox_before = await count(folder, outbox_table)
    await folder.processor.process([redelivered(r) for r in batch])
    assert await values(folder) == MIXED_EXPECTED
    assert await count(folder, inbox_table) == 11
    assert await count(folder, outbox_table) == outbox_before  # no KpiUpdated for a non-change
    assert folder.dead == []


async def test_partly_redelivered_batch_applies_only_the_new_events(folder):
    first = [tier("designated", None, "seed") for _ in range(3)]
    await folder.processor.process(first)
    await folder.processor.process([redelivered(first[0]), redelivered(first[2]), tier("designated", None, "seed")])
    assert (await values(folder))[("tier_seed", WUHAN)] == "4"
    assert await count(folder, inbox_table) == 4


async def test_same_event_twice_in_one_batch_counts_once(folder):
    rec = tier("designated", None, "advantage", city=YICHANG)
    other = tier("designated", None, "advantage", city=YICHANG)
    await folder.processor.process([rec, redelivered(rec), other, redelivered(rec)])
    got = await values(folder)
    assert got[("tier_advantage", YICHANG)] == "2" and got[("tier_advantage", PROVINCE)] == "2"
    assert await count(folder, inbox_table) == 2


async def test_republished_event_with_same_id_but_new_offset_counts_once(folder):
    event_id = str(uuid.uuid4())
    data = {"uscc": uscc(), "city": WUHAN, "is_private": False, "from_tier": None, "to_tier": "growth",
            "effective_date": f"{THIS_YEAR}-01-02", "year": THIS_YEAR, "reason": "r", "recommendation_id": 7}
    await folder.processor.process([record("ipp.enterprise.tier.designated.v1", data, event_id=event_id)])
    await folder.processor.process([record("ipp.enterprise.tier.designated.v1", data, event_id=event_id)])
    assert (await values(folder))[("tier_growth", WUHAN)] == "1"


async def test_shuffled_order_gives_the_same_values(make_folder):
    batch = mixed_batch()
    in_order, shuffled = await make_folder(), await make_folder()
    await in_order.processor.process(batch)
    mixed = [redelivered(r) for r in batch]
    random.Random(20250501).shuffle(mixed)
    assert [r.offset for r in mixed] != [r.offset for r in batch]
    for i in range(0, len(mixed), 3):  # several batches, in shuffled order
        await shuffled.processor.process(mixed[i:i + 3])
    assert await values(shuffled) == await values(in_order) == MIXED_EXPECTED
    # the last KpiUpdated for each key carries the final value, whatever the order
    for f in (in_order, shuffled):
        last = {row["key"]: row["payload"]["value"] for row in await outbox_rows(f)}
        for (indicator, city), value in MIXED_EXPECTED.items():
            key = f"{indicator}:{city}:{THIS_YEAR}"
            if key in last:
                assert last[key] == value, key
        assert last[f"tier_seed:{PROVINCE}:{THIS_YEAR}"] == "2"


async def test_reversed_one_by_one_gives_the_same_values(make_folder):
    f = await make_folder()
    for rec in reversed(mixed_batch()):  # revocations before designations: negative on the way
        await f.processor.process([rec])
    assert await values(f) == MIXED_EXPECTED


# --- dead letters --------------------------------------------------------------------------------

async def test_malformed_records_are_dead_lettered_and_the_rest_applies(folder):
    good = [tier("designated", None, "seed"), tier("designated", None, "growth", city=YICHANG)]
    headers = good[0].headers
    no_id = raw(good[0].value, [(k, v) for k, v in headers if k != "ce_id"])
    bad_json = raw(b"{not json", [("ce_id", b"x-" + uuid.uuid4().hex.encode()), *[
        (k, v) for k, v in headers if k != "ce_id"]])
    not_object = raw(b"[1, 2]", [("ce_id", b"y-" + uuid.uuid4().hex.encode()), *[
        (k, v) for k, v in headers if k != "ce_id"]])
    no_headers = raw(good[0].value, [])
    await folder.processor.process([no_id, good[0], bad_json, not_object, good[1], no_headers])
    assert [rec.offset for rec, _ in folder.dead] == [no_id.offset, bad_json.offset, not_object.offset,
                                                     no_headers.offset]
    assert isinstance(folder.dead[0][1], ValueError) and "ce_id" in str(folder.dead[0][1])
    assert isinstance(folder.dead[1][1], ValueError)  # json.JSONDecodeError is a ValueError
    assert "JSON object" in str(folder.dead[2][1])
    got = await values(folder)
    assert got[("tier_seed", WUHAN)] == "1" and got[("tier_growth", YICHANG)] == "1"
    assert got[("tier_seed", PROVINCE)] == "1" and got[("tier_growth", PROVINCE)] == "1"
    assert await count(folder, inbox_table) == 2


async def test_event_the_fold_cannot_handle_is_dead_lettered_alone(folder):
    ok1, ok2 = tier("designated", None, "seed"), tier("designated", None, "advantage", city=YICHANG)
    no_city = tier("designated", None, "seed")
    assert no_city.value is not None
    data = json.loads(no_city.value)
    del data["city"]
    no_city.value = json.dumps(data).encode()
    unknown_tier = tier("designated", None, "platinum")
    await folder.processor.process([ok1, no_city, ok2, unknown_tier])
    assert [(rec.offset, type(exc)) for rec, exc in folder.dead] == [(no_city.offset, KeyError),
                                                                      (unknown_tier.offset, KeyError)]
    got = await values(folder)
    assert got[("tier_seed", WUHAN)] == "1" and got[("tier_advantage", YICHANG)] == "1"
    assert got[("tier_seed", PROVINCE)] == "1" and got[("tier_advantage", PROVINCE)] == "1"
    async with folder.sessions() as session:
        seen = set((await session.scalars(select(inbox_table.c.event_id))).all())
    ids = {dict(r.headers)["ce_id"].decode() for r in (ok1, ok2, no_city, unknown_tier)}
    assert seen == {dict(r.headers)["ce_id"].decode() for r in (ok1, ok2)} and len(ids) == 4
    # the failed events left no inbox row (a corrected republish can still apply) and no KPI rows
    assert {row["key"] for row in await outbox_rows(folder)} == {
        f"tier_seed:{WUHAN}:{THIS_YEAR}", f"tier_seed:{PROVINCE}:{THIS_YEAR}",
        f"tier_advantage:{YICHANG}:{THIS_YEAR}", f"tier_advantage:{PROVINCE}:{THIS_YEAR}"}


async def test_single_failing_event_is_dead_lettered_without_effects(folder):
    bad = tier("promoted", "seed", "diamond")
    await folder.processor.process([bad])
    assert [rec.offset for rec, _ in folder.dead] == [bad.offset]
    assert await count(folder, IndicatorDelta.__table__) == 0
    assert await count(folder, inbox_table) == 0
    assert await count(folder, outbox_table) == 0


async def test_outbox_write_failure_rolls_back_the_deltas_and_inbox(folder, monkeypatch):
    real_flush = worker.flush_events

    async def flush_then_fail(session, topic):
        await real_flush(session, topic)
        raise RuntimeError("disk full")

    monkeypatch.setattr(worker, "flush_events", flush_then_fail)
    rec = tier("designated", None, "seed")
    await folder.processor.process([rec])
    assert [(r.offset, str(e)) for r, e in folder.dead] == [(rec.offset, "disk full")]
    assert await count(folder, IndicatorDelta.__table__) == 0
    assert await count(folder, inbox_table) == 0
    assert await count(folder, outbox_table) == 0
    monkeypatch.setattr(worker, "flush_events", real_flush)
    await folder.processor.process([redelivered(rec)])  # the retried event now applies
    assert (await values(folder))[("tier_seed", WUHAN)] == "1"


async def test_events_no_indicator_uses_are_recorded_but_change_nothing(folder):
    registered = record("ipp.enterprise.enterprise.registered.v1", {"uscc": uscc(), "city": WUHAN})
    same_city = moved(uscc(), WUHAN, WUHAN, "seed")
    await folder.processor.process([registered, same_city])
    assert folder.dead == []
    assert await count(folder, inbox_table) == 2
    assert await count(folder, IndicatorDelta.__table__) == 0
    assert await count(folder, outbox_table) == 0


# --- KpiUpdated outbox rows ----------------------------------------------------------------------

async def test_kpi_updated_rows_for_city_and_province_in_the_same_transaction(folder):
    async with folder.sessions() as session, session.begin():
        session.add(Target(indicator="tier_seed", year=THIS_YEAR, city=PROVINCE, value=Decimal(1000),
                           source="test"))
    rec = tier("designated", None, "seed")
    await folder.processor.process([rec])
    rows = await outbox_rows(folder)
    assert [(r["topic"], r["event_type"], r["source"], r["key"]) for r in sorted(rows, key=lambda r: r["key"])] == [
        (KPI_TOPIC, KPI_TYPE, "/services/reporting", f"tier_seed:{PROVINCE}:{THIS_YEAR}"),
        (KPI_TOPIC, KPI_TYPE, "/services/reporting", f"tier_seed:{WUHAN}:{THIS_YEAR}"),
    ]
    by_city = {r["payload"]["city"]: r["payload"] for r in rows}
    assert by_city[WUHAN] == {
        "key": f"tier_seed:{WUHAN}:{THIS_YEAR}", "indicator": "tier_seed", "name": "知识产权种子企业", "unit": "家",
        "city": WUHAN, "year": THIS_YEAR, "value": "1", "target": None, "progress": None, "met": None,
        "expected": None, "status": None, "forecast": by_city[WUHAN]["forecast"]}
    assert by_city[PROVINCE] == {
        "key": f"tier_seed:{PROVINCE}:{THIS_YEAR}", "indicator": "tier_seed", "name": "知识产权种子企业",
        "unit": "家", "city": PROVINCE, "year": THIS_YEAR, "value": "1", "target": "1000", "progress": "0.1",
        "met": False, "expected": by_city[PROVINCE]["expected"], "status": by_city[PROVINCE]["status"],
        "forecast": by_city[PROVINCE]["forecast"]}
    # expected progress and status are computed for today's date: a new seed enterprise this late in
    # the year is far behind the pro-rata share of 1,000 (unless it is the first day of the year)
    assert by_city[PROVINCE]["status"] in ("off_track", "on_track")
    assert all(r["published_at"] is None and r["attempts"] == 0 for r in rows)
    assert len({r["event_id"] for r in rows}) == 2


async def test_kpi_updated_values_have_no_trailing_zeros(folder):
    await folder.processor.process([tier("designated", None, "growth", city=XIANGYANG) for _ in range(10)])
    await folder.processor.process([tier("revoked", "growth", None, city=XIANGYANG) for _ in range(10)])
    rows = await outbox_rows(folder)
    assert [(r["payload"]["city"], r["payload"]["value"]) for r in rows] in (
        [(XIANGYANG, "10"), (PROVINCE, "10"), (XIANGYANG, "0"), (PROVINCE, "0")],
        [(PROVINCE, "10"), (XIANGYANG, "10"), (PROVINCE, "0"), (XIANGYANG, "0")])


async def test_one_kpi_row_per_changed_value_per_batch(folder):
    # a move touches two cities and the province (whose value does not change, but is republished once)
    who = uscc()
    await folder.processor.process([tier("designated", None, "advantage", who=who), moved(who, WUHAN, YICHANG,
                                                                                        "advantage")])
    rows = await outbox_rows(folder)
    got = sorted((r["key"], r["payload"]["value"]) for r in rows)
    assert got == sorted([(f"tier_advantage:{WUHAN}:{THIS_YEAR}", "0"), (f"tier_advantage:{YICHANG}:{THIS_YEAR}", "1"),
                          (f"tier_advantage:{PROVINCE}:{THIS_YEAR}", "1")])


async def test_past_year_change_republishes_every_later_year(folder):
    await folder.processor.process([tier("designated", None, "seed", city=YICHANG, year=THIS_YEAR - 2)])
    rows = await outbox_rows(folder)
    got = sorted((r["payload"]["city"], r["payload"]["year"], r["payload"]["value"]) for r in rows)
    assert got == sorted((c, y, "1") for c in (YICHANG, PROVINCE) for y in range(THIS_YEAR - 2, THIS_YEAR + 1))
    assert {r["key"] for r in rows} == {f"tier_seed:{c}:{y}" for c in (YICHANG, PROVINCE)
                                        for y in range(THIS_YEAR - 2, THIS_YEAR + 1)}


async def test_relay_is_woken_after_commit(folder, monkeypatch):
    woken = []
    monkeypatch.setattr(folder.relay, "wake", lambda: woken.append(True))
    await folder.processor.process([tier("designated", None, "seed")])
    assert woken == [True]
    assert CONSUMER == "reporting-indicators"
    async with folder.sessions() as session:
        consumers = set((await session.scalars(select(inbox_table.c.consumer))).all())
    assert consumers == {CONSUMER}


# --- trace context -------------------------------------------------------------------------------

def traced(rec: Incoming, trace_id: str) -> Incoming:
    """``rec`` as published by a producer span of trace ``trace_id``."""
    return Incoming(rec.topic, rec.partition, rec.offset, rec.key, rec.value,
                    [*rec.headers, ("traceparent", f"00-{trace_id}-{'1' * 16}-01".encode())])


@pytest.mark.parametrize("exported", [True, False], ids=["spans-exported", "no-exporter"])
async def test_each_kpi_update_continues_the_trace_of_the_event_that_changed_it(folder, monkeypatch, exported):
    """One batch, two traces: every KpiUpdated row carries the trace of its own cause, not the batch's
    first event's (the e2e test follows one trace from POST to the live stream) — through a span per
    event when spans are exported, through the event's own context when they are not."""
    monkeypatch.setattr("services.reporting.worker.tracing_exported", lambda: exported)
    seed, advantage = "a" * 32, "b" * 32
    await folder.processor.process([traced(tier("designated", None, "seed"), seed),
                                    traced(tier("designated", None, "advantage", city=XIANGYANG), advantage)])
    carried = {row["key"]: row["traceparent"].split("-")[1] for row in await outbox_rows(folder)
               if row["event_type"] == KPI_TYPE}
    assert {k: v for k, v in carried.items() if k.startswith("tier_seed:")} == {
        f"tier_seed:{WUHAN}:{THIS_YEAR}": seed, f"tier_seed:{PROVINCE}:{THIS_YEAR}": seed}
    assert {k: v for k, v in carried.items() if k.startswith("tier_advantage:")} == {
        f"tier_advantage:{XIANGYANG}:{THIS_YEAR}": advantage, f"tier_advantage:{PROVINCE}:{THIS_YEAR}": advantage}


@pytest.mark.parametrize("trouble", [
    OperationalError("INSERT …", {}, Exception("database is locked")),
    DBAPIError("UPDATE …", {}, type("DeadlockDetectedError", (Exception,), {"sqlstate": "40P01"})()),
    DBAPIError("SELECT 1", {}, Exception("connection reset"), connection_invalidated=True),
], ids=["locked", "deadlock", "connection-lost"])
async def test_database_trouble_fails_the_batch_instead_of_dead_lettering(folder, monkeypatch, trouble):
    """A batch whose transaction fails for the database's passing trouble is raised (the consumer does
    not commit its offsets and gets it again), not dead-lettered event by event: a dead-lettered event
    would be missing from the KPIs."""
    batch = mixed_batch()
    real = folder.processor._handler
    failures = iter([trouble])

    async def troubled(session, records):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return await real(session, records)

    monkeypatch.setattr(folder.processor, "_handler", troubled)
    with pytest.raises(type(trouble)):
        await folder.processor.process(batch)
    assert folder.dead == [] and await count(folder, inbox_table) == 0
    await folder.processor.process(batch)  # delivered again: applied once
    assert folder.dead == [] and await count(folder, inbox_table) == len(batch)
