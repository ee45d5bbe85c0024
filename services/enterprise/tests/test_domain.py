"""Tier rules (domain.py): pure functions, no I/O."""
from __future__ import annotations

from datetime import date

import pytest

from libs.common.rules import RuleViolation
from services.enterprise.domain import Tier, TierChange, TierState, check_date, check_recommendation, classify, decide

TODAY = date(2025, 6, 30)
NO_TIER = TierState(tier=None, since=None)


def state(tier: Tier | None, since: date | None = date(2024, 3, 1)) -> TierState:
    return TierState(tier=tier, since=since)


def test_tiers_rank_growth_below_seed_below_advantage():
    assert [t.rank for t in (Tier.GROWTH, Tier.SEED, Tier.ADVANTAGE)] == [1, 2, 3]
    assert Tier.SEED.label == "种子企业"


@pytest.mark.parametrize("target", list(Tier))
def test_classify_first_tier_is_a_designation(target):
    assert classify(None, target) is TierChange.DESIGNATED


@pytest.mark.parametrize(("current", "target", "expected"), [
    (Tier.GROWTH, Tier.SEED, TierChange.PROMOTED),
    (Tier.GROWTH, Tier.ADVANTAGE, TierChange.PROMOTED),
    (Tier.SEED, Tier.ADVANTAGE, TierChange.PROMOTED),
    (Tier.ADVANTAGE, Tier.SEED, TierChange.DEMOTED),
    (Tier.ADVANTAGE, Tier.GROWTH, TierChange.DEMOTED),
    (Tier.SEED, Tier.GROWTH, TierChange.DEMOTED),
])
def test_classify_promotion_and_demotion(current, target, expected):
    assert classify(current, target) is expected


def test_classify_unchanged_tier_is_refused():
    with pytest.raises(RuleViolation) as info:
        classify(Tier.SEED, Tier.SEED)
    assert info.value.code == "tier.unchanged"
    assert info.value.field is None  # a conflict with the current tier: 409, not a 422 on the field
    assert "种子企业" in info.value.message


def test_decide_designation_from_no_tier():
    assert decide(NO_TIER, Tier.GROWTH, TODAY, TODAY) is TierChange.DESIGNATED


def test_decide_designation_with_expected_kind():
    assert decide(NO_TIER, Tier.SEED, TODAY, TODAY, expected=TierChange.DESIGNATED) is TierChange.DESIGNATED


def test_decide_promote():
    assert decide(state(Tier.SEED), Tier.ADVANTAGE, TODAY, TODAY, expected=TierChange.PROMOTED) \
        is TierChange.PROMOTED


def test_decide_demote():
    assert decide(state(Tier.ADVANTAGE), Tier.GROWTH, TODAY, TODAY, expected=TierChange.DEMOTED) \
        is TierChange.DEMOTED


def test_decide_revoke():
    assert decide(state(Tier.GROWTH), None, TODAY, TODAY, expected=TierChange.REVOKED) is TierChange.REVOKED
    assert decide(state(Tier.ADVANTAGE), None, TODAY, TODAY) is TierChange.REVOKED


def test_decide_unchanged_tier_refused():
    with pytest.raises(RuleViolation) as info:
        decide(state(Tier.ADVANTAGE), Tier.ADVANTAGE, TODAY, TODAY, expected=TierChange.PROMOTED)
    assert info.value.code == "tier.unchanged"


def test_decide_revoke_without_tier_refused():
    with pytest.raises(RuleViolation) as info:
        decide(NO_TIER, None, TODAY, TODAY, expected=TierChange.REVOKED)
    assert info.value.code == "tier.none_to_revoke"
    assert info.value.field is None


def test_decide_revoke_after_revocation_refused():
    # a revoked enterprise has no tier but keeps the date of the revocation
    with pytest.raises(RuleViolation) as info:
        decide(TierState(None, date(2025, 1, 1)), None, TODAY, TODAY)
    assert info.value.code == "tier.none_to_revoke"


def test_decide_promote_request_that_would_demote_refused():
    with pytest.raises(RuleViolation) as info:
        decide(state(Tier.ADVANTAGE), Tier.SEED, TODAY, TODAY, expected=TierChange.PROMOTED)
    assert info.value.code == "tier.not_promoted"
    assert info.value.field is None
    assert "晋级" in info.value.message


def test_decide_demote_request_that_would_promote_refused():
    with pytest.raises(RuleViolation) as info:
        decide(state(Tier.GROWTH), Tier.SEED, TODAY, TODAY, expected=TierChange.DEMOTED)
    assert info.value.code == "tier.not_demoted"


def test_decide_promote_request_without_tier_refused():
    # a first tier is a designation (via a city recommendation), not a promotion
    with pytest.raises(RuleViolation) as info:
        decide(NO_TIER, Tier.ADVANTAGE, TODAY, TODAY, expected=TierChange.PROMOTED)
    assert info.value.code == "tier.not_promoted"
    assert "无梯队" in info.value.message


def test_decide_future_date_refused():
    with pytest.raises(RuleViolation) as info:
        decide(NO_TIER, Tier.GROWTH, date(2025, 7, 1), TODAY)
    assert info.value.code == "tier.date_in_future"
    assert info.value.field == "effective_date"


def test_decide_date_before_previous_decision_refused():
    with pytest.raises(RuleViolation) as info:
        decide(TierState(Tier.SEED, date(2025, 3, 10)), Tier.ADVANTAGE, date(2025, 3, 9), TODAY)
    assert info.value.code == "tier.date_before_previous"
    assert info.value.field == "effective_date"


def test_decide_same_day_as_previous_decision_allowed():
    assert decide(TierState(Tier.SEED, date(2025, 3, 10)), Tier.ADVANTAGE, date(2025, 3, 10), TODAY) \
        is TierChange.PROMOTED


def test_check_date_today_allowed_and_no_previous_allowed():
    check_date(NO_TIER, TODAY, TODAY)  # no RuleViolation
    check_date(NO_TIER, date(2000, 1, 1), TODAY)


def test_check_date_future_checked_before_previous():
    with pytest.raises(RuleViolation) as info:
        check_date(TierState(Tier.SEED, date(2025, 3, 10)), date(2026, 1, 1), TODAY)
    assert info.value.code == "tier.date_in_future"


def test_date_violation_is_checked_before_the_tier_rules():
    with pytest.raises(RuleViolation) as info:
        decide(state(Tier.SEED, date(2025, 5, 1)), Tier.SEED, date(2025, 4, 1), TODAY)
    assert info.value.code == "tier.date_before_previous"


def test_check_recommendation_allowed():
    check_recommendation(NO_TIER, Tier.GROWTH, pending_exists=False)  # no RuleViolation
    check_recommendation(state(Tier.GROWTH), Tier.ADVANTAGE, pending_exists=False)
    check_recommendation(state(Tier.ADVANTAGE), Tier.SEED, pending_exists=False)


def test_check_recommendation_pending_refused():
    with pytest.raises(RuleViolation) as info:
        check_recommendation(NO_TIER, Tier.SEED, pending_exists=True)
    assert info.value.code == "tier.recommendation_pending"


def test_check_recommendation_for_current_tier_refused():
    with pytest.raises(RuleViolation) as info:
        check_recommendation(state(Tier.SEED), Tier.SEED, pending_exists=False)
    assert info.value.code == "tier.unchanged"
