"""Demo data of the innovation carriers register 载体, loaded through the transfer service's typed client.

Every one of the 17 cities gets carriers: the province approves a batch of national and provincial
ones every year from 2024 (in 2025 the work points' numbers: 10 high-value cultivation centres, 6
navigation bases, 5 operations centres, 10 university conversion bases, 2 industrialisation parks, 2
service clusters), each city enters one city-level carrier of its own; most start operating a few
months after approval, those of 2024 have their 2024 review, and one is revoked after a failed review.

A pure function of the seed and today's date; carriers carry stable names (unique within a kind), so a
second run finds them and creates nothing.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ipp.demo.common import DemoEnterprise, DemoError, token
from ipp.demo.transfer import ACADEMIA
from libs.common.auth import Role
from libs.common.divisions import CITIES
from services.transfer.client import ApiError, TransferClient

SERVICE = "transfer"
CHINA = ZoneInfo("Asia/Shanghai")

#: kind → how many provincial approvals in an ordinary year and in 2025 (the 2025 work points' numbers).
BATCHES = {"high_value_cultivation_centre": (6, 10), "navigation_base": (4, 6), "operations_centre": (3, 5),
           "university_conversion_base": (5, 10), "innovation_consortium": (2, 3), "patent_pool": (2, 2),
           "industrialisation_park": (0, 2), "service_cluster": (2, 2)}
LABELS = {"high_value_cultivation_centre": "高价值专利培育中心", "navigation_base": "专利导航服务基地",
          "operations_centre": "知识产权运营中心", "university_conversion_base": "专利转化基地",
          "innovation_consortium": "产业知识产权创新联合体", "patent_pool": "产业专利池",
          "industrialisation_park": "专利产业化重点科技园区", "service_cluster": "知识产权服务业集聚区"}
FIELDS = ["光电子信息", "新能源与智能网联汽车", "生命健康", "高端装备", "北斗", "新材料", "现代化工", "绿色建材"]


@dataclass
class PlannedCarrier:
    body: dict
    established_on: date | None
    review: dict | None
    revoke: dict | None


def _host(rng: random.Random, kind: str, city: str, ents: list[DemoEnterprise]) -> dict:
    if kind == "university_conversion_base" and city in ACADEMIA:
        host_kind, name = rng.choice(ACADEMIA[city])
        return {"host_kind": host_kind, "host_name": name}
    if kind in ("industrialisation_park", "service_cluster"):
        return {"host_kind": "park", "host_name": f"{CITIES[city]}高新技术产业开发区"}
    local = [e for e in ents if e.city == city]
    if local:
        return {"host_kind": "enterprise", "host_uscc": rng.choice(local).uscc}
    return {"host_kind": "other", "host_name": f"{CITIES[city]}知识产权服务中心"}


def build_plan(enterprises: list[DemoEnterprise], seed: int, today: date) -> list[PlannedCarrier]:
    rng = random.Random(f"{seed}:carriers")
    cities = sorted(CITIES)
    plan: list[PlannedCarrier] = []
    n = 0
    for year in range(2024, today.year + 1):
        for kind, counts in BATCHES.items():
            for i in range(counts[1] if year == 2025 else counts[0]):
                city = "420100" if i == 0 else cities[(n + i) % len(cities)]
                # 2024's first operations centre opens early that year: it is the one whose failed
                # review and revocation the demo shows, whatever the seed.
                shown_revoked = year == 2024 and kind == "operations_centre" and i == 0
                approved = min(today, date(year, 1, 1) + timedelta(days=rng.randint(30, 60 if shown_revoked else 300)))
                body = {"kind": kind, "name": f"{CITIES[city]}{rng.choice(FIELDS)}{LABELS[kind]}（{year}-{i + 1:02d}）",
                        "city": city, "level": "national" if kind == "patent_pool" and i == 0 else "provincial",
                        "field": rng.choice(FIELDS), "approved_on": approved.isoformat(),
                        **_host(rng, kind, city, enterprises)}
                established = approved + timedelta(days=rng.randint(30, 120))
                operating = established <= today and (rng.random() < 0.8 or shown_revoked)
                review = ({"year": 2024, "result": rng.choice(["excellent", "qualified", "qualified"])}
                          if operating and year == 2024 and established.year == 2024 else None)
                plan.append(PlannedCarrier(body, established if operating else None, review, None))
            n += 3
    for city in cities:  # each city's own city-level carrier
        approved = min(today, date(2024, 3, 1) + timedelta(days=rng.randint(0, 200)))
        plan.append(PlannedCarrier({"kind": "navigation_base", "name": f"{CITIES[city]}市级专利导航服务基地",
                                    "city": city, "level": "city", "approved_on": approved.isoformat(),
                                    **_host(rng, "navigation_base", city, enterprises)},
                                   approved + timedelta(days=60), None, None))
    for p in plan:  # one revocation after a failed review (2024's first operating operations centre)
        if p.body["kind"] == "operations_centre" and p.review is not None:
            p.review = {"year": 2024, "result": "failed", "note": "运营服务收入未达认定条件"}
            p.revoke = {"revoked_on": min(today, date(2025, 3, 31)).isoformat(), "reason": "2024年度评价不合格"}
            break
    return plan


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    today = datetime.now(CHINA).date()
    plan = build_plan(enterprises, seed, today)
    base = urls[SERVICE]
    written: Counter[str] = Counter()
    try:
        with TransferClient(base, token(Role.PROVINCE_ADMIN), timeout=120) as admin:
            have = {}
            offset = 0
            while True:
                page = admin.list_carriers(limit=500, offset=offset)
                have.update({(c.kind, c.name): c for c in page.items})
                offset += len(page.items)
                if offset >= page.total or not page.items:
                    break
            for p in plan:
                c = have.get((p.body["kind"], p.body["name"]))
                if c is None:
                    if p.body["level"] == "city":
                        with TransferClient(base, token(Role.CITY_OFFICER, city=p.body["city"]), timeout=60) as o:
                            c = o.approve_carrier(p.body)
                    else:
                        c = admin.approve_carrier(p.body)
                    written["approved"] += 1
                if p.established_on and c.status == "approved":
                    c = admin.establish_carrier(c.id, {"established_on": p.established_on.isoformat()})
                    written["established"] += 1
                if p.review and c.status == "operating" and not any(r.year == p.review["year"] for r in c.reviews):
                    c = admin.review_carrier(c.id, p.review)
                    written["reviews"] += 1
                if p.revoke and c.status != "revoked":
                    admin.revoke_carrier(c.id, p.revoke)
                    written["revoked"] += 1
    except ApiError as exc:
        raise DemoError(f"运营服务（载体）返回 {exc.status}：{exc.problem}") from exc
    cities = {p.body["city"] for p in plan}
    operating = sum(1 for p in plan if p.established_on and not p.revoke)
    return (f"创新载体与基地：{len(plan)} 个（覆盖 {len(cities)} 个市州，运行中 {operating} 个）；"
            f"本次新写入：认定 {written['approved']} 个、"
            f"建成运行 {written['established']} 个、年度评价 {written['reviews']} 条、撤销 {written['revoked']} 个")
