"""Demo data of the transfer programme, loaded through the transfer service's typed client.

For every one of the 17 cities (in proportion to its economy, Wuhan largest) and every year from
2024 to today: transfer and licence records bulk-imported by the city's officer (universities and
institutes licensing to the demo enterprises, enterprises assigning to each other and to firms
outside Hubei, some amounts undisclosed); open-licence declarations and convertible-library entries
of the province's universities (most "use first, pay later"), deals made through them; enterprise
needs of the demo enterprises; and the province's supply–demand matching events (≥ 4 a year, held
across the regions, the next ones planned).

A pure function of the seed and today's date (Asia/Shanghai). Records carry stable refs, matching
events stable refs, listings and needs stable titles: a second run finds them and creates nothing.
"""
from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ipp.demo.common import DemoEnterprise, DemoError, advance, expect, token
from ipp.demo.enterprises import CITY_WEIGHTS
from libs.common.auth import Role
from libs.common.divisions import CITIES
from libs.common.identifiers import patent_check_char
from services.transfer.client import ApiError, TransferClient

SERVICE = "transfer"
CHINA = ZoneInfo("Asia/Shanghai")
FIRST_YEAR = 2024
#: Records per full year across the province (a demo-sized slice of the real > 45,000).
RECORDS_PER_YEAR = 1200

#: Universities and institutes by city (the patent owners of the library and most licences).
ACADEMIA: dict[str, list[tuple[str, str]]] = {
    "420100": [("university", "华中科技大学"), ("university", "武汉大学"), ("university", "武汉理工大学"),
               ("university", "华中农业大学"), ("university", "中国地质大学（武汉）"), ("university", "武汉科技大学"),
               ("university", "湖北大学"), ("university", "武汉工程大学"), ("university", "湖北工业大学"),
               ("institute", "中国科学院武汉岩土力学研究所"), ("institute", "中国科学院水生生物研究所"),
               ("institute", "武汉邮电科学研究院"), ("institute", "中国船舶集团有限公司第七一九研究所")],
    "420200": [("university", "湖北师范大学"), ("university", "湖北理工学院")],
    "420300": [("university", "湖北汽车工业学院"), ("university", "湖北医药学院")],
    "420500": [("university", "三峡大学"), ("institute", "中国长江三峡集团科学技术研究院")],
    "420600": [("university", "湖北文理学院"), ("institute", "襄阳汽车职业技术学院")],
    "420700": [("university", "鄂州职业大学")],
    "420800": [("university", "荆楚理工学院")],
    "420900": [("university", "湖北工程学院")],
    "421000": [("university", "长江大学"), ("institute", "中国水产科学研究院长江水产研究所")],
    "421100": [("university", "黄冈师范学院")],
    "421200": [("university", "湖北科技学院")],
    "421300": [("university", "随州职业技术学院")],
    "422800": [("university", "湖北民族大学"), ("institute", "湖北省农业科学院中药材研究所")],
    "429004": [("university", "仙桃职业学院")],
    "429005": [("institute", "中国石化江汉油田分公司勘探开发研究院")],
    "429006": [("university", "天门职业学院")],
    "429021": [("institute", "神农架国家公园科学研究院")],
}
OUTSIDE = ["深圳", "上海", "北京", "杭州", "苏州", "长沙", "南京", "成都", "合肥", "广州"]
OUTSIDE_TAILS = ["创新科技有限公司", "智能装备有限公司", "新材料股份有限公司", "生物医药有限公司", "电子科技有限公司",
                 "新能源科技有限公司"]
LOCAL_TAILS = ["机械制造有限公司", "科技发展有限公司", "实业有限公司", "农业开发有限公司", "电子有限公司"]
PEOPLE = ["张", "王", "李", "刘", "陈", "杨", "黄", "周", "吴", "徐"]

#: IPC subclasses and topic keywords per "51020" industry code.
TECH: dict[str, list[tuple[str, list[str]]]] = {
    "P1": [("H04B 10/25", ["光通信", "光模块"]), ("H01L 33/00", ["半导体", "发光器件"]),
           ("G02B 6/02", ["光纤", "光器件"]),
           ("H01S 5/00", ["激光器", "激光"])],
    "P2": [("B60L 58/12", ["动力电池", "电池管理"]), ("B62D 21/15", ["车身", "轻量化"]),
           ("B60K 6/20", ["混合动力", "传动"])],
    "P3": [("H01M 4/58", ["正极材料", "锂电池"]), ("C01B 25/26", ["磷化工", "磷酸"]),
           ("C25B 1/04", ["氢能", "电解水"])],
    "P4": [("A61K 36/00", ["中药", "提取物"]), ("A61B 5/00", ["医疗器械", "监测"]),
           ("C12N 15/00", ["基因工程", "生物制药"])],
    "P5": [("A23L 2/00", ["食品加工", "饮料"]), ("A01G 9/00", ["设施农业", "种植"]), ("A23F 3/00", ["茶叶", "加工"])],
    "A01": [("B25J 9/16", ["机器人", "控制"]), ("B23K 26/00", ["激光焊接", "加工"]),
            ("G05B 19/00", ["数控", "自动化"])],
    "A02": [("C22C 21/00", ["铝合金", "新材料"]), ("C08L 23/00", ["高分子材料", "复合材料"]),
            ("C04B 35/00", ["陶瓷", "材料"])],
    "A03": [("C02F 1/00", ["水处理", "环保"]), ("B01D 53/00", ["废气处理", "节能"])],
    "A04": [("D04H 1/00", ["无纺布", "纺织"]), ("D01F 6/00", ["纤维", "纺织"])],
    "A05": [("E04B 1/00", ["装配式建筑", "建材"]), ("C04B 28/00", ["新型建材", "水泥"])],
    "A06": [("G06Q 40/00", ["金融科技", "风控"])],
    "A07": [("B65G 1/00", ["物流", "仓储"]), ("G06Q 10/08", ["供应链", "物流"])],
    "A08": [("G01N 33/00", ["检测", "分析"]), ("G06F 30/00", ["工业设计", "仿真"])],
    "A09": [("G06Q 30/00", ["电子商务", "平台"])],
    "A10": [("G06T 19/00", ["数字文化", "虚拟现实"])],
}
LIBRARY_TITLES = ["一种{k}的制备方法", "{k}关键技术", "高性能{k}及其应用", "{k}智能控制系统", "低成本{k}工艺"]
REGIONS = {"鄂西": ["420500", "420300", "422800", "429021"], "鄂东": ["421100", "420200", "420700", "421200"],
           "鄂北": ["420600", "421300", "420900", "420800"], "江汉平原": ["421000", "429004", "429005", "429006"]}
EVENT_FIELDS = ["光电子信息", "新能源与智能网联汽车", "生命健康", "高端装备", "北斗", "新材料", "现代化工",
                "绿色智能建造"]


def _patent(rng: random.Random) -> str:
    digits = f"{rng.randint(2016, 2024)}{rng.choice('1112')}{rng.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def _weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _amount(rng: random.Random) -> str | None:
    u = rng.random()
    if u < 0.3:
        return None  # undisclosed
    if u < 0.35:
        return "0"
    return str(Decimal(int(10 ** rng.uniform(4.5, 6.8))).quantize(Decimal(1)))


def _academic(rng: random.Random, city: str) -> tuple[str, str, str]:
    """An academic seller: the city's own, or (often) one of Wuhan's."""
    home = city if city in ACADEMIA and rng.random() < 0.6 else "420100"
    kind, name = rng.choice(ACADEMIA[home])
    return kind, name, home


def _tech(rng: random.Random, industry: str) -> tuple[str, list[str]]:
    return rng.choice(TECH.get(industry) or TECH["A08"])


@dataclass
class Plan:
    records: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))  # city → rows
    open_licences: list[dict] = field(default_factory=list)
    library: list[dict] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)
    events: list[tuple[dict, dict | None]] = field(default_factory=list)  # (plan body, held results)
    deals: list[tuple[str, dict]] = field(default_factory=list)  # (listing key "lib:i"/"ol:i", row)


def _record_rows(rng: random.Random, city: str, year: int, n: int, ents: list[DemoEnterprise], today: date,
                 seed: int) -> list[dict]:
    rows = []
    end = min(date(year, 12, 31), today)
    span = (end - date(year, 1, 1)).days
    for i in range(n):
        kind = _weighted(rng, {"assignment": 55, "ordinary_licence": 25, "exclusive_licence": 8, "sole_licence": 4,
                               "open_licence": 8})
        buyer_ent = rng.choice(ents) if ents and rng.random() < 0.6 else None
        u = rng.random()
        if u < 0.25 or kind == "open_licence":
            k, name, home = _academic(rng, city)
            seller = {"kind": k, "name": name, "city": home}
        elif u < 0.55 and ents:
            s = rng.choice(ents)
            seller = {"kind": "enterprise", "uscc": s.uscc}
            if buyer_ent and buyer_ent.uscc == s.uscc:
                buyer_ent = None
        elif u < 0.9:
            seller = {"kind": "other_enterprise",
                      "name": f"{CITIES[city][:2]}{rng.choice(['恒', '华', '中', '新'])}"
                              f"{rng.choice(['达', '源', '信', '泰'])}{rng.choice(LOCAL_TAILS)}",
                      "city": city}
        else:
            seller = {"kind": "individual", "name": f"{rng.choice(PEOPLE)}{rng.choice('明华伟强军平')}"}
        if buyer_ent:
            buyer = {"kind": "enterprise", "uscc": buyer_ent.uscc}
        elif rng.random() < 0.5:
            buyer = {"kind": "other_enterprise",
                     "name": f"{rng.choice(OUTSIDE)}{rng.choice(['瑞', '星', '博', '汇'])}"
                             f"{rng.choice(['芯', '科', '能', '联'])}{rng.choice(OUTSIDE_TAILS)}",
                     "region": "other_province"}
        else:
            buyer = {"kind": "other_enterprise", "name": f"{CITIES[city][:2]}{rng.choice(['楚', '汉', '江'])}"
                                                         f"{rng.choice(['丰', '润', '盛'])}{rng.choice(LOCAL_TAILS)}",
                     "city": city}
        if seller.get("name") and seller.get("name") == buyer.get("name"):
            buyer["name"] += "（二）"
        contract = date(year, 1, 1) + timedelta(days=rng.randint(0, max(span, 0)))
        row = {"ref": f"DEMO-{seed}-TR-{city}-{year}-{i:05d}", "kind": kind,
               "patents": [_patent(rng) for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 5))],
               "from": seller, "to": buyer, "contract_date": contract.isoformat(), "city": city}
        amount = _amount(rng)
        if amount is not None:
            row["amount"] = amount
        if kind != "assignment" and rng.random() < 0.5:
            row["term_end"] = (contract + timedelta(days=365 * rng.randint(2, 8))).isoformat()
        if kind != "assignment" and seller["kind"] in ("university", "institute") and rng.random() < 0.3:
            row["payment"] = "use_first_pay_later"
        rows.append(row)
    return rows


def _rng(seed: int, *parts: object) -> random.Random:
    """One generator per item, so that no item's identity depends on another's draws or on the date."""
    return random.Random(":".join(["ipp-demo", str(seed), "transfer", *map(str, parts)]))


def build_plan(enterprises: list[DemoEnterprise], seed: int, today: date) -> Plan:
    plan = Plan()
    by_city: dict[str, list[DemoEnterprise]] = defaultdict(list)
    for e in enterprises:
        by_city[e.city].append(e)
    total_weight = sum(CITY_WEIGHTS.values())
    for year in range(FIRST_YEAR, today.year + 1):
        for city in CITIES:  # the count does not depend on the date: refs stay the same every day
            n = max(2, round(RECORDS_PER_YEAR * CITY_WEIGHTS[city] / total_weight))
            plan.records[city] += _record_rows(_rng(seed, "records", city, year), city, year, n,
                                               by_city.get(city, []), today, seed)
    # open licences and the convertible library: university and institute patents, by city
    for city, owners in ACADEMIA.items():
        n_lib = max(1, round(40 * CITY_WEIGHTS[city] / total_weight) + (len(owners) > 1))
        for i in range(n_lib):
            rng = _rng(seed, "library", city, i)
            kind, name = owners[i % len(owners)]
            ipc, words = _tech(rng, _weighted(rng, {k: 1 for k in TECH}))
            title = rng.choice(LIBRARY_TITLES).format(k=words[0]) + f"（{name}）"
            plan.library.append({
                "title": title[:200], "patents": [_patent(rng) for _ in range(rng.randint(1, 3))], "ipc_classes": [ipc],
                "keywords": words,
                "description": f"{name}在{words[0]}方向的成熟专利技术，适用于{words[1]}相关中小企业的产品升级，"
                               "可提供技术指导与中试支持。",
                "owner": {"kind": kind, "name": name, "city": city}, "city": city,
                "use_first_pay_later": rng.random() < 0.65,
                "terms": ("普通许可，先使用后付费：首年免费试用，投产后按销售额 2%–3% 支付" if rng.random() < 0.6
                          else "可转让或许可，费用面议")})
        if city == "420100" or _rng(seed, "open-licences", city).random() < 0.7:
            for i in range(1 + (city == "420100") * 5):
                rng = _rng(seed, "open-licence", city, i)
                kind, name = rng.choice(owners)
                ipc, words = _tech(rng, _weighted(rng, {k: 1 for k in TECH}))
                fee = _weighted(rng, {"royalty": 5, "lump_sum": 3, "free": 2})
                body = {"title": f"{words[0]}相关专利开放许可（{name}）第{i + 1}批",
                        "patents": [_patent(rng) for _ in range(2)],
                        "licensor": {"kind": kind, "name": name, "city": city}, "city": city, "fee_kind": fee}
                if fee == "royalty":
                    body["royalty_rate"] = str(rng.choice([Decimal("1.5"), Decimal("2"), Decimal("3"), Decimal("5")]))
                elif fee == "lump_sum":
                    body["fee_amount"] = str(rng.choice([10000, 20000, 50000]))
                valid_from = date(FIRST_YEAR + rng.randrange(3), rng.randint(1, 6), 1)
                valid_from = min(valid_from, today.replace(day=1))
                body["valid_from"] = valid_from.isoformat()
                body["valid_to"] = valid_from.replace(year=valid_from.year + 3).isoformat()
                plan.open_licences.append(body)
    # needs of the demo enterprises (mostly private SMEs)
    for e in enterprises:
        rng = _rng(seed, "need", e.uscc)
        if rng.random() < 0.18:
            ipc, words = _tech(rng, e.industry)
            plan.needs.append({"uscc": e.uscc, "title": f"{words[0]}技术升级需求（{e.name[:12]}）"[:200],
                               "ipc_classes": [ipc.split(" ")[0] if rng.random() < 0.4 else ipc], "keywords": words,
                               "description": f"企业现有{words[0]}产品性能需提升，寻求高校院所成熟专利技术合作，"
                                              "可接受先使用后付费。",
                               "budget": str(rng.choice([200000, 500000, 800000, 1500000]))})
    # matching events: at least 4 a year, across the regions; held when their date has passed
    for year in range(FIRST_YEAR, today.year + 1):
        rng = _rng(seed, "events", year)
        months = sorted(rng.sample(range(3, 12), rng.randint(5, 7)))
        regions = list(REGIONS)
        for i, month in enumerate(months):
            on = date(year, month, rng.randint(5, 25))
            area = "全省" if i == 0 else regions[(i - 1) % len(regions)]
            city = "420100" if i == 0 else rng.choice(REGIONS[area])
            fld = rng.choice(EVENT_FIELDS)
            results = {"participants_enterprises": rng.randint(30, 150),
                       "participants_institutions": rng.randint(3, 20),
                       "deals_intended": rng.randint(5, 40), "amount_intended": str(rng.randint(5, 80) * 1_000_000)}
            if on > today:
                continue
            body = {"ref": f"DEMO-{seed}-ME-{year}-{i + 1:02d}",
                    "title": f"{year}年{area}{fld}领域专利技术供需对接会", "city": city, "planned_date": on.isoformat(),
                    "organiser": "湖北省知识产权局" if city == "420100" else f"{CITIES[city]}知识产权局",
                    "field": f"{fld}（{area}）"}
            plan.events.append((body, results))
    for i, days in enumerate((20, 60)):  # the next ones, planned
        on = today + timedelta(days=days)
        area = list(REGIONS)[i]
        city = REGIONS[area][0]
        fld = EVENT_FIELDS[i]
        plan.events.append(({"ref": f"DEMO-{seed}-ME-NEXT-{today.year}-{i + 1}",
                             "title": f"{area}{fld}领域专利技术供需对接会（计划）",
                             "city": city, "planned_date": on.isoformat(), "organiser": f"{CITIES[city]}知识产权局",
                             "field": f"{fld}（{area}）"}, None))
    # deals made through the library and open licences (a few SMEs take each up)
    for i, entry in enumerate(plan.library):
        rng = _rng(seed, "library-deal", i)
        ents = by_city.get(entry["city"]) or enterprises
        if ents and rng.random() < 0.4:
            buyer = rng.choice(ents)
            on = min(today, date(today.year, 1, 1) + timedelta(days=rng.randint(0, 200)))
            plan.deals.append((f"lib:{i}", {
                "ref": f"DEMO-{seed}-LIB-{i:04d}", "kind": "ordinary_licence", "patents": entry["patents"][:1],
                "from": entry["owner"], "to": {"kind": "enterprise", "uscc": buyer.uscc},
                "contract_date": on.isoformat(),
                "payment": "use_first_pay_later" if entry["use_first_pay_later"] else None,
                "city": buyer.city}))
    for i, lic in enumerate(plan.open_licences):
        rng = _rng(seed, "open-licence-deal", i)
        ents = by_city.get(lic["city"]) or enterprises
        start = date.fromisoformat(lic["valid_from"])
        if ents and rng.random() < 0.6 and start <= today:
            buyer = rng.choice(ents)
            on = min(today, start + timedelta(days=rng.randint(10, 300)))
            plan.deals.append((f"ol:{i}", {
                "ref": f"DEMO-{seed}-OL-{i:04d}", "kind": "open_licence", "patents": lic["patents"],
                "from": lic["licensor"], "to": {"kind": "enterprise", "uscc": buyer.uscc},
                "contract_date": on.isoformat(), "city": buyer.city}))
    return plan


def _all(list_fn, **filters) -> list:
    items, offset = [], 0
    while True:
        page = list_fn(limit=500, offset=offset, **filters)
        items += page.items
        offset += len(page.items)
        if offset >= page.total or not page.items:
            return items


def load(urls: dict[str, str], enterprises: list[DemoEnterprise], seed: int) -> str:
    today = datetime.now(CHINA).date()
    plan = build_plan(enterprises, seed, today)
    base = urls[SERVICE]
    written: Counter[str] = Counter()
    try:
        with TransferClient(base, token(Role.PROVINCE_ADMIN), timeout=120) as admin:
            expect(len(plan.records) + 1)
            for city, rows in plan.records.items():
                advance()
                with TransferClient(base, token(Role.CITY_OFFICER, city=city), timeout=120) as officer:
                    for i in range(0, len(rows), 5000):
                        result = officer.bulk_transfers(rows[i:i + 5000])
                        written["records"] += result.written
                        unexpected = [e for e in result.errors if e.rule != "ref.exists"]
                        if unexpected:
                            raise DemoError(f"运营服务批量导入出错（{CITIES[city]}）：{unexpected[:3]}")
            advance()
            have_lic = {(x.title, x.city): x for x in _all(admin.list_open_licences)}
            have_lib = {(x.title, x.city): x for x in _all(admin.list_library)}
            listing_ids: dict[str, int] = {}
            for i, body in enumerate(plan.open_licences):
                lic = have_lic.get((body["title"], body["city"]))
                if lic is None:
                    lic = admin.publish_open_licence(body)
                    written["open_licences"] += 1
                listing_ids[f"ol:{i}"] = lic.id
            for i, body in enumerate(plan.library):
                entry = have_lib.get((body["title"], body["city"]))
                if entry is None:
                    entry = admin.create_library_entry(body)
                    written["library"] += 1
                listing_ids[f"lib:{i}"] = entry.id
            for key, row in plan.deals:
                row = {**row, ("library_entry_id" if key.startswith("lib") else "open_licence_id"): listing_ids[key]}
                try:
                    admin.create_transfer({k: v for k, v in row.items() if v is not None})
                    written["deals"] += 1
                except ApiError as exc:
                    if exc.status != 409:
                        raise
            have_needs = {(x.uscc, x.title) for x in _all(admin.list_needs)}
            for body in plan.needs:
                if (body["uscc"], body["title"]) not in have_needs:
                    admin.create_need(body)
                    written["needs"] += 1
            for body, held in plan.events:
                found = admin.list_matching_events(ref=body["ref"]).items
                mev = found[0] if found else admin.plan_matching_event(body)
                written["events"] += not found
                if held and mev.status == "planned":
                    admin.hold_matching_event(mev.id, held)
                    written["held"] += 1
    except ApiError as exc:
        raise DemoError(f"运营服务返回 {exc.status}：{exc.problem}") from exc
    n_records = sum(len(r) for r in plan.records.values()) + len(plan.deals)
    held_total = sum(1 for _, h in plan.events if h)
    years = sorted({int(r["contract_date"][:4]) for rows in plan.records.values() for r in rows})
    return (f"运营服务：专利转让许可 {n_records} 条（{years[0]}–{years[-1]} 年，覆盖 {len(plan.records)} 个市州，"
            f"其中经资源库和开放许可达成 {len(plan.deals)} 条），开放许可声明 {len(plan.open_licences)} 项，"
            f"可转化专利资源库 {len(plan.library)} 项（先使用后付费 "
            f"{sum(1 for x in plan.library if x['use_first_pay_later'])} 项），企业需求 {len(plan.needs)} 项，"
            f"供需对接活动 {len(plan.events)} 场（已举办 {held_total} 场）；本次新写入：记录 "
            f"{written['records'] + written['deals']} 条、开放许可 {written['open_licences']} 项、资源库 "
            f"{written['library']} 项、需求 {written['needs']} 项、活动 {written['events']} 场")
