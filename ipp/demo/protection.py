"""Demo data of the protection programme, loaded through the protection service's typed client.

* centres: the provincial protection centre, the provincial overseas rights-protection centre, the
  Wuhan protection centre and the Wuhan rapid rights-protection centre (automobile industry), and a
  rights-protection assistance centre in each of the 17 cities — registered by the province or the
  city's officer;
* workstations 知识产权保护工作站, mostly hosted by advantage and seed enterprises (000 § 二.6), some
  in parks, granted in batches since 2023 (the 2025 batches come close to the target of 50 new
  provincial joint workstations, 003 § 15); a few city-level ones were later deregistered;
* cases of the five kinds, received by the centres (as ``agency`` users of each centre) every
  month since January 2024 and moved through accepted → handling → closed with realistic, timed
  steps — the latest are still open, some past their time limit;
* on-site visits to private enterprises by every centre every month — with a few missed months
  (only the assistance centres owe a monthly visit, 002 § 4, so only their misses are listed).

Identities do not depend on today's date: every case, visit and workstation is drawn from a random
stream seeded by (seed, what, city, month), and only those dated up to today are loaded. A second
run finds them (HTTP 409), creates nothing, and only moves on cases whose next step has come due.
"""
from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import httpx

from ipp.demo.common import HTTP_OPTIONS, DemoEnterprise, DemoError, in_parallel, token
from libs.common.auth import Role
from libs.common.divisions import CITIES
from services.protection.client import ApiError, ProtectionClient
from services.protection.schemas import CaseCreate, CentreCreate, CloseIn, DeregisterIn, VisitCreate, WorkstationCreate

SERVICE = "protection"
CHINA = ZoneInfo("Asia/Shanghai")
FIRST_MONTH = (2024, 1)
WUHAN = "420100"

#: Relative caseload of each city (roughly its economy; Wuhan about a third).
CITY_WEIGHTS: dict[str, float] = {
    "420100": 21106, "420600": 5828, "420500": 5756, "421000": 3200, "421100": 2900, "420900": 2900,
    "420800": 2400, "420300": 2400, "420200": 2200, "421200": 1900, "422800": 1500, "421300": 1400,
    "420700": 1300, "429004": 1050, "429005": 900, "429006": 800, "429021": 40,
}
#: (id, name, kind, city, established) of the province-wide and Wuhan centres.
PROVINCIAL_CENTRES = [
    ("HB-BHZX", "湖北省知识产权保护中心", "protection", WUHAN, date(2021, 6, 18)),
    ("HB-HWWQ", "湖北省海外知识产权维权服务中心", "overseas", WUHAN, date(2020, 9, 1)),
    ("WH-BHZX", "中国（武汉）知识产权保护中心", "protection", WUHAN, date(2019, 12, 26)),
    ("WH-KWZX", "中国武汉（汽车及零部件产业）知识产权快速维权中心", "rapid", WUHAN, date(2019, 4, 26)),
]
PARKS = [
    (WUHAN, "武汉东湖新技术开发区", 2024), ("420500", "宜昌高新技术产业开发区", 2025),
    ("420600", "襄阳高新技术产业开发区", 2025), ("420800", "荆门高新技术产业开发区", 2025),
    ("420900", "孝感高新技术产业开发区", 2026), ("420200", "黄石经济技术开发区", 2024),
    ("421000", "荆州经济技术开发区", 2026), ("420300", "十堰经济技术开发区", 2023),
]
#: Provincial joint workstations granted per batch date (enterprise hosts), and city-level ones per year.
JOINT_BATCHES = [(date(2023, 11, 15), 16), (date(2024, 6, 28), 14), (date(2024, 12, 10), 13),
                 (date(2025, 4, 26), 24), (date(2025, 11, 18), 22), (date(2026, 4, 26), 21),
                 (date(2026, 11, 18), 20)]
CITY_LEVEL = {2023: 8, 2024: 9, 2025: 10, 2026: 8}
KINDS = {"assistance": 45, "mediation": 25, "adjudication": 15, "arbitration": 5, "overseas": 10}
KIND_PREFIX = {"assistance": "WQ", "mediation": "TJ", "adjudication": "CJ", "arbitration": "ZC", "overseas": "HW"}
OUTCOMES = {"assistance": {"resolved": 50, "mediated": 20, "transferred": 20, "withdrawn": 10},
            "mediation": {"mediated": 70, "withdrawn": 20, "transferred": 10},
            "adjudication": {"ruled": 60, "mediated": 25, "withdrawn": 15},
            "arbitration": {"ruled": 70, "mediated": 20, "withdrawn": 10},
            "overseas": {"resolved": 60, "mediated": 20, "withdrawn": 20}}
CLOSE_DAYS = {"assistance": 30, "adjudication": 90, "mediation": 30, "arbitration": 120, "overseas": 60}
IP_TYPES = {"patent": 50, "trademark": 30, "copyright": 8, "trade_secret": 6, "geographical_indication": 3,
            "other": 3}
TITLES = {"patent": ["发明专利被同行仿制", "实用新型专利产品被仿冒销售", "外观设计专利在电商平台被侵权",
                     "专利被恶意提起无效宣告"],
          "trademark": ["注册商标被他人在同类商品上使用", "商标被抢注", "电商平台销售假冒注册商标商品"],
          "copyright": ["软件著作权被盗版", "产品说明书和宣传图片被抄袭"],
          "trade_secret": ["离职员工带走核心工艺资料", "合作方泄露技术秘密"],
          "geographical_indication": ["地理标志产品被冒用"], "other": ["知识产权许可合同纠纷"]}
COUNTERPARTIES = ["某科技有限公司", "某商贸有限公司", "某电子商务经营部", "某机电设备经营部", "某贸易商行",
                  "个体经营者"]
COUNTRIES = ["美国", "德国", "日本", "韩国", "越南", "印度", "巴西", "土耳其", "阿联酋", "墨西哥"]
TRANSFER_TO = ["市市场监督管理局", "市公安局经侦支队", "市中级人民法院诉讼服务中心", "省知识产权局执法处"]
RESULTS = {"resolved": "经维权指导与沟通，对方停止侵权，已向企业反馈办理结果",
           "mediated": "经调解双方达成和解协议，对方停止侵权并给予赔偿，已回访企业",
           "ruled": "依法作出处理决定，责令对方停止侵权，已送达并反馈企业",
           "withdrawn": "双方自行和解，企业申请撤回，已办结并反馈",
           "transferred": "涉嫌违法线索移送有关部门处理，已告知企业并持续跟踪"}
SERVICES = ["consultation", "risk_screening", "rights_guidance", "training", "case_intake", "overseas_alert"]
STAFF = ["张明", "李华", "王磊", "刘洋", "陈静", "杨帆", "赵敏", "黄涛", "周丽", "吴刚", "徐婷", "孙鹏"]
ISSUES = ["产品在电商平台被仿冒，需要取证与投诉指导", "拟出口产品，需要海外专利风险排查", "商标续展与品牌保护咨询",
          "核心技术尚未布局专利，需要挖掘指导", "员工保密与竞业限制制度不完善", "希望了解知识产权质押融资政策"]


def _short(city: str) -> str:
    return CITIES[city].removesuffix("市").replace("土家族苗族自治州", "州")


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _months(today: date) -> list[tuple[int, int]]:
    y, m = FIRST_MONTH
    out = []
    while (y, m) <= (today.year, today.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _at(d: date, rng: random.Random) -> datetime:
    """A working-hours moment of day ``d`` in China, as UTC."""
    local = datetime.combine(d, time(rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50))), CHINA)
    return local.astimezone(UTC)


# ------------------------------------------------------------------------------------------- plan

@dataclass
class PlannedCase:
    create: CaseCreate
    steps: list[datetime]  # accepted, handling, closed times (all planned; only those ≤ now run)
    close: CloseIn


@dataclass
class Plan:
    centres: list[tuple[CentreCreate, str | None]] = field(default_factory=list)  # (centre, officer city)
    workstations: list[WorkstationCreate] = field(default_factory=list)
    deregister: list[tuple[str, str, DeregisterIn]] = field(default_factory=list)  # (city, name, data)
    cases: list[PlannedCase] = field(default_factory=list)
    visits: list[VisitCreate] = field(default_factory=list)


def city_centre(city: str) -> str:
    return f"HB-{city}-WQYZ"


def build_plan(enterprises: list[DemoEnterprise], seed: int, today: date) -> Plan:
    rng = random.Random(f"ipp-demo:{seed}:protection")
    plan = Plan()
    for cid, name, kind, city, est in PROVINCIAL_CENTRES:
        plan.centres.append((CentreCreate(id=cid, name=name, kind=kind, city=city, established_on=est), None))
    for city in CITIES:
        est = date(rng.randint(2015, 2020), rng.randint(1, 12), 1)
        plan.centres.append((CentreCreate(id=city_centre(city), name=f"{CITIES[city]}知识产权维权援助中心",
                                          kind="assistance", city=city, established_on=est,
                                          phone=f"12345-{city[2:4]}"), city))

    by_city: dict[str, list[DemoEnterprise]] = {c: [] for c in CITIES}
    for e in enterprises:
        if e.city in by_city:
            by_city[e.city].append(e)
    # workstation hosts: advantage and seed enterprises first (000 § 二.6), then growth, then the rest
    rank = {"advantage": 0, "seed": 1, "growth": 2, None: 3}
    hosts = sorted([e for e in enterprises if e.city in CITIES], key=lambda e: (rank.get(e.tier, 3), rng.random()))
    batches = [(d, n, "provincial_joint") for d, n in JOINT_BATCHES]
    batches += [(date(y, rng.randint(3, 10), rng.randint(1, 28)), n, "city") for y, n in CITY_LEVEL.items()]
    used = 0
    for when, n, level in sorted(batches, key=lambda b: b[0]):
        group = hosts[used:used + n]
        used += len(group)
        for e in group:
            if when <= today:
                plan.workstations.append(WorkstationCreate(
                    name=f"{e.name}知识产权保护工作站", level=level, host_kind="enterprise", host_uscc=e.uscc,
                    centre_id=city_centre(e.city), established_on=when))
    for city, park, year in PARKS:
        when = date(year, 4, 26)
        if when <= today:
            plan.workstations.append(WorkstationCreate(
                name=f"{park}知识产权保护工作站", level="provincial_joint", host_kind="park", host_name=park, city=city,
                centre_id=city_centre(city), established_on=when))
    for ws in [w for w in plan.workstations if w.level == "city" and w.established_on.year == 2023][:2]:
        off = ws.established_on + timedelta(days=400)
        if off <= today:
            city = next(e.city for e in enterprises if e.uscc == ws.host_uscc)
            plan.deregister.append((city, ws.name, DeregisterIn(
                deregistered_on=off, reason="依托企业内设知识产权机构调整，经市州局核实，工作站撤销")))

    total = sum(CITY_WEIGHTS.values())
    for year, month in _months(today):
        for city in CITIES:
            crng = random.Random(f"ipp-demo:{seed}:protection:cases:{city}:{year}-{month:02d}")
            expected = 6.0 * CITY_WEIGHTS[city] / total + 0.15
            n = sum(1 for _ in range(6) if crng.random() < expected / 6)
            for i in range(n):
                case = _plan_case(crng, city, year, month, i, by_city, enterprises)
                received = case.create.received_at if case else None
                if case and received is not None and received <= datetime.now(UTC):
                    plan.cases.append(case)
            vrng = random.Random(f"ipp-demo:{seed}:protection:visits:{city}:{year}-{month:02d}")
            centres = [city_centre(city)] + ([c[0] for c in PROVINCIAL_CENTRES] if city == WUHAN else [])
            private = [e for e in by_city[city] if e.is_private]
            for cid in centres:
                miss = 0.12 if CITY_WEIGHTS[city] < 1000 else 0.03
                if not private or vrng.random() < miss:
                    continue
                days = sorted({vrng.randint(1, 28) for _ in range(vrng.choice((1, 1, 1, 2, 2, 3)))})
                for day in days:
                    d = date(year, month, day)
                    if d > today:
                        continue
                    e = vrng.choice(private)
                    plan.visits.append(VisitCreate(
                        centre_id=cid, uscc=e.uscc, visit_date=d,
                        services=sorted(set(vrng.sample(SERVICES[:5] if cid != "HB-HWWQ" else SERVICES, 2))),
                        staff=vrng.sample(STAFF, 2), issues=vrng.choice(ISSUES), follow_up="已建立服务台账，按期回访"))
    return plan


def _plan_case(rng: random.Random, city: str, year: int, month: int, i: int,
               by_city: dict[str, list[DemoEnterprise]], everyone: list[DemoEnterprise]) -> PlannedCase | None:
    kind = _weighted(rng, KINDS)
    pool = by_city[city] or everyone
    if not pool:
        return None
    e = rng.choice(pool)
    centre = city_centre(city)
    if city == WUHAN:
        centre = {"overseas": "HB-HWWQ", "adjudication": "WH-BHZX"}.get(kind) or rng.choice(
            [centre, "WH-BHZX", "WH-KWZX", "HB-BHZX"])
    ip_type = _weighted(rng, IP_TYPES)
    received = _at(date(year, month, rng.randint(1, 28)), rng)
    accept = received + timedelta(hours=rng.choice((2, 5, 20, 26, 48, 70, 90, 130)))
    handling = accept + timedelta(hours=rng.choice((3, 20, 30, 50, 96, 140)))
    close_limit = CLOSE_DAYS[kind]
    slow = 2.5 if rng.random() < 0.08 else 1.0  # a few complex cases run well past the limit
    closing = handling + timedelta(days=rng.uniform(0.2, 1.2) * close_limit * slow)
    outcome = _weighted(rng, OUTCOMES[kind])
    prefix = KIND_PREFIX[kind]
    create = CaseCreate(
        case_no=f"{prefix}{city}-{year}{month:02d}-{i + 1:02d}", kind=kind, centre_id=centre, uscc=e.uscc,
        ip_type=ip_type, title=rng.choice(TITLES[ip_type]), counterparty=rng.choice(COUNTERPARTIES),
        overseas_country=rng.choice(COUNTRIES) if kind == "overseas" else None,
        amount_involved=round(rng.uniform(5, 500)) * 10000 if rng.random() < 0.7 else None,
        received_at=received, note="首问登记，告知办理流程与时限")
    close = CloseIn(outcome=outcome, at=closing, result_summary=RESULTS[outcome],
                    transferred_to=f"{CITIES[city]}{rng.choice(TRANSFER_TO)[1:]}" if outcome == "transferred" else None)
    return PlannedCase(create=create, steps=[accept, handling, closing], close=close)


# ---------------------------------------------------------------------------------------- execute

class _Clients:
    def __init__(self, url: str) -> None:
        self.url = url
        self._open: dict[tuple, ProtectionClient] = {}
        self._lock = threading.Lock()

    def get(self, role: Role, city: str | None = None, org: str | None = None) -> ProtectionClient:
        key = (role, city, org)
        with self._lock:  # loader threads share the clients
            if key not in self._open:
                sub = f"demo-{role.value}-{org or city or 'province'}"
                self._open[key] = ProtectionClient(self.url, token(role, city=city, sub=sub, org=org), timeout=30,
                                                   **HTTP_OPTIONS)
            return self._open[key]

    def close(self) -> None:
        for c in self._open.values():
            c.close()


T = TypeVar("T")


def _created(call: Callable[[T], object], data: T) -> bool:
    """Run a create call: True if created, False if it existed (409); other errors stop the demo."""
    try:
        call(data)
        return True
    except ApiError as exc:
        if exc.status == 409:
            return False
        raise DemoError(f"保护服务拒绝了演示数据：{exc}（{exc.problem.get('errors')}）") from exc


def _run_case(c: ProtectionClient, item: PlannedCase, now: datetime, totals: Counter) -> None:
    try:
        case = c.receive_case(item.create)
        totals["cases_created"] += 1
    except ApiError as exc:
        if exc.status != 409:
            raise DemoError(f"保护服务拒绝了演示案件 {item.create.case_no}：{exc}") from exc
        found = c.list_cases(case_no=item.create.case_no, limit=1).items
        if not found:
            raise DemoError(f"演示案件 {item.create.case_no} 已存在但无权查看") from exc
        case = found[0]
    done = {"received": 0, "accepted": 1, "handling": 2, "closed": 3}[case.status]
    for step in range(done, 3):
        at = item.steps[step]
        if at > now:
            break
        if step == 0:
            c.accept_case(case.id, at=at, note="材料齐全，予以受理")
        elif step == 1:
            c.start_handling(case.id, at=at, note="指定专人办理，已联系对方当事人")
        else:
            c.close_case(case.id, item.close)
        totals["steps"] += 1


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    url = urls[SERVICE].rstrip("/")
    try:
        httpx.get(f"{url}/healthz", timeout=5.0).raise_for_status()
    except httpx.HTTPError as exc:
        raise DemoError(f"无法连接保护服务 {url}：{exc}") from exc
    today = datetime.now(CHINA).date()
    now = datetime.now(UTC) - timedelta(minutes=1)
    plan = build_plan(enterprises, seed, today)
    clients = _Clients(url)
    totals: Counter = Counter()
    city_of = {e.uscc: e.city for e in enterprises}
    try:
        admin = clients.get(Role.PROVINCE_ADMIN)
        for centre, city in plan.centres:
            c = clients.get(Role.CITY_OFFICER, city=city) if city else admin
            totals["centres_created"] += _created(c.register_centre, centre)
        for ws in plan.workstations:
            city = ws.city or city_of.get(ws.host_uscc or "", WUHAN)
            c = clients.get(Role.CITY_OFFICER, city=city)
            totals["ws_created"] += _created(c.establish_workstation, ws)
        for city, name, data in plan.deregister:
            c = clients.get(Role.CITY_OFFICER, city=city)
            match = [w for w in c.list_workstations(city=city, limit=500).items if w.name == name]
            if match and match[0].active:
                c.deregister_workstation(match[0].id, data)
                totals["ws_deregistered"] += 1
        # cases (each with its steps in order) and visits are independent of one another
        def case(item: PlannedCase) -> Counter:
            done: Counter = Counter()
            _run_case(clients.get(Role.AGENCY, org=item.create.centre_id), item, now, done)
            return done

        for done in in_parallel(plan.cases, case):
            totals.update(done)
        totals["visits_created"] += sum(in_parallel(
            plan.visits, lambda v: _created(clients.get(Role.AGENCY, org=v.centre_id).record_visit, v)))
        joint = admin.list_workstations(level="provincial_joint", year=2025, limit=1).total
        all_ws = admin.list_workstations(active=True, limit=1).total
        cases = admin.list_cases(limit=1).total
        closed = admin.list_cases(status="closed", limit=1).total
        overdue = admin.overdue_cases().total
        this_year = today.year
        report = admin.visit_compliance(from_month=f"{this_year}-01", to_month=f"{this_year}-{today.month:02d}")
        visits = admin.list_visits(limit=1).total
    finally:
        clients.close()
    city_of = {e.uscc: e.city for e in enterprises}
    per_city = Counter(w.city or city_of.get(w.host_uscc or "", WUHAN) for w in plan.workstations)
    city_text = "、".join(f"{_short(c)}{n}" for c, n in per_city.most_common())
    return (f"知识产权保护：维权援助/保护中心 {len(plan.centres)} 个（本次新建 {totals['centres_created']} 个），"
            f"在运行的保护工作站 {all_ws} 家（本次新设 {totals['ws_created']} 家、撤销 {totals['ws_deregistered']} 家；"
            f"分布 {city_text}），其中 2025 年新建省级联合保护工作站 {joint} 家（目标 50 家）；"
            f"案件 {cases} 件（本次新登记 {totals['cases_created']} 件、推进办理环节 {totals['steps']} 个），"
            f"已结案 {closed} 件，超期未办 {overdue} 件；民营企业上门服务 {visits} 次（本次新记录 "
            f"{totals['visits_created']} 次），{this_year} 年未按月开展上门服务的中心·月 {len(report.missed)} 个，"
            f"覆盖全省 {len({c.city for c, _ in plan.centres})}/{len(CITIES)} 个市州。")
