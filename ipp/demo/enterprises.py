"""The demo data set: about 300 Hubei enterprises with tiers, loaded through the real HTTP API.

``ipp demo`` and ``ipp up --demo`` call :func:`load_demo`. Everything goes through the enterprise
service's API with the sync :class:`EnterpriseClient`, so the data passes the same validation,
audit and outbox (and therefore reaches the reporting service as events) as real data would:

* each city's officer (a ``city-officer`` token for that city) registers its enterprises, reports
  their 2024 and 2025 figures and recommends tiers;
* the province (a ``province-admin`` token) approves or rejects the recommendations and dates
  promotions, demotions and revocations.

The data set is a pure function of ``(enterprises, seed)`` plus today's date in Asia/Shanghai (the
upper bound of every effective date): :func:`build_plan` draws it with seeded ``random.Random``
instances and :func:`load_demo` executes it. Identities (USCC, name, city) do not depend on the
date, so a second run — even on another day — finds every enterprise already registered (HTTP 409)
and skips it together with its tier steps.
"""
from __future__ import annotations

import functools
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx

from ipp.demo.common import HTTP_OPTIONS, DemoEnterprise, DemoError, in_parallel
from libs.common.auth import Role, issue_token
from libs.common.config import CommonSettings
from libs.common.divisions import CITIES, COUNTIES
from libs.common.identifiers import USCC_ALPHABET, uscc_check_char
from services.enterprise.client import ApiError, EnterpriseClient
from services.enterprise.reference import QUALIFICATION_NAMES
from services.enterprise.schemas import EnterpriseCreate, YearFiguresIn
from services.enterprise.tiers.schemas import TierListPublish

__all__ = ["load_enterprises", "build_plan", "allocate_cities", "PlannedEnterprise", "Action", "DemoError",
           "FIGURE_YEARS", "CITY_WEIGHTS"]

CHINA = ZoneInfo("Asia/Shanghai")
FIGURE_YEARS = (2024, 2025)
TIER_LABELS = {"growth": "成长型企业", "seed": "种子企业", "advantage": "优势企业"}
SIZE_CLASSES = ("micro", "small", "medium", "large")

#: Relative economic weight of each city (roughly its 2024 GDP in 亿元): Wuhan gets about a third
#: of the enterprises, Shennongjia one or two.
CITY_WEIGHTS: dict[str, float] = {
    "420100": 21106, "420600": 5828, "420500": 5756, "421000": 3200, "421100": 2900, "420900": 2900,
    "420800": 2400, "420300": 2400, "420200": 2200, "421200": 1900, "422800": 1500, "421300": 1400,
    "420700": 1300, "429004": 1050, "429005": 900, "429006": 800, "429021": 40,
}

#: Industry weights of the "51020" codes: the demo leans to optical-electronics, cars, health,
#: equipment and materials, as the tier lists do.
INDUSTRY_WEIGHTS: dict[str, float] = {
    "P1": 20, "P2": 14, "P3": 6, "P4": 13, "P5": 6, "A01": 14, "A02": 11, "A03": 5, "A04": 2, "A05": 2,
    "A06": 0.5, "A07": 1, "A08": 5, "A09": 0.5, "A10": 1,
}
#: Local specialities: multipliers of INDUSTRY_WEIGHTS per city.
CITY_INDUSTRY_BIAS: dict[str, dict[str, float]] = {
    "420100": {"P1": 3, "P4": 1.5, "A08": 2, "P5": 0.3, "A04": 0.5},
    "420200": {"A02": 3, "A01": 1.5},
    "420300": {"P2": 4},
    "420500": {"P3": 3, "P4": 1.5, "A10": 2},
    "420600": {"P2": 3, "A01": 1.5},
    "420700": {"P1": 1.5, "A07": 4},
    "420800": {"P3": 2.5, "A03": 2},
    "420900": {"A01": 1.5, "P5": 1.5},
    "421000": {"P2": 1.5, "P5": 2, "A04": 1.5},
    "421100": {"P4": 2, "A05": 2},
    "421200": {"P5": 2, "A05": 1.5},
    "421300": {"P2": 3},
    "422800": {"P5": 4, "A10": 3, "P4": 2},
    "429004": {"A04": 6},
    "429005": {"P3": 3, "P5": 2},
    "429006": {"A04": 3, "P4": 1.5},
    "429021": {"P5": 4, "A10": 4, "P4": 3},
}

#: Words of a company name: [place][core][industry word][suffix], e.g. 武汉 光谷芯联 光电 科技有限公司.
REGIONAL_CORES: dict[str, list[str]] = {
    "420100": ["光谷", "东湖", "珞珈", "晴川", "黄鹤", "江城"],
    "420200": ["磁湖", "铜都", "矿冶", "东楚"],
    "420300": ["武当", "车都", "丹江", "秦巴"],
    "420500": ["三峡", "清江", "峡州", "西陵峡"],
    "420600": ["隆中", "襄江", "岘山", "汉水"],
    "420700": ["吴都", "凤凰", "洋澜", "西山"],
    "420800": ["漳河", "荆山", "屈家岭", "象山"],
    "420900": ["云梦", "槐荫", "澴河", "双峰山"],
    "421000": ["荆江", "楚都", "纪南", "郢都"],
    "421100": ["大别山", "东坡", "鄂东", "遗爱湖"],
    "421200": ["香城", "九宫山", "温泉", "淦河"],
    "421300": ["编钟", "炎帝", "曾侯", "大洪山"],
    "422800": ["清江", "硒都", "武陵", "施南"],
    "429004": ["沔阳", "排湖", "仙洪"],
    "429005": ["曹禺", "油城", "东荆"],
    "429006": ["竟陵", "陆羽", "茶圣"],
    "429021": ["神农", "林海", "大九湖"],
}
GENERIC_CORES = ["楚天", "荆楚", "江汉", "长江", "华中", "鄂", "楚", "汉江", "中南"]
CORE_TAILS = ["芯联", "智创", "新源", "瑞达", "恒泰", "华信", "宏达", "博创", "天成", "众联", "锐新", "中科", "金石",
              "科达", "鼎盛", "远航", "睿智", "和润", "新辉", "精工", "光启", "云帆", "安捷", "汇智", "德润", "嘉禾",
              "盛华", "同创", "启明", "优联", "星火", "至诚"]
INDUSTRY_WORDS: dict[str, list[str]] = {
    "P1": ["光电", "光通信", "半导体", "集成电路", "显示技术", "智能终端", "激光", "软件", "信息技术", "传感"],
    "P2": ["汽车零部件", "汽车电子", "新能源汽车", "车桥", "动力电池", "专用汽车"],
    "P3": ["化工", "精细化工", "磷化工", "新能源", "氢能", "石化"],
    "P4": ["生物医药", "医疗器械", "生物技术", "药业", "中药", "大健康"],
    "P5": ["农产品", "食品", "粮油", "茶业", "生态农业", "水产"],
    "A01": ["智能装备", "数控", "机械", "精密制造", "机器人", "重工"],
    "A02": ["新材料", "复合材料", "特种材料", "金属材料", "高分子材料"],
    "A03": ["环保", "节能", "水处理", "环境工程"],
    "A04": ["纺织", "无纺布", "服饰"],
    "A05": ["建材", "新型建材", "装配式建筑"],
    "A06": ["金融信息服务", "数字金融"],
    "A07": ["物流", "供应链", "冷链物流"],
    "A08": ["检测", "工业设计", "技术服务", "工程技术"],
    "A09": ["商贸", "电子商务"],
    "A10": ["文旅", "文化创意", "数字文化"],
}
_PLAIN_SUFFIX_INDUSTRIES = {"P5", "A06", "A07", "A09", "A10"}
_PLACE_SUFFIXES = ("土家族苗族自治州", "土家族自治县", "林区", "市", "区", "县")

# Final-tier mix of the demo (the rest hold no tier) and the probabilities that depend on the tier.
TIER_SHARES = {"growth": 0.60, "seed": 0.25, "advantage": 0.06}
SIZE_BY_TIER = {"advantage": (0.0, 0.2, 0.5, 0.3), "seed": (0.1, 0.5, 0.32, 0.08),
                "growth": (0.25, 0.52, 0.2, 0.03), None: (0.3, 0.5, 0.17, 0.03)}
P_HIGH_TECH = {"advantage": 0.9, "seed": 0.6, "growth": 0.32, None: 0.2}
P_SRDI_NATIONAL = {"advantage": 0.4, "seed": 0.08, "growth": 0.02, None: 0.0}
P_SRDI_PROVINCIAL = {"advantage": 0.35, "seed": 0.3, "growth": 0.16, None: 0.1}
P_IP_DEMONSTRATION = {"advantage": 0.3, "seed": 0.02, "growth": 0.0, None: 0.0}
P_IP_ADVANTAGE = {"advantage": 0.45, "seed": 0.1, "growth": 0.02, None: 0.0}
P_IP_PILOT = {"advantage": 0.2, "seed": 0.08, "growth": 0.03, None: 0.02}
P_CERTIFIED = {"advantage": 0.95, "seed": 0.7, "growth": 0.4, None: 0.2}
P_BRAND = {"advantage": 0.95, "seed": 0.85, "growth": 0.7, None: 0.5}
P_PRODUCT_FILED = {"advantage": 0.8, "seed": 0.5, "growth": 0.2, None: 0.08}
RD_SHARE = {"advantage": (0.05, 0.12), "seed": (0.04, 0.10), "growth": (0.03, 0.08), None: (0.015, 0.06)}
RATE = {"advantage": (60, 90), "seed": (45, 80), "growth": (25, 70), None: (10, 55)}
PATENT_FACTOR = {"advantage": 2.0, "seed": 1.4, "growth": 1.0, None: 0.6}
STAFF_BAND = {"micro": (5, 19), "small": (20, 299), "medium": (300, 999), "large": (1000, 6000)}
REVENUE_BAND = {"micro": (1e6, 3e6), "small": (3e6, 2e7), "medium": (2e7, 4e8), "large": (4e8, 8e9)}
PATENT_BAND = {"micro": (0, 4), "small": (1, 15), "medium": (5, 50), "large": (30, 300)}

REVOKE_REASONS = [
    "年度复核发现企业存在非正常专利申请行为，依据梯队企业动态管理要求，撤销其梯队资格。",
    "企业注册地已迁出湖北省，不再符合本省梯队企业培育条件，经市州核实，撤销其梯队资格。",
    "企业连续两年未按要求报送年度数据，经市州核实并告知企业，撤销其梯队资格。",
]


@dataclass(frozen=True)
class Action:
    """One API step after registration.

    ``kind``: recommend (city) | approve | reject | promote | demote | revoke (province).
    ``approve``/``reject`` act on the enterprise's most recent recommendation of this run.
    """

    kind: str
    tier: str | None = None
    effective_date: date | None = None
    reason: str | None = None


@dataclass
class PlannedEnterprise:
    create: EnterpriseCreate
    figures: dict[int, YearFiguresIn]
    story: str  # how its tier came about, e.g. "seed", "growth->seed", "growth->revoked", "pending"
    actions: list[Action] = field(default_factory=list)

    @property
    def final_tier(self) -> str | None:
        tier = pending = None
        for a in self.actions:
            if a.kind == "recommend":
                pending = a.tier
            elif a.kind == "approve":
                tier = pending
            elif a.kind in ("promote", "demote"):
                tier = a.tier
            elif a.kind == "revoke":
                tier = None
        return tier


# ----------------------------------------------------------------------------------------- plan

def allocate_cities(n: int) -> dict[str, int]:
    """Enterprises per city: one each first (when n ≥ 17), the rest by economic weight.

    Largest-remainder rounding, so the counts add up to ``n`` exactly and every one of the 17
    cities is covered whenever there are at least 17 enterprises (the biggest cities first below).
    """
    cities = sorted(CITY_WEIGHTS, key=lambda c: -CITY_WEIGHTS[c])
    if n <= 0:
        return {c: 0 for c in cities}
    if n < len(cities):
        return {c: int(i < n) for i, c in enumerate(cities)}
    rest = n - len(cities)
    total = sum(CITY_WEIGHTS.values())
    quotas = {c: rest * CITY_WEIGHTS[c] / total for c in cities}
    counts = {c: 1 + int(quotas[c]) for c in cities}
    left = n - sum(counts.values())
    for c in sorted(cities, key=lambda c: -(quotas[c] - int(quotas[c])))[:left]:
        counts[c] += 1
    return counts


def _stories(n: int) -> list[str]:
    """The tier story of each enterprise (unshuffled): final-tier shares ~60/25/6 %, the rest none."""
    n_adv = max(1, round(n * TIER_SHARES["advantage"]))
    n_seed = max(1, round(n * TIER_SHARES["seed"]))
    n_growth = max(1, round(n * TIER_SHARES["growth"]))
    n_adv = min(n_adv, n)
    n_seed = min(n_seed, n - n_adv)
    n_growth = min(n_growth, n - n_adv - n_seed)
    n_none = n - n_adv - n_seed - n_growth

    def some(total: int, share: float) -> int:  # a share of a group, at least one when it has two
        return max(1, round(total * share)) if total >= 2 else 0

    adv_promoted = some(n_adv, 0.25)
    seed_promoted = some(n_seed, 0.10)
    few, fewer = max(1, round(n / 100)), max(1, round(n / 150))
    demoted = min(fewer, max(0, n_growth - 1))
    growth_pending = min(round(n / 150), max(0, n_growth - demoted - 1))
    stories = (["seed->advantage"] * adv_promoted + ["advantage"] * (n_adv - adv_promoted)
               + ["growth->seed"] * seed_promoted + ["seed"] * (n_seed - seed_promoted)
               + ["seed->growth"] * demoted + ["growth+pending"] * growth_pending
               + ["growth"] * (n_growth - demoted - growth_pending))
    none: list[str] = []
    for story, count in (("growth->revoked", fewer), ("pending", few), ("rejected", few)):
        none += [story] * count
    none = none[:n_none]
    none += ["none"] * (n_none - len(none))
    return stories + none


def _designation_batches(today: date) -> list[date]:
    """The province designates in two batches a year (late June, mid December) since 2023."""
    batches = [d for y in range(2023, today.year + 1) for d in (date(y, 6, 30), date(y, 12, 20)) if d <= today]
    return batches or [today]


def _place_name(name: str) -> str:
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _counties_of(city: str) -> list[str]:
    return [c for c in COUNTIES if c[:4] == city[:4] and c != city] if not city.startswith("429") else []


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _log_uniform(rng: random.Random, lo: float, hi: float, u: float | None = None) -> float:
    u = rng.random() if u is None else u
    return lo * (hi / lo) ** u


def _money(value: float) -> Decimal:
    return Decimal(int(round(value))).quantize(Decimal("0.01"))


def _pct(value: float) -> Decimal:
    return Decimal(str(round(min(max(value, 0.0), 100.0), 2))).quantize(Decimal("0.01"))


def _uscc(rng: random.Random, division: str) -> str:
    if rng.random() < 0.65:  # registered since 2015: the organisation part starts "MA4" in Hubei
        body = "MA4" + "".join(rng.choice(USCC_ALPHABET) for _ in range(6))
    else:  # an older organisation code: eight digits and its own check character
        body = "".join(rng.choice("0123456789") for _ in range(8)) + rng.choice(USCC_ALPHABET[:10] + "X")
    first17 = "91" + division + body
    return first17 + uscc_check_char(first17)


def _identity(rng: random.Random, city: str, used_usccs: set[str], used_names: set[str]) -> dict[str, Any]:
    counties = _counties_of(city)
    county = rng.choice(counties) if counties else None
    division = county if county and rng.random() < 0.7 else city
    uscc = _uscc(rng, division)
    while uscc in used_usccs:
        uscc = _uscc(rng, division)
    used_usccs.add(uscc)
    weights = {k: w * CITY_INDUSTRY_BIAS.get(city, {}).get(k, 1.0) for k, w in INDUSTRY_WEIGHTS.items()}
    industry = _weighted(rng, weights)
    for attempt in range(100):
        place = _place_name(COUNTIES[county] if county and rng.random() < 0.3 else CITIES[city])
        base = rng.choice(REGIONAL_CORES[city] * 2 + GENERIC_CORES)
        core = base + rng.choice(CORE_TAILS) if len(base) < 2 or rng.random() < 0.6 else base
        if attempt > 50:  # crowded: a two-word core is nearly always free
            core = base + rng.choice(CORE_TAILS) + rng.choice(CORE_TAILS)
        word = rng.choice(INDUSTRY_WORDS[industry])
        name = place + core + word + "{suffix}"
        if place not in core and place[:2] not in core and name not in used_names:
            break
    used_names.add(name)
    return {"uscc": uscc, "city": city, "county": county, "industry": industry, "name_pattern": name, "word": word}


def _suffix(rng: random.Random, size: str, industry: str, word: str) -> str:
    if size == "large" and rng.random() < 0.7 or size == "medium" and rng.random() < 0.3:
        return "股份有限公司"
    if industry in _PLAIN_SUFFIX_INDUSTRIES or word.endswith(("技术", "服务", "业")) or rng.random() < 0.2:
        return "有限公司"
    return "技术有限公司" if rng.random() < 0.12 else "科技有限公司"


def _tier_basis(story: str) -> str | None:
    """The tier whose profile the enterprise's figures should look like."""
    if story in ("advantage", "seed->advantage"):
        return "advantage"
    if story in ("seed", "growth->seed"):
        return "seed"
    if story in ("growth", "seed->growth", "growth+pending", "growth->revoked"):
        return "growth"
    return None


def _profile(rng: random.Random, story: str) -> dict[str, Any]:
    basis = _tier_basis(story)
    size = rng.choices(SIZE_CLASSES, weights=SIZE_BY_TIER[basis])[0]
    ownership = rng.choices(("private", "state", "foreign", "other"), weights=(80, 10, 5, 5))[0]
    quals: list[str] = []
    if rng.random() < P_HIGH_TECH[basis]:
        quals.append("high_tech")
    if size != "large" and rng.random() < P_SRDI_NATIONAL[basis]:
        quals.append("srdi_national")
    elif size != "large" and rng.random() < P_SRDI_PROVINCIAL[basis]:
        quals.append("srdi_provincial")
    if rng.random() < P_IP_DEMONSTRATION[basis]:
        quals.append("national_ip_demonstration")
    elif rng.random() < P_IP_ADVANTAGE[basis]:
        quals.append("national_ip_advantage")
    if rng.random() < P_IP_PILOT[basis]:
        quals.append("industrial_ip_pilot")
    return {"size_class": size, "ownership": ownership, "qualifications": quals,
            "ip_management_certified": rng.random() < P_CERTIFIED[basis],
            "own_brand": rng.random() < P_BRAND[basis],
            "patent_product_filed": rng.random() < P_PRODUCT_FILED[basis], "basis": basis}


def _figures(rng: random.Random, story: str, profile: dict[str, Any], years: list[int]) -> dict[int, YearFiguresIn]:
    basis, size = profile["basis"], profile["size_class"]
    u = rng.random()  # where in its size band the enterprise sits (staff and revenue move together)
    staff = int(round(_log_uniform(rng, *STAFF_BAND[size], u=min(1.0, max(0.0, u + rng.uniform(-0.15, 0.15))))))
    revenue = _log_uniform(rng, *REVENUE_BAND[size], u=u)
    rd_lo, rd_hi = RD_SHARE[basis]
    rd_share = rng.uniform(rd_lo, rd_hi) + (0.01 if "high_tech" in profile["qualifications"] else 0.0)
    rd_staff_share = rng.uniform(0.10, 0.40)
    p_lo, p_hi = PATENT_BAND[size]
    patents = int(round(rng.uniform(p_lo, p_hi) * PATENT_FACTOR[basis]))
    rate = rng.uniform(*RATE[basis])
    improving, declining = "->seed" in story or "->advantage" in story, story == "seed->growth"
    out: dict[int, YearFiguresIn] = {}
    for i, year in enumerate(years):
        if i:
            if improving:
                revenue *= rng.uniform(1.10, 1.40)
                rd_share *= rng.uniform(1.05, 1.25)
                patents += rng.randint(max(2, patents // 5), max(3, patents // 2))
                rate += rng.uniform(3, 10)
            elif declining:
                revenue *= rng.uniform(0.80, 0.98)
                rd_share *= rng.uniform(0.55, 0.80)
                patents = max(0, patents - rng.randint(0, 2))
                rate -= rng.uniform(3, 10)
            else:
                revenue *= rng.uniform(0.95, 1.25)
                rd_share *= rng.uniform(0.92, 1.10)
                patents += rng.randint(0, max(1, patents // 4))
                rate += rng.uniform(-3, 8)
            staff = max(3, int(round(staff * rng.uniform(0.97, 1.15))))
        rd_staff = min(staff, max(1, int(round(staff * rd_staff_share))))
        rev = _money(revenue)
        rd_spend = min(_money(revenue * min(rd_share, 0.6)), rev - Decimal("1.00"))
        out[year] = YearFiguresIn(revenue=rev, rd_spend=rd_spend, staff=staff, rd_staff=rd_staff,
                                  invention_patents=patents, industrialisation_rate=_pct(rate))
    return out


T = TypeVar("T")


def _given(value: T | None, what: str) -> T:
    """A value the plan always sets (an action's tier, date and reason as its kind needs them, say)."""
    if value is None:
        raise DemoError(f"演示数据计划缺少{what}")
    return value


def _pct_text(part: Decimal | int | None, whole: Decimal | int | None) -> str:
    if not whole:
        return "0"
    if part is None:
        raise DemoError("演示数据计划缺少数值")
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}"


def _recommend_reason(name: str, tier: str, f: YearFiguresIn, year: int, quals: list[str], certified: bool) -> str:
    rd = _pct_text(f.rd_spend, f.revenue)
    if tier == "advantage":
        extra = "，通过知识产权管理体系认证" if certified else ""
        return (f"{name}拥有有效发明专利{f.invention_patents}件，核心专利布局完整，{year}年专利产业化率"
                f"{f.industrialisation_rate}%、研发投入占营业收入{rd}%{extra}，行业示范作用突出，推荐认定为优势企业。")
    if tier == "seed":
        who = "、".join(QUALIFICATION_NAMES[q] for q in quals[:2]) or "本市重点培育企业"
        return (f"{name}为{who}，拥有有效发明专利{f.invention_patents}件，{year}年专利产业化率"
                f"{f.industrialisation_rate}%，研发人员占比{_pct_text(f.rd_staff, f.staff)}%，推荐认定为种子企业。")
    return (f"{name}拥有有效发明专利{f.invention_patents}件，{year}年研发投入占营业收入{rd}%，"
            "已建立知识产权管理制度，具备成长潜力，推荐认定为成长型企业。")


def _random_day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(1, (end - start).days))


def _actions(rng: random.Random, story: str, name: str, figures: dict[int, YearFiguresIn], quals: list[str],
             certified: bool, batches: list[date], today: date) -> list[Action]:
    years = sorted(figures)
    first, last = figures[years[0]], figures[years[-1]]

    def recommend(tier: str, f: YearFiguresIn, year: int) -> Action:
        return Action("recommend", tier, reason=_recommend_reason(name, tier, f, year, quals, certified))

    def approve(tier: str, when: date) -> Action:
        return Action("approve", tier, when, f"经专家评审、网上公示无异议，省局同意认定为{TIER_LABELS[tier]}。")

    # A designation that is followed by another decision leaves room for it (not the last batch).
    followed = "->" in story
    early = batches[:-1] if followed and len(batches) > 1 else batches
    weights = [1 + 0.25 * i for i in range(len(early))]  # the programme grows: later batches are bigger
    designated = rng.choices(early, weights=weights)[0]
    later = [b for b in batches if b > designated]

    if story in ("growth", "seed", "advantage"):
        return [recommend(story, last, years[-1]), approve(story, designated)]
    if story == "growth+pending":
        return [recommend("growth", first, years[0]), approve("growth", designated), recommend("seed", last, years[-1])]
    if story in ("growth->seed", "seed->advantage"):
        start, target = story.split("->")
        when = rng.choice(later) if later else _random_day(rng, designated, today)
        reason = (f"{when.year}年度动态调整：有效发明专利由{first.invention_patents}件增至{last.invention_patents}件，"
                  f"专利产业化率达{last.industrialisation_rate}%，经市州推荐、专家评审，晋级为{TIER_LABELS[target]}。")
        return [recommend(start, first, years[0]), approve(start, designated), Action("promote", target, when, reason)]
    if story == "seed->growth":
        when = _random_day(rng, designated + timedelta(days=90), today) if designated + timedelta(days=90) <= today \
            else _random_day(rng, designated, today)
        reason = (f"{when.year}年度复核：研发投入占营业收入比例降至{_pct_text(last.rd_spend, last.revenue)}%，"
                  f"专利产业化率{last.industrialisation_rate}%，未达到种子企业标准，调整为成长型企业。")
        return [recommend("seed", first, years[0]), approve("seed", designated),
                Action("demote", "growth", when, reason)]
    if story == "growth->revoked":
        when = _random_day(rng, designated + timedelta(days=90), today) if designated + timedelta(days=90) <= today \
            else _random_day(rng, designated, today)
        return [recommend("growth", first, years[0]), approve("growth", designated),
                Action("revoke", None, when, rng.choice(REVOKE_REASONS))]
    if story == "pending":
        return [recommend("growth", last, years[-1])]
    if story == "rejected":
        tier = rng.choice(["seed", "growth"])
        if tier == "seed":
            reason = (f"经专家评审，该企业有效发明专利{last.invention_patents}件、专利产业化率"
                      f"{last.industrialisation_rate}%，未达到种子企业认定条件，不予认定，建议按成长型企业重新申报。")
        else:
            reason = (f"经专家评审，该企业研发投入占营业收入比例{_pct_text(last.rd_spend, last.revenue)}%，"
                      "且未提供知识产权管理制度文件，不符合成长型企业认定条件，不予认定。")
        return [recommend(tier, last, years[-1]), Action("reject", tier, reason=reason)]
    return []  # "none": registered, figures reported, no tier


def build_plan(enterprises: int = 300, seed: int = 20251, today: date | None = None) -> list[PlannedEnterprise]:
    """The demo data set as a list of enterprises with the API steps that give them their tiers.

    Identities (USCC, name, city, county, industry) come from their own seeded generator, so they
    are the same on any day; dates, which ``today`` bounds, come from another.
    """
    today = today or datetime.now(CHINA).date()
    years = [y for y in FIGURE_YEARS if y <= today.year]
    batches = _designation_batches(today)
    ident_rng, story_rng = random.Random(f"ipp-demo:{seed}:identity"), random.Random(f"ipp-demo:{seed}:stories")
    profile_rng, date_rng = random.Random(f"ipp-demo:{seed}:profile"), random.Random(f"ipp-demo:{seed}:dates")

    cities = [c for c, k in allocate_cities(enterprises).items() for _ in range(k)]
    ident_rng.shuffle(cities)
    stories = _stories(len(cities))
    story_rng.shuffle(stories)
    used_usccs: set[str] = set()
    used_names: set[str] = set()
    plan: list[PlannedEnterprise] = []
    for city, story in zip(cities, stories, strict=False):
        ident = _identity(ident_rng, city, used_usccs, used_names)
        profile = _profile(profile_rng, story)
        name = ident["name_pattern"].format(
            suffix=_suffix(ident_rng, profile["size_class"], ident["industry"], ident["word"]))
        create = EnterpriseCreate(
            uscc=ident["uscc"], name=name, city=city, county=ident["county"], industry=ident["industry"],
            size_class=profile["size_class"], ownership=profile["ownership"],
            qualifications=profile["qualifications"], ip_management_certified=profile["ip_management_certified"],
            own_brand=profile["own_brand"], patent_product_filed=profile["patent_product_filed"])
        figures = _figures(profile_rng, story, profile, years) if years else {}
        actions = (_actions(date_rng, story, name, figures, profile["qualifications"],
                            profile["ip_management_certified"], batches, today) if figures else [])
        plan.append(PlannedEnterprise(create=create, figures=figures, story=story, actions=actions))
    return plan


# ------------------------------------------------------------------------------------- execute

class _Clients:
    """One HTTP client (one connection pool) per token: a city officer per city, the province."""

    def __init__(self, url: str) -> None:
        settings = CommonSettings()
        secret, issuer = settings.jwt_secret.get_secret_value(), settings.jwt_issuer
        def client(token: str) -> EnterpriseClient:
            return EnterpriseClient(url, token, timeout=60.0, **HTTP_OPTIONS)

        self.province = client(issue_token(secret, role=Role.PROVINCE_ADMIN, sub="demo-province-admin",
                                           name="湖北省知识产权局（演示）", issuer=issuer))
        self.cities = {city: client(issue_token(secret, role=Role.CITY_OFFICER, sub=f"demo-officer-{city}",
                                                city=city, name=f"{CITIES[city]}知识产权局（演示）", issuer=issuer))
                       for city in CITIES}

    def close(self) -> None:
        for c in [self.province, *self.cities.values()]:
            c.close()


@dataclass
class _Walk:
    """One enterprise's progress through its tier story across the yearly phases."""

    item: PlannedEnterprise
    skipped: bool = False
    rec_id: int | None = None


def _phase_years(actions: list[Action]) -> list[int | None]:
    """The year each action is taken in: a dated action its date's, a recommendation or rejection the
    year of the next dated action (None: after the last one, i.e. still open today)."""
    years: list[int | None] = []
    following: int | None = None
    for a in reversed(actions):
        if a.effective_date is not None:
            following = a.effective_date.year
        years.append(following)
    return years[::-1]


def _register(clients: _Clients, walk: _Walk) -> Counter:
    """Register one enterprise with its figures; an existing one is skipped with its whole story."""
    done: Counter = Counter()
    item = walk.item
    officer = clients.cities[_given(item.create.city, "市州")]
    try:
        officer.create_enterprise(item.create)
    except ApiError as exc:
        if exc.status == 409:
            walk.skipped = True
            done["skipped"] += 1
            return done
        raise DemoError(f"登记企业 {item.create.uscc} {item.create.name} 失败：{exc}") from exc
    done["created"] += 1
    try:
        for year, figures in item.figures.items():
            officer.put_figures(item.create.uscc, year, figures)
            done["figures"] += 1
    except ApiError as exc:
        raise DemoError(f"企业 {item.create.uscc} {item.create.name} 的年度数据填报失败：{exc}") from exc
    return done


def _execute(clients: _Clients, walk: _Walk, year: int | None, last: bool) -> Counter:
    """The steps of one enterprise's tier story taken in ``year`` (and, in the ``last`` phase, those
    still open today)."""
    done: Counter = Counter()
    item = walk.item
    if walk.skipped:
        return done
    officer = clients.cities[_given(item.create.city, "市州")]
    uscc = item.create.uscc
    try:
        for a, when in zip(item.actions, _phase_years(item.actions), strict=True):
            if when != year and not (last and when is None):
                continue
            if a.kind == "recommend":
                walk.rec_id = officer.recommend_tier(uscc, _given(a.tier, "梯队"), _given(a.reason, "理由")).id
            elif a.kind == "approve":
                clients.province.approve_recommendation(_given(walk.rec_id, "推荐"), _given(a.effective_date, "日期"),
                                                        a.reason)
                done["designated"] += 1
            elif a.kind == "reject":
                clients.province.reject_recommendation(_given(walk.rec_id, "推荐"), _given(a.reason, "理由"))
                done["rejected"] += 1
            elif a.kind == "promote":
                clients.province.promote(uscc, _given(a.tier, "梯队"), _given(a.effective_date, "日期"),
                                         _given(a.reason, "理由"))
                done["promoted"] += 1
            elif a.kind == "demote":
                clients.province.demote(uscc, _given(a.tier, "梯队"), _given(a.effective_date, "日期"),
                                        _given(a.reason, "理由"))
                done["demoted"] += 1
            elif a.kind == "revoke":
                clients.province.revoke(uscc, _given(a.effective_date, "日期"), _given(a.reason, "理由"))
                done["revoked"] += 1
        if last and item.actions and item.actions[-1].kind == "recommend":
            done["pending"] += 1
    except ApiError as exc:
        raise DemoError(f"企业 {uscc} {item.create.name} 的演示步骤失败：{exc}") from exc
    return done


def _phase(clients: _Clients, year: int | None, last: bool, walk: _Walk) -> Counter:
    return _execute(clients, walk, year, last)


def _publish_year(admin: EnterpriseClient, year: int, today: date) -> int | None:
    """The tier list of ``year``, published after that year's decisions (dated 31 December, or today
    in the current year); None when no enterprise holds a tier yet."""
    on = min(date(year, 12, 31), today)
    try:
        published = admin.publish_tier_list(TierListPublish(
            title=f"湖北省知识产权优势企业、种子企业、成长型企业名单（{year}年）", published_on=on,
            note="鄂知发〔2022〕9号 § 三(二)：定期向社会发布，名单实行动态管理"))
    except ApiError as exc:
        if exc.status == 409:  # tier_list.empty
            return None
        raise DemoError(f"发布 {year} 年梯队名单失败：{exc}") from exc
    return published.number


def _run_phases(clients: _Clients, plan: list[PlannedEnterprise], totals: Counter) -> list[int]:
    """Register everything, then walk the tier stories year by year; after each year's decisions the
    province publishes that year's tier list (only on a first load: lists already published mean the
    demo ran before). Returns the numbers of the lists published."""
    walks = [_Walk(item) for item in plan]
    for done in in_parallel(walks, lambda w: _register(clients, w)):
        totals.update(done)
    years = sorted({a.effective_date.year for i in plan for a in i.actions if a.effective_date is not None})
    publish = not clients.province.list_tier_lists()
    today = datetime.now(CHINA).date()
    published: list[int] = []
    phases: list[int | None] = list(years) or [None]
    for n, year in enumerate(phases):
        last = n == len(phases) - 1
        for done in in_parallel(walks, functools.partial(_phase, clients, year, last)):
            totals.update(done)
        if publish and year is not None:
            number = _publish_year(clients.province, year, today)
            if number is not None:
                published.append(number)
    return published


def _short(city_name: str) -> str:
    return city_name.removesuffix("市").replace("土家族苗族自治州", "州")


def _total(client: EnterpriseClient, **filters: Any) -> int:
    return client.list_enterprises(limit=1, **filters).total


def load_enterprises(enterprise_url: str, enterprises: int = 300,
                     seed: int = 20251) -> tuple[str, list[DemoEnterprise]]:
    """Load the demo enterprises into a running enterprise service; return a summary in Chinese and
    the enterprises as the programme loaders need them.

    Idempotent: an enterprise that already exists (HTTP 409) is skipped with its tier steps, so a
    second run with the same seed creates nothing. Each enterprise's steps run in order; different
    enterprises go in parallel (:func:`in_parallel`), which keeps the service busy while a client
    waits for an answer.
    """
    started = time.monotonic()
    url = enterprise_url.rstrip("/")
    try:
        httpx.get(f"{url}/healthz", timeout=5.0).raise_for_status()
    except httpx.HTTPError as exc:
        raise DemoError(f"无法连接企业服务 {url}（cannot reach the enterprise service）：{exc}") from exc

    plan = build_plan(enterprises, seed)
    clients = _Clients(url)
    totals: Counter = Counter()
    try:
        lists = _run_phases(clients, plan, totals)
        admin = clients.province
        per_tier = {t: _total(admin, tier=t) for t in ("advantage", "seed", "growth", "none")}
        per_city = {c: _total(admin, city=c) for c in CITIES}
        pending = admin.http.get("/api/v1/tier-recommendations", params={"status": "pending", "limit": 1})
        pending_total = pending.json().get("total", 0) if pending.status_code == 200 else 0
    finally:
        clients.close()

    elapsed = time.monotonic() - started
    covered = sum(1 for v in per_city.values() if v)
    all_total = sum(per_city.values())
    city_text = "、".join(f"{_short(CITIES[c])}{v}" for c, v in
                          sorted(per_city.items(), key=lambda kv: -kv[1]) if v)
    loaded = [DemoEnterprise(uscc=i.create.uscc, name=i.create.name, city=i.create.city or "",
                             industry=i.create.industry,
                             ownership=str(i.create.ownership), is_private=str(i.create.ownership) == "private",
                             tier=i.final_tier, qualifications=tuple(str(q) for q in i.create.qualifications))
              for i in plan]
    return (
        f"演示数据加载完成（种子 {seed}，计划 {len(plan)} 家，用时 {elapsed:.1f} 秒）："
        f"本次新建企业 {totals['created']} 家，"
        f"已存在而跳过 {totals['skipped']} 家，填报年度数据 {totals['figures']} 条；"
        f"梯队认定 {totals['designated']} 项、"
        f"晋级 {totals['promoted']} 项、降级 {totals['demoted']} 项、撤销 {totals['revoked']} 项，"
        f"不予认定 {totals['rejected']} 条，新增待审推荐 {totals['pending']} 条，"
        f"发布梯队名单 {len(lists)} 版。"
        f"平台现有企业 {all_total} 家，覆盖全省 {covered}/{len(CITIES)} 个市州（{city_text}）；"
        f"梯队分布：优势企业 {per_tier['advantage']} 家、种子企业 {per_tier['seed']} 家、"
        f"成长型企业 {per_tier['growth']} 家、未入梯队 {per_tier['none']} 家，待省局审核的推荐 {pending_total} 条。"
    ), loaded
