"""Demo data of the finance programme 知识产权质押融资, through the finance service's API.

* **Pledge loans** from 2024 to today: most enterprises with a tier or an SRDI / high-tech
  qualification borrow once or twice, others now and then; Wuhan, with a third of the enterprises,
  gets most of the loans, and every city gets at least one. Banks register their own loans (a
  ``bank`` token per bank); about a quarter are registered by the city officer from a bank's report.
  Amounts are 50 万 – 5,000 万元 (median about 400 万), terms 6–36 months, rates 2.6–4.6 %, pledged
  patents (valid application numbers), trademarks and — for agricultural produce — geographical
  indications; most private-enterprise loans use the provincial risk compensation fund, some
  insurance, guarantees or interest subsidies. Loans past maturity are released (a few default);
  one erroneous duplicate registration per year is withdrawn.
* **Credit white-list**: two batches a year (April and October) since 2024, each about half of the
  qualified enterprises, with entries added, dropped and credit lines changed between batches.
* **Activities**: two provincial pledge-financing matchmaking events a year in Wuhan plus one in
  every city (鄂知发〔2019〕1号 § 9), and a monthly 一月一链 roadshow for SRDI SMEs since July 2024
  rotating through the industrial chains (鄂知发〔2025〕2号 § 12).

Deterministic from the seed (``random.Random(f"ipp-demo:{seed}:finance")``) and today's date
(nothing is dated after today). Contract numbers, white-list titles and activity titles are stable,
so a second run gets 409 for each and creates nothing new.
"""
from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from ipp.demo.common import HTTP_OPTIONS, DemoEnterprise, DemoError, in_parallel, token
from libs.common.auth import Role
from libs.common.divisions import CITIES
from libs.common.identifiers import patent_check_char
from services.finance.client import ApiError, FinanceClient
from services.finance.schemas import ActivityCreate, PledgeCreate, PledgedItemIn, WhitelistEntryIn, WhitelistPublish

SERVICE = "finance"
CHINA = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2024

#: Lenders: (identifier = the bank token's org, name, weight). Local banks weigh more outside Wuhan.
BANKS: list[tuple[str, str, float]] = [
    ("ICBC-HB", "中国工商银行湖北省分行", 14), ("CCB-HB", "中国建设银行湖北省分行", 13),
    ("ABC-HB", "中国农业银行湖北省分行", 10), ("BOC-HB", "中国银行湖北省分行", 9),
    ("BOCOM-HB", "交通银行湖北省分行", 6), ("CMB-WH", "招商银行武汉分行", 6),
    ("CITIC-WH", "中信银行武汉分行", 4), ("HUBEI-BANK", "湖北银行", 12), ("HANKOU-BANK", "汉口银行", 8),
    ("WUHAN-RCB", "武汉农村商业银行", 6), ("HUBEI-RCC", "湖北省农村信用社联合社", 8),
]
BANK_NAMES = {org: name for org, name, _ in BANKS}
ROADSHOW_CHAINS = ["P1", "P2", "P4", "A01", "A02", "P3", "A08", "P5", "A03", "P1", "P2", "A01"]
CHAIN_NAMES = {"P1": "光芯屏端网", "P2": "汽车制造与服务", "P3": "现代化工及能源", "P4": "大健康",
               "P5": "现代农产品加工", "A01": "高端装备", "A02": "先进材料", "A03": "节能环保",
               "A08": "研发设计和科技服务"}
#: Where the province holds each chain's roadshow (the chain's home city first).
CHAIN_CITIES = {"P1": "420100", "P2": "420600", "P3": "420500", "P4": "420100", "P5": "422800", "A01": "420100",
                "A02": "420200", "A03": "420900", "A08": "420100"}
BATCH_NAMES = {4: "第一批", 10: "第二批"}


def _today() -> date:
    return datetime.now(CHINA).date()


def _money(value: float, step: int = 10_000) -> Decimal:
    return Decimal(max(step, int(round(value / step)) * step)).quantize(Decimal("0.01"))


def _day_in(rng: random.Random, year: int, start: date | None = None) -> date:
    """A day of ``year`` (from ``start``), drawn without looking at today: the caller skips future days."""
    first = start or date(year, 1, 5)
    return first + timedelta(days=rng.randrange((date(year, 12, 25) - first).days + 1))


def _qualified(e: DemoEnterprise) -> bool:
    return bool(e.tier) or any(q.startswith("srdi") or q == "high_tech" for q in e.qualifications)


@dataclass
class Totals:
    loans: int = 0
    loans_new: int = 0
    amount: Decimal = Decimal(0)
    private_loans: int = 0
    cities: set[str] = field(default_factory=set)
    whitelists: int = 0
    whitelists_new: int = 0
    matchmaking: int = 0
    roadshows: int = 0
    activities_new: int = 0


class _Numbers:
    """Unique, valid patent application numbers and trademark registration numbers."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def patent(self, rng: random.Random, before_year: int) -> str:
        while True:
            year = rng.randint(2012, before_year - 1)
            kind = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
            digits = f"{year}{kind}{rng.randrange(10_000_000):07d}"
            if digits not in self.used:
                self.used.add(digits)
                return f"{digits}.{patent_check_char(digits)}"

    def registration(self, rng: random.Random, lo: int, hi: int) -> str:
        while True:
            number = str(rng.randrange(lo, hi))
            if number not in self.used:
                self.used.add(number)
                return number


def _plan_loans(seed: int, enterprises: list[DemoEnterprise], today: date) -> list[dict]:
    """Each (enterprise, year) draws from its own generator: a later day or year adds loans and
    never changes the ones planned before."""
    numbers = _Numbers()
    by_city: dict[str, list[DemoEnterprise]] = defaultdict(list)
    for e in enterprises:
        by_city[e.city].append(e)
    plans: list[dict] = []
    for city in sorted(by_city):
        for i, e in enumerate(by_city[city]):
            p = (0.7 if _qualified(e) else 0.3) + (0.1 if e.is_private else -0.1)
            for year in range(FIRST_YEAR, today.year + 1):
                rng = random.Random(f"ipp-demo:{seed}:finance:loan:{e.uscc}:{year}")
                # every city has pledge financing: its first enterprise borrows in the first year
                if rng.random() < p * 0.6 or (i == 0 and year == FIRST_YEAR):
                    plan = _loan_plan(rng, e, year, numbers)
                    if plan["body"].registration_date <= today:
                        plans.append(plan)
    return sorted(plans, key=lambda x: (x["body"].registration_date, x["body"].contract_no))


def _loan_plan(rng: random.Random, e: DemoEnterprise, year: int, numbers: _Numbers) -> dict:
    scale = {"advantage": 3.0, "seed": 1.8, "growth": 1.2, None: 1.0}[e.tier] * (1.4 if e.city == "420100" else 1.0)
    amount = _money(min(50_000_000, 500_000 * (100 ** (rng.random() ** 1.6)) * scale / 2.2))
    local = e.city != "420100"
    weights = [w * (1.8 if local and org in ("HUBEI-BANK", "HUBEI-RCC") else 1) *
               (0.2 if local and org in ("HANKOU-BANK", "WUHAN-RCB") else 1) for org, _, w in BANKS]
    bank = rng.choices([b[0] for b in BANKS], weights=weights)[0]
    registered = _day_in(rng, year)
    term = rng.choices((6, 12, 24, 36), weights=(1, 6, 2, 1))[0]
    items = [PledgedItemIn(kind="patent", number=numbers.patent(rng, year))
             for _ in range(rng.choices((1, 2, 3, 5, 8), weights=(4, 4, 3, 2, 1))[0])]
    if rng.random() < 0.35:
        items.append(PledgedItemIn(kind="trademark", number=numbers.registration(rng, 12_000_000, 79_000_000)))
    if e.industry == "P5" and rng.random() < 0.5:
        items.append(PledgedItemIn(kind="geographical_indication",
                                   number=numbers.registration(rng, 5_000_000, 9_999_999)))
    risk = []
    if e.is_private and rng.random() < 0.6:
        risk.append("risk_compensation")
    if rng.random() < 0.2:
        risk.append("guarantee_insurance")
    if rng.random() < 0.15:
        risk.append("guarantee")
    if e.is_private and rng.random() < 0.3:
        risk.append("interest_subsidy")
    rate = Decimal(str(round(rng.uniform(2.6, 4.6), 2)))
    contract = f"{bank}-ZY-{year}-{e.uscc[-8:]}"
    return {"enterprise": e, "by_bank": rng.random() < 0.75, "roll": rng.random(),
            "body": PledgeCreate(uscc=e.uscc, lender_bank=bank, lender_name=BANK_NAMES[bank], contract_no=contract,
                                 amount=amount, registration_date=registered, term_months=term, annual_rate=rate,
                                 risk_sharing=risk, items=items)}


def _load_loans(base: str, plans: list[dict], today: date, totals: Totals) -> None:
    clients: dict[str, FinanceClient] = {}

    lock = threading.Lock()

    def client(key: str, role: Role, **claims) -> FinanceClient:
        with lock:  # loader threads share the clients
            if key not in clients:
                clients[key] = FinanceClient(base, token(role, **claims), timeout=30, **HTTP_OPTIONS)
            return clients[key]

    def register(c: FinanceClient, body: PledgeCreate):
        try:
            return c.register_pledge(body)
        except ApiError as exc:
            if exc.status == 409:  # a second run: this contract is registered already
                return None
            raise DemoError(f"质押贷款 {body.contract_no}：{exc}") from exc

    # one erroneous entry a year (the amount typed ten times too large), chosen in plan order
    corrected: set[int] = set()
    erroneous: set[int] = set()
    for i, plan in enumerate(plans):
        year = plan["body"].registration_date.year
        if year not in corrected and plan["roll"] > 0.9:
            corrected.add(year)
            erroneous.add(i)

    def run(i: int, plan: dict) -> bool:
        body: PledgeCreate = plan["body"]
        e: DemoEnterprise = plan["enterprise"]
        if plan["by_bank"]:
            bank = body.lender_bank
            assert bank is not None  # the plan names the bank of a loan it registers
            c = client(bank, Role.BANK, org=bank, sub=f"demo-bank-{bank}")
            body = body.model_copy(update={"lender_bank": None})
        else:
            c = client(e.city, Role.CITY_OFFICER, city=e.city)
        if i in erroneous:
            # withdrawn, then registered correctly — the pledged items are free again once it is withdrawn
            wrong = register(c, body.model_copy(update={"contract_no": body.contract_no + "-E",
                                                        "amount": body.amount * 10}))
            if wrong is not None:
                c.cancel_pledge(wrong.id, "金额录入错误（多录一位），撤销后按合同重新登记")
        loan = register(c, body)
        if loan is None:
            return False
        if loan.maturity_date <= today:
            if plan["roll"] < 0.04:
                c.default_pledge(loan.id, min(today, loan.maturity_date + timedelta(days=45)),
                                 "逾期未还，进入质押物处置")
            else:
                c.release_pledge(loan.id, loan.maturity_date - timedelta(days=int(plan["roll"] * 20)))
        return True

    # An enterprise's loans go in plan order (its pledged items are freed by the earlier ones'
    # release); different enterprises' loans are independent and go in parallel.
    by_enterprise: dict[str, list[tuple[int, dict]]] = {}
    for i, plan in enumerate(plans):
        by_enterprise.setdefault(plan["enterprise"].uscc, []).append((i, plan))
    try:
        done = in_parallel(list(by_enterprise.values()), lambda loans: [run(i, p) for i, p in loans])
        for plan in plans:
            _count(totals, plan)
        totals.loans_new += sum(sum(new) for new in done)
    finally:
        for c in clients.values():
            c.close()


def _count(totals: Totals, plan: dict) -> None:
    totals.loans += 1
    totals.amount += plan["body"].amount
    totals.private_loans += plan["enterprise"].is_private
    totals.cities.add(plan["enterprise"].city)


def _load_whitelists(admin: FinanceClient, rng: random.Random, enterprises: list[DemoEnterprise], today: date,
                     totals: Totals) -> None:
    pool = [e for e in enterprises if _qualified(e)] or list(enterprises)
    published_titles = {v.title for v in admin.list_whitelists()}
    lines: dict[str, Decimal] = {}
    for year in range(FIRST_YEAR, today.year + 1):
        for month in (4, 10):
            published = date(year, month, 15)
            if published > today:
                return
            listed = set(lines)
            for uscc in sorted(listed):  # some leave, some get a new line
                roll = rng.random()
                if roll < 0.12:
                    del lines[uscc]
                elif roll < 0.35:
                    lines[uscc] = _money(float(lines[uscc]) * rng.uniform(0.8, 1.6), 100_000)
            for e in pool:
                if e.uscc not in lines and e.uscc not in listed and rng.random() < 0.3:
                    base = {"advantage": 30e6, "seed": 15e6, "growth": 8e6, None: 5e6}[e.tier]
                    lines[e.uscc] = _money(base * rng.uniform(0.4, 1.5), 100_000)
            title = f"湖北省知识产权质押融资授信企业白名单（{year}年{BATCH_NAMES[month]}）"
            entries = [WhitelistEntryIn(uscc=u, suggested_credit_line=a) for u, a in sorted(lines.items())]
            if not entries:
                continue
            totals.whitelists += 1
            if title in published_titles:  # a second run
                continue
            try:
                admin.publish_whitelist(WhitelistPublish(title=title, published_on=published, entries=entries,
                                                         note="供各银行业金融机构开展集合授信参考"))
                totals.whitelists_new += 1
            except ApiError as exc:
                if exc.status != 409:
                    raise DemoError(f"白名单 {title}：{exc}") from exc


def _record(client: FinanceClient, body: ActivityCreate, totals: Totals) -> None:
    if body.kind == "roadshow":
        totals.roadshows += 1
    else:
        totals.matchmaking += 1
    try:
        client.record_activity(body)
        totals.activities_new += 1
    except ApiError as exc:
        if exc.status != 409:
            raise DemoError(f"活动 {body.title}：{exc}") from exc


def _load_activities(base: str, seed: int, enterprises: list[DemoEnterprise], today: date, totals: Totals) -> None:
    """Each activity draws from its own generator, so a later day only adds the ones now past."""
    def rng_for(*key) -> random.Random:
        return random.Random(f"ipp-demo:{seed}:finance:activity:{':'.join(map(str, key))}")

    by_city: dict[str, list[DemoEnterprise]] = defaultdict(list)
    for e in enterprises:
        by_city[e.city].append(e)
    with FinanceClient(base, token(Role.PROVINCE_ADMIN), timeout=30) as admin:
        for year in range(FIRST_YEAR, today.year + 1):
            for n, month_no in enumerate((5, 11)):  # the province's events, in Wuhan
                rng = rng_for("province", year, n)
                held = date(year, month_no, 10 + rng.randrange(15))
                if held > today:
                    continue
                invited = [e.uscc for e in enterprises if e.is_private][:20]
                _record(admin, ActivityCreate(
                    kind="matchmaking", title=f"{year}年全省民营企业知识产权质押融资银企对接会（第{n + 1}场）",
                    held_on=held, city="420100", organiser="湖北省知识产权局、人民银行湖北省分行",
                    enterprise_count=len(invited) + 60 + rng.randrange(60), institution_count=12 + rng.randrange(10),
                    enterprises=invited, intended_amount=_money(rng.uniform(8e8, 2.5e9), 1_000_000),
                    intended_deals=30 + rng.randrange(40)), totals)
            for city in sorted(CITIES):
                rng = rng_for("city", year, city)
                held = _day_in(rng, year, date(year, 3, 1))
                if held > today:
                    continue
                local = [e.uscc for e in by_city.get(city, [])][:15]
                size = 1 + len(by_city.get(city, []))
                with FinanceClient(base, token(Role.CITY_OFFICER, city=city), timeout=30) as officer:
                    _record(officer, ActivityCreate(
                        kind="matchmaking", title=f"{year}年{CITIES[city]}知识产权质押融资“入园惠企”对接活动",
                        held_on=held, city=city, organiser=f"{CITIES[city]}市场监督管理局（知识产权局）",
                        enterprise_count=max(len(local), 8 + size // 2 + rng.randrange(20)),
                        institution_count=3 + rng.randrange(8), enterprises=local,
                        intended_amount=_money(rng.uniform(2e7, 3e7 + 6e6 * size), 100_000),
                        intended_deals=2 + rng.randrange(4 + size // 5)), totals)
        month, i = date(FIRST_YEAR, 7, 1), 0
        while month <= today:
            chain = ROADSHOW_CHAINS[i % len(ROADSHOW_CHAINS)]
            rng = rng_for("roadshow", f"{month:%Y-%m}")
            held = month + timedelta(days=14 + rng.randrange(10))
            if held <= today:
                srdi = [e.uscc for e in enterprises if e.industry == chain
                        and any(q.startswith("srdi") for q in e.qualifications)][:10]
                _record(admin, ActivityCreate(
                    kind="roadshow",
                    title=f"专精特新中小企业“一月一链”投融资路演（{CHAIN_NAMES[chain]}专场，{month:%Y年%m月}）",
                    held_on=held, city=CHAIN_CITIES[chain], chain=chain,
                    organiser="湖北省知识产权局、湖北省经济和信息化厅",
                    enterprise_count=max(len(srdi), 10 + rng.randrange(10)), institution_count=15 + rng.randrange(20),
                    enterprises=srdi, intended_amount=_money(rng.uniform(1e8, 6e8), 1_000_000),
                    intended_deals=5 + rng.randrange(12)), totals)
            i += 1
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    base = urls[SERVICE]
    today = _today()
    totals = Totals()
    enterprises = sorted(enterprises, key=lambda e: e.uscc)
    plans = _plan_loans(seed, enterprises, today)
    _load_loans(base, plans, today, totals)
    with FinanceClient(base, token(Role.PROVINCE_ADMIN), timeout=60) as admin:
        _load_whitelists(admin, random.Random(f"ipp-demo:{seed}:finance:whitelist"), enterprises, today, totals)
    _load_activities(base, seed, enterprises, today, totals)
    share = (Decimal(totals.private_loans) * 100 / totals.loans).quantize(Decimal("0.1")) if totals.loans else 0
    per_year = Counter(p["body"].registration_date.year for p in plans)
    years = "、".join(f"{y}年{n}笔" for y, n in sorted(per_year.items()))
    return (f"金融：知识产权质押贷款 {totals.loans} 笔（本次新增 {totals.loans_new} 笔；{years}），"
            f"金额合计 {(totals.amount / Decimal(10**8)).quantize(Decimal('0.01'))} 亿元，"
            f"覆盖 {len(totals.cities)} 个市州，"
            f"民营企业项目占比 {share}%；授信企业白名单 {totals.whitelists} 版"
            f"（本次新发布 {totals.whitelists_new} 版）；"
            f"质押融资对接活动 {totals.matchmaking} 场、“一月一链”路演 {totals.roadshows} 场"
            f"（本次新增 {totals.activities_new} 场）。")
