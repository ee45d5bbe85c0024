"""The tier selection criteria (鄂知发〔2022〕9号), each at its boundary, and the published lists' rules.

The seed gives the tiers in words; § 三(二) “省知识产权局根据知识产权密集型企业发展规律，合理确定优势企业遴选条件”
leaves the figures to the province, so the thresholds tested here are the province's (criteria.py)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.common.rules import RuleViolation
from services.enterprise.domain import Tier
from services.enterprise.pool.domain import Outcome
from services.enterprise.tiers import criteria, domain
from services.enterprise.tiers.domain import Facts, YearFacts

YEAR = 2025


def facts(qualifications: tuple[str, ...] = ("high_tech",), industry: str = "P1", own_brand: bool = True,
          certified: bool = True, **figures) -> Facts:
    year = YearFacts(year=YEAR, **figures) if figures else None
    return Facts(qualifications=qualifications, industry=industry, own_brand=own_brand,
                 ip_management_certified=certified, figures=year)


def outcome(tier: Tier, code: str, f: Facts) -> Outcome:
    return {c.code: c for c in domain.evaluate(tier, f, YEAR).criteria}[code].outcome


def result(tier: Tier, code: str, f: Facts):
    return {c.code: c for c in domain.evaluate(tier, f, YEAR).criteria}[code]


def test_every_criterion_names_its_clause_and_measure():
    assert [c.code for c in criteria.criteria_of(Tier.GROWTH)] == ["growth.innovative_enterprise",
                                                                   "growth.patents_or_brand"]
    assert len(criteria.criteria_of(Tier.SEED)) == 4 and len(criteria.criteria_of(Tier.ADVANTAGE)) == 6
    for c in criteria.CRITERIA:
        assert c.clause.startswith("000 § ") and c.quote and c.measure in criteria.MEASURES
        assert c.code.startswith(c.tier.value + ".")
    for tier in Tier:  # numbered 1… within each tier
        assert [c.number for c in criteria.criteria_of(tier)] == list(range(1, len(criteria.criteria_of(tier)) + 1))


# --- 成长型: § 一 “做到高新技术企业、科技型中小企业、骨干企业知识产权培训全覆盖”（weighed）
def test_growth_innovative_enterprise_is_weighed_not_failed():
    assert outcome(Tier.GROWTH, "growth.innovative_enterprise", facts(("srdi_provincial",))) == Outcome.PASS
    assert outcome(Tier.GROWTH, "growth.innovative_enterprise", facts(("high_tech",))) == Outcome.PASS
    r = result(Tier.GROWTH, "growth.innovative_enterprise", facts(("industrial_ip_pilot",)))
    assert r.outcome == Outcome.WARN and "未持有" in r.figure


# --- 成长型: § 一 “指导、引导企业运用专利、品牌战略服务支撑自身创新” — ≥ 1 invention patent or an own brand
def test_growth_patents_or_brand_boundary():
    code = "growth.patents_or_brand"
    assert outcome(Tier.GROWTH, code, facts(own_brand=False, invention_patents=1)) == Outcome.PASS
    r = result(Tier.GROWTH, code, facts(own_brand=False, invention_patents=0))
    assert r.outcome == Outcome.FAIL and "0 件" in r.figure
    assert outcome(Tier.GROWTH, code, facts(own_brand=True, invention_patents=0)) == Outcome.PASS
    assert outcome(Tier.GROWTH, code, facts(own_brand=True)) == Outcome.PASS  # the brand decides, figures missing
    r = result(Tier.GROWTH, code, facts(own_brand=False))  # no figures, no brand: unknown, never a silent pass
    assert r.outcome == Outcome.UNKNOWN and "未填报" in r.figure


# --- 种子: § 二.3 “知识产权工作基础较好” — ≥ 5 invention patents
def test_seed_ip_foundation_boundary():
    code = "seed.ip_foundation"
    assert outcome(Tier.SEED, code, facts(invention_patents=5)) == Outcome.PASS
    assert outcome(Tier.SEED, code, facts(invention_patents=4)) == Outcome.FAIL
    assert outcome(Tier.SEED, code, facts(revenue=Decimal(1))) == Outcome.UNKNOWN
    assert outcome(Tier.SEED, code, facts()) == Outcome.UNKNOWN


# --- 种子: § 二.3 “提升企业知识产权创造、运用和保护能力” — R&D ≥ 3 % of revenue
def test_seed_rd_investment_boundary():
    code = "seed.rd_investment"
    assert outcome(Tier.SEED, code, facts(revenue=Decimal(100_000_000), rd_spend=Decimal(3_000_000))) == Outcome.PASS
    r = result(Tier.SEED, code, facts(revenue=Decimal(100_000_000), rd_spend=Decimal("2999999.99")))
    assert r.outcome == Outcome.FAIL and "2.9 %" in r.figure  # rounded down below the bar, never shown as 3.0
    assert outcome(Tier.SEED, code, facts(rd_spend=Decimal(1))) == Outcome.UNKNOWN  # revenue missing
    assert outcome(Tier.SEED, code, facts(revenue=Decimal(0), rd_spend=Decimal(1))) == Outcome.UNKNOWN
    assert outcome(Tier.SEED, code, facts(revenue=Decimal(1))) == Outcome.UNKNOWN  # R&D missing


# --- 种子: § 二.3 “推动企业贯彻《企业知识产权管理规范》国家标准”, § 一 “品牌培育” — weighed
def test_seed_standard_and_brand_are_weighed():
    assert outcome(Tier.SEED, "seed.management_standard", facts(certified=True)) == Outcome.PASS
    assert outcome(Tier.SEED, "seed.management_standard", facts(certified=False)) == Outcome.WARN
    assert outcome(Tier.SEED, "seed.brand", facts(own_brand=True)) == Outcome.PASS
    assert outcome(Tier.SEED, "seed.brand", facts(own_brand=False)) == Outcome.WARN


# --- 优势: § 二.1 “较强知识产权创造、运用、风险管控、品牌培育能力”
def test_advantage_creation_boundary():
    assert outcome(Tier.ADVANTAGE, "advantage.creation", facts(invention_patents=20)) == Outcome.PASS
    assert outcome(Tier.ADVANTAGE, "advantage.creation", facts(invention_patents=19)) == Outcome.FAIL
    assert outcome(Tier.ADVANTAGE, "advantage.creation", facts()) == Outcome.UNKNOWN


def test_advantage_utilisation_boundary():
    code = "advantage.utilisation"
    assert outcome(Tier.ADVANTAGE, code, facts(industrialisation_rate=Decimal("30.00"))) == Outcome.PASS
    r = result(Tier.ADVANTAGE, code, facts(industrialisation_rate=Decimal("29.99")))
    assert r.outcome == Outcome.FAIL and "29.99 %" in r.figure and "≥ 30 %" in r.threshold
    assert outcome(Tier.ADVANTAGE, code, facts(invention_patents=30)) == Outcome.UNKNOWN


# --- 优势: § 二.1 “具有较强知识产权战略管理能力” and “品牌培育能力” — hard (not weighed)
def test_advantage_management_and_brand_fail_hard():
    assert outcome(Tier.ADVANTAGE, "advantage.strategic_management", facts(certified=True)) == Outcome.PASS
    assert outcome(Tier.ADVANTAGE, "advantage.strategic_management", facts(certified=False)) == Outcome.FAIL
    assert outcome(Tier.ADVANTAGE, "advantage.brand", facts(own_brand=True)) == Outcome.PASS
    assert outcome(Tier.ADVANTAGE, "advantage.brand", facts(own_brand=False)) == Outcome.FAIL


# --- 优势: § 二.1 “打造一批创新能力强的高价值专利产出载体” — R&D ≥ 5 % of revenue
def test_advantage_rd_investment_boundary():
    code = "advantage.rd_investment"
    assert outcome(Tier.ADVANTAGE, code, facts(revenue=Decimal(200), rd_spend=Decimal(10))) == Outcome.PASS
    assert outcome(Tier.ADVANTAGE, code, facts(revenue=Decimal(200), rd_spend=Decimal("9.99"))) == Outcome.FAIL


# --- 优势: § 三(二) “根据知识产权密集型企业发展规律，合理确定优势企业遴选条件” — weighed
def test_advantage_patent_intensive_is_weighed():
    assert outcome(Tier.ADVANTAGE, "advantage.patent_intensive", facts(industry="P1")) == Outcome.PASS
    r = result(Tier.ADVANTAGE, "advantage.patent_intensive", facts(industry="A09"))
    assert r.outcome == Outcome.WARN and "A09" in r.figure


def test_a_complete_advantage_enterprise_passes_everything():
    e = domain.evaluate(Tier.ADVANTAGE, facts(invention_patents=25, industrialisation_rate=Decimal(40),
                                              revenue=Decimal(100), rd_spend=Decimal(6)), YEAR)
    assert e.all_pass and e.no_fail and e.year == YEAR


def test_figures_of_another_year_are_refused():
    with pytest.raises(ValueError):
        domain.evaluate(Tier.SEED, facts(invention_patents=5), YEAR + 1)


def test_evaluation_year_is_the_year_before():
    assert domain.evaluation_year(date(2026, 1, 1)) == 2025


# --- approval: failed criteria need the province's reason; warnings and unknowns do not
def test_approval_over_a_failed_criterion_needs_a_reason():
    failing = domain.evaluate(Tier.ADVANTAGE, facts(own_brand=False, certified=False), YEAR)
    with pytest.raises(RuleViolation) as e:
        domain.check_approval(failing, Tier.ADVANTAGE, None)
    assert (e.value.code, e.value.field) == ("tier.criteria_failed", "reason")
    assert e.value.extra["failed"] == ["advantage.strategic_management", "advantage.brand"]
    with pytest.raises(RuleViolation):
        domain.check_approval(failing, Tier.ADVANTAGE, "   ")
    domain.check_approval(failing, Tier.ADVANTAGE, "经专家评审，品牌正在注册中，同意认定")
    weighed = domain.evaluate(Tier.SEED, facts(own_brand=False, certified=False), YEAR)  # warn + unknown only
    assert weighed.no_fail and weighed.codes(Outcome.WARN)
    domain.check_approval(weighed, Tier.SEED, None)


# --- published lists: 定期向社会发布 — numbered, dated in order, never empty
def test_publication_rules():
    today = date(2026, 6, 1)
    domain.check_publication(3, today, date(2026, 6, 1), today)  # same day as the previous: allowed
    with pytest.raises(RuleViolation) as e:
        domain.check_publication(3, date(2026, 5, 31), date(2026, 6, 1), today)
    assert (e.value.code, e.value.field) == ("tier_list.date_order", "published_on")
    with pytest.raises(RuleViolation) as e:
        domain.check_publication(3, date(2026, 6, 2), None, today)
    assert (e.value.code, e.value.field) == ("date.future", "published_on")
    with pytest.raises(RuleViolation) as e:
        domain.check_publication(0, today, None, today)
    assert e.value.code == "tier_list.empty" and e.value.status == 409


def test_diff_lists():
    d = domain.diff_lists({"A": "growth", "B": "seed", "C": "advantage", "D": "seed"},
                          {"B": "advantage", "C": "advantage", "D": "growth", "E": "growth"})
    assert d.added == {"E": "growth"} and d.removed == {"A": "growth"}
    assert [(c.key, c.before, c.after) for c in d.changed] == [("B", "seed", "advantage"), ("D", "seed", "growth")]
    assert d.unchanged == 1
    assert domain.tier_counts(["growth", "growth", "seed"]) == {"advantage": 0, "seed": 1, "growth": 2}
