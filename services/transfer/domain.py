"""Rules of the transfer programme as plain code (no I/O): kinds, parties, record checks, IPC codes,
state machines and the explainable need ↔ library match score."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from libs.common.field_errors import field_error
from libs.common.identifiers import IdentifierError, validate_patent_number
from libs.common.rules import RuleViolation

FieldErrors = list[dict[str, str]]

#: The patent law came into force on 1 April 1985: no transfer can be older.
EARLIEST_DATE = date(1985, 4, 1)
MAX_PATENTS = 200


class Kind(StrEnum):
    ASSIGNMENT = "assignment"
    EXCLUSIVE = "exclusive_licence"
    SOLE = "sole_licence"
    ORDINARY = "ordinary_licence"
    OPEN = "open_licence"


KIND_NAMES = {Kind.ASSIGNMENT: "专利权转让", Kind.EXCLUSIVE: "独占许可", Kind.SOLE: "排他许可",
              Kind.ORDINARY: "普通许可", Kind.OPEN: "开放许可"}
LICENCES = frozenset({Kind.EXCLUSIVE, Kind.SOLE, Kind.ORDINARY, Kind.OPEN})


class PartyKind(StrEnum):
    ENTERPRISE = "enterprise"              # registered in the enterprise registry (read model)
    UNIVERSITY = "university"              # 高校
    INSTITUTE = "institute"                # 科研院所
    OTHER_ENTERPRISE = "other_enterprise"  # not registered: out-of-province, foreign, or not yet registered
    INDIVIDUAL = "individual"              # 个人
    OTHER = "other"                        # 其他组织（协会、医院、运营中心…）


PARTY_KIND_NAMES = {PartyKind.ENTERPRISE: "已登记企业", PartyKind.UNIVERSITY: "高校", PartyKind.INSTITUTE: "科研院所",
                    PartyKind.OTHER_ENTERPRISE: "其他企业", PartyKind.INDIVIDUAL: "个人", PartyKind.OTHER: "其他组织"}
ACADEMIC = frozenset({PartyKind.UNIVERSITY, PartyKind.INSTITUTE})


class Region(StrEnum):
    HUBEI = "hubei"
    OTHER_PROVINCE = "other_province"
    FOREIGN = "foreign"


class Payment(StrEnum):
    LUMP_SUM = "lump_sum"                  # 一次性支付
    INSTALMENTS = "instalments"            # 分期支付
    ROYALTY = "royalty"                    # 提成
    USE_FIRST_PAY_LATER = "use_first_pay_later"  # 先使用后付费
    FREE = "free"                          # 免费


class FeeKind(StrEnum):
    FREE = "free"            # 免费（常见于开放许可的免费期）
    LUMP_SUM = "lump_sum"    # 每年固定许可费
    ROYALTY = "royalty"      # 按销售额提成


# ------------------------------------------------------------------------------ names, patents

def money_str(value: Decimal | None) -> str | None:
    """An amount as an exact decimal string with two places (events carry money so)."""
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def normalise_name(name: str) -> str:
    """How a party is named: NFKC (full-width brackets and letters to ASCII), inner whitespace collapsed."""
    text = unicodedata.normalize("NFKC", name)
    return re.sub(r"\s+", " ", text).strip()


def normalise_patents(values: Iterable[str], field_name: str = "patents") -> tuple[list[str], FieldErrors]:
    """Validate and normalise patent numbers; duplicates (after normalising) are an error."""
    out: list[str] = []
    errors: FieldErrors = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(values):
        try:
            number = validate_patent_number(raw)
        except IdentifierError as exc:
            errors.append(field_error(f"{field_name}.{i}", exc.rule, exc.message))
            continue
        if number in seen:
            errors.append(field_error(f"{field_name}.{i}", "patents.duplicate",
                                      f"专利 {number} 与第 {seen[number] + 1} 项重复"))
            continue
        seen[number] = i
        out.append(number)
    return out, errors


def duplicate_patents(numbers: list[str], field_name: str = "patents") -> FieldErrors:
    """Errors for repeated numbers in an already normalised list."""
    if len(set(numbers)) == len(numbers):
        return []
    errors: FieldErrors = []
    first: dict[str, int] = {}
    for i, number in enumerate(numbers):
        if number in first:
            errors.append(field_error(f"{field_name}.{i}", "patents.duplicate",
                                      f"专利 {number} 与第 {first[number] + 1} 项重复"))
        else:
            first[number] = i
    return errors


# ------------------------------------------------------------------------------ IPC and keywords

_IPC_RE = re.compile(r"([A-H])\s*(\d{2})\s*([A-Z])(?:\s*(\d{1,4})\s*/\s*(\d{2,6}))?")


def normalise_ipc(value: str) -> str:
    """An IPC symbol as ``H01M`` (subclass) or ``H01M 10/0525`` (group); raises ``ipc.format`` (field ``ipc``)."""
    text = unicodedata.normalize("NFKC", value).strip().upper()
    m = _IPC_RE.fullmatch(text)
    if not m:
        raise RuleViolation("ipc.format", f"IPC 分类号“{value}”格式不正确，应为小类（如 H01M）或组（如 H01M 10/0525）",
                            field="ipc")
    section, cls, sub, main, group = m.groups()
    subclass = f"{section}{cls}{sub}"
    if main is None:
        return subclass
    return f"{subclass} {int(main)}/{group}"


@dataclass(frozen=True)
class Ipc:
    symbol: str

    @property
    def klass(self) -> str:
        return self.symbol[:3]

    @property
    def subclass(self) -> str:
        return self.symbol[:4]

    @property
    def main_group(self) -> str | None:
        return self.symbol.split("/")[0] if "/" in self.symbol else None


def normalise_keywords(values: Iterable[str]) -> list[str]:
    """Lower-case, NFKC, trimmed, de-duplicated in order."""
    out: list[str] = []
    for v in values:
        k = normalise_name(v).lower()
        if k and k not in out:
            out.append(k)
    return out


# ------------------------------------------------------------------------------ parties and records

@dataclass(frozen=True)
class PartyInput:
    kind: PartyKind
    name: str | None = None
    uscc: str | None = None
    region: Region | None = None
    city: str | None = None


@dataclass(frozen=True)
class Party:
    kind: PartyKind
    name: str
    uscc: str | None
    region: Region
    city: str | None
    ownership: str | None = None
    is_private: bool | None = None

    @property
    def registered(self) -> bool:
        return self.kind == PartyKind.ENTERPRISE

    def as_event(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "name": self.name, "uscc": self.uscc, "region": self.region.value,
                "city": self.city, "registered": self.registered, "ownership": self.ownership,
                "is_private": self.is_private}


def resolve_party(side: str, party: PartyInput, known: Mapping[str, Any]) -> tuple[Party | None, FieldErrors]:
    """A party as recorded. ``known`` maps USCC → read-model row (name, city, ownership, is_private).

    A registered enterprise is named and placed by the read model. A party of another kind whose USCC
    the read model knows is recorded as that registered enterprise. Everyone else is named as on the
    patent register (normalised) with a region, and a city when it is in Hubei and known.
    """
    if party.uscc and party.uscc in known:
        row = known[party.uscc]
        if party.kind in (PartyKind.ENTERPRISE, PartyKind.OTHER_ENTERPRISE):
            return Party(PartyKind.ENTERPRISE, row.name, party.uscc, Region.HUBEI, row.city, row.ownership,
                         bool(row.is_private)), []
    if party.kind == PartyKind.ENTERPRISE:
        if not party.uscc:
            return None, [field_error(f"{side}.uscc", "party.uscc_required",
                                      "已登记企业须填写统一社会信用代码（未登记企业请用 other_enterprise）")]
        return None, [field_error(f"{side}.uscc", "enterprise-registered",
                                  f"企业 {party.uscc} 未在企业库登记（或登记尚未同步到本服务），请先在企业服务登记，"
                                  "或将 kind 设为 other_enterprise")]
    name = normalise_name(party.name or "")
    if len(name) < 2:
        return None, [field_error(f"{side}.name", "party.name_required", "非登记主体须填写名称（至少 2 个字）")]
    region = party.region or Region.HUBEI
    if party.city and region != Region.HUBEI:
        return None, [field_error(f"{side}.city", "party.city_outside_hubei", "省外或境外主体不填写市州")]
    return Party(party.kind, name, party.uscc, region, party.city), []


def check_record(kind: Kind, seller: Party, buyer: Party, contract_date: date, term_end: date | None,
                 amount: Decimal | None, payment: Payment | None, today: date) -> FieldErrors:
    """The rules a transfer/licence record must meet once its parties are resolved."""
    errors: FieldErrors = []
    if (seller.uscc and seller.uscc == buyer.uscc) or seller.name == buyer.name:
        errors.append(field_error("to", "party.same", "让与/许可方与受让/被许可方不能是同一主体"))
    if contract_date > today:
        errors.append(field_error("contract_date", "date.future", f"合同日期 {contract_date} 晚于今天 {today}"))
    elif contract_date < EARLIEST_DATE:
        errors.append(field_error("contract_date", "date.too_early", "合同日期早于专利法施行日 1985-04-01"))
    if term_end is not None:
        if kind == Kind.ASSIGNMENT:
            errors.append(field_error("term_end", "term_end.not_for_assignment", "转让没有许可期限，请勿填写 term_end"))
        elif term_end <= contract_date:
            errors.append(field_error("term_end", "term_end.before_date", "许可期限截止日应晚于合同日期"))
    if payment == Payment.FREE and amount not in (None, Decimal(0)):
        errors.append(field_error("amount", "amount.free_but_paid", "支付方式为免费时金额应为 0 或不填"))
    return errors


def record_city(seller: Party, buyer: Party, explicit: str | None) -> str | None:
    """The Hubei city a record counts for: explicit, else the registered enterprise's city (seller
    first), else any Hubei party's city."""
    if explicit:
        return explicit
    for p in (seller, buyer):
        if p.registered and p.city:
            return p.city
    for p in (seller, buyer):
        if p.region == Region.HUBEI and p.city:
            return p.city
    return None


def ref_errors(ref: str, row: int, existing: set[str], seen: dict[str, int]) -> FieldErrors:
    """A record's ``ref`` is unique: not stored yet (``existing``) and not on an earlier row of the same
    request (``seen``: ref → row, which this call extends)."""
    if ref in existing:
        return [field_error("ref", "ref.exists", f"登记编号 {ref} 已存在")]
    if ref in seen:
        return [field_error("ref", "ref.duplicate_in_batch", f"登记编号 {ref} 与第 {seen[ref]} 行重复")]
    seen[ref] = row
    return []


def counted_city(seller: Party, buyer: Party, explicit: str | None) -> tuple[str | None, FieldErrors]:
    """:func:`record_city`, or the error saying that the request must name it."""
    city = record_city(seller, buyer, explicit)
    if city is None:
        return None, [field_error("city", "city.required", "双方均无湖北市州信息，请填写 city（计入的市州）")]
    return city, []


def record_channel(item: Any) -> str:
    """How a deal came about: through an open licence, the library, a matching event, or directly."""
    return ("open_licence" if item.open_licence_id else "library" if item.library_entry_id
            else "matching_event" if item.matching_event_id else "direct")


def check_links(item: Any, patents: list[str], licences: Mapping[int, Any], entries: Mapping[int, Any],
                events: Mapping[int, Any]) -> FieldErrors:
    """The listings a record names must exist and fit it: an open licence in force on the contract
    date that covers every patent (kind ``open_licence``), an available library entry, a matching event
    not cancelled. ``item`` is the record as requested; the maps hold the stored rows by id."""
    errs: FieldErrors = []
    if item.open_licence_id is not None:
        lic = licences.get(item.open_licence_id)
        if lic is None:
            errs.append(field_error("open_licence_id", "open_licence.unknown",
                                    f"开放许可声明 {item.open_licence_id} 不存在"))
        else:
            if item.kind != Kind.OPEN:
                errs.append(field_error("kind", "open_licence.kind",
                                        "经由开放许可声明达成的许可，kind 应为 open_licence"))
            if not open_licence_in_force(lic.status, lic.valid_from, lic.valid_to, item.contract_date):
                errs.append(field_error("open_licence_id", "open_licence.not_in_force",
                                        f"开放许可声明 {lic.id} 在 {item.contract_date} 不在有效期内或已撤回"))
            outside = [p for p in patents if p not in lic.patents]
            if outside:
                errs.append(field_error("patents", "open_licence.patents",
                                        f"专利 {'、'.join(outside)} 不在开放许可声明 {lic.id} 中"))
    if item.library_entry_id is not None:
        entry = entries.get(item.library_entry_id)
        if entry is None:
            errs.append(field_error("library_entry_id", "library_entry.unknown",
                                    f"资源库条目 {item.library_entry_id} 不存在"))
        elif entry.status != "available":
            errs.append(field_error("library_entry_id", "library_entry.unavailable", f"资源库条目 {entry.id} 已撤回"))
    if item.matching_event_id is not None:
        mev = events.get(item.matching_event_id)
        if mev is None:
            errs.append(field_error("matching_event_id", "matching_event.unknown",
                                    f"对接活动 {item.matching_event_id} 不存在"))
        elif mev.status == "cancelled":
            errs.append(field_error("matching_event_id", "matching_event.cancelled", f"对接活动 {mev.id} 已取消"))
    return errs


# ------------------------------------------------------------------------------ listings, needs, matching events

def listing_city(party: Party, explicit: str | None, side: str) -> str:
    """The city an open licence or library entry is listed in: explicit, else its owner's."""
    city = explicit or party.city
    if city is None:
        raise RuleViolation("city.required", f"{side}不在湖北或未填写市州，请填写 city", field="city")
    return city


def check_fee(fee_kind: FeeKind, fee_amount: Decimal | None, royalty_rate: Decimal | None, valid_from: date,
              valid_to: date) -> None:
    """An open licence's fee fits its kind, and its term is not empty."""
    if fee_kind == FeeKind.FREE and (fee_amount or royalty_rate):
        raise RuleViolation("fee.free_but_priced", "免费开放许可不填写许可费或提成比例", field="fee_amount")
    if fee_kind == FeeKind.LUMP_SUM and not fee_amount:
        raise RuleViolation("fee.amount_required", "固定许可费方式须填写大于 0 的每年许可费", field="fee_amount")
    if fee_kind == FeeKind.ROYALTY and royalty_rate is None:
        raise RuleViolation("fee.rate_required", "提成方式须填写提成比例", field="royalty_rate")
    if valid_to <= valid_from:
        raise RuleViolation("valid_to.before_from", "有效期截止日应晚于起始日", field="valid_to")


def check_need_terms(ipc_classes: list[str], keywords: list[str]) -> None:
    """A need names something to match on."""
    if not ipc_classes and not keywords:
        raise RuleViolation("need.no_terms", "请至少填写一个 IPC 分类号或关键词，以便匹配", field="keywords")


def held_date(held_on: date | None, planned_date: date, today: date) -> date:
    """The day a matching event was held (default: as planned); results are recorded afterwards."""
    held_on = held_on or planned_date
    if held_on > today:
        raise RuleViolation("date.future", f"举办日期 {held_on} 晚于今天，活动举办后再登记结果", field="held_on")
    return held_on


# ------------------------------------------------------------------------------ state machines

@dataclass(frozen=True)
class Machine:
    name: str
    label: str
    #: action → (allowed from-states, to-state)
    actions: dict[str, tuple[frozenset[str], str]] = field(default_factory=dict)

    def next(self, current: str, action: str) -> str:
        allowed, target = self.actions[action]
        if current not in allowed:
            raise RuleViolation(f"{self.name}.{action}.not_allowed",
                                f"{self.label}当前状态为“{STATUS_NAMES.get(current, current)}”，"
                                f"不能执行“{ACTION_NAMES[action]}”")
        return target


STATUS_NAMES = {"registered": "已登记", "cancelled": "已撤销", "active": "有效", "withdrawn": "已撤回",
                "available": "可转化", "open": "征集中", "resolved": "已解决", "planned": "计划中", "held": "已举办",
                "approved": "已认定", "operating": "运行中", "revoked": "已撤销认定"}
ACTION_NAMES = {"cancel": "撤销", "withdraw": "撤回", "resolve": "标记已解决", "hold": "登记举办结果",
                "establish": "登记建成运行", "revoke": "撤销认定", "review": "登记年度评价"}

RECORD = Machine("record", "转让许可记录", {"cancel": (frozenset({"registered"}), "cancelled")})
OPEN_LICENCE = Machine("open_licence", "开放许可", {"withdraw": (frozenset({"active"}), "withdrawn")})
LIBRARY = Machine("library_entry", "资源库条目", {"withdraw": (frozenset({"available"}), "withdrawn")})
NEED = Machine("need", "企业需求", {"resolve": (frozenset({"open"}), "resolved"),
                                    "withdraw": (frozenset({"open"}), "withdrawn")})
MATCHING = Machine("matching_event", "对接活动", {"hold": (frozenset({"planned"}), "held"),
                                                   "cancel": (frozenset({"planned"}), "cancelled")})


def open_licence_in_force(status: str, valid_from: date, valid_to: date, on: date) -> bool:
    return status == "active" and valid_from <= on <= valid_to


# ------------------------------------------------------------------------------ matching

IPC_POINTS = {"group": 50, "subclass": 30, "class": 10}
KEYWORD_EXACT = 10
KEYWORD_IN_TEXT = 5
KEYWORD_CAP = 50
SAME_CITY = 5
USE_FIRST_FOR_SME = 5
SME_SIZES = frozenset({"micro", "small", "medium"})


@dataclass(frozen=True)
class Reason:
    rule: str
    points: int
    detail: str


@dataclass(frozen=True)
class MatchScore:
    score: int
    reasons: tuple[Reason, ...]


def ipc_score(need: Iterable[str], entry: Iterable[str]) -> Reason | None:
    """The best IPC agreement between a need and an entry: same main group 50, same subclass 30,
    same class 10 (a subclass-only symbol matches at most at subclass level)."""
    best: Reason | None = None
    for a in map(Ipc, need):
        for b in map(Ipc, entry):
            if a.main_group and a.main_group == b.main_group:
                r = Reason("ipc.group", IPC_POINTS["group"], f"IPC 同组：{a.symbol} ~ {b.symbol}（{a.main_group}）")
            elif a.subclass == b.subclass:
                r = Reason("ipc.subclass", IPC_POINTS["subclass"],
                           f"IPC 同小类：{a.symbol} ~ {b.symbol}（{a.subclass}）")
            elif a.klass == b.klass:
                r = Reason("ipc.class", IPC_POINTS["class"], f"IPC 同大类：{a.symbol} ~ {b.symbol}（{a.klass}）")
            else:
                continue
            if best is None or r.points > best.points:
                best = r
    return best


def score_match(need_ipcs: list[str], need_keywords: list[str], need_city: str, need_size: str | None,
                entry_ipcs: list[str], entry_keywords: list[str], entry_text: str, entry_city: str,
                use_first_pay_later: bool) -> MatchScore:
    """How well a library entry fits a need, with the reasons. Score 0 means no technical match
    (no IPC agreement and no shared keyword): the bonuses alone never make a match."""
    reasons: list[Reason] = []
    ipc = ipc_score(need_ipcs, entry_ipcs)
    if ipc:
        reasons.append(ipc)
    text = entry_text.lower()
    kw_points = 0
    entry_kw = set(entry_keywords)
    for k in need_keywords:
        if kw_points >= KEYWORD_CAP:
            break
        if k in entry_kw:
            pts = min(KEYWORD_EXACT, KEYWORD_CAP - kw_points)
            reasons.append(Reason("keyword.exact", pts, f"关键词一致：{k}"))
        elif k in text:
            pts = min(KEYWORD_IN_TEXT, KEYWORD_CAP - kw_points)
            reasons.append(Reason("keyword.text", pts, f"关键词出现在标题或简介中：{k}"))
        else:
            continue
        kw_points += pts
    if not reasons:
        return MatchScore(0, ())
    if need_city == entry_city:
        reasons.append(Reason("city.same", SAME_CITY, "同一市州，便于就近转化"))
    if use_first_pay_later and need_size in SME_SIZES:
        reasons.append(Reason("use_first_pay_later", USE_FIRST_FOR_SME, "先使用后付费，降低中小企业使用门槛"))
    return MatchScore(sum(r.points for r in reasons), tuple(reasons))


# ------------------------------------------------------------------------------ innovation carriers 载体

class CarrierKind(StrEnum):
    HIGH_VALUE_CULTIVATION_CENTRE = "high_value_cultivation_centre"  # 003 § 5; 000 § 二.1; 004 § 二(一)1
    NAVIGATION_BASE = "navigation_base"                                # 003 § 7; 000 § 二.2
    OPERATIONS_CENTRE = "operations_centre"                            # 003 § 9; 004 § 二(二)3; 000 § 二.4
    UNIVERSITY_CONVERSION_BASE = "university_conversion_base"          # 003 § 9
    INNOVATION_CONSORTIUM = "innovation_consortium"                    # 003 § 9; 001 § 二(二)
    PATENT_POOL = "patent_pool"                                        # 003 § 9; 001 § 二(二)
    INDUSTRIALISATION_PARK = "industrialisation_park"                  # 003 § 11
    SERVICE_CLUSTER = "service_cluster"                                # 003 § 22; 001 § 一(二)


CARRIER_KIND_NAMES = {
    CarrierKind.HIGH_VALUE_CULTIVATION_CENTRE: "高价值专利培育中心",
    CarrierKind.NAVIGATION_BASE: "省级专利导航服务基地",
    CarrierKind.OPERATIONS_CENTRE: "重点产业知识产权运营中心",
    CarrierKind.UNIVERSITY_CONVERSION_BASE: "高校院所专利转化基地",
    CarrierKind.INNOVATION_CONSORTIUM: "产业知识产权创新联合体",
    CarrierKind.PATENT_POOL: "产业专利池",
    CarrierKind.INDUSTRIALISATION_PARK: "专利产业化重点科技园区",
    CarrierKind.SERVICE_CLUSTER: "知识产权服务业集聚区",
}


class CarrierLevel(StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"


CARRIER_LEVEL_NAMES = {CarrierLevel.NATIONAL: "国家级", CarrierLevel.PROVINCIAL: "省级", CarrierLevel.CITY: "市级"}
#: Levels the province approves (and revokes); a city-level carrier is its city's own.
PROVINCE_LEVELS = frozenset({CarrierLevel.NATIONAL, CarrierLevel.PROVINCIAL})


class HostKind(StrEnum):
    ENTERPRISE = "enterprise"    # a registered enterprise, by USCC (read model)
    UNIVERSITY = "university"    # 高校
    INSTITUTE = "institute"      # 科研院所
    PARK = "park"                # 园区
    OTHER = "other"              # 行业协会、服务机构等其他组织


HOST_KIND_NAMES = {HostKind.ENTERPRISE: "已登记企业", HostKind.UNIVERSITY: "高校", HostKind.INSTITUTE: "科研院所",
                   HostKind.PARK: "园区", HostKind.OTHER: "其他组织"}


class ReviewResult(StrEnum):
    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    FAILED = "failed"


REVIEW_RESULT_NAMES = {ReviewResult.EXCELLENT: "优秀", ReviewResult.QUALIFIED: "合格", ReviewResult.FAILED: "不合格"}

CARRIER = Machine("carrier", "载体", {"establish": (frozenset({"approved"}), "operating"),
                                      "revoke": (frozenset({"approved", "operating"}), "revoked"),
                                      "review": (frozenset({"operating"}), "operating")})


def check_carrier_host(host_kind: HostKind, host_uscc: str | None, host_name: str | None) -> None:
    """An enterprise host is named by its USCC (the registry gives its name); any other host by its name,
    without a USCC (only registered enterprises are named by USCC here)."""
    if host_kind == HostKind.ENTERPRISE:
        if not host_uscc:
            raise RuleViolation("host_uscc.required", "依托单位为企业时须填写统一社会信用代码", field="host_uscc")
    else:
        if host_uscc:
            raise RuleViolation("host_uscc.not_enterprise", "只有依托单位为企业时才填写统一社会信用代码",
                                field="host_uscc")
        if not host_name or not host_name.strip():
            raise RuleViolation("host_name.required", "依托单位为高校、院所、园区或其他组织时须填写名称",
                                field="host_name")


def check_carrier_dates(approved_on: date, established_on: date | None, today: date) -> None:
    """Approval is not in the future; establishment (start of operation) is on or after approval and
    not in the future."""
    if approved_on > today:
        raise RuleViolation("date.future", f"认定日期 {approved_on} 晚于今天", field="approved_on")
    if established_on is not None:
        if established_on < approved_on:
            raise RuleViolation("established_on.before_approval",
                                f"建成运行日期 {established_on} 早于认定日期 {approved_on}", field="established_on")
        if established_on > today:
            raise RuleViolation("date.future", f"建成运行日期 {established_on} 晚于今天", field="established_on")


def check_revocation_date(revoked_on: date, approved_on: date, established_on: date | None, today: date) -> None:
    """A revocation falls after the carrier's approval (and establishment), and not in the future."""
    latest = max(approved_on, established_on or approved_on)
    if revoked_on < latest:
        raise RuleViolation("revoked_on.before_start", f"撤销日期 {revoked_on} 早于认定或建成运行日期 {latest}",
                            field="revoked_on")
    if revoked_on > today:
        raise RuleViolation("date.future", f"撤销日期 {revoked_on} 晚于今天", field="revoked_on")


def check_review_year(year: int, established_on: date, today: date) -> None:
    """A yearly review is of a year the carrier operated in (from its establishment year) and that has begun."""
    if year < established_on.year:
        raise RuleViolation("review.year_before_establishment",
                            f"评价年度 {year} 早于建成运行年度 {established_on.year}", field="year")
    if year > today.year:
        raise RuleViolation("review.year_future", f"评价年度 {year} 尚未开始", field="year")
