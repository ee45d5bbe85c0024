"""An unexpected error: a 500 problem that claims nothing it cannot know, with an id found in the log."""
from __future__ import annotations

import logging
import re

import httpx
from fastapi import FastAPI

from libs.common.errors import install_problem_handlers
from libs.common.testing import assert_problem


async def test_a_500_carries_an_error_id_that_is_in_the_log(caplog):
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/boom")
    async def boom() -> None:
        raise RuntimeError("database password is hunter2")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="libs.common.errors"):
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            r = await client.post("/boom")
    body = assert_problem(r, 500, slug="internal-error")
    assert re.fullmatch(r"[0-9a-f]{32}", body["error_id"])
    assert body["detail"] == f"请求处理失败，请向运维人员提供错误编号 {body['error_id']}"
    assert "未写入" not in r.text and "hunter2" not in r.text
    logged = [rec for rec in caplog.records if body["error_id"] in rec.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None  # the traceback is with the id


async def test_a_broken_rule_is_a_422_naming_its_field_or_a_409_conflict():
    from fastapi import FastAPI

    from libs.common.errors import install_problem_handlers
    from libs.common.rules import RuleViolation

    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/field")
    async def field_rule() -> None:
        raise RuleViolation("loan.amount_too_small", "贷款金额过小", field="amount")

    @app.get("/state")
    async def state_rule() -> None:
        raise RuleViolation("loan.released", "贷款已解押，不能再违约")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as api:
        assert_problem(await api.get("/field"), 422, "amount", "loan.amount_too_small")
        conflict = await api.get("/state")
        assert_problem(conflict, 409)
        assert conflict.json()["type"].endswith("loan.released")
        assert conflict.json()["detail"] == "贷款已解押，不能再违约"
