"""The writes of ``bench.freshness --mixed``: one kind per programme service, each adding exactly 1 to
a count indicator of one city, so that its effect on the SSE stream can be told apart.

| service    | write (one HTTP request)                                  | indicator                      |
|------------|-----------------------------------------------------------|--------------------------------|
| enterprise | approve a pending growth recommendation (province admin)  | ``tier_growth``                |
| finance    | record a pledge-financing matchmaking event (officer)     | ``pledge_matchmaking_events``  |
| protection | record an on-site visit to a private enterprise (centre)  | ``protection_visits``          |
| transfer   | register a patent licence, university → enterprise        | ``transfers_licences``         |
| training   | sign a trainee of a private-enterprise class in for today | ``training_private_person_times`` |

:func:`prepare` does what each write needs first (the enterprises and their recommendations, a
protection centre, a class with its trainees) and returns, per service, the indicator and an
iterator of request specs ``(method, path, json)`` with the bearer token to send them with.
"""
from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx

from libs.common.identifiers import patent_check_char
from libs.common.testing import token

INDICATORS = {"enterprise": "tier_growth", "finance": "pledge_matchmaking_events", "protection": "protection_visits",
              "transfer": "transfers_licences", "training": "training_private_person_times"}
SERVICES = tuple(INDICATORS)
CENTRE = "BENCH-YC-WQYZ"


@dataclass
class Writer:
    service: str
    indicator: str
    bearer: str
    requests: Iterator[tuple[str, str, Any]]


def _patent(rng: random.Random, year: int) -> str:
    digits = f"{year}1{rng.randrange(10_000_000):07d}"
    return f"{digits}.{patent_check_char(digits)}"


async def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}")
    return r.json()


async def wait_known(http: httpx.AsyncClient, base: str, uscc: str, bearer: str, timeout: float = 120) -> None:
    """Until the service's read model knows the enterprise (it learns of it from the enterprise topic)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await http.get(f"{base}/api/v1/known-enterprises/{uscc}", headers={"Authorization": f"Bearer {bearer}"})
        if r.status_code == 200:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError(f"{base} did not learn of {uscc} within {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def prepare(urls: dict[str, str], city: str, today: date, rec_ids: list[int], usccs: list[str],
                  per_service: int) -> dict[str, Writer]:
    """``rec_ids``: pending growth recommendations of ``usccs`` (enterprises of ``city``, private);
    ``per_service`` writes of each kind are prepared."""
    rng = random.Random(f"bench-freshness-{today}")
    officer, admin = token("city-officer", city=city), token("province-admin")
    agency = token("agency", org=CENTRE, sub="bench-centre")
    year = today.year
    run = f"{rng.randrange(16**6):06x}"
    async with httpx.AsyncClient(timeout=60.0) as http:
        # every programme service has learnt of the last enterprise (the topic is in order per key,
        # and the benchmark's enterprises were registered before it asks)
        await asyncio.gather(*(wait_known(http, urls[s], usccs[-1], admin) for s in ("protection", "training")))
        # protection: a centre of the city (visits are recorded by its staff)
        r = await http.post(f"{urls['protection']}/api/v1/centres", headers={"Authorization": f"Bearer {officer}"},
                            json={"id": CENTRE, "name": "宜昌市知识产权维权援助中心（基准测试）", "kind": "assistance",
                                  "city": city, "established_on": "2019-03-01"})
        if r.status_code not in (201, 409):
            await _ok(r)
        # training: a private-enterprise class of the city in session today, one trainee per write
        headers = {"Authorization": f"Bearer {officer}"}
        cls = await _ok(await http.post(f"{urls['training']}/api/v1/classes", headers=headers, json={
            "track": "private", "code": f"BENCH-{run}", "title": f"民营企业知识产权实务培训班（基准测试 {run}）",
            "city": city, "organiser": "宜昌市知识产权局", "start_date": today.isoformat(),
            "end_date": (today + timedelta(days=1)).isoformat(), "capacity": 2000}))
        await _ok(await http.post(f"{urls['training']}/api/v1/classes/{cls['id']}/open", headers=headers))
        from services.training.domain import id_check_char

        people = []
        for i in range(per_service):
            body = f"420502{date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 30)):%Y%m%d}{i % 1000:03d}"
            people.append({"name": f"学员{i:04d}", "id_number": body + id_check_char(body), "position": "知识产权专员",
                           "uscc": usccs[i % len(usccs)]})
        enrolled = await _ok(await http.post(f"{urls['training']}/api/v1/classes/{cls['id']}/enrolments/batch",
                                             headers=headers, json={"items": people}))
    day = today.isoformat()

    def activity(i: int) -> tuple[str, str, Any]:
        return ("POST", "/api/v1/activities", {
            "kind": "matchmaking", "title": f"知识产权质押融资银企对接会（基准测试 {run}-{i}）", "held_on": day,
            "city": city, "organiser": "宜昌市知识产权局", "enterprise_count": 10, "institution_count": 3})

    def visit(i: int) -> tuple[str, str, Any]:
        return ("POST", "/api/v1/visits", {"centre_id": CENTRE, "uscc": usccs[i % len(usccs)], "visit_date": day,
                                           "services": ["risk_screening"]})

    def licence(i: int) -> tuple[str, str, Any]:
        return ("POST", "/api/v1/transfers", {
            "ref": f"BENCH-{run}-{i:05d}", "kind": "ordinary_licence", "patents": [_patent(rng, year - 3)],
            "from": {"kind": "university", "name": "三峡大学", "city": city},
            "to": {"kind": "other_enterprise", "name": f"宜昌基准测试受让企业{i}有限公司", "city": city},
            "contract_date": day, "amount": "100000.00", "city": city})

    def approval(rid: int) -> tuple[str, str, Any]:
        return ("POST", f"/api/v1/tier-recommendations/{rid}/approve",
                {"effective_date": day, "reason": "经省局审核同意认定"})

    def sign_in(enrolment: dict) -> tuple[str, str, Any]:
        return ("PUT", f"/api/v1/classes/{cls['id']}/attendance/{day}",
                {"records": [{"enrolment_id": enrolment["id"], "present": True}]})

    n = range(per_service)
    return {
        "enterprise": Writer("enterprise", INDICATORS["enterprise"], admin, map(approval, rec_ids)),
        "finance": Writer("finance", INDICATORS["finance"], officer, map(activity, n)),
        "protection": Writer("protection", INDICATORS["protection"], agency, map(visit, n)),
        "transfer": Writer("transfer", INDICATORS["transfer"], officer, map(licence, n)),
        "training": Writer("training", INDICATORS["training"], officer, map(sign_in, enrolled)),
    }
