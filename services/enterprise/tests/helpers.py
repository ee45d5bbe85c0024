"""Helpers shared by the enterprise tests: request bodies and direct reads of the service's tables."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from libs.common.app import Runtime
from libs.common.audit import audit_table
from libs.common.outbox import outbox_table
from libs.common.testing import auth, random_uscc, token

# The `x as x` imports are re-exported for the tests, which import them from here.
from libs.common.testing import china_today as china_today
from libs.common.testing import mark as mark
from libs.common.testing import nothing_written as nothing_written
from libs.common.testing import written_since as written_since
from services.enterprise.models import Enterprise


def enterprise_body(uscc: str | None = None, **overrides: Any) -> dict[str, Any]:
    body = {"uscc": uscc or random_uscc("420100"), "name": "武汉光谷测试科技有限公司", "city": "420100",
            "county": "420106", "industry": "P1", "size_class": "small", "ownership": "private",
            "qualifications": ["high_tech"], "ip_management_certified": True, "own_brand": True,
            "patent_product_filed": False}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


async def count_rows(rt: Runtime, table: Any, *where: Any) -> int:
    """Rows of a table (``outbox_table``, ``audit_table`` or a model class) matching ``where``."""
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def table_counts(rt: Runtime) -> dict[str, int]:
    return {"enterprises": await count_rows(rt, Enterprise),
            "outbox": await count_rows(rt, outbox_table),
            "audit_log": await count_rows(rt, audit_table)}


async def outbox_rows(rt: Runtime, key: str | None = None) -> list[dict]:
    stmt = select(outbox_table).order_by(outbox_table.c.id)
    if key is not None:
        stmt = stmt.where(outbox_table.c.key == key)
    async with rt.sessions() as session:
        return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


async def audit_rows(rt: Runtime, entity_id: str) -> list[dict]:
    stmt = select(audit_table).where(audit_table.c.entity_id == entity_id).order_by(audit_table.c.id)
    async with rt.sessions() as session:
        return [dict(r) for r in (await session.execute(stmt)).mappings().all()]


def headers(role: str, city: str | None = None, org: str | None = None, sub: str | None = None) -> dict[str, str]:
    """Bearer header for a role; ``sub`` pins the user id (``auth()`` makes a random one)."""
    return {"Authorization": f"Bearer {token(role, city, org, sub)}"}


async def create(api, uscc: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Register an enterprise as the province admin; returns the response body."""
    response = await api.post("/api/v1/enterprises", json=enterprise_body(uscc, **overrides),
                              headers=auth("province-admin"))
    assert response.status_code == 201, response.text
    return response.json()






async def single_event(rt: Runtime, since: tuple[int, int], event_type: str, uscc: str,
                       audit_action: str | None = None) -> dict[str, Any]:
    """Assert a state change wrote exactly one outbox row (type, key = USCC, topic) and one audit row;
    return the event payload."""
    events, audits = await written_since(rt, since)
    assert [(e["event_type"], e["key"], e["topic"]) for e in events] == [
        (event_type, uscc, "ipp.enterprise.events")]
    assert events[0]["published_at"] is None  # no broker in these tests: it waits in the outbox
    assert len(audits) == 1 and audits[0]["entity_id"] == uscc
    if audit_action is not None:
        assert audits[0]["action"] == audit_action
    return events[0]["payload"]

