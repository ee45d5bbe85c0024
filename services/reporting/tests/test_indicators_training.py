"""The training folds (services.reporting.indicators.training): pure unit tests, and the same events
through the worker's idempotent path with redelivery and corrections."""
from __future__ import annotations

import contextlib
import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from libs.common.testing import fresh_database, migrate
from services.reporting.config import ReportingSettings
from services.reporting.indicators import INDICATORS, Delta, fold, value_for_year
from services.reporting.kpi import read_kpis
from services.reporting.tests.test_folding import exact
from services.reporting.worker import IndicatorFolder

WUHAN, YICHANG = "420100", "420500"
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
T = "ipp.training.{}.v1"


def d(indicator: str, city: str, year: int, amount: int, month: int = 6) -> Delta:
    return Delta(indicator, city, year, Decimal(amount), month)


def finished(track: str = "private", city: str = WUHAN, year: int = 2025) -> dict:
    return {"class_id": 1, "code": "C1", "track": track, "city": city, "year": year, "finished_on": f"{year}-06-30",
            "organiser": "培训基地", "session_days": 2, "enrolled": 40, "person_times": 38,
            "private_person_times": 38, "completed": 35}


def attendance(before: int, after: int, is_private: bool = True, city: str = WUHAN, year: int = 2025,
               track: str = "preparatory", enrolment_id: int = 1) -> dict:
    return {"class_id": 1, "code": "C1", "track": track, "city": city, "year": year, "enrolment_id": enrolment_id,
            "person_key": "k" * 32, "uscc": "91420100MA4K000001", "enterprise_city": YICHANG,
            "is_private": is_private, "day": f"{year}-06-01", "present": after > before,
            "attended_days_before": before, "attended_days_after": after,
            "person_time_delta": int(after > 0) - int(before > 0)}


def commissioner(enterprise_city: str = YICHANG, year: int = 2025, city: str = WUHAN) -> dict:
    return {"person_key": "k" * 32, "track": "preparatory", "class_id": 1, "enrolment_id": 1, "city": city,
            "enterprise_city": enterprise_city, "year": year, "class_start": f"{year}-06-10"}


def certificate(track: str = "assessed", enterprise_city: str | None = YICHANG, year: int = 2026) -> dict:
    return {"number": f"HBIPT-A-{year}-00001", "track": track, "class_id": 1, "enrolment_id": 1,
            "person_key": "k" * 32, "city": WUHAN, "enterprise_city": enterprise_city, "is_private": True,
            "issued_on": f"{year}-01-05", "year": year}


# --- the catalogue --------------------------------------------------------------------------------

def test_indicators_are_declared_with_kinds_and_comparators():
    got = {c: (INDICATORS[c].kind, INDICATORS[c].comparator) for c in (
        "training_private_classes", "training_private_person_times", "commissioners_preparatory",
        "commissioners_assessed")}
    assert got == {"training_private_classes": ("flow", ">="), "training_private_person_times": ("flow", ">="),
                   "commissioners_preparatory": ("stock", ">="), "commissioners_assessed": ("stock", ">=")}


@pytest.mark.parametrize("year", [2025, 2026])
def test_target_files_hold_the_four_province_targets(year):
    data = json.loads((Path(__file__).resolve().parents[1] / "targets" / str(year) / "training.json").read_text())
    assert data["year"] == year
    assert {t["indicator"]: t["value"] for t in data["targets"] if t["city"] == "420000"} == {
        "training_private_classes": "10", "training_private_person_times": "1000",
        "commissioners_preparatory": "10000", "commissioners_assessed": "1000"}


# --- classes --------------------------------------------------------------------------------------

def test_finished_private_class_counts_one_in_its_city_and_class_year():
    assert fold(T.format("class.finished"), finished(city=YICHANG, year=2026)) == [
        d("training_private_classes", YICHANG, 2026, 1)]


@pytest.mark.parametrize("track", ["preparatory", "assessed", "other"])
def test_other_tracks_are_not_private_classes(track):
    assert fold(T.format("class.finished"), finished(track=track)) == []


@pytest.mark.parametrize("event", ["class.planned", "class.opened", "class.cancelled", "class.updated",
                                   "enrolment.enrolled", "enrolment.withdrawn", "exam.recorded"])
def test_other_lifecycle_events_count_nothing(event):
    assert fold(T.format(event), finished()) == []


# --- person-times ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "after", "delta"), [
    (0, 1, 1),    # first attended day: one person-time
    (1, 2, 0),    # more days of the same class: still one
    (3, 2, 0),    # a correction that leaves attended days
    (1, 0, -1),   # a correction to zero days takes it back
])
def test_person_time_is_one_per_trainee_and_class(before, after, delta):
    expected = [d("training_private_person_times", WUHAN, 2025, delta)] if delta else []
    assert fold(T.format("attendance.recorded"), attendance(before, after)) == expected


def test_person_times_of_non_private_trainees_are_not_counted():
    assert fold(T.format("attendance.recorded"), attendance(0, 1, is_private=False)) == []


@pytest.mark.parametrize("track", ["preparatory", "assessed", "private", "other"])
def test_private_trainees_count_in_every_track(track):
    assert fold(T.format("attendance.recorded"), attendance(0, 1, track=track)) == [
        d("training_private_person_times", WUHAN, 2025, 1)]


def test_random_attendance_with_corrections_sums_to_trainees_with_a_day():
    rng = random.Random(7)
    days: dict[int, int] = {i: 0 for i in range(40)}
    total = Decimal(0)
    for _ in range(2000):
        who = rng.randrange(40)
        before = days[who]
        after = max(0, before + rng.choice((1, 1, -1)))
        if after == before:
            continue
        days[who] = after
        total += sum(x.amount for x in fold(T.format("attendance.recorded"), attendance(before, after,
                                                                                      enrolment_id=who)))
    assert total == sum(1 for v in days.values() if v > 0)


# --- commissioners --------------------------------------------------------------------------------

def test_qualified_and_withdrawn_count_in_the_enterprise_city_and_cancel_out():
    add = fold(T.format("commissioner.qualified"), commissioner())
    back = fold(T.format("commissioner.withdrawn"), commissioner())
    assert add == [d("commissioners_preparatory", YICHANG, 2025, 1)]
    assert back == [d("commissioners_preparatory", YICHANG, 2025, -1)]


def test_commissioners_are_a_stock():
    ind = INDICATORS["commissioners_preparatory"]
    by_year = {2024: Decimal(3), 2025: Decimal(2)}
    assert value_for_year(ind, by_year, 2026) == 5


def test_assessed_certificate_is_an_assessed_commissioner_in_the_year_of_issue():
    assert fold(T.format("certificate.issued"), certificate()) == [
        d("commissioners_assessed", YICHANG, 2026, 1, month=1)]


@pytest.mark.parametrize("track", ["preparatory", "private", "other"])
def test_other_certificates_are_not_assessed_commissioners(track):
    assert fold(T.format("certificate.issued"), certificate(track=track)) == []


def test_missing_fields_fail_loudly():
    data = attendance(0, 1)
    del data["city"]
    with pytest.raises(KeyError):
        fold(T.format("attendance.recorded"), data)


# --- through the worker: redelivery and corrections stay exact -------------------------------------

@pytest.fixture
async def folder(db_backend, tmp_path):
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(fresh_database(db_backend, tmp_path, "reporting"))
        await migrate(MIGRATIONS, url)

        async def dead_letter(rec, exc):
            raise AssertionError(f"dead-lettered: {exc}")

        f = IndicatorFolder(ReportingSettings(database_url=url, kafka_enabled=False, env="test"), dead_letter)
        stack.push_async_callback(f.close)
        yield f


_offsets = iter(range(10**9))


def record(event_type: str, data: dict) -> Incoming:
    ce = CloudEvent(type=event_type, source="/services/training", subject=str(data.get("class_id")), data=data,
                    id=str(uuid.uuid4()), time=datetime(2025, 6, 1, tzinfo=UTC))
    return Incoming("ipp.training.events", 0, next(_offsets), ce.subject.encode(), json.dumps(data).encode(),
                    ce.kafka_headers())


async def test_worker_values_are_exact_under_redelivery_and_corrections(folder):
    recs = [record(T.format("attendance.recorded"), attendance(0, 1, enrolment_id=1)),
            record(T.format("attendance.recorded"), attendance(0, 1, enrolment_id=2)),
            record(T.format("attendance.recorded"), attendance(1, 2, enrolment_id=2)),
            record(T.format("attendance.recorded"), attendance(1, 0, enrolment_id=1)),  # correction
            record(T.format("class.finished"), finished()),
            record(T.format("commissioner.qualified"), commissioner()),
            record(T.format("commissioner.withdrawn"), commissioner()),
            record(T.format("commissioner.qualified"), commissioner(year=2025, enterprise_city=YICHANG)),
            record(T.format("certificate.issued"), certificate(year=2025))]
    await folder.processor.process(recs)
    again = [Incoming(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers)) for r in recs]
    await folder.processor.process(again[3:] + again[:3])  # redelivered, out of order
    async with folder.sessions() as session:
        rows = await read_kpis(session, 2025, ["420000", WUHAN, YICHANG])
    got = {(r.indicator, r.city): exact(r.value) for r in rows
           if r.indicator.startswith(("training_", "commissioners_"))}
    assert {k: v for k, v in got.items() if v != "0"} == {
        ("training_private_person_times", WUHAN): "1", ("training_private_person_times", "420000"): "1",
        ("training_private_classes", WUHAN): "1", ("training_private_classes", "420000"): "1",
        ("commissioners_preparatory", YICHANG): "1", ("commissioners_preparatory", "420000"): "1",
        ("commissioners_assessed", YICHANG): "1", ("commissioners_assessed", "420000"): "1"}
