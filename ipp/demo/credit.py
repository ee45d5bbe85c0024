"""Demo data of the credit register 信用记录, loaded through the enterprise service's typed client.

Light: every one of the 17 cities records two entries about its own enterprises (the city officer
records, as the bureau that decided or received the decision): one in effect today, of a kind that
rotates through the four; one decided in 2025 that the province lifted after a credit repair (信用修复).
The enterprises are ones without a tier or an SRDI / high-tech qualification — the pool's candidates
and the white-list's enterprises are left alone, so those loaders, running at the same time, never
meet an entry they did not plan for. A city without such an enterprise gets one past entry instead,
in effect only from 6 May to 30 September 2025: between the white-list's publication dates (15 April,
15 October) and after the pool's application rounds, so it changes neither.

A pure function of the seed and today's date; the document numbers are stable, so a second run finds
the entries and writes nothing.
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ipp.demo.common import DemoEnterprise, DemoError, advance, expect, in_parallel, token
from libs.common.auth import Role
from libs.common.divisions import CITIES
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.credit.schemas import CreditEntryIn, CreditEntryOut

SERVICE = "enterprise"
CHINA = ZoneInfo("Asia/Shanghai")
KINDS = ("abnormal_patent_application", "serious_dishonesty", "violation", "major_accident")
AUTHORITY = {"abnormal_patent_application": "{city}知识产权局", "serious_dishonesty": "{city}市场监督管理局",
             "violation": "国家税务总局{city}税务局", "major_accident": "{city}应急管理局"}
SUMMARY = {"abnormal_patent_application": "提交非正常专利申请，经国家知识产权局通报、{city}知识产权局认定",
           "serious_dishonesty": "专利侵权行政裁决后拒不履行，列入知识产权领域严重失信主体名单",
           "violation": "偷逃税款，经税务稽查作出行政处罚",
           "major_accident": "发生重大生产安全事故，经应急管理部门调查处理"}


#: The period of a city's past entry when it has no eligible enterprise (see the module's note).
PAST = (date(2025, 5, 6), date(2025, 9, 30))


def _eligible(e: DemoEnterprise) -> bool:
    """Not a pool candidate and not on the white-list (see the module's note)."""
    return not e.tier and not any(q.startswith("srdi") or q == "high_tech" for q in e.qualifications)


def build_plan(enterprises: list[DemoEnterprise], seed: int, today: date) -> list[tuple[dict, dict | None]]:
    """(entry body, lifting or None) per entry, two per city that has an eligible enterprise."""
    rng = random.Random(f"ipp-demo:{seed}:credit")
    plan: list[tuple[dict, dict | None]] = []
    for n, city in enumerate(sorted(CITIES)):
        name = CITIES[city]
        short = name.removesuffix("市").removesuffix("州").removesuffix("土家族苗族自治")[:2]
        in_city = sorted((e for e in enterprises if e.city == city), key=lambda e: e.uscc)
        local = [e for e in in_city if _eligible(e)]
        if not local:
            if in_city:
                plan.append(({"uscc": rng.choice(in_city).uscc, "kind": "violation",
                              "authority": AUTHORITY["violation"].format(city=name), "decided_on": PAST[0].isoformat(),
                              "document_no": f"{short}税罚〔{PAST[0].year}〕{n + 201}号",
                              "effective_from": PAST[0].isoformat(), "effective_until": PAST[1].isoformat(),
                              "summary": SUMMARY["violation"]}, None))
            continue
        kind = KINDS[n % len(KINDS)]
        decided = today - timedelta(days=rng.randint(20, 200))
        plan.append(({"uscc": rng.choice(local).uscc, "kind": kind, "authority": AUTHORITY[kind].format(city=name),
                      "decided_on": decided.isoformat(), "document_no": f"{short}信〔{decided.year}〕{n + 1}号",
                      "effective_from": decided.isoformat(),
                      "effective_until": (decided + timedelta(days=365 * rng.randint(1, 3))).isoformat(),
                      "summary": SUMMARY[kind].format(city=name)}, None))
        old = min(today - timedelta(days=200), date(2025, rng.randint(1, 6), rng.randint(1, 28)))
        lifted = old + timedelta(days=rng.randint(120, 180))
        plan.append(({"uscc": rng.choice(local).uscc, "kind": "abnormal_patent_application",
                      "authority": f"{name}知识产权局", "decided_on": old.isoformat(),
                      "document_no": f"{short}知管〔{old.year}〕{n + 101}号", "effective_from": old.isoformat(),
                      "effective_until": (old + timedelta(days=730)).isoformat(),
                      "summary": SUMMARY["abnormal_patent_application"].format(city=name)},
                     {"lifted_on": lifted.isoformat(), "reason": "已撤回全部非正常专利申请并完成信用修复"}))
    return plan


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    today = datetime.now(CHINA).date()
    plan = build_plan(enterprises, seed, today)
    base = urls[SERVICE]
    written: Counter[str] = Counter()
    expect(len(plan))
    try:
        with EnterpriseClient(base, token(Role.PROVINCE_ADMIN), timeout=120) as admin:
            have: dict[tuple[str, str, str], CreditEntryOut] = {}
            offset = 0
            while True:
                page = admin.list_credit_entries(limit=500, offset=offset)
                have.update({(e.uscc, e.kind, e.document_no): e for e in page.items})
                offset += len(page.items)
                if offset >= page.total or not page.items:
                    break

            def one(item: tuple[dict, dict | None]) -> None:
                body, lifting = item
                entry = have.get((body["uscc"], body["kind"], body["document_no"]))
                if entry is None:
                    city = next(e.city for e in enterprises if e.uscc == body["uscc"])
                    with EnterpriseClient(base, token(Role.CITY_OFFICER, city=city), timeout=60) as officer:
                        entry = officer.record_credit_entry(CreditEntryIn.model_validate(body))
                    written["recorded"] += 1
                if lifting and entry.lifted_on is None:
                    admin.lift_credit_entry(entry.id, date.fromisoformat(lifting["lifted_on"]), lifting["reason"])
                    written["lifted"] += 1
                advance()

            in_parallel(plan, one)
    except ApiError as exc:
        raise DemoError(f"企业服务（信用记录）返回 {exc.status}：{exc.problem}") from exc
    cities = {next(e.city for e in enterprises if e.uscc == b["uscc"]) for b, _ in plan}
    return (f"信用记录：{len(plan)} 条（覆盖 {len(cities)} 个市州，提前解除 {sum(1 for _, x in plan if x)} 条）；"
            f"本次新写入：记录 {written['recorded']} 条、解除 {written['lifted']} 条")
