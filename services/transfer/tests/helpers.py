"""Helpers shared by the transfer tests: ids, request bodies, problem checks, outbox/audit reads."""
from __future__ import annotations

import random
import uuid
from typing import Any

from sqlalchemy import func, select

from libs.common.app import Runtime
from libs.common.identifiers import patent_check_char

# The `x as x` imports are re-exported for the tests, which import them from here.
from libs.common.testing import assert_problem as assert_problem
from libs.common.testing import china_today as china_today
from libs.common.testing import mark as mark
from libs.common.testing import nothing_written as nothing_written
from libs.common.testing import token
from libs.common.testing import written_since as written_since

ADMIN = "province-admin"
OFFICER = "city-officer"
WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"




def patent(year: int = 2021, kind: int = 1) -> str:
    """A fresh valid patent application number (12-digit form)."""
    digits = f"{year}{kind}{random.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def ref() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


def transfer_body(buyer_uscc: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"ref": ref(), "kind": "ordinary_licence", "patents": [patent(), patent(2019, 2)],
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










async def count(rt: Runtime, model, *where) -> int:
    async with rt.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
