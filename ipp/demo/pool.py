"""Demo data of the industrialisation pool 专利产业化样板企业培育库, through the enterprise API.

From the demo enterprises the loader picks those that meet most of the 10 admission criteria (it
asks the platform's own evaluation), the best of every city first, and gives them a history the
2024 plan would produce: each city officer applies; the province admits in batches (October 2024,
June 2025, June 2026), rejects the weakest applications, graduates a few members with their
evidence, removes one for abnormal patent applications and — once two years have passed — one for
lack of progress; officers record progress for some members, so the others that were admitted in
2024 appear in the 2-year review list. Recent applications stay pending.

Deterministic from the seed (``random.Random(f"ipp-demo:{seed}:pool")``) and today's date (nothing
is dated after today). A second run finds each enterprise's membership and skips it.
"""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ipp.demo.common import DemoEnterprise, DemoError, advance, expect, token
from libs.common.auth import Role
from libs.common.divisions import CITIES
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.pool.schemas import ApplicationIn, DeclarationsIn, GraduateIn, ProgressIn, RemoveIn
from services.enterprise.reference import PATENT_INTENSIVE_INDUSTRIES
from services.enterprise.schemas import YearFiguresIn

SERVICE = "enterprise"
CHINA = ZoneInfo("Asia/Shanghai")
#: Batches: (applications from, applications to, admission date).
BATCHES = ((date(2024, 7, 1), date(2024, 9, 30), date(2024, 10, 15)),
           (date(2025, 3, 1), date(2025, 4, 30), date(2025, 6, 30)),
           (date(2026, 3, 1), date(2026, 4, 30), date(2026, 6, 30)))
#: Share of the demo enterprises that apply (about 45 of 300).
APPLY_SHARE = 0.15
D = Decimal


@dataclass
class Step:
    kind: str  # apply | admit | reject | progress | graduate | remove
    on: date
    data: dict = field(default_factory=dict)


@dataclass
class Plan:
    enterprise: DemoEnterprise
    failures: int
    stagnant: bool = False  # no progress after admission: its 2023 rate is its best
    steps: list[Step] = field(default_factory=list)


def _today() -> date:
    return datetime.now(CHINA).date()


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _candidates(enterprises: list[DemoEnterprise]) -> list[DemoEnterprise]:
    return [e for e in enterprises if e.tier and e.qualifications and e.industry in PATENT_INTENSIVE_INDUSTRIES]


def _choose(ranked: list[tuple[int, DemoEnterprise]], n: int) -> list[tuple[int, DemoEnterprise]]:
    """The best of every city first (a city without a good candidate still applies with its best),
    then the best of the rest."""
    chosen: dict[str, tuple[int, DemoEnterprise]] = {}
    for item in ranked:
        chosen.setdefault(item[1].city, item)
    picked = list(chosen.values())
    seen = {e.uscc for _, e in picked}
    picked += [item for item in ranked if item[1].uscc not in seen][: max(0, n - len(picked))]
    return picked


def plan_pool(ranked: list[tuple[int, DemoEnterprise]], total: int, seed: int, today: date) -> list[Plan]:
    """Who applies when, and what happens to each application (pure)."""
    rng = random.Random(f"ipp-demo:{seed}:pool")
    picked = _choose(sorted(ranked, key=lambda r: (r[0], r[1].uscc)), max(17, round(total * APPLY_SHARE)))
    weak = sorted(picked, key=lambda r: (-r[0], r[1].uscc))[: max(1, len(picked) // 12)]
    weak_ids = {e.uscc for failures, e in weak if failures >= 2}
    plans = [Plan(e, failures) for failures, e in picked]
    rng.shuffle(plans)
    n = len(plans)
    roles = (["batch1"] * round(n * 0.40) + ["batch2"] * round(n * 0.30) + ["batch3"] * round(n * 0.15))
    roles += ["pending"] * (n - len(roles))
    for plan, role in zip(plans, roles, strict=False):
        if plan.enterprise.uscc in weak_ids:
            role = "rejected"
        if role == "pending":
            start = max(BATCHES[-1][2] + timedelta(days=1), today - timedelta(days=60))
            plan.steps.append(Step("apply", _day(rng, min(start, today), today)))
            continue
        index = {"batch1": 0, "batch2": 1, "batch3": 2, "rejected": rng.randrange(2)}[role]
        first, last, admitted = BATCHES[index]
        applied = _day(rng, first, last)
        if applied > today:
            continue
        plan.steps.append(Step("apply", applied))
        decided = min(admitted, today)
        if role == "rejected":
            plan.steps.append(Step("reject", decided,
                                   {"reason": "经专家评审，企业专利产业化率、研发投入等多项基本标准未达到要求，"
                                              "不予入库。"}))
            continue
        if admitted > today:
            continue  # this batch has not been decided yet: the application stays pending
        plan.steps.append(Step("admit", admitted))
    _stories(plans, rng, today)
    return plans


def _stories(plans: list[Plan], rng: random.Random, today: date) -> None:
    """Graduations, removals and progress for the 2024 batch; the rest of it stays stagnant."""
    first_batch = [p for p in plans if any(s.kind == "admit" and s.on == BATCHES[0][2] for s in p.steps)]
    rng.shuffle(first_batch)
    keep = 1 if len(first_batch) > 1 else 0  # at least one stays for the 2-year review list
    graduates = first_batch[: min(3, len(first_batch) - keep)]
    rest = first_batch[len(graduates):]
    for i, plan in enumerate(graduates):
        on = (date(2025, 12, 20), date(2026, 6, 30), date(2026, 6, 30))[i]
        if on <= today:
            plan.steps.append(Step("progress", date(2025, 5, 15) + timedelta(days=10 * i),
                                   {"description": "新建专利产品生产线投产，专利密集型产品通过备案"}))
            plan.steps.append(Step("graduate", on, {"products": 1 + i % 2}))
    if len(rest) >= 3:
        fraud = rest.pop()
        if date(2025, 11, 10) <= today:
            fraud.steps.append(Step("remove", date(2025, 11, 10), {
                "removal_reason": "abnormal_patent_applications",
                "reason": "国家知识产权局通报该企业存在非正常专利申请行为，经核实，予以退库。"}))
    stagnant = rest[len(rest) // 2:]
    for plan in rest[: len(rest) // 2]:
        plan.steps.append(Step("progress", _day(rng, date(2025, 3, 1), min(date(2026, 6, 30), today)), {
            "description": rng.choice(["专利产品年销售额同比增长 28%，新增专利密集型产品 1 件",
                                       "与高校合作的专利技术完成中试并实现量产",
                                       "核心专利许可实施，新产线投产，专利产业化率提升"])}))
    for plan in stagnant:
        plan.stagnant = True
    if len(stagnant) >= 2:
        idle = stagnant.pop()
        on = BATCHES[0][2].replace(year=BATCHES[0][2].year + 2) + timedelta(days=20)
        if on <= today:
            idle.steps.append(Step("remove", on, {
                "removal_reason": "no_progress",
                "reason": "入库已满2年，未取得专利产业化实质性进展，经市州核实，予以退库。"}))


def _figures_2023(figures: dict[int, YearFiguresIn], stagnant: bool) -> YearFiguresIn | None:
    """Figures of 2023 (the year before the 2024 applications), derived from 2024's."""
    f = figures.get(2024)
    if f is None:
        return None
    rates = [x.industrialisation_rate for x in figures.values() if x.industrialisation_rate is not None]
    rate = None
    if f.industrialisation_rate is not None:
        rate = max(rates) if stagnant else max(D(0), f.industrialisation_rate - D(4))

    def scaled(value: Decimal | None, factor: str) -> Decimal | None:
        return None if value is None else (value * D(factor)).quantize(D("0.01"))

    return YearFiguresIn(revenue=scaled(f.revenue, "0.88"), rd_spend=scaled(f.rd_spend, "0.88"),
                         staff=int(f.staff * 0.95) if f.staff else f.staff,
                         rd_staff=int(f.rd_staff * 0.95) if f.rd_staff else f.rd_staff,
                         invention_patents=max(0, (f.invention_patents or 0) - 2), industrialisation_rate=rate)


def _declarations(rng: random.Random) -> DeclarationsIn:
    return DeclarationsIn(core_patents=True, university_partnership=rng.random() < 0.7,
                          ip_management_system=True if rng.random() < 0.8 else None, clean_record=True)


def _execute(plan: Plan, officer: EnterpriseClient, province: EnterpriseClient, rng: random.Random) -> Counter:
    done: Counter = Counter()
    e = plan.enterprise
    if officer.list_pool_memberships(uscc=e.uscc, limit=1).total:
        done["skipped"] += 1
        return done
    figures = {f.year: YearFiguresIn(**f.model_dump(include=set(YearFiguresIn.model_fields)))
               for f in officer.list_figures(e.uscc)}
    applied = plan.steps[0].on
    if applied.year - 1 not in figures and applied.year - 1 == 2023:
        f2023 = _figures_2023(figures, plan.stagnant)
        if f2023 is not None:
            officer.put_figures(e.uscc, 2023, f2023)
            figures[2023] = f2023
    m = officer.apply_to_pool(ApplicationIn(
        uscc=e.uscc, applied_on=applied, declarations=_declarations(rng),
        reason=f"{e.name}具有自主核心专利技术，专利产品已备案，专利产业化基础较好，推荐申报专利产业化样板企业培育库。"))
    done["applied"] += 1
    for step in plan.steps[1:]:
        if step.kind == "admit":
            try:
                m = province.admit_to_pool(m.id, step.on, "经专家评审、网上公示无异议，同意入库培育。")
            except ApiError as exc:
                if exc.status == 409:  # the rolling top-up or the cap: the application waits
                    done["deferred"] += 1
                    return done
                raise
            done["admitted"] += 1
        elif step.kind == "reject":
            province.reject_pool_application(m.id, step.data["reason"])
            done["rejected"] += 1
        elif step.kind == "progress":
            rate = figures.get(step.on.year - 1) or figures.get(max(figures)) if figures else None
            officer.record_pool_progress(m.id, ProgressIn(
                recorded_on=step.on, description=step.data["description"],
                industrialisation_rate=rate.industrialisation_rate if rate else None))
            done["progress"] += 1
        elif step.kind == "graduate":
            before = m.admission_rate if m.admission_rate is not None else D(50)
            after = min(D(100), before + D(rng.randint(8, 20)))
            province.graduate_from_pool(m.id, GraduateIn(
                effective_date=step.on, industrialisation_rate_before=before, industrialisation_rate_after=after,
                new_patent_intensive_products=step.data["products"], sales_growth_pct=D(rng.randint(25, 60)),
                profit_growth_pct=D(rng.randint(15, 45)),
                reason=f"专利产业化率由 {before}% 提升至 {after}%，新增专利密集型产品 {step.data['products']} 件，"
                       "达到样板企业出库标准，准予出库并转入接续培育。"))
            done["graduated"] += 1
        elif step.kind == "remove":
            province.remove_from_pool(m.id, RemoveIn(effective_date=step.on, **step.data))
            done["removed"] += 1
    return done


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    url = urls[SERVICE].rstrip("/")
    today = _today()
    province = EnterpriseClient(url, token(Role.PROVINCE_ADMIN, sub="demo-province-admin"), timeout=60.0)
    officers: dict[str, EnterpriseClient] = {}

    def officer(city: str) -> EnterpriseClient:
        if city not in officers:
            officers[city] = EnterpriseClient(url, token(Role.CITY_OFFICER, city=city), timeout=60.0)
        return officers[city]

    totals: Counter = Counter()
    try:
        probe_day = min(today, date(2025, 3, 1))

        def rank(e: DemoEnterprise) -> tuple[int, DemoEnterprise]:
            ev = province.evaluate_pool(ApplicationIn(
                uscc=e.uscc, applied_on=probe_day, reason="演示数据预评价",
                declarations=DeclarationsIn(core_patents=True, university_partnership=True, clean_record=True,
                                            ip_management_system=True)))
            return len(ev.failed) + len(ev.unknown), e

        ranked = [rank(e) for e in _candidates(enterprises)]
        covered = {e.city for _, e in ranked}
        # a city without a likely candidate still applies with its best enterprise
        ranked += [rank(e) for e in enterprises if e.city not in covered]
        rng = random.Random(f"ipp-demo:{seed}:pool:declarations")
        plans = [p for p in plan_pool(ranked, len(enterprises), seed, today) if p.steps]
        # history in date order: admissions of a batch come before later graduations and top-ups
        expect(len(plans))
        for plan in sorted(plans, key=lambda p: (p.steps[0].on, p.enterprise.uscc)):
            advance()
            try:
                totals.update(_execute(plan, officer(plan.enterprise.city), province, rng))
            except ApiError as exc:
                raise DemoError(f"培育库演示步骤失败（{plan.enterprise.uscc} {plan.enterprise.name}）：{exc}") from exc
        summary = province.pool_summary()
        review = province.pool_review()
    finally:
        province.close()
        for c in officers.values():
            c.close()
    cities = sum(1 for c in summary.cities if c.applications)
    top = "、".join(f"{c.city_name}{c.members}" for c in sorted(summary.cities, key=lambda c: -c.members)[:5]
                   if c.members)
    return (f"样板企业培育库：本次申报 {totals['applied']} 家、入库 {totals['admitted']} 家、"
            f"出库 {totals['graduated']} 家、"
            f"退库 {totals['removed']} 家、不予入库 {totals['rejected']} 家、登记产业化进展 {totals['progress']} 条，"
            f"因滚动增补上限暂缓入库 {totals['deferred']} 家，已存在而跳过 {totals['skipped']} 家；"
            f"当前在库 {summary.members} 家（上限 {summary.cap} 家），"
            f"待省局审核 {summary.pending} 家，申报覆盖 {cities}/{len(CITIES)} 个市州（在库较多：{top or '无'}）；"
            f"入库满2年未取得进展的复核名单 {len(review)} 家。")
