"""The credit register's demo: two entries per city about enterprises the pool and white-list loaders
leave alone (one in effect today, one lifted after a credit repair), valid by the register's rules,
and loaded through the API a second time without writing anything."""
from __future__ import annotations

import contextlib
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from ipp.demo import load_demo
from ipp.demo.common import DemoEnterprise
from ipp.demo.credit import _eligible, build_plan
from libs.common.divisions import CITIES
from libs.common.testing import random_uscc
from services.enterprise.credit import domain
from services.enterprise.credit.schemas import CreditEntryIn
from tests.demo.test_demo import enterprise_service  # noqa: F401  (fixture)

TODAY = date(2026, 11, 30)


def test_a_city_without_an_eligible_enterprise_gets_one_past_entry():
    only_tiered = [DemoEnterprise(random_uscc("420100"), "丙公司", "420100", "P1", "private", True, "seed", ())]
    [(body, lifting)] = build_plan(only_tiered, 1, TODAY)
    assert lifting is None and (body["effective_from"], body["effective_until"]) == ("2025-05-06", "2025-09-30")
    assert not domain.is_active(date(2025, 5, 6), date(2025, 9, 30), None, date(2025, 10, 15))
    assert not domain.is_active(date(2025, 5, 6), date(2025, 9, 30), None, date(2025, 4, 15))


def firms() -> list[DemoEnterprise]:
    out = []
    for city in CITIES:
        out.append(DemoEnterprise(random_uscc(city), "甲公司", city, "P1", "private", True, None, ()))
        out.append(DemoEnterprise(random_uscc(city), "乙公司", city, "P1", "private", True, "seed", ("high_tech",)))
    return out


@pytest.mark.parametrize("seed", range(10))
def test_every_city_two_valid_entries_about_eligible_enterprises(seed):
    ents = firms()
    by_uscc = {e.uscc: e for e in ents}
    plan = build_plan(ents, seed, TODAY)
    assert len(plan) == 2 * len(CITIES)
    assert {by_uscc[b["uscc"]].city for b, _ in plan} == set(CITIES)
    assert all(_eligible(by_uscc[b["uscc"]]) for b, _ in plan)
    for body, lifting in plan:
        e = CreditEntryIn.model_validate(body)
        domain.check_entry(e.decided_on, e.effective_from, e.effective_until, TODAY)
        if lifting:
            domain.check_lift(1, e.effective_from, e.effective_until, None, date.fromisoformat(lifting["lifted_on"]),
                              TODAY)
        else:
            assert domain.is_active(e.effective_from, e.effective_until, None, TODAY)


def test_load_and_again_writes_nothing(enterprise_service: tuple[str, Path]) -> None:  # noqa: F811
    url, db = enterprise_service

    def counts() -> tuple[int, int, int]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            return conn.execute("SELECT count(*), count(lifted_on), count(DISTINCT city) FROM credit_entries"
                                ).fetchone()

    summary = load_demo({"enterprise": url}, enterprises=120, seed=5, programmes=("credit",))
    assert "信用记录" in summary, summary
    first = counts()
    assert first[2] == len(CITIES) and first[1] >= 1, first
    again = load_demo({"enterprise": url}, enterprises=120, seed=5, programmes=("credit",))
    assert "记录 0 条、解除 0 条" in again, again
    assert counts() == first
