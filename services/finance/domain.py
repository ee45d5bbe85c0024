"""Rules of the finance programme as plain code (no I/O): pledged items, loan states, dates,
white-list differences and financing activities.

Sources: 鄂知发〔2019〕1号 § 7–9 (pledge financing for private enterprises, risk sharing, at least 1–2
matchmaking events a year), 鄂知发〔2025〕2号 § 12 (white-list, 一月一链 roadshows, pledges of patents,
trademarks and geographical indications) and the 2024 SME patent-industrialisation plan § 二(三)5.

A broken rule is a :class:`RuleViolation`: naming a field (a 422) for a wrong value, without one (a
409) for a conflict with what is stored.
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from libs.common import published
from libs.common.identifiers import IdentifierError, validate_patent_number
from libs.common.published import diff_keyed
from libs.common.rules import RuleViolation

#: Earliest business date the programme accepts (older records are not this platform's business).
EARLIEST_DATE = date(2000, 1, 1)
MAX_TERM_MONTHS = 120
MAX_ITEMS = 200



# --------------------------------------------------------------------------- pledged items

class ItemKind(StrEnum):
    PATENT = "patent"                        # 专利权
    TRADEMARK = "trademark"                  # 注册商标专用权
    GEOGRAPHICAL_INDICATION = "geographical_indication"  # 地理标志（证明商标/集体商标）


ITEM_KIND_NAMES = {ItemKind.PATENT: "专利", ItemKind.TRADEMARK: "商标",
                   ItemKind.GEOGRAPHICAL_INDICATION: "地理标志"}

#: A Chinese trademark registration number (注册号): 1–9 digits without a leading zero. Registration
#: numbers are sequential integers (today 8 digits; 9 leaves room). Geographical indications are
#: pledged as registered certification/collective marks (地理标志证明商标/集体商标), so they carry a
#: trademark registration number too. Full-width digits, spaces and a "第…号" wrapper are tolerated.
_TRADEMARK_RE = re.compile(r"[1-9][0-9]{0,8}")


def normalize_item_number(kind: ItemKind, value: str) -> str:
    """The normalised number of a pledged item, or :class:`RuleViolation` (field ``number``)."""
    if kind == ItemKind.PATENT:
        try:
            return validate_patent_number(value)
        except IdentifierError as exc:
            raise RuleViolation(exc.rule, exc.message, "number") from None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    if text.startswith("第") and text.endswith("号"):
        text = text[1:-1]
    rule = "trademark.format" if kind == ItemKind.TRADEMARK else "geographical_indication.format"
    if not _TRADEMARK_RE.fullmatch(text):
        label = ITEM_KIND_NAMES[kind]
        raise RuleViolation(rule, f"{label}注册号“{value}”格式不正确：应为1至9位数字且不以0开头（如 12345678）",
                            "number")
    return text


def check_items(items: list[tuple[ItemKind, str]]) -> list[tuple[ItemKind, str]]:
    """Normalise every item; refuse none, too many, or the same item twice (fields ``items.<i>…``)."""
    if not items:
        raise RuleViolation("items.empty", "至少需要一项质押物（专利、商标或地理标志）", "items")
    if len(items) > MAX_ITEMS:
        raise RuleViolation("items.too_many", f"质押物最多 {MAX_ITEMS} 项", "items")
    out: list[tuple[ItemKind, str]] = []
    seen: set[tuple[ItemKind, str]] = set()
    for i, (kind, number) in enumerate(items):
        try:
            normalized = normalize_item_number(kind, number)
        except RuleViolation as exc:
            raise RuleViolation(exc.code, exc.message, f"items.{i}.number") from None
        if (kind, normalized) in seen:
            raise RuleViolation("items.duplicate", f"质押物 {normalized} 重复填写", f"items.{i}.number")
        seen.add((kind, normalized))
        out.append((kind, normalized))
    return out


def check_contract_free(lender: str, contract_no: str, registered_as: int | str | None) -> None:
    """A lender registers a contract once: ``registered_as`` is the loan (or the report's row) that has it."""
    if registered_as is not None:
        raise RuleViolation("pledge.duplicate_contract",
                                  f"银行 {lender} 的合同 {contract_no} 已登记（贷款 {registered_as}）",
                                  loan_id=registered_as)


def check_items_free(pledged: list[tuple[str, str, int | str]]) -> None:
    """No item is pledged while it secures another loan: ``pledged`` are the (kind, number, loan)
    of the items asked for that are."""
    if pledged:
        raise RuleViolation("pledge.item_already_pledged",
                            "；".join(f"{n} 正在贷款 {loan} 的质押期间" for _, n, loan in pledged)
                            + "，不能重复质押",
                            items=[{"kind": k, "number": n, "loan_id": loan} for k, n, loan in pledged])


# --------------------------------------------------------------------------- risk sharing

class RiskSharing(StrEnum):
    RISK_COMPENSATION = "risk_compensation"      # 风险补偿（省级中小微企业贷款风险补偿资金等）
    GUARANTEE_INSURANCE = "guarantee_insurance"  # 保证保险
    GUARANTEE = "guarantee"                      # 担保（融资担保机构）
    INTEREST_SUBSIDY = "interest_subsidy"        # 贴息


RISK_SHARING_NAMES = {RiskSharing.RISK_COMPENSATION: "风险补偿", RiskSharing.GUARANTEE_INSURANCE: "保证保险",
                      RiskSharing.GUARANTEE: "担保", RiskSharing.INTEREST_SUBSIDY: "贴息"}


# --------------------------------------------------------------------------- loan states

class LoanStatus(StrEnum):
    REGISTERED = "registered"  # 已登记（质押期间）
    RELEASED = "released"      # 已解除质押（正常还款）
    DEFAULTED = "defaulted"    # 已违约（进入处置）
    CANCELLED = "cancelled"    # 已撤销（错误登记的更正，不计入统计）


LOAN_STATUS_NAMES = {LoanStatus.REGISTERED: "已登记", LoanStatus.RELEASED: "已解除质押",
                     LoanStatus.DEFAULTED: "已违约", LoanStatus.CANCELLED: "已撤销"}

#: registered → released / defaulted / cancelled; the three end states are final.
TRANSITIONS: dict[LoanStatus, frozenset[LoanStatus]] = {
    LoanStatus.REGISTERED: frozenset({LoanStatus.RELEASED, LoanStatus.DEFAULTED, LoanStatus.CANCELLED}),
    LoanStatus.RELEASED: frozenset(),
    LoanStatus.DEFAULTED: frozenset(),
    LoanStatus.CANCELLED: frozenset(),
}


def check_transition(current: LoanStatus, target: LoanStatus) -> None:
    """Refuse an illegal status change (a 409 ``pledge.transition``)."""
    if target not in TRANSITIONS[current]:
        raise RuleViolation("pledge.transition",
                            f"贷款当前状态为“{LOAN_STATUS_NAMES[current]}”，不能变更为“{LOAN_STATUS_NAMES[target]}”")


def check_business_date(value: date, today: date, field: str, label: str) -> None:
    """A business date that has happened: between :data:`EARLIEST_DATE` and today."""
    if value > today:
        raise RuleViolation("date.future", f"{label}（{value}）不能晚于今天（{today}）", field)
    if value < EARLIEST_DATE:
        raise RuleViolation("date.too_early", f"{label}（{value}）不能早于 {EARLIEST_DATE}", field)


def check_status_date(registration_date: date, value: date, today: date, field: str, label: str) -> None:
    """Release / default dates: not before the pledge registration, not in the future."""
    check_business_date(value, today, field, label)
    if value < registration_date:
        raise RuleViolation("date.before_registration", f"{label}（{value}）不能早于质押登记日（{registration_date}）",
                            field)


#: The date a status change is dated by, and its label.
STATUS_DATES = {LoanStatus.RELEASED: ("released_on", "解除质押日期"),
                LoanStatus.DEFAULTED: ("defaulted_on", "违约认定日期")}


def check_status_change(current: LoanStatus, target: LoanStatus, registration_date: date, on: date,
                        today: date) -> None:
    """Release, default or cancel a registered loan, a release or default dated from its registration."""
    check_transition(current, target)
    if target in STATUS_DATES:
        check_status_date(registration_date, on, today, *STATUS_DATES[target])


def add_months(start: date, months: int) -> date:
    """``start`` plus whole months; the day is clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def maturity_date(registration_date: date, term_months: int) -> date:
    if not 1 <= term_months <= MAX_TERM_MONTHS:
        raise RuleViolation("term.range", f"贷款期限应为 1 至 {MAX_TERM_MONTHS} 个月", "term_months")
    return add_months(registration_date, term_months)


# --------------------------------------------------------------------------- white-list

@dataclass(frozen=True)
class CreditLineChange:
    uscc: str
    before: Decimal
    after: Decimal


@dataclass(frozen=True)
class WhitelistDiff:
    added: dict[str, Decimal]
    removed: dict[str, Decimal]
    changed: list[CreditLineChange]
    unchanged: int


def diff_whitelists(older: dict[str, Decimal], newer: dict[str, Decimal]) -> WhitelistDiff:
    """What changed from ``older`` to ``newer`` (USCC → suggested credit line), sorted by USCC."""
    d = diff_keyed(older, newer)
    return WhitelistDiff(d.added, d.removed, [CreditLineChange(c.key, c.before, c.after) for c in d.changed],
                         d.unchanged)


def check_whitelist_entries(usccs: list[str]) -> None:
    """A white-list names each enterprise once and is not empty."""
    if not usccs:
        raise RuleViolation("whitelist.empty", "白名单至少需要一家企业", "entries")
    seen: set[str] = set()
    for i, uscc in enumerate(usccs):
        if uscc in seen:
            raise RuleViolation("whitelist.duplicate", f"企业 {uscc} 在白名单中重复出现", f"entries.{i}.uscc")
        seen.add(uscc)


def check_whitelist_credit(usccs: list[str], active: dict[str, list[str]], published_on: date) -> None:
    """鄂知发〔2019〕1号 § 5 “对严重失信主体开展联合惩戒”: an enterprise under a credit-register entry
    in effect on the publication date is not listed (``active``: USCC → its entries, described)."""
    for i, uscc in enumerate(usccs):
        if active.get(uscc):
            raise RuleViolation("whitelist.credit_entry",
                                f"企业 {uscc} 在 {published_on} 有在效信用记录，不能列入授信白名单："
                                + "；".join(active[uscc]),
                                f"entries.{i}.uscc")


def check_publication_date(published_on: date, previous: date | None, today: date) -> None:
    """Versions are published in date order: not before the previous version, not in the future."""
    check_business_date(published_on, today, "published_on", "发布日期")
    published.check_publication_date(published_on, previous, today, "whitelist.date_order", "白名单")


# --------------------------------------------------------------------------- activities

class ActivityKind(StrEnum):
    MATCHMAKING = "matchmaking"  # 知识产权质押融资对接活动（鄂知发〔2019〕1号 § 9）
    ROADSHOW = "roadshow"        # 专精特新中小企业“一月一链”投融资路演（鄂知发〔2025〕2号 § 12）


ACTIVITY_KIND_NAMES = {ActivityKind.MATCHMAKING: "质押融资对接活动", ActivityKind.ROADSHOW: "“一月一链”投融资路演"}

#: Industrial chains of the "51020" cluster plan (the same codes as the enterprise registry's industries).
CHAINS: dict[str, str] = {
    "P1": "新一代信息技术（光芯屏端网）", "P2": "汽车制造与服务", "P3": "现代化工及能源", "P4": "大健康",
    "P5": "现代农产品加工", "A01": "高端装备", "A02": "先进材料", "A03": "节能环保", "A04": "现代纺织服装",
    "A05": "绿色建材", "A06": "现代金融", "A07": "现代物流", "A08": "研发设计和科技服务", "A09": "商贸服务",
    "A10": "文化旅游",
}


def check_activity(kind: ActivityKind, chain: str | None, enterprise_count: int, listed: int) -> None:
    """A roadshow presents one industrial chain; the head count covers the enterprises listed."""
    if chain is not None and chain not in CHAINS:
        raise RuleViolation("chain.unknown", f"未知的产业链代码 {chain}，可选：{'、'.join(CHAINS)}", "chain")
    if kind == ActivityKind.ROADSHOW and chain is None:
        raise RuleViolation("roadshow.chain_required", "“一月一链”路演须注明产业链", "chain")
    if enterprise_count < listed:
        raise RuleViolation("activity.enterprise_count",
                            f"参与企业数（{enterprise_count}）少于列出的企业数（{listed}）",
                            "enterprise_count")


def check_listed(listed: list[str]) -> None:
    """An activity lists each enterprise once."""
    for i, uscc in enumerate(listed):
        if uscc in listed[:i]:
            raise RuleViolation("enterprises.duplicate", f"企业 {uscc} 重复列出", f"enterprises.{i}")


def month_of(day: date) -> tuple[date, date]:
    """The first day of ``day``'s month and of the month after."""
    first = day.replace(day=1)
    return first, date(first.year + first.month // 12, first.month % 12 + 1, 1)


def check_roadshow_month(held_on: date, chain: str | None, taken_by: int | None) -> None:
    """一月一链: one roadshow per city, chain and month; ``taken_by`` is the one already held."""
    if taken_by is not None:
        raise RuleViolation("roadshow.month_taken",
                                  f"{held_on:%Y年%m月} 本市州已举办 {chain} 产业链路演（活动 {taken_by}）：一月一链",
                                  activity_id=taken_by)


def check_held(activity_id: int, status: str) -> None:
    """Only a held activity can be withdrawn."""
    if status != "held":
        raise RuleViolation("activity.transition", f"活动 {activity_id} 已撤销")
