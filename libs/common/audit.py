"""Append-only audit log of changes made by people: who, when, what, before → after."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table
from sqlalchemy.ext.asyncio import AsyncSession

from libs.common.auth import Principal
from libs.common.db import UTCDateTime, infra_metadata, utcnow
from libs.common.events import json_default

audit_table = Table(
    "audit_log",
    infra_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(50), nullable=False),
    Column("actor_city", String(6)),
    Column("action", String(100), nullable=False),
    Column("entity_type", String(100), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
    Index("ix_audit_entity", "entity_type", "entity_id"),
)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return json_default(value)


async def record_audit(session: AsyncSession, principal: Principal, action: str, entity_type: str, entity_id: str,
                       before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    await session.execute(audit_table.insert().values(
        at=utcnow(), actor=principal.sub, actor_role=principal.role.value, actor_city=principal.city,
        action=action, entity_type=entity_type, entity_id=entity_id,
        before=_jsonable(before), after=_jsonable(after)))


async def record_audits(session: AsyncSession, principal: Principal,
                        entries: list[tuple[str, str, str, dict[str, Any] | None, dict[str, Any] | None]]) -> None:
    """Many :func:`record_audit` rows in one statement: ``(action, entity_type, entity_id, before, after)``
    each (a bulk import writes the audit rows the single calls would)."""
    if not entries:
        return
    at = utcnow()
    await session.execute(audit_table.insert(), [
        {"at": at, "actor": principal.sub, "actor_role": principal.role.value, "actor_city": principal.city,
         "action": action, "entity_type": entity_type, "entity_id": entity_id, "before": _jsonable(before),
         "after": _jsonable(after)} for action, entity_type, entity_id, before, after in entries])
