"""Demo data of the training programme, loaded through the training service's typed client.

For 2025 and 2026, as the officers and training bases would record them:

* preparatory classes 万名专员（预科）: every city's bureau runs one a year (Wuhan two), three days,
  for the IP staff of its enterprises; most trainees complete (≥ 80 % attendance) and are counted as
  commissioners; completion certificates are issued a week after the class;
* assessed classes 千名专员（考核）: run by the four provincial training bases (``agency`` users),
  five days with an exam on the last day, mostly for people who already did a preparatory class;
  certificates go to those who completed and passed;
* private-enterprise classes 民营企业: about a dozen a year across the cities (Wuhan's run by the
  national training base), two days, 60–120 trainees from private enterprises; with the private
  trainees of the other tracks both years pass the 10-class / 1,000 person-time bar of 002 § 22
  (a December 2026 class is announced, not yet held);
* a few attendance corrections after the fact (a trainee signed in by mistake).

Identities do not depend on today's date: every class has a stable code (``2025-420100-P-01``)
and every trainee a deterministic identity per enterprise. Classes that end after today are
announced (planned, or open for enrolment when they start within a month) but not run. A second
run finds each class by its code (HTTP 409) and creates nothing.
"""
from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

import httpx

from ipp.demo.common import HTTP_OPTIONS, DemoEnterprise, DemoError, in_parallel, token
from libs.common.auth import Role
from libs.common.divisions import CITIES, COUNTIES
from services.training.client import ApiError, TrainingClient
from services.training.domain import id_check_char
from services.training.schemas import ClassCreate, EnrolmentIn, ExamIn

SERVICE = "training"
CHINA = ZoneInfo("Asia/Shanghai")
YEARS = (2025, 2026)
WUHAN, YICHANG, XIANGYANG = "420100", "420500", "420600"

#: The training bases (``agency`` org, name, city).
BASES = {
    "hbipt-national": ("国家知识产权培训（湖北）基地", WUHAN),
    "hbipt-hust": ("湖北省知识产权培训基地（华中科技大学）", WUHAN),
    "hbipt-ctgu": ("湖北省知识产权培训基地（三峡大学）", YICHANG),
    "hbipt-hbuas": ("湖北省知识产权培训基地（湖北文理学院）", XIANGYANG),
}
#: Private-enterprise classes per city per year (Wuhan's run by the national base).
PRIVATE_CLASSES = {WUHAN: 3, XIANGYANG: 1, YICHANG: 1, "421000": 1, "421100": 1, "420900": 1, "420800": 1,
                   "420300": 1, "420200": 1, "421200": 1, "421300": 1, "422800": 1}
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
            "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉玲丹萍鹏宇浩凯欣怡晨阳琳雪梅海波红斌飞颖俊婷慧鑫琪峰晶"
POSITIONS = ["知识产权专员", "法务主管", "研发部经理", "知识产权部部长", "技术总监", "总经理助理", "专利工程师",
             "副总经理"]


@dataclass(frozen=True)
class Person:
    name: str
    id_number: str
    position: str
    uscc: str


@dataclass
class PlannedClass:
    create: ClassCreate
    org: str | None                  # agency that manages it (None: the city's officer)
    trainees: list[Person] = field(default_factory=list)
    #: per trainee, per session day: present?
    presence: list[list[bool]] = field(default_factory=list)
    scores: list[str] = field(default_factory=list)
    #: (trainee index, day index): signed in by mistake, corrected to absent after the class
    corrections: list[tuple[int, int]] = field(default_factory=list)


def _person(rng: random.Random, e: DemoEnterprise, i: int) -> Person:
    counties = [c for c in COUNTIES if c[:4] == e.city[:4] and c != e.city] or [e.city]
    born = date(1968, 1, 1) + timedelta(days=rng.randrange(365 * 32))
    body = f"{rng.choice(counties)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return Person(name=name, id_number=body + id_check_char(body), position=POSITIONS[i % len(POSITIONS)],
                  uscc=e.uscc)


class _Staff:
    """Deterministic IP staff of each enterprise (5–10 people), drawn when first needed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._staff: dict[str, list[Person]] = {}

    def of(self, e: DemoEnterprise) -> list[Person]:
        if e.uscc not in self._staff:
            rng = random.Random(f"ipp-demo:{self.seed}:training:staff:{e.uscc}")
            self._staff[e.uscc] = [_person(rng, e, i) for i in range(rng.randint(5, 10))]
        return self._staff[e.uscc]


def _dates(rng: random.Random, year: int, months: tuple[int, int], days: int) -> tuple[date, date]:
    start = date(year, rng.randint(*months), rng.randint(1, 24))
    while start.weekday() >= 5 and days <= 3:  # short classes start on a weekday
        start += timedelta(days=1)
    return start, start + timedelta(days=days - 1)


def _pick(rng: random.Random, pool: list[DemoEnterprise], staff: _Staff, n: int) -> list[Person]:
    """n distinct people from the enterprises of ``pool`` (1–3 from each enterprise drawn)."""
    people: list[Person] = []
    seen: set[str] = set()
    enterprises = pool[:]
    rng.shuffle(enterprises)
    while len(people) < n and enterprises:
        for e in list(enterprises):
            candidates = [p for p in staff.of(e) if p.id_number not in seen]
            if not candidates:
                enterprises.remove(e)
                continue
            for p in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
                if len(people) < n:
                    people.append(p)
                    seen.add(p.id_number)
            if len(people) >= n:
                break
    return people


def _presence(rng: random.Random, n: int, days: int) -> list[list[bool]]:
    out = []
    for _ in range(n):
        if rng.random() < 0.03:  # registered, never came
            out.append([False] * days)
            continue
        reliability = rng.choice((0.99, 0.97, 0.95, 0.9, 0.75))
        out.append([rng.random() < reliability for _ in range(days)])
    return out


def build_plan(enterprises: list[DemoEnterprise], seed: int) -> list[PlannedClass]:
    rng = random.Random(f"ipp-demo:{seed}:training")
    staff = _Staff(seed)
    by_city: dict[str, list[DemoEnterprise]] = defaultdict(list)
    for e in enterprises:
        by_city[e.city].append(e)
    plan: list[PlannedClass] = []
    prep_alumni: list[Person] = []
    for year in YEARS:
        # preparatory: every city's bureau, Wuhan twice
        for city in CITIES:
            pool = by_city.get(city, [])
            if not pool:
                continue
            for n in range(2 if city == WUHAN else 1):
                start, end = _dates(rng, year, (4, 10), 3)
                size = min(rng.randint(30, 60) if city == WUHAN else rng.randint(18, 45), 6 * len(pool))
                people = _pick(rng, pool, staff, size)
                cls = PlannedClass(ClassCreate(
                    track="preparatory", code=f"{year}-{city}-P-{n + 1:02d}",
                    title=f"{year}年{CITIES[city]}企业知识产权“万名专员”（预科）培训班"
                          + (f"（第{n + 1}期）" if city == WUHAN else ""),
                    city=city, organiser=f"{CITIES[city]}市场监督管理局（知识产权局）", venue=f"{CITIES[city]}行政中心",
                    start_date=start, end_date=end, capacity=max(len(people) + 10, 30)), None, people,
                    _presence(rng, len(people), 3))
                if rng.random() < 0.3 and people:
                    cls.corrections.append((rng.randrange(len(people)), 2))
                plan.append(cls)
                prep_alumni.extend(people)
        # private-enterprise classes
        for city, count in PRIVATE_CLASSES.items():
            pool = [e for e in by_city.get(city, []) if e.is_private]
            if not pool:
                continue
            for n in range(count):
                months = (12, 12) if (year == 2026 and city == WUHAN and n == count - 1) else (3, 11)
                start, end = _dates(rng, year, months, 2)
                size = min(rng.randint(70, 120) if city == WUHAN else rng.randint(60, 100), 8 * len(pool))
                people = _pick(rng, pool, staff, size)
                org = "hbipt-national" if city == WUHAN else None
                organiser = BASES["hbipt-national"][0] if org else f"{CITIES[city]}知识产权局、湖北省知识产权培训基地"
                plan.append(PlannedClass(ClassCreate(
                    track="private", code=f"{year}-{city}-M-{n + 1:02d}",
                    title=f"{year}年{CITIES[city]}民营企业知识产权实务培训班"
                          + (f"（第{n + 1}期）" if count > 1 else ""),
                    city=city, organiser=organiser, organiser_org=org, start_date=start, end_date=end,
                    capacity=max(len(people) + 20, 60)), org, people, _presence(rng, len(people), 2)))
        # assessed: the training bases, mostly preparatory alumni from across the province
        for i, (org, (base, city)) in enumerate(BASES.items()):
            start, end = _dates(rng, year, (6, 11) if i < 3 else (12, 12) if year == 2026 else (9, 11), 5)
            unique = list({p.id_number: p for p in prep_alumni}.values())
            alumni = rng.sample(unique, min(len(unique), rng.randint(25, 35)))
            seen = {p.id_number for p in alumni}
            extra = [p for p in _pick(rng, enterprises, staff, 10) if p.id_number not in seen]
            people = alumni + extra[:rng.randint(3, 8)]
            plan.append(PlannedClass(ClassCreate(
                track="assessed", code=f"{year}-{org}-A-01",
                title=f"{year}年湖北省企业知识产权“千名专员”（考核）培训班（{base}）",
                city=city, organiser=base, organiser_org=org, start_date=start, end_date=end,
                capacity=len(people) + 5), org, people, _presence(rng, len(people), 5),
                scores=[str(max(0, min(100, round(rng.gauss(74, 11), 1)))) for _ in people]))
    plan.sort(key=lambda c: (c.create.start_date, c.create.code))
    return plan


class _Clients:
    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: dict[tuple, TrainingClient] = {}
        self._lock = threading.Lock()

    def for_class(self, cls: PlannedClass) -> TrainingClient:
        key = ("agency", cls.org) if cls.org else ("city", cls.create.city)
        with self._lock:  # loader threads share the clients
            if key not in self._clients:
                tok = (token(Role.AGENCY, org=cls.org, sub=f"demo-{cls.org}") if cls.org
                       else token(Role.CITY_OFFICER, city=cls.create.city))
                self._clients[key] = TrainingClient(self.url, tok, timeout=60, **HTTP_OPTIONS)
            return self._clients[key]

    def admin(self) -> TrainingClient:
        if ("admin",) not in self._clients:
            self._clients[("admin",)] = TrainingClient(self.url, token(Role.PROVINCE_ADMIN), timeout=60)
        return self._clients[("admin",)]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def _run(c: TrainingClient, item: PlannedClass, today: date, totals: Counter) -> None:
    data = item.create
    try:
        cls = c.create_class(data)
    except ApiError as exc:
        if exc.status == 409:
            totals["skipped"] += 1
            return
        raise
    totals["created"] += 1
    if data.start_date > today + timedelta(days=30):
        return  # announced only
    c.open_class(cls.id)
    trainees = c.enrol_batch(cls.id, [EnrolmentIn(name=p.name, id_number=p.id_number, position=p.position,
                                                  uscc=p.uscc) for p in item.trainees])
    totals["enrolled"] += len(trainees)
    if data.end_date >= today:
        return  # open for enrolment or in session
    for d, day in enumerate(cls.session_dates):
        c.record_attendance(cls.id, day, {t.id: item.presence[i][d] for i, t in enumerate(trainees)})
    if item.scores:
        for t, score, presence in zip(trainees, item.scores, item.presence, strict=False):
            if any(presence):
                c.record_exam(t.id, ExamIn(score=score, exam_date=data.end_date))
    c.finish_class(cls.id)
    totals[f"finished_{data.track.value}"] += 1
    totals["attended"] += sum(1 for p in item.presence if any(p))
    for i, d in item.corrections:  # a sign-in recorded by mistake, corrected after the class
        if item.presence[i][d]:
            c.record_attendance(cls.id, cls.session_dates[d], {trainees[i].id: False})
            totals["corrections"] += 1
    issue_on = data.end_date + timedelta(days=7)
    if data.track.value in ("preparatory", "assessed") and issue_on <= today:
        result = c.issue_class_certificates(cls.id, issue_on)
        totals[f"certificates_{data.track.value}"] += len(result.issued)


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    url = urls[SERVICE].rstrip("/")
    try:
        httpx.get(f"{url}/healthz", timeout=5.0).raise_for_status()
    except httpx.HTTPError as exc:
        raise DemoError(f"无法连接培训服务 {url}：{exc}") from exc
    today = datetime.now(CHINA).date()
    plan = build_plan(enterprises, seed)
    clients = _Clients(url)
    totals: Counter = Counter()
    try:
        def run(item: PlannedClass) -> Counter:
            done: Counter = Counter()
            try:
                _run(clients.for_class(item), item, today, done)
            except ApiError as exc:
                raise DemoError(f"培训班 {item.create.code}：{exc}") from exc
            return done

        # The classes of one year and track are independent and run in parallel; the groups run in
        # the plan's order (assessed classes take the preparatory classes' alumni).
        for _, group in groupby(plan, key=lambda item: (item.create.start_date.year, item.create.track)):
            for done in in_parallel(list(group), run):
                totals.update(done)
        admin = clients.admin()
        by_track = {t: admin.list_classes(track=t, limit=1).total for t in ("preparatory", "assessed", "private")}
        progress = {y: admin.summary(y) for y in YEARS}
        certs = {t: admin.list_certificates(track=t, limit=1).total for t in ("preparatory", "assessed")}
    finally:
        clients.close()
    cities = len({c.create.city for c in plan})
    return (f"知识产权培训：全省 {cities}/{len(CITIES)} 个市州共有培训班 预科 {by_track['preparatory']} 期、"
            f"考核 {by_track['assessed']} 期、民营企业 {by_track['private']} 期（本次新建 {totals['created']} 期，"
            f"已存在而跳过 {totals['skipped']} 期；报名 {totals['enrolled']} 人次，"
            f"出勤更正 {totals['corrections']} 条）；"
            f"面向民营企业培训 " + "，".join(
                f"{y} 年已结班 {progress[y]['private_classes_finished']} 期、{progress[y]['private_person_times']} 人次"
                for y in YEARS) + "（目标每年 10 期、1000 人次）；"
            f"已发预科结业证书 {certs['preparatory']} 张、考核合格证书 {certs['assessed']} 张。")
