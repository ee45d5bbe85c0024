"""Unit tests of the pure indicator folds (services.reporting.indicators): no I/O."""
from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest

from services.reporting.indicators import INDICATORS, PROVINCE, Delta, fold, met, progress, value_for_year

WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"
TIER = "ipp.enterprise.tier.{}.v1"
UPDATED = "ipp.enterprise.enterprise.updated.v1"


def tier_data(from_tier, to_tier, city=WUHAN, year=2025, effective_date=None) -> dict:
    return {"uscc": "91420100MA4K000001", "city": city, "is_private": True, "from_tier": from_tier,
            "to_tier": to_tier, "effective_date": effective_date or f"{year}-06-30", "year": year,
            "reason": "test", "recommendation_id": None}


def updated_data(previous_city, city, tier, updated_on="2025-03-15") -> dict:
    return {"uscc": "91420100MA4K000001", "name": "测试企业", "city": city, "previous_city": previous_city,
            "ownership": "private", "is_private": True, "tier": tier, "changed_fields": ["city"],
            "updated_on": updated_on}


def d(indicator: str, city: str, year: int, amount: int, month: int = 6) -> Delta:
    return Delta(indicator, city, year, Decimal(amount), month)


# --- fold: tier changes --------------------------------------------------------------------------

@pytest.mark.parametrize("tier, indicator", [
    ("growth", "tier_growth"), ("seed", "tier_seed"), ("advantage", "tier_advantage")])
def test_designated_adds_one_to_its_tier(tier, indicator):
    assert fold(TIER.format("designated"), tier_data(None, tier, city=YICHANG, year=2024)) == [
        d(indicator, YICHANG, 2024, 1)]


def test_promoted_moves_one_from_lower_to_higher_tier():
    assert fold(TIER.format("promoted"), tier_data("seed", "advantage", year=2026)) == [
        d("tier_seed", WUHAN, 2026, -1), d("tier_advantage", WUHAN, 2026, 1)]


def test_demoted_moves_one_from_higher_to_lower_tier():
    assert fold(TIER.format("demoted"), tier_data("advantage", "growth", city=XIANGYANG, year=2025)) == [
        d("tier_advantage", XIANGYANG, 2025, -1), d("tier_growth", XIANGYANG, 2025, 1)]


def test_revoked_subtracts_one_from_the_tier_held():
    assert fold(TIER.format("revoked"), tier_data("growth", None, year=2027)) == [d("tier_growth", WUHAN, 2027, -1)]


def test_period_is_the_year_field_not_the_effective_date():
    # year is the KPI period the publisher decided; the fold must not re-derive it
    deltas = fold(TIER.format("designated"), tier_data(None, "seed", year=2025, effective_date="2024-12-31"))
    assert [x.year for x in deltas] == [2025]


def test_year_given_as_string_is_an_int_period():
    deltas = fold(TIER.format("designated"), {**tier_data(None, "seed"), "year": "2026"})
    # the effective date (2025-06-30) lies before the KPI year: its month is clamped into the year
    assert deltas == [d("tier_seed", WUHAN, 2026, 1, month=1)]


def test_month_is_the_effective_dates_month():
    deltas = fold(TIER.format("promoted"), tier_data("growth", "seed", effective_date="2025-03-01"))
    assert deltas == [d("tier_growth", WUHAN, 2025, -1, month=3), d("tier_seed", WUHAN, 2025, 1, month=3)]


def test_deltas_are_exact_decimals():
    (delta,) = fold(TIER.format("designated"), tier_data(None, "seed"))
    assert isinstance(delta.amount, Decimal) and delta.amount == Decimal(1)


def test_tier_event_without_city_fails_loudly():
    data = tier_data(None, "seed")
    del data["city"]
    with pytest.raises(KeyError):
        fold(TIER.format("designated"), data)


def test_tier_event_with_unknown_tier_fails_loudly():
    with pytest.raises(KeyError):
        fold(TIER.format("designated"), tier_data(None, "platinum"))


# --- fold: enterprise moved between cities -------------------------------------------------------

def test_move_of_a_tiered_enterprise_moves_the_count_between_cities():
    assert fold(UPDATED, updated_data(WUHAN, YICHANG, "seed", updated_on="2026-02-01")) == [
        d("tier_seed", WUHAN, 2026, -1, month=2), d("tier_seed", YICHANG, 2026, 1, month=2)]


def test_move_year_comes_from_updated_on():
    deltas = fold(UPDATED, updated_data(XIANGYANG, WUHAN, "advantage", updated_on="2024-12-31"))
    assert deltas == [d("tier_advantage", XIANGYANG, 2024, -1, month=12), d("tier_advantage", WUHAN, 2024, 1, month=12)]


def test_move_without_tier_changes_nothing():
    assert fold(UPDATED, updated_data(WUHAN, YICHANG, None)) == []


def test_update_without_city_change_changes_nothing():
    assert fold(UPDATED, updated_data(WUHAN, WUHAN, "seed")) == []


def test_move_nets_to_zero_over_the_province():
    deltas = fold(UPDATED, updated_data(WUHAN, YICHANG, "growth"))
    assert sum(x.amount for x in deltas) == 0 and len(deltas) == 2


@pytest.mark.parametrize("event_type", [
    "ipp.enterprise.enterprise.registered.v1", "ipp.enterprise.figures.reported.v1",
    "ipp.enterprise.tier.recommended.v1", "ipp.enterprise.tier.recommendation-rejected.v1",
    "ipp.enterprise.tier.designated.v2", "ipp.finance.pledge.made-up.v1", "something.else"])
def test_events_no_indicator_uses_give_nothing(event_type):
    # carries every field a tier change has, so only the type decides
    assert fold(event_type, {**tier_data(None, "seed"), "tier": "seed", "previous_city": YICHANG}) == []


# --- value_for_year ------------------------------------------------------------------------------

def amounts_of(deltas: list[Delta], indicator: str) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for x in deltas:
        if x.indicator == indicator:
            out[x.year] = out.get(x.year, Decimal(0)) + x.amount
    return out


def test_stock_is_cumulative_up_to_the_year():
    deltas = (fold(TIER.format("designated"), tier_data(None, "seed", year=2024))
              + fold(TIER.format("promoted"), tier_data("seed", "advantage", year=2025)))
    seed, advantage = INDICATORS["tier_seed"], INDICATORS["tier_advantage"]
    assert value_for_year(seed, amounts_of(deltas, "tier_seed"), 2023) == 0
    assert value_for_year(seed, amounts_of(deltas, "tier_seed"), 2024) == 1
    assert value_for_year(seed, amounts_of(deltas, "tier_seed"), 2025) == 0
    assert value_for_year(advantage, amounts_of(deltas, "tier_advantage"), 2024) == 0
    assert value_for_year(advantage, amounts_of(deltas, "tier_advantage"), 2025) == 1
    assert value_for_year(advantage, amounts_of(deltas, "tier_advantage"), 2030) == 1


def test_stock_sums_many_years():
    amounts = {2021: Decimal(3), 2022: Decimal(5), 2023: Decimal(-2), 2025: Decimal(7)}
    ind = INDICATORS["tier_growth"]
    assert [value_for_year(ind, amounts, y) for y in (2020, 2021, 2022, 2023, 2024, 2025)] == [0, 3, 8, 6, 6, 13]


def test_flow_indicator_counts_its_own_year_only():
    from services.reporting.indicators import Indicator

    flow = Indicator("x_flow", "flow", "件", "flow", ">=", "test")
    amounts = {2024: Decimal(4), 2025: Decimal(6)}
    assert value_for_year(flow, amounts, 2025) == 6
    assert value_for_year(flow, amounts, 2026) == 0


def test_tier_indicators_are_stocks_of_enterprises():
    tiers = [INDICATORS[c] for c in ("tier_advantage", "tier_seed", "tier_growth")]
    assert all(i.kind == "stock" and i.comparator == ">=" and i.unit == "家" for i in tiers)
    assert PROVINCE == "420000"


def test_every_indicator_is_well_formed():
    from services.reporting.indicators import MODULES

    codes = [i.code for m in MODULES for i in m.INDICATORS]
    assert len(codes) == len(set(codes)) == len(INDICATORS)
    for ind in INDICATORS.values():
        assert ind.kind in ("stock", "flow", "ratio") and ind.comparator in (">=", ">", "<=") and ind.name
        if ind.kind == "ratio":
            assert ind.ratio_of is not None
            num, den = ind.ratio_of
            assert INDICATORS[num].kind != "ratio" and INDICATORS[den].kind != "ratio"
        else:
            assert ind.ratio_of is None
    for module in MODULES:  # each module declares what it folds
        assert isinstance(module.EVENT_TYPES, frozenset)


# --- progress and met ----------------------------------------------------------------------------

@pytest.mark.parametrize("value, target, expected", [
    ("500", "1000", "50.0"), ("1", "3", "33.3"), ("2", "3", "66.7"), ("1", "8", "12.5"),
    ("0", "100", "0.0"), ("150", "100", "150.0"), ("1", "1000", "0.1"), ("1", "2000", "0.1"),
    ("1", "3000", "0.0")])
def test_progress_is_percent_with_one_decimal_half_up(value, target, expected):
    result = progress(Decimal(value), Decimal(target))
    assert str(result) == expected


@pytest.mark.parametrize("target", [None, Decimal(0), Decimal("0.00")])
def test_progress_without_a_usable_target_is_none(target):
    assert progress(Decimal(5), target) is None


def _ind(comparator: Literal[">=", ">", "<="]):
    from services.reporting.indicators import Indicator

    return Indicator("x", "x", "x", "stock", comparator, "test")


@pytest.mark.parametrize("comparator, value, target, expected", [
    (">=", 100, 100, True), (">=", 99, 100, False), (">=", 101, 100, True),
    (">", 100, 100, False), (">", 101, 100, True), (">", 99, 100, False),
    ("<=", 100, 100, True), ("<=", 101, 100, False), ("<=", 99, 100, True),
    (">=", 0, 0, True), (">", 0, 0, False), ("<=", 0, 0, True), ("<=", 1, 0, False), (">", 1, 0, True)])
def test_met_follows_the_comparator(comparator, value, target, expected):
    assert met(_ind(comparator), Decimal(value), Decimal(target)) is expected


@pytest.mark.parametrize("comparator", [">=", ">", "<="])
def test_met_without_target_is_none(comparator):
    assert met(_ind(comparator), Decimal(5), None) is None


def test_met_of_a_real_indicator():
    assert met(INDICATORS["tier_seed"], Decimal(1000), Decimal(1000)) is True
    assert met(INDICATORS["tier_seed"], Decimal(999), Decimal(1000)) is False
