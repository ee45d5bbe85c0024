"""Plausible dates: every date a client sends is within a domain range, else a 422 ``date_range``."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, TypeAdapter, ValidationError

from libs.common.errors import install_problem_handlers
from libs.common.fields import (
    BusinessDate,
    BusinessDateTime,
    BusinessMonth,
    FoundingDate,
    TermDate,
    china_today,
    latest_business_date,
    latest_term_date,
)
from libs.common.testing import assert_problem

NEXT_YEAR_END = date(china_today().year + 1, 12, 31)


def rule_of(kind, value) -> str | None:
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        return exc.errors()[0]["type"]
    return None


@pytest.mark.parametrize(("kind", "value", "rule"), [
    (BusinessDate, "1985-01-01", None),
    (BusinessDate, NEXT_YEAR_END.isoformat(), None),
    (BusinessDate, (NEXT_YEAR_END + timedelta(days=1)).isoformat(), "date_range"),
    (BusinessDate, "1984-12-31", "date_range"),
    (BusinessDate, "0001-01-01", "date_range"),
    (BusinessDate, "9999-12-31", "date_range"),
    (FoundingDate, "1949-10-01", None),
    (FoundingDate, "1949-09-30", "date_range"),
    (FoundingDate, "0001-01-01", "date_range"),
    (TermDate, date(china_today().year + 25, 12, 31).isoformat(), None),
    (TermDate, date(china_today().year + 26, 1, 1).isoformat(), "date_range"),
    (TermDate, "1984-12-31", "date_range"),
    (BusinessMonth, "1985-01", None),
    (BusinessMonth, f"{NEXT_YEAR_END.year}-12", None),
    (BusinessMonth, "1984-12", "date_range"),
    (BusinessMonth, f"{NEXT_YEAR_END.year + 1}-01", "date_range"),
    (BusinessMonth, "2101-01", "date_range"),
    (BusinessMonth, "2025-13", "string_pattern_mismatch"),
    (BusinessDateTime, "2025-03-03T09:30:00+08:00", None),
    (BusinessDateTime, "1985-01-01T00:00:00+08:00", None),
    (BusinessDateTime, "1984-12-31T15:59:59Z", "date_range"),  # 23:59:59 in China
    (BusinessDateTime, "0001-01-01T00:00:00+08:00", "date_range"),  # overflowed astimezone() before
    (BusinessDateTime, "9999-12-31T23:59:59-12:00", "date_range"),
    (BusinessDateTime, "2025-03-03T09:30:00", "timezone_aware"),
])
def test_ranges(kind, value, rule):
    assert rule_of(kind, value) == rule


def test_bounds_follow_the_calendar():
    assert latest_business_date(date(2025, 3, 1)) == date(2026, 12, 31)
    assert latest_term_date(date(2025, 3, 1)) == date(2050, 12, 31)
    assert latest_business_date(date(9999, 1, 1)) == date(9999, 12, 31)


class Body(BaseModel):
    on: BusinessDate
    at: BusinessDateTime | None = None
    days: list[BusinessDate] = []


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    async def things(body: Body, month: Annotated[BusinessMonth | None, Query()] = None) -> dict:
        return {"ok": True}

    return app


@pytest.mark.parametrize(("body", "params", "field"), [
    ({"on": "0001-01-01"}, {}, "on"),
    ({"on": "2025-01-01", "at": "0001-01-01T00:00:00+08:00"}, {}, "at"),
    ({"on": "2025-01-01", "days": ["2025-01-02", "9999-12-31"]}, {}, "days.1"),
    ({"on": "2025-01-01"}, {"month": "1999-12"}, None),
    ({"on": "2025-01-01"}, {"month": "2101-01"}, "month"),
])
async def test_a_422_names_the_field_the_rule_and_the_range(body, params, field):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        r = await client.post("/things", json=body, params=params)
    if field is None:
        assert r.status_code == 200, r.text
        return
    problem = assert_problem(r, 422, field, "date_range")
    message = problem["errors"][0]["message"]
    assert "1985-01" in message and str(NEXT_YEAR_END.year) in message, message
