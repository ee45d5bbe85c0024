"""The pool's rules as plain code: each admission criterion at, just below and just above its
threshold, the alternative branches, the cap, the rolling top-up, graduation evidence and the
2-year rule (exactly two years, a day less and more, 29 February and across a year end)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.common.rules import RuleViolation
from services.enterprise.pool import domain
from services.enterprise.pool.domain import (
    Declarations,
    Figures,
    GraduationEvidence,
    Outcome,
    Profile,
    TopupState,
    evaluate,
)

YEAR = 2024
D = Decimal
PASS, FAIL, UNKNOWN, WARN = Outcome.PASS, Outcome.FAIL, Outcome.UNKNOWN, Outcome.WARN


def profile(**over) -> Profile:
    base = dict(registered_in_hubei=True, registered_division="420106", entity_category="91", size_class="small",
                qualifications=("high_tech",), industry="P1", patent_product_filed=True, own_brand=True,
                ip_management_certified=True)
    return Profile(**{**base, **over})


def figures(**over) -> Figures:
    base = dict(year=YEAR, revenue=D("20000000"), rd_spend=D("3000000"), staff=100, rd_staff=30,
                industrialisation_rate=D("60"))
    return Figures(**{**base, **over})


ALL_DECLARED = Declarations(core_patents=True, university_partnership=True, clean_record=True)


def outcome(code: str, p: Profile | None = None, f: Figures | None | str = "default",
            d: Declarations = ALL_DECLARED) -> Outcome:
    f = figures() if isinstance(f, str) else f  # "default"
    result = {c.code: c for c in evaluate(p or profile(), f, d, YEAR).criteria}[code]
    return result.outcome


def criterion(code: str, p: Profile | None = None, f: Figures | None = None, d: Declarations = ALL_DECLARED):
    return {c.code: c for c in evaluate(p or profile(), f or figures(), d, YEAR).criteria}[code]


def test_a_good_enterprise_passes_all_ten_in_annex_order():
    e = evaluate(profile(), figures(), ALL_DECLARED, YEAR)
    assert [c.number for c in e.criteria] == list(range(1, 11))
    assert [c.code for c in e.criteria] == domain.CRITERIA_CODES
    assert e.all_pass and e.codes(FAIL) == [] and e.codes(UNKNOWN) == []
    assert all(c.figure and c.threshold and c.title and c.detail for c in e.criteria)


def test_figures_of_another_year_are_refused():
    with pytest.raises(ValueError):
        evaluate(profile(), figures(year=YEAR - 1), ALL_DECLARED, YEAR)


# 1 -------------------------------------------------------------------------------- Hubei SME
@pytest.mark.parametrize("size, expected", [("micro", PASS), ("small", PASS), ("medium", PASS), ("large", FAIL)])
def test_1_sme_size(size, expected):
    assert outcome("hubei_sme", profile(size_class=size)) == expected


def test_1_registered_outside_hubei_fails():
    c = criterion("hubei_sme", profile(registered_in_hubei=False, registered_division="110105"))
    assert c.outcome == FAIL and "110105" in c.figure and "省外" in c.figure


def test_1_the_current_registration_is_shown_by_name():
    c = criterion("hubei_sme", profile(registered_division="420106"))
    assert c.outcome == PASS and "现登记地 420106 武昌区（湖北省）" in c.figure


# annex 1 “在湖北省境内注册登记、具有独立法人资格”: an individual business 个体工商户 (USCC 92…)
# is not a legal person; an enterprise (91…) and a farmers' cooperative (93…) are.
@pytest.mark.parametrize("category, expected", [("91", PASS), ("92", FAIL), ("93", PASS)])
def test_1_legal_person(category, expected):
    c = criterion("hubei_sme", profile(entity_category=category))
    assert c.outcome == expected
    if expected == FAIL:
        assert "信用代码前两位 92（个体工商户），不具有独立法人资格" in c.figure and "不符合" in c.detail


def test_1_an_individual_business_fails_even_when_small_and_in_hubei():
    assert outcome("hubei_sme", profile(entity_category="92", size_class="micro")) == FAIL


# 2 ---------------------------------------------------------------------------- qualification
@pytest.mark.parametrize("q", ["high_tech", "srdi_provincial", "srdi_national", "national_ip_advantage",
                               "national_ip_demonstration", "industrial_ip_pilot"])
def test_2_any_one_qualification_passes(q):
    assert outcome("qualification", profile(qualifications=(q,))) == PASS


def test_2_no_qualification_is_a_warning_not_a_failure():
    # annex 2 “原则上应具备专精特新中小企业、高新技术企业……等资格”: in principle, so the province weighs it
    c = criterion("qualification", profile(qualifications=()))
    assert c.outcome == WARN and "提示" in c.detail and "原则上" in c.threshold


# 3 ------------------------------------------------------------------------------- industry
# annex 3 “主营业务原则上属于专利密集型产业”: outside them is a warning
@pytest.mark.parametrize("industry, expected", [("P1", PASS), ("A08", PASS), ("P5", WARN), ("A09", WARN)])
def test_3_patent_intensive_industry(industry, expected):
    assert outcome("patent_intensive_industry", profile(industry=industry)) == expected


# 4 ---------------------------------------------------------------------- core patents + filing
# annex 4 “具有自研或引进的核心专利技术，原则上应按照……完成专利产品备案”: core patents are
# required (fail), the product filing only in principle (warn)
@pytest.mark.parametrize("declared, filed, expected", [
    (True, True, PASS), (True, False, WARN), (False, True, FAIL), (None, True, UNKNOWN), (None, False, UNKNOWN),
    (False, False, FAIL)])
def test_4_core_patents_and_product_filing(declared, filed, expected):
    assert outcome("core_patents_filed", profile(patent_product_filed=filed),
                   d=Declarations(core_patents=declared)) == expected


# 5 --------------------------------------------------------------------- industrialisation rate
@pytest.mark.parametrize("rate, expected", [("49.99", FAIL), ("50.00", PASS), ("50.01", PASS), ("0", FAIL),
                                            ("100", PASS)])
def test_5_rate_threshold(rate, expected):
    assert outcome("industrialisation_rate", f=figures(industrialisation_rate=D(rate))) == expected


def test_5_rate_missing_or_no_figures_is_unknown():
    assert outcome("industrialisation_rate", f=figures(industrialisation_rate=None)) == UNKNOWN
    c = criterion("industrialisation_rate", f=None)
    assert outcome("industrialisation_rate", f=None) == UNKNOWN
    assert str(YEAR) in c.figure


def test_5_says_the_figure_and_threshold():
    c = criterion("industrialisation_rate", f=figures(industrialisation_rate=D("42.50")))
    assert c.outcome == FAIL and "42.50 %" in c.figure and c.threshold == "≥ 50 %"


# 6 ---------------------------------------------------------- R&D spend: ≥ 10 % or ≥ 5,000,000 元
@pytest.mark.parametrize("rd, expected", [("999999.99", FAIL), ("1000000.00", PASS), ("1000000.01", PASS)])
def test_6_share_branch_at_ten_percent(rd, expected):
    # revenue 10,000,000: 10 % is exactly 1,000,000; the amount branch is far below 5,000,000
    assert outcome("rd_spend", f=figures(revenue=D("10000000"), rd_spend=D(rd))) == expected


@pytest.mark.parametrize("rd, expected", [("4999999.99", FAIL), ("5000000.00", PASS), ("5000000.01", PASS)])
def test_6_amount_branch_at_five_million(rd, expected):
    # revenue 100,000,000: the share branch is just under 5 %
    assert outcome("rd_spend", f=figures(revenue=D("100000000"), rd_spend=D(rd))) == expected


def test_6_either_branch_is_enough():
    assert outcome("rd_spend", f=figures(revenue=D("1000000000"), rd_spend=D("6000000"))) == PASS  # 0.6 %, 6 M
    assert outcome("rd_spend", f=figures(revenue=D("2000000"), rd_spend=D("300000"))) == PASS  # 15 %, 0.3 M


def test_6_figure_states_share_amount_and_threshold():
    c = criterion("rd_spend", f=figures(revenue=D("73809523.81"), rd_spend=D("3100000")))
    assert c.outcome == FAIL
    assert c.figure == f"{YEAR}年研发投入 3,100,000 元，占营业收入 4.2 %"
    assert c.threshold == "≥ 10 % 或 ≥ 5,000,000 元"
    assert "不符合" in c.detail


def test_6_missing_figures():
    assert outcome("rd_spend", f=figures(rd_spend=None)) == UNKNOWN
    assert outcome("rd_spend", f=None) == UNKNOWN
    assert outcome("rd_spend", f=figures(revenue=None, rd_spend=D("100"))) == UNKNOWN  # share unknown, amount fails
    assert outcome("rd_spend", f=figures(revenue=None, rd_spend=D("5000000"))) == PASS  # amount alone decides
    assert outcome("rd_spend", f=figures(revenue=D(0), rd_spend=D("100"))) == UNKNOWN


# 7 ------------------------------------------------- R&D staff ≥ 20 % or a university partnership
@pytest.mark.parametrize("rd_staff, expected", [(19, FAIL), (20, PASS), (21, PASS)])
def test_7_staff_share_at_twenty_percent(rd_staff, expected):
    assert outcome("rd_staff", f=figures(staff=100, rd_staff=rd_staff),
                   d=Declarations(university_partnership=False)) == expected


def test_7_uneven_staff_counts_are_exact():
    no = Declarations(university_partnership=False)
    assert outcome("rd_staff", f=figures(staff=5, rd_staff=1), d=no) == PASS   # exactly 20 %
    assert outcome("rd_staff", f=figures(staff=7, rd_staff=1), d=no) == FAIL   # 14.3 %
    assert outcome("rd_staff", f=figures(staff=501, rd_staff=100), d=no) == FAIL  # 19.96 %


@pytest.mark.parametrize("rd_staff, partnership, expected", [
    (19, True, PASS), (19, None, UNKNOWN), (19, False, FAIL), (20, None, PASS), (20, False, PASS)])
def test_7_partnership_is_the_alternative(rd_staff, partnership, expected):
    assert outcome("rd_staff", f=figures(staff=100, rd_staff=rd_staff),
                   d=Declarations(university_partnership=partnership)) == expected


def test_7_without_staff_figures_the_partnership_decides():
    assert outcome("rd_staff", f=None, d=Declarations(university_partnership=True)) == PASS
    assert outcome("rd_staff", f=None, d=Declarations(university_partnership=False)) == UNKNOWN
    assert outcome("rd_staff", f=figures(staff=0, rd_staff=0), d=Declarations()) == UNKNOWN


# 8–10 ------------------------------------------------------------------------------------------
def test_8_own_brand():
    assert outcome("own_brand", profile(own_brand=True)) == PASS
    assert outcome("own_brand", profile(own_brand=False)) == FAIL


@pytest.mark.parametrize("certified, declared, expected", [
    (True, None, PASS), (True, False, PASS), (False, True, PASS), (False, False, FAIL), (False, None, UNKNOWN)])
def test_9_ip_management(certified, declared, expected):
    assert outcome("ip_management", profile(ip_management_certified=certified),
                   d=Declarations(ip_management_system=declared)) == expected


@pytest.mark.parametrize("declared, expected", [(True, PASS), (False, FAIL), (None, UNKNOWN)])
def test_10_clean_record(declared, expected):
    assert outcome("clean_record", d=Declarations(clean_record=declared)) == expected


def test_nothing_declared_and_no_figures_is_unknown_not_a_crash():
    e = evaluate(profile(), None, Declarations(), YEAR)
    assert set(e.codes(UNKNOWN)) == {"core_patents_filed", "industrialisation_rate", "rd_spend", "rd_staff",
                                     "clean_record"}
    assert not e.all_pass


# --------------------------------------------------------------------------------------- capacity
@pytest.mark.parametrize("members", [0, 498, 499])
def test_capacity_leaves_room_below_500(members):
    domain.check_capacity(members)


@pytest.mark.parametrize("members", [500, 501])
def test_capacity_refuses_the_501st(members):
    with pytest.raises(RuleViolation) as exc:
        domain.check_capacity(members)
    assert exc.value.code == "pool.full" and exc.value.field is None
    assert exc.value.extra == {"members": members, "cap": 500}
    assert f"{members} 家" in exc.value.message and "500" in exc.value.message


# --------------------------------------------------------------------------------- rolling top-up
G = date(2025, 6, 30)


def topups(graduations: list[date], admissions: list[date]) -> TopupState:
    return TopupState(tuple(graduations), tuple(admissions))


def test_topup_unlimited_before_any_graduation():
    domain.check_topup(topups([], [date(2025, 1, 1)] * 50), date(2025, 7, 1))
    assert domain.topup_allowance(topups([], []), date(2025, 7, 1)) is None


def test_topup_does_not_limit_admissions_dated_before_the_first_graduation():
    domain.check_topup(topups([G], [G, G]), date(2025, 6, 29))


@pytest.mark.parametrize("used", [0, 1])
def test_topup_allows_up_to_twice_the_graduated(used):
    domain.check_topup(topups([G], [G] * used), date(2025, 7, 1))


def test_topup_refuses_the_third_after_one_graduation_with_numbers():
    with pytest.raises(RuleViolation) as exc:
        domain.check_topup(topups([G], [date(2025, 7, 1), date(2025, 8, 1)]), date(2025, 9, 1), "宜昌市")
    assert exc.value.code == "pool.topup_exceeded"
    assert exc.value.extra == {"graduated": 1, "topups": 2, "topup_limit": 2, "first_graduation": "2025-06-30"}
    assert "宜昌市" in exc.value.message and "已出库 1 家" in exc.value.message and "2 家" in exc.value.message


def test_topup_admission_on_the_first_graduation_day_is_a_topup():
    state = topups([G], [G, G])
    assert state.topups(G) == 2
    with pytest.raises(RuleViolation):
        domain.check_topup(state, G)


def test_topup_limit_grows_with_each_graduation_as_of_the_admission_date():
    later = date(2025, 12, 1)
    state = topups([G, later], [date(2025, 7, 1), date(2025, 8, 1)])
    with pytest.raises(RuleViolation):  # on 2025-09-01 only one had graduated
        domain.check_topup(state, date(2025, 9, 1))
    domain.check_topup(state, later)  # now two: limit 4, used 2
    assert domain.topup_allowance(state, later) == 2
    assert domain.topup_allowance(topups([G, later], [date(2025, 7, 1)] * 4), later) == 0


# ----------------------------------------------------------------------------------- graduation
def evidence(**over) -> GraduationEvidence:
    base = dict(rate_before=D("55"), rate_after=D("70"), new_patent_intensive_products=1, sales_growth_pct=None,
                profit_growth_pct=None)
    return GraduationEvidence(**{**base, **over})


def test_graduation_with_rate_up_and_a_new_product():
    domain.check_graduation(evidence())


def test_graduation_with_rate_up_and_sales_and_profit_up():
    domain.check_graduation(evidence(new_patent_intensive_products=0, sales_growth_pct=D("30"),
                                     profit_growth_pct=D("25")))


@pytest.mark.parametrize("over, field", [
    ({"rate_after": D("55")}, "industrialisation_rate_after"),
    ({"rate_after": D("54.99")}, "industrialisation_rate_after"),
    ({"rate_after": None}, "industrialisation_rate_after"),
    ({"rate_before": None}, "industrialisation_rate_before"),
    ({"new_patent_intensive_products": 0}, "new_patent_intensive_products"),
    ({"new_patent_intensive_products": 0, "sales_growth_pct": D("30")}, "new_patent_intensive_products"),
    ({"new_patent_intensive_products": 0, "sales_growth_pct": D("30"), "profit_growth_pct": D("0")},
     "new_patent_intensive_products"),
])
def test_graduation_refused_without_the_evidence(over, field):
    with pytest.raises(RuleViolation) as exc:
        domain.check_graduation(evidence(**over))
    assert exc.value.field == field


def test_graduation_rate_just_up_is_enough_for_the_platform():
    domain.check_graduation(evidence(rate_after=D("55.01")))


# ---------------------------------------------------------------------------------- 2-year rule
@pytest.mark.parametrize("admitted, as_of, due", [
    (date(2024, 3, 15), date(2026, 3, 14), False),   # 2 years − 1 day
    (date(2024, 3, 15), date(2026, 3, 15), False),   # exactly 2 years: not more than two
    (date(2024, 3, 15), date(2026, 3, 16), True),    # 2 years + 1 day
    (date(2024, 2, 29), date(2026, 2, 27), False),
    (date(2024, 2, 29), date(2026, 2, 28), False),   # no 29 Feb in 2026: the period ends on 28 Feb
    (date(2024, 2, 29), date(2026, 3, 1), True),
    (date(2023, 12, 31), date(2025, 12, 31), False),  # across a year end
    (date(2023, 12, 31), date(2026, 1, 1), True),
    (date(2024, 1, 1), date(2025, 12, 31), False),
    (date(2024, 1, 1), date(2026, 1, 1), False),
    (date(2024, 1, 1), date(2026, 1, 2), True),
    (date(2024, 3, 1), date(2026, 3, 1), False),
    (date(2024, 3, 1), date(2026, 3, 2), True),
])
def test_review_is_due_the_day_after_two_years(admitted, as_of, due):
    assert domain.review_due(admitted, as_of) is due
    assert domain.review_due(admitted, as_of) is (as_of >= domain.review_from(admitted))


def test_two_years_after_29_february_is_28_february():
    assert domain.two_years_after(date(2024, 2, 29)) == date(2026, 2, 28)
    assert domain.review_from(date(2024, 2, 29)) == date(2026, 3, 1)
    assert domain.two_years_after(date(2026, 2, 28)) == date(2028, 2, 28)  # a leap year: no shift


ADMITTED = date(2024, 7, 1)


def test_progress_entry_between_admission_and_as_of_counts():
    as_of = date(2026, 8, 1)
    assert domain.has_progress(None, ADMITTED, as_of, [date(2025, 5, 1)], {})
    assert domain.has_progress(None, ADMITTED, as_of, [as_of], {})
    assert not domain.has_progress(None, ADMITTED, as_of, [date(2026, 8, 2)], {})  # after as_of
    assert not domain.has_progress(None, ADMITTED, as_of, [date(2024, 6, 30)], {})  # before admission


def test_higher_rate_in_figures_since_admission_counts():
    as_of = date(2026, 8, 1)
    assert domain.has_progress(D("55"), ADMITTED, as_of, [], {2025: D("55.01")})
    assert not domain.has_progress(D("55"), ADMITTED, as_of, [], {2025: D("55")})
    assert not domain.has_progress(D("55"), ADMITTED, as_of, [], {2023: D("90")})  # before the admission year
    assert not domain.has_progress(D("55"), ADMITTED, as_of, [], {2027: D("90")})  # after as_of's year
    assert not domain.has_progress(None, ADMITTED, as_of, [], {2025: D("90")})  # no rate at admission to compare
    assert not domain.has_progress(D("55"), ADMITTED, as_of, [], {2025: None})


def test_dates_in_the_future_or_before_a_bound_are_field_errors():
    with pytest.raises(RuleViolation) as exc:
        domain.check_date("effective_date", date(2026, 1, 2), date(2026, 1, 1))
    assert exc.value.field == "effective_date" and exc.value.code == "pool.date_in_future"
    with pytest.raises(RuleViolation) as exc:
        domain.check_date("applied_on", date(2024, 6, 5), date(2026, 1, 1), domain.PROGRAMME_START, "方案印发日")
    assert exc.value.code == "pool.date_too_early"
    domain.check_date("applied_on", date(2024, 6, 6), date(2026, 1, 1), domain.PROGRAMME_START)


def test_warnings_are_not_failures():
    # the three 原则上 requirements of the annex (2, 3 and 4's product filing) all unmet
    e = evaluate(profile(qualifications=(), industry="P5", patent_product_filed=False), figures(), ALL_DECLARED, YEAR)
    assert e.codes(WARN) == ["qualification", "patent_intensive_industry", "core_patents_filed"]
    assert e.codes(FAIL) == [] and e.no_fail and not e.all_pass
    assert domain.IN_PRINCIPLE == set(e.codes(WARN))
