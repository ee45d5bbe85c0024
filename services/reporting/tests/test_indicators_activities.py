"""The service activities' indicators: per kind the activities, staff person-times and enterprises
(private ones apart) in the month held; a correction moves them exactly, a cancellation takes them back;
the targets of 002 §§ 19, 20 as data; exact values through the worker's idempotent path."""
from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from services.reporting.indicators import INDICATORS, PROGRAMME, PROGRAMME_NAMES, PROVINCE, Delta, fold
from services.reporting.indicators import activities as module
from services.reporting.kpi import read_kpis
from services.reporting.tests.test_folding import (
    exact,
    make_folder,  # noqa: F401  (fixture)
)

TOPIC = "ipp.training.events"
WUHAN, YICHANG = "420100", "420500"
RECORDED, CORRECTED, CANCELLED = (f"ipp.training.activity.{v}.v1" for v in ("recorded", "corrected", "cancelled"))
TARGETS = Path(__file__).resolve().parents[1] / "targets"


def figures(kind="examiner_visit", city=WUHAN, on="2025-05-16", staff=6, enterprises=3, private=2,
            sub_kind=None) -> dict[str, Any]:
    return {"kind": kind, "sub_kind": sub_kind, "city": city, "held_on": on, "year": int(on[:4]),
            "staff_person_times": staff, "enterprises": enterprises, "private_enterprises": private}


def recorded(aid: int, **kw: Any) -> dict[str, Any]:
    return {"activity_id": aid, "title": "走访", "organiser": "专利审查协作湖北中心", "usccs": [], "batch_id": None,
            **figures(**kw)}


def d(code: str, city: str, year: int, n: int, month: int) -> Delta:
    return Delta(code, city, year, Decimal(n), month)


def test_recorded_counts_activity_person_times_and_enterprises_in_the_month_held():
    assert fold(RECORDED, recorded(1)) == [
        d("activities_examiner_visit", WUHAN, 2025, 1, 5),
        d("activities_examiner_visit_person_times", WUHAN, 2025, 6, 5),
        d("activities_examiner_visit_enterprises", WUHAN, 2025, 3, 5),
        d("activities_examiner_visit_private_enterprises", WUHAN, 2025, 2, 5)]
    # no private enterprise served (a kind of 000 § 二.8): no zero row
    assert fold(RECORDED, recorded(2, kind="key_enterprise_contact", private=0, on="2025-12-31")) == [
        d("activities_key_enterprise_contact", WUHAN, 2025, 1, 12),
        d("activities_key_enterprise_contact_person_times", WUHAN, 2025, 6, 12),
        d("activities_key_enterprise_contact_enterprises", WUHAN, 2025, 3, 12)]


def test_onsite_service_also_counts_its_sub_kind():
    """002 § 19: 上门为民营企业提供专利优先审查、专利权质押登记、实施许可合同备案等服务."""
    deltas = fold(RECORDED, recorded(3, kind="onsite_service", sub_kind="licence_filing", on="2026-01-01"))
    assert d("activities_onsite_licence_filing", WUHAN, 2026, 1, 1) in deltas
    assert d("activities_onsite_service", WUHAN, 2026, 1, 1) in deltas
    assert not [x for x in deltas if x.indicator.startswith("activities_onsite_pri")]


def test_correction_takes_before_back_and_adds_after_and_cancel_takes_back():
    before = figures(on="2025-12-30", staff=6)
    after = figures(city=YICHANG, on="2026-01-02", staff=16, kind="fee_briefing")
    deltas = fold(CORRECTED, {"activity_id": 1, "before": before, "after": after, "changed_fields": ["city"],
                              "reason": "录入错误", "usccs": []})
    assert d("activities_examiner_visit", WUHAN, 2025, -1, 12) in deltas
    assert d("activities_examiner_visit_person_times", WUHAN, 2025, -6, 12) in deltas
    assert d("activities_fee_briefing", YICHANG, 2026, 1, 1) in deltas
    assert d("activities_fee_briefing_person_times", YICHANG, 2026, 16, 1) in deltas
    assert fold(CANCELLED, {"activity_id": 1, "figures": after, "reason": "重复", "cancelled_on": "2026-02-01"}) == \
        [d(x.indicator, x.city, x.year, -int(x.amount), x.month) for x in fold(RECORDED, {"activity_id": 1, **after})]
    assert fold("ipp.training.class.planned.v1", recorded(1)) == []
    assert fold(RECORDED, recorded(1, kind="tea_party")) == []


def test_every_kind_has_its_indicators_grouped_as_a_programme():
    for kind in module.KINDS:
        for suffix in ("", "_person_times", "_enterprises", "_private_enterprises"):
            code = f"activities_{kind}{suffix}"
            assert code in INDICATORS and PROGRAMME[code] == "activities"
            assert INDICATORS[code].kind == "flow"
    assert PROGRAMME_NAMES["activities"] == "面向企业的服务活动"
    assert {k for k in INDICATORS if k.startswith("activities_onsite_") and k != "activities_onsite_service"
            and not k.startswith("activities_onsite_service_")} == {
        "activities_onsite_priority_examination", "activities_onsite_pledge_registration",
        "activities_onsite_licence_filing"}


def test_targets_of_002_sections_19_and_20_every_year():
    """002 § 19 “每年至少组织 1-2 场…宣讲会”; § 20 “全年参加走访活动的专利审查员和专利代理师不低于 100 人次”."""
    for year in (2025, 2026):
        doc = json.loads((TARGETS / str(year) / "activities.json").read_text(encoding="utf-8"))
        assert doc["year"] == year
        assert {(t["indicator"], t["city"], t["value"]) for t in doc["targets"]} == {
            ("activities_fee_briefing", PROVINCE, "1"),
            ("activities_examiner_visit_person_times", PROVINCE, "100")}
        assert "第19条" in doc["source"] and "第20条" in doc["source"]
        assert all(t["indicator"] in INDICATORS for t in doc["targets"])
    assert INDICATORS["activities_examiner_visit_person_times"].comparator == ">="


async def values(folder, year: int, cities: tuple[str, ...]) -> dict[tuple[str, str], str]:
    async with folder.sessions() as session:
        rows = await read_kpis(session, year, list(cities), [i.code for i in module.INDICATORS])
    return {(r.indicator, r.city): exact(r.value) for r in rows}


def rec(event_type: str, data: dict) -> Incoming:
    key = str(data["activity_id"])
    ce = CloudEvent(type=event_type, source="/services/training", subject=key, data=data, id=str(uuid.uuid4()),
                    time=datetime(2025, 5, 1, tzinfo=UTC))
    return Incoming(TOPIC, 0, 0, key.encode(), json.dumps(data).encode(), ce.kafka_headers())


def again(r: Incoming) -> Incoming:
    return Incoming(r.topic, r.partition, r.offset, r.key, r.value, list(r.headers))


async def test_exact_through_corrections_cancellations_and_redelivery(make_folder):  # noqa: F811
    folder = await make_folder()
    records = [rec(RECORDED, recorded(i, staff=10, city=WUHAN if i < 8 else YICHANG)) for i in range(10)]  # 100
    wrong = figures(staff=10, city=WUHAN)
    records.append(rec(CORRECTED, {"activity_id": 0, "before": wrong, "after": figures(staff=9, city=WUHAN),
                                   "changed_fields": ["staff_person_times"], "reason": "人次有误", "usccs": []}))
    records.append(rec(CANCELLED, {"activity_id": 1, "figures": wrong, "reason": "重复登记",
                                   "cancelled_on": "2025-06-01"}))
    await folder.processor.process(records)
    first = await values(folder, 2025, (PROVINCE, WUHAN, YICHANG))
    await folder.processor.process([again(r) for r in records[::-1]])
    assert await values(folder, 2025, (PROVINCE, WUHAN, YICHANG)) == first
    assert first[("activities_examiner_visit", PROVINCE)] == "9"
    assert first[("activities_examiner_visit_person_times", PROVINCE)] == "89"   # 100 − 1 − 10: below 002 § 20
    assert first[("activities_examiner_visit_person_times", WUHAN)] == "69"
    assert first[("activities_examiner_visit_person_times", YICHANG)] == "20"
    assert first[("activities_examiner_visit_private_enterprises", PROVINCE)] == "18"


def test_the_dashboard_and_the_progress_report_show_them_as_one_programme():
    from services.reporting.dashboard.routes import page_config
    from services.reporting.reports import report_groups

    config = page_config()
    assert {"code": "activities", "name": "面向企业的服务活动"} in config["programmes"]
    shown = {i["code"] for i in config["indicators"] if i["programme"] == "activities"}
    assert shown == {i.code for i in module.INDICATORS}
    groups = dict(report_groups())
    assert set(groups["面向企业的服务活动"]) == shown
