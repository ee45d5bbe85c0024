"""Helpers shared by the transfer tests: ids, request bodies, problem checks, outbox/audit reads."""
from __future__ import annotations

import random
import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select

from libs.common.app import Runtime
from libs.common.audit import audit_table
from libs.common.identifiers import patent_check_char
from libs.common.outbox import outbox_table
from libs.common.testing import token

PROBLEM = "application/problem+json"
ADMIN = "province-admin"
OFFICER = "city-officer"
WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"


def china_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def patent(year: int = 2021, kind: int = 1) -> str:
    """A fresh valid patent application number (12-digit form)."""
    digits = f"{year}{kind}{random.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def ref() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


def transfer_body(buyer_uscc: str | None = None, **overrides: Any) -> dict[str, Any]:
    body = {"ref": ref(), "kind": "ordinary_licence", "patents": [patent(), patent(2019, 2)],
            "from": {"kind": "university", "name": "华中科技大学", "city": WUHAN},
            "to": {"kind": "enterprise", "uscc": buyer_uscc} if buyer_uscc else
            {"kind": "other_enterprise", "name": "深圳某某科技有限公司", "region": "other_province"},
            "contract_date": "2025-03-18", "term_end": "2030-03-17", "amount": "300000.00",
            "payment": "use_first_pay_later"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def headers(role: str, city: str | None = None, sub: str | None = None) -> dict[str, str]:
    org = "test-bank" if role == "bank" else None
    return {"Authorization": f"Bearer {token(role, city, org, sub)}"}


def assert_problem(response: httpx.Response, status: int, field: str | None = None, rule: str | None = None,
                   slug: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    if slug is not None:
        assert body["type"] == f"urn:ipp:problem:{slug}"
    if field is not None:
        assert {"field": field, "rule": rule} in [{"field": e["field"], "rule": e["rule"]} for e in body["errors"]], \
            body["errors"]
        assert all(e["message"] for e in body["errors"])
    return body


async def mark(rt: Runtime) -> tuple[int, int]:
    async with rt.sessions() as session:
        outbox_id = await session.scalar(select(func.max(outbox_table.c.id)))
        audit_id = await session.scalar(select(func.max(audit_table.c.id)))
    return int(outbox_id or 0), int(audit_id or 0)


async def written_since(rt: Runtime, since: tuple[int, int]) -> tuple[list[dict], list[dict]]:
    async with rt.sessions() as session:
        events = (await session.execute(select(outbox_table).where(outbox_table.c.id > since[0])
                                        .order_by(outbox_table.c.id))).mappings().all()
        audits = (await session.execute(select(audit_table).where(audit_table.c.id > since[1])
                                        .order_by(audit_table.c.id))).mappings().all()
    return [dict(r) for r in events], [dict(r) for r in audits]


async def nothing_written(rt: Runtime, since: tuple[int, int], *models) -> bool:
    events, audits = await written_since(rt, since)
    return events == [] and audits == []


async def count(rt: Runtime, model, *where) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))
