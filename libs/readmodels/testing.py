"""Test helpers for services that keep the enterprise read model: seed it as the consumer would."""
from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import Table

from libs.common.db import Sessions
from libs.common.events import CloudEvent
from libs.common.inbox import Incoming
from libs.readmodels.enterprises import ENTERPRISE_TOPIC, REGISTERED, apply_enterprise_events


def registered_event(uscc: str, city: str, ownership: str = "private", name: str | None = None,
                     industry: str = "P1", size_class: str = "small", county: str | None = None,
                     time: datetime | None = None) -> Incoming:
    """An ``enterprise.registered.v1`` record as it arrives from Kafka."""
    data: dict[str, Any] = {
        "uscc": uscc, "name": name or f"测试企业{uscc[-6:]}有限公司", "city": city, "county": county,
        "industry": industry, "size_class": size_class, "ownership": ownership,
        "is_private": ownership == "private", "qualifications": [], "registered_on": date.today().isoformat()}
    event = CloudEvent(id=str(uuid.uuid4()), source="/services/enterprise", type=REGISTERED, subject=uscc,
                       data=data, time=time or datetime.now(UTC))
    return Incoming(ENTERPRISE_TOPIC, 0, 0, uscc.encode(), None, [], event=event)


async def seed_known_enterprise(sessions: Sessions, table: Table, uscc: str, city: str, ownership: str = "private",
                                **fields: Any) -> None:
    """Make the service know an enterprise, exactly as if its registration event had been consumed."""
    async with sessions.write() as session:
        await apply_enterprise_events(session, table, [registered_event(uscc, city, ownership, **fields)])


async def assert_known_enterprise_read_rules(api: httpx.AsyncClient, sessions: Sessions, table: Table) -> None:
    """``GET /api/v1/known-enterprises/{uscc}`` answers as the enterprise service's
    ``GET /enterprises/{uscc}`` does for the same token: 200 for province-wide roles and the city's
    officer, 403 ``forbidden-city`` for another city's officer, a bank and an agency, and 404 for an
    enterprise nobody registered, whoever asks."""
    from libs.common.testing import assert_problem, auth, random_uscc

    uscc = random_uscc("420500")
    await seed_known_enterprise(sessions, table, uscc, "420500")
    url = f"/api/v1/known-enterprises/{uscc}"
    for headers in (auth("province-admin"), auth("viewer"), auth("integration"), auth("city-officer", city="420500")):
        r = await api.get(url, headers=headers)
        assert r.status_code == 200 and r.json()["uscc"] == uscc, r.text
    for headers in (auth("city-officer", city="420100"), auth("bank", org="ICBC-HB"), auth("agency", org="a-1")):
        assert_problem(await api.get(url, headers=headers), 403, slug="forbidden-city")
    for headers in (auth("province-admin"), auth("city-officer", city="420100"), auth("bank", org="ICBC-HB")):
        assert_problem(await api.get(f"/api/v1/known-enterprises/{random_uscc('420500')}", headers=headers), 404,
                       slug="not-found")


def credit_event(entry_id: int, uscc: str, city: str, effective_from: date, effective_until: date | None = None,
                 lifted_on: date | None = None, kind: str = "serious_dishonesty", time: datetime | None = None,
                 lifted: bool = False) -> Incoming:
    """An ``enterprise.credit.recorded.v1`` (or ``lifted.v1``) record as it arrives from Kafka."""
    from libs.readmodels.credit import LIFTED, RECORDED

    data: dict[str, Any] = {
        "entry_id": entry_id, "uscc": uscc, "city": city, "is_private": True, "kind": kind,
        "authority": "湖北省知识产权局", "document_no": f"鄂知保决〔2025〕{entry_id}号",
        "decided_on": effective_from.isoformat(), "effective_from": effective_from.isoformat(),
        "effective_until": effective_until.isoformat() if effective_until else None,
        "lifted_on": lifted_on.isoformat() if lifted_on else None, "year": effective_from.year}
    if lifted:
        data["reason"] = "信用修复"
    event = CloudEvent(id=str(uuid.uuid4()), source="/services/enterprise", type=LIFTED if lifted else RECORDED,
                       subject=uscc, data=data, time=time or datetime.now(UTC))
    return Incoming(ENTERPRISE_TOPIC, 0, 0, uscc.encode(), None, [], event=event)


async def seed_credit_entry(sessions: Sessions, table: Table, *args: Any, **kwargs: Any) -> None:
    """Make the service know a credit-register entry, as if its event had been consumed."""
    from libs.readmodels.credit import apply_credit_events

    async with sessions.write() as session:
        await apply_credit_events(session, table, [credit_event(*args, **kwargs)])
