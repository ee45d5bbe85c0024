"""Helpers shared by the finance tests: request bodies, seeding the read model, reading tables."""
from __future__ import annotations

import itertools
import random
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from libs.common.app import Runtime
from libs.common.identifiers import patent_check_char

# The `x as x` imports are re-exported for the tests, which import them from here.
from libs.common.testing import assert_problem as assert_problem
from libs.common.testing import china_today as china_today
from libs.common.testing import mark as mark
from libs.common.testing import nothing_written as nothing_written
from libs.common.testing import random_uscc, token
from libs.common.testing import written_since as written_since
from libs.readmodels.testing import seed_known_enterprise
from services.finance.models import known_enterprises

ADMIN, OFFICER, BANK, VIEWER, AGENCY = "province-admin", "city-officer", "bank", "viewer", "agency"
WUHAN, YICHANG = "420100", "420500"
_serial = itertools.count(random.randint(1, 5_000_000))




def days_ago(n: int) -> str:
    return (china_today() - timedelta(days=n)).isoformat()


def new_patent(year: int = 2021, kind: int = 1) -> str:
    """A fresh valid patent application number (each test pledges its own items)."""
    digits = f"{year}{kind}{next(_serial) % 10_000_000:07d}"
    return f"{digits}.{patent_check_char(digits)}"


def new_trademark() -> str:
    return str(10_000_000 + next(_serial) % 80_000_000)


def headers(role: str, city: str | None = None, org: str | None = None, sub: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(role, city, org, sub)}"}


def admin() -> dict[str, str]:
    return headers(ADMIN)


def officer(city: str = WUHAN) -> dict[str, str]:
    return headers(OFFICER, city)


def bank(org: str = "ICBC-HB") -> dict[str, str]:
    return headers(BANK, org=org)


async def known(rt: Runtime, city: str = WUHAN, ownership: str = "private", **fields) -> str:
    """A new enterprise the service knows (as if its registration event had been consumed)."""
    uscc = random_uscc(city)
    await seed_known_enterprise(rt.sessions, known_enterprises, uscc, city, ownership, **fields)
    return uscc


def pledge_body(uscc: str, **overrides: Any) -> dict[str, Any]:
    body = {"uscc": uscc, "lender_bank": "ICBC-HB", "lender_name": "中国工商银行湖北省分行",
            "contract_no": f"ZY-{uuid.uuid4().hex[:10]}", "amount": "5000000.00", "registration_date": days_ago(30),
            "term_months": 12, "annual_rate": "3.450", "risk_sharing": ["risk_compensation"],
            "items": [{"kind": "patent", "number": new_patent(), "title": "一种测试方法"},
                      {"kind": "trademark", "number": new_trademark()}]}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def register(api: httpx.AsyncClient, uscc: str, auth: dict | None = None, **overrides: Any) -> dict:
    r = await api.post("/api/v1/pledges", json=pledge_body(uscc, **overrides), headers=auth or admin())
    assert r.status_code == 201, r.text
    return r.json()








async def single_event(rt: Runtime, since: tuple[int, int], event_type: str, key: str,
                       audit_action: str | None = None) -> dict[str, Any]:
    """Exactly one outbox row (type, key, topic) and one audit row were written; returns the payload."""
    events, audits = await written_since(rt, since)
    assert [(e["event_type"], e["key"], e["topic"]) for e in events] == [(event_type, key, "ipp.finance.events")]
    assert events[0]["published_at"] is None
    assert len(audits) == 1 and audits[0]["entity_id"] == key
    if audit_action is not None:
        assert audits[0]["action"] == audit_action
    return events[0]["payload"]




async def count(rt: Runtime, model) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)
