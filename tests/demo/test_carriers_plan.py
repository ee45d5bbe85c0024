"""The carriers' demo plan shows what it promises whatever the seed (the e2e demo test relies on it)."""
from __future__ import annotations

from datetime import date

import pytest

from ipp.demo.carriers import build_plan


@pytest.mark.parametrize("seed", range(40))
def test_every_seed_plans_one_revocation_after_a_failed_review(seed):
    plan = build_plan([], seed, date(2026, 11, 30))
    revoked = [p for p in plan if p.revoke]
    assert len(revoked) == 1
    assert revoked[0].review is not None and revoked[0].review["result"] == "failed"
    assert revoked[0].established_on is not None and revoked[0].established_on.year == 2024
