"""Demo data of official statistics 统计数据 and city targets, through the reporting service's API.

* **Official statistics** for the province (420000) and every one of the 17 cities, submitted by an
  ``integration`` client (the provincial data exchange) and approved by the province:
  - the years 2024 and 2025 (period ``2024`` / ``2025``): invention patents in force, high-value
    invention patents, valid trademark registrations, PCT applications, geographical indications,
    the resident population, the IP service industry (registered patent attorneys, practitioners,
    brand service institutions, revenue); for the province alone the national protection tier and
    the coverage of city-level public service institutions;
  - PCT applications (a flow) also per quarter of 2025 (``2025Q1`` … ``2025Q4``, adding up to the year);
  - for 2026 on, the months already published (every month before the current one): patents in
    force, high-value patents, trademarks (levels at the month's end), PCT applications (the
    month's filings) and the resident population (the latest yearly figure carried forward).
  The province's figures are realistic Hubei scale (2025: about 232,000 invention patents in force,
  1.32 million trademarks, 2,060 PCT applications, 58.3 million people, 15.3 high-value invention
  patents per 10,000 people); each is split across the cities with per-element weights (Wuhan has
  about 57 % of the invention patents, 80 % of the PCT filings, 13.8 million people), so the
  province's own figure equals the sum of its cities'. Each (period, org unit) is approved once.
* **City targets** for 2025 and 2026: the statistic headline targets of 2026 are set for the
  province first (a little above 2025's; no document sets them yet), then every additive province
  target (a flow or a count/amount stock — not a percentage, ratio, rank or cap, and not an
  activity count below 17 that the province itself organises) is split across the 17 cities:
  statistic indicators by the cities' shares of the previous year's figures, programme indicators
  by the cities' economic weights (``CITY_WEIGHTS``).

Deterministic from the seed (``random.Random(f"ipp-demo:{seed}:statistics:…")``) and today's date
(only months before the current one are reported). A second run skips every (period, org unit)
that has an approval (approved or re-opened by an officer), every province target already set and
every indicator already split to cities: it writes nothing.
"""
from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

import httpx

from ipp.demo.common import HTTP_OPTIONS, DemoEnterprise, DemoError, admin_token, advance, expect, in_parallel, token
from ipp.demo.enterprises import CITY_WEIGHTS
from libs.common.auth import Role
from libs.common.divisions import CITIES

SERVICE = "reporting"
CHINA = ZoneInfo("Asia/Shanghai")
PROVINCE = "420000"
YEARS = (2024, 2025)
#: The year whose PCT applications are also reported per quarter.
QUARTERLY_YEAR = 2025
#: Monthly statistics start with this year (the months before the current one).
FIRST_MONTHLY_YEAR = 2026
WUHAN = "420100"

CNIPA = "国家知识产权局知识产权统计数据（省局数据交换平台）"
BUREAU = "湖北省统计局统计公报"
SERVICE_SURVEY = "湖北省知识产权服务业统计调查"
ASSESSMENT = "国家知识产权局知识产权保护工作检查考核 / 省局公共服务体系建设统计"
MONTHLY = "国家知识产权局知识产权统计月报（省局数据交换平台）"

#: The province's figures per year (the province is also the sum of its cities' figures).
PROVINCE_FIGURES: dict[int, dict[str, Decimal]] = {
    2024: {"invention_patents_in_force": Decimal(193_640), "high_value_invention_patents": Decimal(79_620),
           "trademark_registrations": Decimal(1_186_300), "pct_applications": Decimal(1_812),
           "geographical_indications": Decimal(684), "registered_patent_attorneys": Decimal(1_086),
           "ip_practitioners": Decimal(28_640), "brand_service_institutions": Decimal(94),
           "ip_service_revenue": Decimal("9260000000.00")},
    2025: {"invention_patents_in_force": Decimal(232_480), "high_value_invention_patents": Decimal(89_410),
           "trademark_registrations": Decimal(1_318_600), "pct_applications": Decimal(2_064),
           "geographical_indications": Decimal(703), "registered_patent_attorneys": Decimal(1_214),
           "ip_practitioners": Decimal(31_350), "brand_service_institutions": Decimal(107),
           "ip_service_revenue": Decimal("10380000000.00")},
}
#: Figures only the province reports: the national protection tier (1 = the first tier) and the
#: share of the 17 cities with a comprehensive public service institution (8 of 17, then 10 of 17).
PROVINCE_ONLY: dict[int, dict[str, Decimal]] = {
    2024: {"protection_national_tier": Decimal(1), "prefecture_public_service_coverage": Decimal("47.06")},
    2025: {"protection_national_tier": Decimal(1), "prefecture_public_service_coverage": Decimal("58.82")},
}
#: Resident population at the end of 2024 per city (persons; Hubei ≈ 58.4 million).
POPULATION_2024: dict[str, int] = {
    "420100": 13_774_000, "420200": 2_429_000, "420300": 3_172_000, "420500": 3_890_000, "420600": 5_261_000,
    "420700": 1_079_000, "420800": 2_526_000, "420900": 4_177_000, "421000": 5_103_000, "421100": 5_718_000,
    "421200": 2_621_000, "421300": 2_003_000, "422800": 3_421_000, "429004": 1_126_000, "429005": 885_000,
    "429006": 1_118_000, "429021": 66_000,
}
#: Population change in 2025: Wuhan and the two regional centres grow, the rest shrinks a little.
POPULATION_GROWTH: dict[str, float] = {"420100": 0.0035, "420600": 0.0010, "420500": 0.0005}
DEFAULT_POPULATION_GROWTH = -0.0035

#: Where innovation outside Wuhan happens (relative weights): patents, PCT, service industry.
INNOVATION: dict[str, float] = {
    "420600": 7.0, "420500": 6.3, "420200": 3.2, "421000": 3.2, "421100": 3.0, "420900": 3.0, "420800": 2.8,
    "420300": 2.8, "420700": 1.9, "421200": 1.8, "422800": 1.1, "421300": 1.0, "429004": 0.9, "429005": 0.9,
    "429006": 0.6, "429021": 0.05,
}
#: Brands outside Wuhan follow population and consumer industries more than research.
BRANDS: dict[str, float] = {
    "420600": 7.5, "420500": 7.0, "421000": 5.5, "421100": 5.0, "420900": 4.8, "420300": 3.6, "420800": 3.2,
    "422800": 3.2, "420200": 3.0, "421200": 2.8, "421300": 2.4, "429004": 1.9, "429006": 1.6, "429005": 1.4,
    "420700": 1.3, "429021": 0.1,
}
#: Geographical indications: the farming and tea regions (Wuhan has few).
PRODUCE: dict[str, float] = {
    "422800": 11, "421100": 10, "420500": 9, "420600": 8, "421000": 8, "420300": 8, "421200": 7, "420900": 6,
    "420800": 6, "421300": 5, "420200": 4, "429004": 2.5, "429005": 2.5, "429006": 2.5, "429021": 2,
    "420700": 2,
}
#: Per data element: Wuhan's share and how the rest is spread (None: Wuhan takes part like any city).
SPREAD: dict[str, tuple[float | None, dict[str, float]]] = {
    "invention_patents_in_force": (0.575, INNOVATION),
    "high_value_invention_patents": (0.62, INNOVATION),
    "trademark_registrations": (0.44, BRANDS),
    "pct_applications": (0.80, INNOVATION),
    "geographical_indications": (None, {WUHAN: 5, **PRODUCE}),
    "registered_patent_attorneys": (0.86, INNOVATION),
    "ip_practitioners": (0.72, INNOVATION),
    "brand_service_institutions": (0.62, INNOVATION),
    "ip_service_revenue": (0.81, INNOVATION),
}
#: Growth of the monthly elements in a year after 2025 (to the year's end).
MONTHLY_GROWTH: dict[str, float] = {"invention_patents_in_force": 0.145, "high_value_invention_patents": 0.12,
                                    "trademark_registrations": 0.095, "pct_applications": 0.09}
#: PCT filings by quarter and by month (the year-end rush).
QUARTER_WEIGHTS = (0.21, 0.24, 0.25, 0.30)
MONTH_WEIGHTS = (0.065, 0.055, 0.09, 0.08, 0.08, 0.085, 0.08, 0.075, 0.09, 0.075, 0.09, 0.135)
#: The statistic headline targets of 2026 (no document sets them; a little above 2025's).
TARGETS_2026: dict[str, Decimal] = {"invention_patents_in_force": Decimal(265_000),
                                    "high_value_patents_per_10k": Decimal(17),
                                    "trademark_registrations": Decimal(1_450_000),
                                    "pct_applications": Decimal(2_250), "protection_national_tier": Decimal(1)}
TARGETS_2026_SOURCE = "演示数据：2026年统计类主要预期目标（在2025年目标基础上适度提高，待正式文件下达后更新）"
#: Never split to cities: percentages, ratios, the national rank (and any "≤" cap, see ``_additive``).
NOT_SPLIT = frozenset({"pledge_private_share", "high_value_patents_per_10k", "protection_national_tier",
                       "prefecture_public_service_coverage"})
#: A province target below this is an activity the province organises itself (1 matchmaking event,
#: 4 matching events, 12 roadshows, 10 classes), not something to share out among 17 cities.
MIN_SPLIT_TOTAL = Decimal(len(CITIES))
TARGET_YEARS = (2025, 2026)


@dataclass(frozen=True)
class ValueSet:
    period: str
    org_unit: str
    source: str
    values: dict[str, Decimal]


@dataclass
class Plan:
    sets: list[ValueSet] = field(default_factory=list)
    #: (element, year) → city → figure: the shares a statistic target of the next year is split by
    city_figures: dict[tuple[str, int], dict[str, Decimal]] = field(default_factory=dict)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """(period, org unit) in submission order, each once."""
        return list(dict.fromkeys((s.period, s.org_unit) for s in self.sets))


def _today() -> date:
    return datetime.now(CHINA).date()


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(f"ipp-demo:{seed}:statistics:{':'.join(map(str, parts))}")


K = TypeVar("K", str, int)


def split(total: Decimal, weights: Mapping[K, float], step: Decimal = Decimal(1)) -> dict[K, Decimal]:
    """``total`` split by ``weights`` in multiples of ``step`` (largest remainder: the parts add up
    to ``total`` exactly)."""
    units = int(total / step)
    weight = sum(weights.values())
    raw = {c: units * w / weight for c, w in weights.items()}
    parts = {c: int(v) for c, v in raw.items()}
    left = units - sum(parts.values())
    for c in sorted(raw, key=lambda c: (raw[c] - parts[c], c), reverse=True)[:left]:
        parts[c] += 1
    return {c: Decimal(n) * step for c, n in parts.items()}


def _weights(seed: int, element: str, year: int) -> dict[str, float]:
    """Each city's weight for ``element``: its place in the element's spread, with a stable local
    twist (seeded by the element) and a small yearly one."""
    wuhan, rest = SPREAD[element]
    stable, yearly = _rng(seed, "weights", element), _rng(seed, "weights", element, year)
    twist = {c: stable.uniform(0.92, 1.08) * yearly.uniform(0.98, 1.02) for c in sorted(CITIES)}
    if wuhan is None:
        return {c: rest[c] * twist[c] for c in CITIES}
    others = sum(rest[c] * twist[c] for c in CITIES if c != WUHAN)
    return {c: wuhan * twist[c] if c == WUHAN else (1 - wuhan) * rest[c] * twist[c] / others for c in CITIES}


def _step(element: str) -> Decimal:
    return Decimal(10_000) if element == "ip_service_revenue" else Decimal(1)  # revenue in whole 万元


def _population(year: int) -> dict[str, Decimal]:
    if year <= 2024:
        return {c: Decimal(p) for c, p in POPULATION_2024.items()}
    before = _population(year - 1)
    return {c: Decimal(round(float(p) * (1 + POPULATION_GROWTH.get(c, DEFAULT_POPULATION_GROWTH)) / 1000) * 1000)
            for c, p in before.items()}


def _months_reported(today: date) -> list[tuple[int, int]]:
    """(year, month) of every month from January 2026 to the one before today's."""
    out = []
    for y in range(FIRST_MONTHLY_YEAR, today.year + 1):
        for m in range(1, 13):
            if (y, m) < (today.year, today.month):
                out.append((y, m))
    return out


def build_plan(seed: int, today: date) -> Plan:
    """Every value set to submit, in order: years (by source), the quarters, the months."""
    plan = Plan()
    by_year: dict[int, dict[str, dict[str, Decimal]]] = {}  # year → element → city → value
    for year in YEARS:
        cities: dict[str, dict[str, Decimal]] = {e: split(total, _weights(seed, e, year), _step(e))
                                                 for e, total in PROVINCE_FIGURES[year].items()}
        cities["population"] = _population(year)
        by_year[year] = cities
        for element, values in cities.items():
            plan.city_figures[(element, year)] = values
        groups = [(CNIPA, ("invention_patents_in_force", "high_value_invention_patents", "trademark_registrations",
                           "pct_applications", "geographical_indications")),
                  (BUREAU, ("population",)),
                  (SERVICE_SURVEY, ("registered_patent_attorneys", "ip_practitioners", "brand_service_institutions",
                                    "ip_service_revenue"))]
        for org_unit in (PROVINCE, *sorted(CITIES)):
            for source, elements in groups:
                if org_unit == PROVINCE:
                    values = {e: sum(cities[e].values(), Decimal(0)) for e in elements}
                else:
                    values = {e: cities[e][org_unit] for e in elements}
                plan.sets.append(ValueSet(str(year), org_unit, source, values))
            if org_unit == PROVINCE:
                plan.sets.append(ValueSet(str(year), PROVINCE, ASSESSMENT, dict(PROVINCE_ONLY[year])))

    # PCT per quarter: each city's year split over the quarters, the province the sum of its cities
    quarters: dict[str, dict[str, Decimal]] = {}
    for city, total in by_year[QUARTERLY_YEAR]["pct_applications"].items():
        rng = _rng(seed, "pct-quarters", city)
        quarters[city] = split(total, {f"{QUARTERLY_YEAR}Q{i + 1}": w * rng.uniform(0.85, 1.15)
                                       for i, w in enumerate(QUARTER_WEIGHTS)})
    for q in range(1, 5):
        period = f"{QUARTERLY_YEAR}Q{q}"
        plan.sets.append(ValueSet(period, PROVINCE, MONTHLY, {
            "pct_applications": sum((quarters[c][period] for c in CITIES), Decimal(0))}))
        for city in sorted(CITIES):
            plan.sets.append(ValueSet(period, city, MONTHLY, {"pct_applications": quarters[city][period]}))

    # months: stocks move from last year's level towards the year-end; PCT filings by month
    months = _months_reported(today)
    last = {e: by_year[YEARS[-1]][e] for e in (*MONTHLY_GROWTH, "population")}
    for year in sorted({y for y, _ in months}):
        ends: dict[str, dict[str, Decimal]] = {}
        for element, growth in MONTHLY_GROWTH.items():
            rng = _rng(seed, "growth", element, year)
            ends[element] = {c: (v * Decimal(str(1 + growth * rng.uniform(0.7, 1.3)))).to_integral_value()
                             for c, v in last[element].items()}
        pct = {c: split(ends["pct_applications"][c], {m: w * _rng(seed, "pct-months", c, year).uniform(0.8, 1.2)
                                                      for m, w in enumerate(MONTH_WEIGHTS, 1)})
               for c in CITIES}
        for y, m in (ym for ym in months if ym[0] == year):
            period, values_of = f"{y}{m:02d}", {}
            for city in CITIES:
                values = {e: (last[e][city] + (ends[e][city] - last[e][city]) * m / 12).to_integral_value(ROUND_HALF_UP)
                          for e in ("invention_patents_in_force", "high_value_invention_patents",
                                    "trademark_registrations")}
                values["pct_applications"] = pct[city][m]
                values["population"] = last["population"][city]
                values_of[city] = values
            plan.sets.append(ValueSet(period, PROVINCE, MONTHLY, {
                e: sum((values_of[c][e] for c in CITIES), Decimal(0)) for e in values_of[WUHAN]}))
            for city in sorted(CITIES):
                plan.sets.append(ValueSet(period, city, MONTHLY, values_of[city]))
        last = {**{e: ends[e] for e in ("invention_patents_in_force", "high_value_invention_patents",
                                        "trademark_registrations")}, "population": last["population"],
                "pct_applications": ends["pct_applications"]}
    return plan


# --------------------------------------------------------------------------------------- loading

class _Api:
    """The reporting API with one token (sync httpx)."""

    def __init__(self, base: str, bearer: str) -> None:
        self.http = httpx.Client(base_url=base.rstrip("/"), headers={"Authorization": f"Bearer {bearer}"}, timeout=60,
                                 **HTTP_OPTIONS)

    def __enter__(self) -> _Api:
        return self

    def __exit__(self, *exc) -> None:
        self.http.close()

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200,), **kwargs) -> httpx.Response:
        try:
            r = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise DemoError(f"报表服务 {method} {path}：{exc}") from exc
        if r.status_code not in ok:
            raise DemoError(f"报表服务 {method} {path} 返回 {r.status_code}：{r.text[:300]}")
        return r


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")


@dataclass
class Totals:
    sets: int = 0
    values_written: int = 0
    approvals_new: int = 0
    skipped: int = 0
    province_targets_new: int = 0
    splits: int = 0
    splits_new: int = 0
    conflicts: Counter = field(default_factory=Counter)


def _load_statistics(base: str, plan: Plan, totals: Totals) -> None:
    with _Api(base, token(Role.INTEGRATION, sub="demo-integration-data-exchange")) as feed, \
            _Api(base, admin_token()) as province:
        settled = {(a["period"], a["org_unit"]) for a in province.call("GET", "/api/v1/statistics/approvals").json()}
        known = {e["code"] for e in feed.call("GET", "/api/v1/statistics/elements").json()}
        totals.sets = len(plan.keys)
        # one data value set per source system, each row with its own period and org unit (the
        # exchange's bulk form): a few requests instead of one per (period, org unit)
        by_source: dict[str | None, list[dict]] = {}
        for s in plan.sets:
            if (s.period, s.org_unit) in settled:
                continue
            by_source.setdefault(s.source, []).extend(
                {"element": e, "value": _fmt(v), "period": s.period, "org_unit": s.org_unit}
                for e, v in s.values.items() if e in known)
        expect(len(by_source))
        for source, values in by_source.items():
            for i in range(0, len(values), 10_000):
                summary = feed.call("POST", "/api/v1/statistics/datavaluesets", json={
                    "source_system": source, "values": values[i:i + 10_000]}).json()
                totals.values_written += summary["counts"]["imported"] + summary["counts"]["updated"]
                for c in summary["conflicts"]:
                    totals.conflicts[c["rule"]] += 1
            advance()
        todo = [key for key in plan.keys if key not in settled]
        totals.skipped += len(plan.keys) - len(todo)

        def approve(key: tuple[str, str]) -> bool:
            r = province.call("POST", "/api/v1/statistics/approvals", ok=(200, 409),
                              json={"period": key[0], "org_unit": key[1]})
            return r.status_code == 200

        totals.approvals_new += sum(in_parallel(todo, approve))


def _additive(ind: dict) -> bool:
    return (ind["kind"] in ("flow", "stock") and ind["unit"] != "%" and ind["comparator"] != "<="
            and ind["code"] not in NOT_SPLIT)


def _shares(ind: dict, year: int, plan: Plan) -> tuple[dict[str, Decimal], str]:
    """Split weights of ``ind``'s target for ``year``: the cities' figures of the year before for a
    statistic, else the cities' economic weights."""
    element: str | None = ind.get("statistic")
    figures = (plan.city_figures.get((element, year - 1)) or plan.city_figures.get((element, YEARS[-1]))
               if element else None)
    if element and figures and sum(figures.values()) > 0:
        basis = min(year - 1, YEARS[-1])
        return ({c: v for c, v in figures.items()},
                f"演示数据：按各市州{basis}年{ind['name']}占全省比重分解")
    return ({c: Decimal(str(w)) for c, w in CITY_WEIGHTS.items()},
            "演示数据：按各市州经济总量（2024年GDP）权重分解")


def _load_targets(base: str, plan: Plan, today: date, totals: Totals) -> None:
    with _Api(base, admin_token()) as province:
        catalogue = {i["code"]: i for i in province.call("GET", "/api/v1/indicators/catalogue").json()}
        for year in TARGET_YEARS:
            if year > today.year + 1:
                continue
            rows = province.call("GET", "/api/v1/targets", params={"year": year}).json()
            have = {(t["indicator"], t["city"]): t for t in rows}
            if year >= FIRST_MONTHLY_YEAR:
                missing = [{"indicator": code, "city": PROVINCE, "value": _fmt(v)}
                           for code, v in TARGETS_2026.items() if code in catalogue and (code, PROVINCE) not in have]
                if missing:
                    rows = province.call("PUT", f"/api/v1/targets/{year}",
                                         json={"source": TARGETS_2026_SOURCE, "targets": missing}).json()
                    totals.province_targets_new += len(missing)
                    have = {(t["indicator"], t["city"]): t for t in rows}
            split_already = {code for code, city in have if city != PROVINCE}
            for (code, city), t in sorted(have.items()):
                ind = catalogue.get(code)
                if city != PROVINCE or ind is None or not _additive(ind) or Decimal(t["value"]) < MIN_SPLIT_TOTAL:
                    continue
                totals.splits += 1
                if code in split_already:  # set before (by this demo or an officer): keep it
                    continue
                shares, source = _shares(ind, year, plan)
                province.call("POST", f"/api/v1/targets/{year}/split", json={
                    "indicator": code, "shares": {c: _fmt(w) for c, w in sorted(shares.items())}, "source": source})
                totals.splits_new += 1


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    base = urls[SERVICE]
    today = _today()
    plan = build_plan(seed, today)
    totals = Totals()
    _load_statistics(base, plan, totals)
    _load_targets(base, plan, today, totals)
    y = YEARS[-1]
    p = {e: v for s in plan.sets if s.period == str(y) and s.org_unit == PROVINCE for e, v in s.values.items()}
    per_10k = (p["high_value_invention_patents"] * 10_000 / p["population"]).quantize(Decimal("0.01"), ROUND_HALF_UP)
    months = _months_reported(today)
    monthly = f"、{months[0][0]}年1–{months[-1][1]}月逐月" if months else ""
    problems = "；".join(f"{rule} {n} 行" for rule, n in sorted(totals.conflicts.items()))
    return (f"统计：全省及17个市州官方统计数据 {totals.sets} 组"
            f"（{YEARS[0]}–{YEARS[-1]}年度、{QUARTERLY_YEAR}年PCT分季度"
            f"{monthly}；本次新写入 {totals.values_written} 个数值、新审核 {totals.approvals_new} 组，"
            f"已审核跳过 {totals.skipped} 组{'；冲突 ' + problems if problems else ''}），"
            f"{y}年全省发明专利有效量 {int(p['invention_patents_in_force']):,} 件、"
            f"每万人口高价值发明专利 {per_10k} 件、有效商标注册量 {int(p['trademark_registrations']):,} 件、"
            f"PCT国际专利申请 {int(p['pct_applications']):,} 件、常住人口 {p['population'] / 10_000:.0f} 万人；"
            f"市州目标分解 {totals.splits} 项（本次新分解 {totals.splits_new} 项，"
            f"新设全省{FIRST_MONTHLY_YEAR}年统计类目标 {totals.province_targets_new} 项）。")
