"""Demo data of the service activities for enterprises 服务活动, loaded through the training service's
bulk import (one request per year).

Every year from 2024: the province holds two fee-reduction briefings for private enterprises (002 § 19:
1–2 a year), every city one examiner and attorney visit of 6–12 person-times (together at least 102,
past the 100 person-times of 002 § 20), and a few more of the other kinds — commissioners sent, on-site services
(priority examination, pledge registration, licence filing), key-enterprise contact, face-to-face
service, agency aid — each serving the city's demo enterprises (private ones for the kinds of 002).
Dates up to today. One activity of 2025 is corrected (its person-times had been mistyped).

A pure function of the seed and today's date; titles carry a stable reference, so a second run finds
every activity and writes nothing.
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ipp.demo.common import DemoEnterprise, DemoError, advance, expect, token
from libs.common.auth import Role
from libs.common.divisions import CITIES
from services.training.client import ApiError, TrainingClient
from services.training.schemas import ActivityCorrect

SERVICE = "training"
CHINA = ZoneInfo("Asia/Shanghai")
PRIVATE_KINDS = ("commissioner_dispatch", "onsite_service", "agency_aid")
OTHER_KINDS = ("key_enterprise_contact", "face_to_face")
TITLES = {"commissioner_dispatch": "知识产权特派员入企业务辅导", "fee_briefing": "专利收费减缓及相关申请政策宣讲会",
          "onsite_service": "上门知识产权服务", "examiner_visit": "“千家民企面对面”审查员代理师走访",
          "key_enterprise_contact": "重点企业联系服务", "face_to_face": "知识产权“面对面”服务",
          "agency_aid": "知识产权代理援助"}
SUB_KINDS = ("priority_examination", "pledge_registration", "licence_filing")
ORGANISERS = {"examiner_visit": "专利审查协作湖北中心", "agency_aid": "知识产权服务机构（代理援助）"}
CORRECTED = "（2025-420100-01）"  # the demo's corrected activity (when 2025 has come)


def _day(rng: random.Random, year: int, today: date) -> date | None:
    day = date(year, 1, 1) + timedelta(days=rng.randint(20, 340))
    return day if day <= today else None


def build_plan(enterprises: list[DemoEnterprise], seed: int, today: date) -> dict[int, list[dict]]:
    """Rows of the bulk import by year (each row a ``POST /activities`` body)."""
    rng = random.Random(f"{seed}:activities")
    by_city: dict[str, list[DemoEnterprise]] = {}
    for e in enterprises:
        by_city.setdefault(e.city, []).append(e)
    plan: dict[int, list[dict]] = {}
    for year in range(2024, today.year + 1):
        rows: list[dict] = []
        private_all = [e for e in enterprises if e.is_private]

        def add(kind: str, city: str, n: int, served: list[DemoEnterprise], staff: int, organiser: str,
                sub_kind: str | None = None, *, year: int = year, rows: list[dict] = rows) -> None:
            day = _day(rng, year, today)
            if day is None or not served:
                return
            rows.append({"kind": kind, "sub_kind": sub_kind, "title": f"{TITLES[kind]}（{year}-{city}-{n:02d}）",
                         "held_on": day.isoformat(), "organiser": organiser, "city": city,
                         "enterprises": [e.uscc for e in served], "staff_person_times": staff})

        for n in (1, 2):  # the province's briefings (002 § 19)
            add("fee_briefing", "420100", 90 + n, rng.sample(private_all, min(len(private_all), 12)), 3,
                "湖北省知识产权局")
        for city in sorted(CITIES):
            local = by_city.get(city, [])
            private = [e for e in local if e.is_private]
            add("examiner_visit", city, 1, rng.sample(private, min(len(private), 3)), rng.randint(6, 12),
                ORGANISERS["examiner_visit"])
            for n, kind in enumerate(rng.sample(PRIVATE_KINDS, 2), start=2):
                add(kind, city, n, rng.sample(private, min(len(private), 2)), rng.randint(1, 4),
                    ORGANISERS.get(kind, f"{CITIES[city]}知识产权局"),
                    rng.choice(SUB_KINDS) if kind == "onsite_service" else None)
            kind = rng.choice(OTHER_KINDS)
            add(kind, city, 4, rng.sample(local, min(len(local), 3)), rng.randint(1, 3), f"{CITIES[city]}知识产权局")
        plan[year] = rows
    return plan


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    today = datetime.now(CHINA).date()
    plan = build_plan(enterprises, seed, today)
    expect(len(plan) + 1)
    written: Counter[str] = Counter()
    try:
        with TrainingClient(urls[SERVICE], token(Role.PROVINCE_ADMIN), timeout=120) as admin:
            for year, rows in plan.items():
                have: dict[str, object] = {}
                offset = 0
                while True:
                    page = admin.list_activities(year=year, limit=500, offset=offset)
                    have.update({a.title: a for a in page.items})
                    offset += len(page.items)
                    if offset >= page.total or not page.items:
                        break
                new = [r for r in rows if r["title"] not in have]
                if new:
                    out = admin.import_activities(new, atomic=True)
                    written["recorded"] += out.written
                advance()
            fixed = [a for a in admin.list_activities(year=2025, kind="examiner_visit", city="420100").items
                     if a.title.endswith(CORRECTED)] if today.year >= 2025 else []
            # the Wuhan visit's person-times had been typed one short: corrected once
            for a in fixed:
                if a.version == 1:
                    admin.correct_activity(a.id, ActivityCorrect(staff_person_times=a.staff_person_times + 1,
                                                                 reason="走访人次少录一人（演示更正）"))
                    written["corrected"] += 1
            advance()
    except ApiError as exc:
        raise DemoError(f"培训服务（服务活动）返回 {exc.status}：{exc.problem}") from exc
    total = sum(len(r) for r in plan.values())
    cities = {r["city"] for rows in plan.values() for r in rows}
    return (f"服务活动：{total} 次（覆盖 {len(cities)} 个市州）；"
            f"本次新写入：登记 {written['recorded']} 次、更正 {written['corrected']} 次")
