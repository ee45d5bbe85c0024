"""Helpers shared by the training tests: identities, request bodies, direct reads of the tables."""
from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx

from libs.common.app import Runtime

# The `x as x` imports are re-exported for the tests, which import them from here.
from libs.common.testing import assert_problem as assert_problem
from libs.common.testing import auth, random_uscc
from libs.common.testing import china_today as china_today
from libs.common.testing import mark as mark
from libs.common.testing import nothing_written as nothing_written
from libs.common.testing import written_since as written_since
from libs.readmodels.testing import seed_known_enterprise
from services.training.domain import id_check_char
from services.training.models import known_enterprises

ADMIN, OFFICER, AGENCY, VIEWER = "province-admin", "city-officer", "agency", "viewer"
WUHAN, YICHANG = "420100", "420500"




def id_number(region: str = "420106", born: date | None = None) -> str:
    """A fresh valid 身份证号 (each test makes its own people)."""
    born = born or date(1970, 1, 1) + timedelta(days=random.randrange(15000))
    body = f"{region}{born:%Y%m%d}{random.randrange(1000):03d}"
    return body + id_check_char(body)


async def enterprise(rt: Runtime, city: str = WUHAN, ownership: str = "private") -> str:
    uscc = random_uscc(city)
    await seed_known_enterprise(rt.sessions, known_enterprises, uscc, city, ownership)
    return uscc


def class_body(track: str = "private", city: str = WUHAN, start: date | None = None, days: int = 2,
               **overrides: Any) -> dict[str, Any]:
    start = start or china_today() - timedelta(days=10)
    body = {"track": track, "title": "民营企业知识产权实务培训班", "city": city, "organiser": "湖北省知识产权培训基地",
            "start_date": start.isoformat(), "end_date": (start + timedelta(days=days - 1)).isoformat(),
            "capacity": 50}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def trainee(uscc: str | None, name: str = "张晓明", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "id_number": id_number(), "uscc": uscc}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def open_class(api: httpx.AsyncClient, hdrs: dict | None = None, **kw: Any) -> dict:
    hdrs = hdrs or auth(ADMIN)
    r = await api.post("/api/v1/classes", json=class_body(**kw), headers=hdrs)
    assert r.status_code == 201, r.text
    r = await api.post(f"/api/v1/classes/{r.json()['id']}/open", headers=hdrs)
    assert r.status_code == 200, r.text
    return r.json()


async def enrol(api: httpx.AsyncClient, class_id: int, items: list[dict], hdrs: dict | None = None) -> list[dict]:
    r = await api.post(f"/api/v1/classes/{class_id}/enrolments/batch", json={"items": items},
                       headers=hdrs or auth(ADMIN))
    assert r.status_code == 201, r.text
    return r.json()


async def attend(api: httpx.AsyncClient, cls: dict, day_index: int, present: dict[int, bool],
                 hdrs: dict | None = None) -> dict:
    day = cls["session_dates"][day_index]
    r = await api.put(f"/api/v1/classes/{cls['id']}/attendance/{day}",
                      json={"records": [{"enrolment_id": k, "present": v} for k, v in present.items()]},
                      headers=hdrs or auth(ADMIN))
    assert r.status_code == 200, r.text
    return r.json()


async def finish(api: httpx.AsyncClient, class_id: int, hdrs: dict | None = None) -> dict:
    r = await api.post(f"/api/v1/classes/{class_id}/finish", headers=hdrs or auth(ADMIN))
    assert r.status_code == 200, r.text
    return r.json()








async def events_since(rt: Runtime, since: tuple[int, int], event_type: str | None = None) -> list[dict]:
    events, _ = await written_since(rt, since)
    return [e for e in events if event_type is None or e["event_type"] == event_type]

