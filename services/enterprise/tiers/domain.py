"""Tier selection and the published tier lists (鄂知发〔2022〕9号 § 三(二)): plain code, no I/O.

* :func:`evaluate` answers a tier's criteria (:mod:`services.enterprise.tiers.criteria`) from the
  enterprise's profile and one year's figures, each pass / fail / unknown / warn with the figure and
  the threshold that decided it — the pool's outcome types (:mod:`services.enterprise.pool.domain`).
  A figure not reported gives ``unknown``, never a silent pass.
* :func:`check_approval` — what a failed criterion means for the province's decision. The seed sets
  no figure: § 三(二) leaves the selection conditions to the province (“合理确定优势企业遴选条件”),
  and the list is managed dynamically. So the criteria inform the decision and do not block it, but
  designating an enterprise that fails one of the province's own conditions must be reasoned: an
  approval without a ``reason`` is a 422 ``tier.criteria_failed`` naming the failed criteria.
  Warnings and unknowns are weighed without one.
* :func:`diff_lists`, :func:`check_publication` — the published lists 定期向社会发布: numbered versions
  in date order, none empty, and what changed between two of them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from libs.common.published import KeyedDiff, check_publication_date, diff_keyed
from libs.common.rules import RuleViolation
from services.enterprise.domain import TIER_NAMES, Tier
from services.enterprise.pool.domain import OUTCOME_NAMES, CriterionResult, Evaluation, Outcome, pct, share
from services.enterprise.reference import INDUSTRIES, PATENT_INTENSIVE_INDUSTRIES, QUALIFICATION_NAMES
from services.enterprise.tiers.criteria import Criterion, criteria_of


@dataclass(frozen=True)
class YearFacts:
    """One year's figures; any may be missing (None)."""

    year: int
    revenue: Decimal | None = None
    rd_spend: Decimal | None = None
    invention_patents: int | None = None
    industrialisation_rate: Decimal | None = None


@dataclass(frozen=True)
class Facts:
    """What the registry holds of the enterprise; ``figures`` None: nothing reported for the year."""

    qualifications: tuple[str, ...]
    industry: str
    own_brand: bool
    ip_management_certified: bool
    figures: YearFacts | None


def evaluation_year(on: date) -> int:
    """The figures weighed on ``on``: the last full year's (上年度)."""
    return on.year - 1


def _result(c: Criterion, outcome: Outcome, figure: str, threshold: str) -> CriterionResult:
    if outcome == Outcome.FAIL and c.weighed:
        outcome = Outcome.WARN
    return CriterionResult(c.number, c.code, c.title, outcome, figure, threshold,
                           f"{figure}；要求：{threshold}（{OUTCOME_NAMES[outcome]}）")


def _met(ok: bool) -> Outcome:
    return Outcome.PASS if ok else Outcome.FAIL


def _count(value: Decimal | None) -> str:
    return f"{value:.0f}" if value is not None else ""


def _qualification_any(c: Criterion, f: Facts, year: int) -> CriterionResult:
    held = [QUALIFICATION_NAMES[q] for q in f.qualifications if q in c.qualifications]
    wanted = "、".join(QUALIFICATION_NAMES[q] for q in c.qualifications)
    figure = "持有：" + "、".join(held) if held else "未持有" + wanted + "资格"
    return _result(c, _met(bool(held)), figure, f"具备其中一项：{wanted}")


def _invention_patents(c: Criterion, f: Facts, year: int) -> CriterionResult:
    threshold = f"有效发明专利 ≥ {_count(c.threshold)} 件"
    held = f.figures.invention_patents if f.figures else None
    if held is None or c.threshold is None:
        return _result(c, Outcome.UNKNOWN, f"{year}年有效发明专利数未填报", threshold)
    return _result(c, _met(held >= c.threshold), f"{year}年有效发明专利 {held} 件", threshold)


def _patents_or_brand(c: Criterion, f: Facts, year: int) -> CriterionResult:
    threshold = f"有效发明专利 ≥ {_count(c.threshold)} 件，或拥有自主商标品牌"
    held = f.figures.invention_patents if f.figures else None
    brand = "拥有自主商标品牌" if f.own_brand else "无自主商标品牌"
    if f.own_brand:
        patents = Outcome.PASS
    elif held is None or c.threshold is None:
        patents = Outcome.UNKNOWN
    else:
        patents = _met(held >= c.threshold)
    shown = f"{year}年有效发明专利数未填报" if held is None else f"{year}年有效发明专利 {held} 件"
    return _result(c, patents, f"{shown}；{brand}", threshold)


def _industrialisation_rate(c: Criterion, f: Facts, year: int) -> CriterionResult:
    threshold = f"专利产业化率 ≥ {c.threshold} %"
    rate = f.figures.industrialisation_rate if f.figures else None
    if rate is None or c.threshold is None:
        return _result(c, Outcome.UNKNOWN, f"{year}年专利产业化率未填报", threshold)
    return _result(c, _met(rate >= c.threshold), f"{year}年专利产业化率 {rate} %", threshold)


def _rd_share(c: Criterion, f: Facts, year: int) -> CriterionResult:
    threshold = f"研发投入占营业收入 ≥ {c.threshold} %"
    rd = f.figures.rd_spend if f.figures else None
    revenue = f.figures.revenue if f.figures else None
    if rd is None or c.threshold is None:
        return _result(c, Outcome.UNKNOWN, f"{year}年研发投入未填报", threshold)
    if revenue is None or revenue == 0:
        why = "营业收入未填报" if revenue is None else "营业收入为 0"
        return _result(c, Outcome.UNKNOWN, f"{year}年{why}，无法计算研发投入占比", threshold)
    ok = rd * 100 >= revenue * c.threshold
    return _result(c, _met(ok), f"{year}年研发投入占营业收入 {pct(share(rd, revenue), c.threshold)} %", threshold)


def _ip_management_certified(c: Criterion, f: Facts, year: int) -> CriterionResult:
    figure = "已通过 GB/T 29490 知识产权管理体系认证" if f.ip_management_certified else "未通过 GB/T 29490 认证"
    return _result(c, _met(f.ip_management_certified), figure, "通过 GB/T 29490 认证（贯标）")


def _own_brand(c: Criterion, f: Facts, year: int) -> CriterionResult:
    return _result(c, _met(f.own_brand), "拥有自主商标品牌" if f.own_brand else "无自主商标品牌", "拥有自主商标品牌")


def _patent_intensive_industry(c: Criterion, f: Facts, year: int) -> CriterionResult:
    ok = f.industry in PATENT_INTENSIVE_INDUSTRIES
    return _result(c, _met(ok), f"主营产业 {f.industry} {INDUSTRIES.get(f.industry, '')}".rstrip(),
                   "属于专利密集型产业（" + "、".join(sorted(PATENT_INTENSIVE_INDUSTRIES)) + "）")


_MEASURES = {
    "qualification_any": _qualification_any, "invention_patents": _invention_patents,
    "patents_or_brand": _patents_or_brand, "industrialisation_rate": _industrialisation_rate,
    "rd_share": _rd_share, "ip_management_certified": _ip_management_certified, "own_brand": _own_brand,
    "patent_intensive_industry": _patent_intensive_industry,
}


def evaluate(tier: Tier, facts: Facts, year: int) -> Evaluation:
    """Every criterion of ``tier``; ``year`` is the figures' year (:func:`evaluation_year`)."""
    if facts.figures is not None and facts.figures.year != year:
        raise ValueError("figures of another year")
    return Evaluation(year, [_MEASURES[c.measure](c, facts, year) for c in criteria_of(tier)])


def check_approval(evaluation: Evaluation, tier: Tier, reason: str | None) -> None:
    """Designating an enterprise that fails a criterion needs the province's reason (see the module)."""
    failed = evaluation.codes(Outcome.FAIL)
    if failed and not (reason and reason.strip()):
        raise RuleViolation(
            "tier.criteria_failed",
            f"该企业不符合{TIER_NAMES[tier]}遴选条件 {len(failed)} 项（{'、'.join(failed)}），"
            "如仍予认定，请在 reason 中说明理由", "reason", failed=failed)


# ------------------------------------------------------------------------------ published lists

def check_publication(entries: int, published_on: date, previous: date | None, today: date) -> None:
    """A published list names at least one enterprise and is dated in order (not after today)."""
    check_publication_date(published_on, previous, today, "tier_list.date_order", "梯队名单")
    if entries == 0:
        raise RuleViolation("tier_list.empty", "目前没有任何企业处于梯队中，无法发布名单")


def tier_counts(tiers: list[str]) -> dict[str, int]:
    """Enterprises per tier, every tier named (advantage, seed, growth)."""
    return {t.value: sum(1 for x in tiers if x == t.value) for t in (Tier.ADVANTAGE, Tier.SEED, Tier.GROWTH)}


def diff_lists(older: dict[str, str], newer: dict[str, str]) -> KeyedDiff[str]:
    """USCC → tier of two versions: added, removed, tier changed (promoted or demoted between them)."""
    return diff_keyed(older, newer)


def default_title(number: int, published_on: date) -> str:
    return f"湖北省企业知识产权“百千万”梯队企业名单（第{number}版，{published_on:%Y年%m月%d日}）"
