"""Helpers shared by the protection tests: ids, request bodies, seeding, direct reads of tables."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from libs.common.app import Runtime

# The `x as x` imports are re-exported for the tests, which import them from here.
from libs.common.testing import assert_problem as assert_problem
from libs.common.testing import china_today as china_today
from libs.common.testing import mark as mark
from libs.common.testing import nothing_written as nothing_written
from libs.common.testing import random_uscc, token
from libs.common.testing import written_since as written_since
from libs.readmodels.testing import seed_known_enterprise
from services.protection.models import known_enterprises

ADMIN, OFFICER, AGENCY, VIEWER, BANK = "province-admin", "city-officer", "agency", "viewer", "bank"
WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"
TOPIC = "ipp.protection.events"




def now() -> datetime:
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def headers(role: str, city: str | None = None, org: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, city, org)}"}


def admin() -> dict[str, str]:
    return headers(ADMIN)


def officer(city: str = WUHAN) -> dict[str, str]:
    return headers(OFFICER, city)


def agency(centre_id: str) -> dict[str, str]:
    return headers(AGENCY, org=centre_id)


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


async def known(rt: Runtime, city: str = WUHAN, ownership: str = "private", **fields) -> str:
    """A fresh enterprise the service knows (as if its registration event had been consumed)."""
    uscc = random_uscc(city)
    await seed_known_enterprise(rt.sessions, known_enterprises, uscc, city, ownership, **fields)
    return uscc




async def centre(api, city: str = WUHAN, established_on: str | None = "2019-01-01", **overrides) -> dict:
    body = {"id": uid("C"), "name": f"测试维权援助中心{uuid.uuid4().hex[:6]}", "kind": "assistance", "city": city,
            "established_on": established_on, **overrides}
    r = await api.post("/api/v1/centres", json=body, headers=admin())
    assert r.status_code == 201, r.text
    return r.json()


def case_body(centre_id: str, uscc: str, **overrides: Any) -> dict:
    body: dict[str, Any] = {
        "case_no": uid("WQ"), "kind": "assistance", "centre_id": centre_id, "uscc": uscc, "ip_type": "patent",
        "title": "实用新型专利被仿冒", "counterparty": "某经营部", "amount_involved": "120000.50"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def new_case(api, rt: Runtime, city: str = WUHAN, **overrides) -> tuple[dict, dict]:
    """A centre and a received case of a known private enterprise; returns (centre, case)."""
    c = await centre(api, city)
    uscc = await known(rt, city)
    r = await api.post("/api/v1/cases", json=case_body(c["id"], uscc, **overrides), headers=admin())
    assert r.status_code == 201, r.text
    return c, r.json()


async def count_rows(rt: Runtime, table: Any, *where: Any) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)






async def single_event(rt: Runtime, since: tuple[int, int], event_type: str, key: str,
                       audit_action: str | None = None) -> dict[str, Any]:
    """Exactly one outbox row (type, key, topic) and one audit row were written; returns the payload."""
    events, audits = await written_since(rt, since)
    assert [(e["event_type"], e["key"], e["topic"]) for e in events] == [(event_type, key, TOPIC)]
    assert len(audits) == 1
    if audit_action is not None:
        assert audits[0]["action"] == audit_action
    return events[0]["payload"]




def days_ago(n: float) -> datetime:
    return now() - timedelta(days=n)
