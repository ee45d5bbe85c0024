"""Boundary tests of the enterprise domain rules (registry, tier recommendations) and of the pool's rules
that ``test_domain.py`` and ``test_pool_domain.py`` do not exercise directly. Pure code, no I/O."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.common.rules import RuleViolation
from libs.common.testing import valid_uscc
from services.enterprise import domain
from services.enterprise.domain import TierChange
from services.enterprise.pool import domain as pool
from services.enterprise.pool.domain import Declarations, Figures, Outcome, Profile, RemovalReason, Status

WUHAN, YICHANG, XIANTAO = "420100", "420500", "429004"
D = Decimal


def violation(fn, *args, **kwargs) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        fn(*args, **kwargs)
    return info.value


# ============================================================================== enterprise/domain.py

# ------------------------------------------------------------------------------ check_undecided

def test_undecided_pending_recommendation_may_be_decided():
    domain.check_undecided(5, "pending")


@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_decided_recommendation_is_a_conflict(status):
    exc = violation(domain.check_undecided, 5, status)
    assert (exc.code, exc.field, exc.status) == ("recommendation.decided", None, 409)
    assert exc.message == f"推荐 5 已处理（状态：{status}）"


# ------------------------------------------------------------------------------ change_label

@pytest.mark.parametrize(("change", "label"), [
    (TierChange.DESIGNATED, "认定"), (TierChange.PROMOTED, "晋级"), (TierChange.DEMOTED, "降级"),
    (TierChange.REVOKED, "撤销"),
])
def test_change_label(change, label):
    assert domain.change_label(change) == label


# ------------------------------------------------------------------------------ registration_city

def test_registration_city_from_a_hubei_county_uscc_rolls_up_to_its_city():
    assert domain.registration_city(valid_uscc("91420106MA4K12345"), None) == (WUHAN, [])


def test_registration_city_direct_administered_unit_is_its_own_city():
    assert domain.registration_city(valid_uscc("91429004MA4K12345"), None) == (XIANTAO, [])


def test_registration_city_given_city_wins_over_the_uscc_one():
    assert domain.registration_city(valid_uscc("91420106MA4K12345"), YICHANG) == (YICHANG, [])


def test_registration_city_outside_hubei_given_city_kept_with_a_warning():
    city, warnings = domain.registration_city(valid_uscc("91110000MA4K12345"), WUHAN)
    assert city == WUHAN
    assert warnings == ["信用代码登记机关代码 110000 不属于湖北省，请确认企业所属市州"]


@pytest.mark.parametrize("body", ["91110000MA4K12345", "91420000MA4K12345"], ids=["beijing", "province-level"])
def test_registration_city_unknown_without_a_given_city_is_a_422_on_city(body):
    exc = violation(domain.registration_city, valid_uscc(body), None)
    assert (exc.code, exc.field, exc.status) == ("city.required", "city", 422)


# ------------------------------------------------------------------------------ check_county

def test_county_absent_or_of_the_city():
    domain.check_county(WUHAN, None)
    domain.check_county(WUHAN, "420106")


@pytest.mark.parametrize(("city", "county"), [
    (WUHAN, "420502"),   # a Yichang district
    (WUHAN, WUHAN),      # the city code itself is not a county
    (XIANTAO, XIANTAO),  # a direct-administered unit has no county below it
], ids=["other-city", "city-itself", "xiantao-itself"])
def test_county_not_in_city(city, county):
    exc = violation(domain.check_county, city, county)
    assert (exc.code, exc.field, exc.status) == ("county.not_in_city", "county", 422)


# ------------------------------------------------------------------------------ check_profile_changes

def test_profile_changes_empty_patch_refused():
    exc = violation(domain.check_profile_changes, {})
    assert (exc.code, exc.field) == ("update.empty", "body")


@pytest.mark.parametrize("key", domain.NOT_NULLABLE)
def test_profile_changes_required_field_may_not_be_emptied(key):
    exc = violation(domain.check_profile_changes, {key: None})
    assert (exc.code, exc.field, exc.status) == ("not_nullable", key, 422)


def test_profile_changes_optional_field_may_be_emptied():
    domain.check_profile_changes({"county": None, "name": "新名称"})


# ------------------------------------------------------------------------------ check_figures

@pytest.mark.parametrize("year", [2000, 2025])
def test_figures_year_bounds_met(year):
    domain.check_figures(year, 2025, None, None)


@pytest.mark.parametrize("year", [1999, 2026])
def test_figures_year_just_outside(year):
    exc = violation(domain.check_figures, year, 2025, 10, 5)
    assert (exc.code, exc.field) == ("year.range", "year")


def test_figures_rd_staff_equal_to_staff_allowed_one_more_refused():
    domain.check_figures(2024, 2025, 50, 50)
    domain.check_figures(2024, 2025, None, 999)  # nothing to compare against
    domain.check_figures(2024, 2025, 50, None)
    exc = violation(domain.check_figures, 2024, 2025, 50, 51)
    assert (exc.code, exc.field, exc.status) == ("rd_staff.exceeds_staff", "rd_staff", 422)


# ============================================================================== enterprise/pool/domain.py

# ------------------------------------------------------------------------------ yuan / pct

@pytest.mark.parametrize(("amount", "text"), [
    (D("5000000"), "5,000,000"), (D("3100000.50"), "3,100,000.50"), (D("0"), "0"), (D("999.99"), "999.99"),
    (D("1000.10"), "1,000.10"),
])
def test_yuan(amount, text):
    assert pool.yuan(amount) == text


@pytest.mark.parametrize(("value", "text"), [(D("20"), "20.0"), (D("12.34"), "12.3"), (D("33.3333"), "33.3")])
def test_pct(value, text):
    assert pool.pct(value) == text


def _profile() -> Profile:
    return Profile(registered_in_hubei=True, registered_division="420106", entity_category="91", size_class="small",
                   qualifications=("high_tech",), industry="P1", patent_product_filed=True, own_brand=True,
                   ip_management_certified=True)


def test_rd_staff_figure_just_below_threshold_is_not_shown_as_the_threshold():
    # 004 annex 7: 研发人员占比 ≥ 20 % (RD_STAFF_THRESHOLD); 1,999 of 10,000 staff is 19.99 %
    figures = Figures(year=2024, revenue=D("1"), rd_spend=D("1"), staff=10_000, rd_staff=1_999,
                      industrialisation_rate=D("60"))
    declarations = Declarations(university_partnership=False)
    result = {c.code: c for c in pool.evaluate(_profile(), figures, declarations, 2024).criteria}["rd_staff"]
    assert result.outcome == Outcome.FAIL
    assert "20.0 %" not in result.figure


# ------------------------------------------------------------------------------ check_none_open

def test_none_open_allows_a_first_application():
    pool.check_none_open(None)


@pytest.mark.parametrize("status", [Status.APPLIED, Status.ADMITTED])
def test_none_open_an_open_membership_is_a_conflict(status):
    exc = violation(pool.check_none_open, (12, status.value))
    assert (exc.code, exc.field, exc.status) == ("pool.already_open", None, 409)
    assert exc.extra == {"membership_id": 12, "current_status": status.value}
    assert pool.STATUS_NAMES[status] in exc.message


# ------------------------------------------------------------------------------ check_status

def test_status_expected_passes():
    pool.check_status(3, "applied", Status.APPLIED, "入库")
    pool.check_status(3, "admitted", Status.ADMITTED, "出库")


@pytest.mark.parametrize(("status", "expected"), [
    ("admitted", Status.APPLIED), ("rejected", Status.APPLIED), ("graduated", Status.ADMITTED),
    ("removed", Status.ADMITTED), ("applied", Status.ADMITTED),
])
def test_status_other_is_a_conflict_named_after_the_expected(status, expected):
    exc = violation(pool.check_status, 3, status, expected, "出库")
    assert (exc.code, exc.field, exc.status) == (f"pool.not_{expected.value}", None, 409)
    assert exc.extra == {"current_status": status}
    assert exc.message.endswith("不能出库")


# ------------------------------------------------------------------------------ check_removal
# 004 § 二(六)12(3) 退出机制: “入库企业2年内未取得专利产业化实质性进展，……予以退库处理。”

def test_removal_no_progress_on_the_last_day_of_the_two_years_refused():
    exc = violation(pool.check_removal, RemovalReason.NO_PROGRESS, date(2024, 7, 1), date(2026, 7, 1))
    assert (exc.code, exc.field, exc.status) == ("pool.no_progress_too_early", None, 409)
    assert exc.extra == {"admitted_on": "2024-07-01", "review_from": "2026-07-02"}


def test_removal_no_progress_the_day_after_allowed():
    pool.check_removal(RemovalReason.NO_PROGRESS, date(2024, 7, 1), date(2026, 7, 2))


def test_removal_no_progress_admitted_on_29_february():
    violation(pool.check_removal, RemovalReason.NO_PROGRESS, date(2024, 2, 29), date(2026, 2, 28))
    pool.check_removal(RemovalReason.NO_PROGRESS, date(2024, 2, 29), date(2026, 3, 1))


@pytest.mark.parametrize("reason", [r for r in RemovalReason if r != RemovalReason.NO_PROGRESS])
def test_removal_for_other_reasons_at_any_time(reason):
    pool.check_removal(reason, date(2025, 7, 1), date(2025, 7, 1))
