"""Rules of the patent-industrialisation model-enterprise pool 专利产业化样板企业培育库 (2024-06-06
SME patent-industrialisation growth plan, § 二(六) 11–12 and its annex): plain code, no I/O.

* :func:`evaluate` answers the annex's 10 admission criteria from the enterprise's profile, last
  year's figures and what the applying city declared; each answer is pass / fail / unknown with the
  figure and the threshold that decided it. Missing data gives ``unknown``, never an error. Where
  the annex says 原则上 ("in principle": criteria 2, 3 and the product filing of 4) a shortfall is a
  ``warn`` the province weighs when it decides, not a ``fail``.
* :func:`check_capacity` — at most 500 members at once (§ 11 “省级筛选不超过500家”).
* :func:`check_topup` — rolling top-up (§ 12(2)): a city's admissions dated on or after its first
  graduation may not exceed twice its graduated count.
* :func:`check_graduation` — graduation evidence (§ 12(1)).
* :func:`review_due` / :func:`two_years_after` / :func:`check_removal` — the 2-year rule (§ 12(3)).

A broken rule is a :class:`RuleViolation`: naming a field (a 422) for a wrong value, without one
(a 409) for a conflict with the pool's state, its numbers (members, cap, current status) as extra
members of the problem document.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from libs.common import divisions
from libs.common.identifiers import IdentifierError
from libs.common.rules import RuleViolation
from services.enterprise.credit.domain import CreditFact, CreditKind
from services.enterprise.reference import PATENT_INTENSIVE_INDUSTRIES, QUALIFICATION_NAMES, SIZE_CLASS_NAMES

#: § 11: the province selects at most 500 enterprises.
POOL_CAP = 500
#: § 12(2): top-ups up to twice the number graduated.
TOPUP_FACTOR = 2
#: The plan was issued on 2024-06-06; no application may be dated before it.
PROGRAMME_START = date(2024, 6, 6)
RATE_THRESHOLD = Decimal(50)           # annex 5: ≥ 50 %
RD_SHARE_THRESHOLD = Decimal(10)       # annex 6: ≥ 10 % of revenue …
RD_AMOUNT_THRESHOLD = Decimal(5_000_000)  # … or ≥ 5,000,000 元
RD_STAFF_THRESHOLD = Decimal(20)       # annex 7: ≥ 20 % of staff …


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    WARN = "warn"  # an "in principle" (原则上) requirement not met: the province weighs it


OUTCOME_NAMES = {Outcome.PASS: "符合", Outcome.FAIL: "不符合", Outcome.UNKNOWN: "无法判断",
                 Outcome.WARN: "提示：原则上不符合，由省局研判"}

#: USCC positions 1–2 of an individual business 个体工商户 (GB 32100-2015: 9 工商, 2 个体工商户): not a
#: legal person, so it fails annex 1 “具有独立法人资格”.
INDIVIDUAL_BUSINESS = "92"
#: GB 32100-2015 registration authority 9 (工商) and its entity categories, for the figure shown.
ENTITY_CATEGORIES = {"91": "企业", "92": "个体工商户", "93": "农民专业合作社"}


class Status(StrEnum):
    APPLIED = "applied"      # 已申报，待省局审核
    REJECTED = "rejected"    # 不予入库
    ADMITTED = "admitted"    # 在库
    GRADUATED = "graduated"  # 出库（培育成功）
    REMOVED = "removed"      # 退库


STATUS_NAMES = {Status.APPLIED: "待审核", Status.REJECTED: "不予入库", Status.ADMITTED: "在库",
                Status.GRADUATED: "已出库", Status.REMOVED: "已退库"}
OPEN_STATUSES = (Status.APPLIED, Status.ADMITTED)


class RemovalReason(StrEnum):
    """§ 12(3) 退出机制: the reasons for removal 退库."""

    NO_PROGRESS = "no_progress"
    SAFETY_ACCIDENT = "safety_accident"
    SERIOUS_DISHONESTY = "serious_dishonesty"
    TAX_EVASION = "tax_evasion"
    DATA_FRAUD = "data_fraud"
    ABNORMAL_PATENT_APPLICATIONS = "abnormal_patent_applications"


#: The credit-register kinds a removal for each reason may cite (§ 12(3) names the conduct; the register
#: records the decision that established it).
REMOVAL_CITABLE_KINDS: dict[RemovalReason, frozenset[str]] = {
    RemovalReason.NO_PROGRESS: frozenset(),
    RemovalReason.SAFETY_ACCIDENT: frozenset({CreditKind.MAJOR_ACCIDENT.value}),
    RemovalReason.SERIOUS_DISHONESTY: frozenset({CreditKind.SERIOUS_DISHONESTY.value}),
    RemovalReason.TAX_EVASION: frozenset({CreditKind.VIOLATION.value}),
    RemovalReason.DATA_FRAUD: frozenset({CreditKind.VIOLATION.value}),
    RemovalReason.ABNORMAL_PATENT_APPLICATIONS: frozenset({CreditKind.ABNORMAL_PATENT_APPLICATION.value}),
}

REMOVAL_REASON_NAMES = {
    RemovalReason.NO_PROGRESS: "入库2年内未取得专利产业化实质性进展",
    RemovalReason.SAFETY_ACCIDENT: "出现重大安全事故",
    RemovalReason.SERIOUS_DISHONESTY: "严重失信",
    RemovalReason.TAX_EVASION: "偷漏税",
    RemovalReason.DATA_FRAUD: "数据造假",
    RemovalReason.ABNORMAL_PATENT_APPLICATIONS: "非正常申请专利",
}



# ------------------------------------------------------------------------------ admission criteria

@dataclass(frozen=True)
class Profile:
    """What the registry holds. ``registered_in_hubei`` and ``registered_division`` are the
    enterprise's current registration (its city / county in the registry), not its USCC's positions
    3–8, which never change when a company moves; ``entity_category`` is USCC positions 1–2."""

    registered_in_hubei: bool
    registered_division: str
    entity_category: str
    size_class: str
    qualifications: tuple[str, ...]
    industry: str
    patent_product_filed: bool
    own_brand: bool
    ip_management_certified: bool


@dataclass(frozen=True)
class Figures:
    """One year's figures; any of them may be missing (None)."""

    year: int
    revenue: Decimal | None = None
    rd_spend: Decimal | None = None
    staff: int | None = None
    rd_staff: int | None = None
    industrialisation_rate: Decimal | None = None


@dataclass(frozen=True)
class Declarations:
    """What the applying city declares for criteria the registry cannot answer (None: not declared)."""

    core_patents: bool | None = None            # annex 4: own or licensed core patents in the main products
    university_partnership: bool | None = None  # annex 7: stable partnership with a university / institute
    ip_management_system: bool | None = None    # annex 9: a working IP-management system (if not certified)
    clean_record: bool | None = None            # annex 10: no abnormal patents, accidents, violations, dishonesty


@dataclass(frozen=True)
class CriterionResult:
    number: int
    code: str
    title: str
    outcome: Outcome
    figure: str
    threshold: str
    detail: str


@dataclass(frozen=True)
class Evaluation:
    year: int  # the year whose figures were used ("last year" = application year − 1)
    criteria: list[CriterionResult] = field(default_factory=list)

    def codes(self, outcome: Outcome) -> list[str]:
        return [c.code for c in self.criteria if c.outcome == outcome]

    @property
    def all_pass(self) -> bool:
        return all(c.outcome == Outcome.PASS for c in self.criteria)

    @property
    def no_fail(self) -> bool:
        """Nothing failed (warnings and unknowns are for the province to weigh)."""
        return all(c.outcome != Outcome.FAIL for c in self.criteria)


CRITERIA_TITLES = {
    "hubei_sme": "在湖北省境内注册登记、具有独立法人资格的中小企业",
    "qualification": "原则上应具备专精特新、高新技术、国家知识产权优势示范或工业企业知识产权运用试点资格",
    "patent_intensive_industry": "主营业务原则上属于专利密集型产业",
    "core_patents_filed": "主营产品具有自研或引进的核心专利技术，原则上应完成专利产品备案",
    "industrialisation_rate": "专利产业化率不低于50%",
    "rd_spend": "上年度研发投入占营业收入比重不低于10%或不低于500万元",
    "rd_staff": "研发人员占职工总数比重不低于20%或与高校、科研机构建立稳定的产学研合作机制",
    "own_brand": "拥有自主商标品牌",
    "ip_management": "具备较为完善的知识产权管理体系",
    "clean_record": "无非正常申请专利行为和各类重大事故、违法违规及严重失信等情况",
}
CRITERIA_CODES = list(CRITERIA_TITLES)
#: The annex's requirements marked 原则上 ("in principle"): not met gives WARN, not FAIL.
IN_PRINCIPLE = frozenset({"qualification", "patent_intensive_industry", "core_patents_filed"})


def _both(a: Outcome, b: Outcome) -> Outcome:
    """Three-valued AND."""
    if Outcome.FAIL in (a, b):
        return Outcome.FAIL
    return Outcome.PASS if a == b == Outcome.PASS else Outcome.UNKNOWN


def _either(a: Outcome, b: Outcome) -> Outcome:
    """Three-valued OR."""
    if Outcome.PASS in (a, b):
        return Outcome.PASS
    return Outcome.FAIL if a == b == Outcome.FAIL else Outcome.UNKNOWN


def _in_principle(met: bool) -> Outcome:
    """An 原则上 requirement: met passes, not met is a warning for the province to weigh."""
    return Outcome.PASS if met else Outcome.WARN


def _declared(value: bool | None) -> Outcome:
    return Outcome.UNKNOWN if value is None else (Outcome.PASS if value else Outcome.FAIL)


def _yes_no(value: bool | None, yes: str = "是", no: str = "否") -> str:
    return "未申报" if value is None else (yes if value else no)


def yuan(amount: Decimal) -> str:
    """``3,100,000`` / ``3,100,000.50`` 元 (exact, no float)."""
    text = f"{amount:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def pct(value: Decimal, at_least: Decimal | None = None) -> str:
    """A share to one place; below an ``at_least`` threshold it is rounded down, so a failing 19.99 %
    never reads as the threshold (20.0 %)."""
    shown = value.quantize(Decimal("0.1"))
    if at_least is not None and value < at_least <= shown:
        shown = value.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return f"{shown}"


def share(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return Decimal(part) * 100 / Decimal(whole)


def _result(number: int, code: str, outcome: Outcome, figure: str, threshold: str) -> CriterionResult:
    sign = OUTCOME_NAMES[outcome]
    return CriterionResult(number, code, CRITERIA_TITLES[code], outcome, figure, threshold,
                           f"{figure}；要求：{threshold}（{sign}）")


def _division(code: str) -> str:
    try:
        return f"{code} {divisions.division_name(code)}"
    except IdentifierError:
        return code


def _hubei_sme(p: Profile) -> CriterionResult:
    """Annex 1 “在湖北省境内注册登记、具有独立法人资格、符合《中小企业划型标准规定》的中小企业”:
    the current registration in Hubei, a legal person (an individual business is not) and an SME."""
    hubei = Outcome.PASS if p.registered_in_hubei else Outcome.FAIL
    legal = Outcome.FAIL if p.entity_category == INDIVIDUAL_BUSINESS else Outcome.PASS
    sme = Outcome.FAIL if p.size_class == "large" else Outcome.PASS
    size = SIZE_CLASS_NAMES.get(p.size_class, p.size_class)
    category = ENTITY_CATEGORIES.get(p.entity_category, "其他主体")
    figure = (f"现登记地 {_division(p.registered_division)}（{'湖北省' if p.registered_in_hubei else '省外'}）；"
              f"信用代码前两位 {p.entity_category}（{category}），"
              f"{'不具有' if legal == Outcome.FAIL else '具有'}独立法人资格；企业规模：{size}")
    return _result(1, "hubei_sme", _both(_both(hubei, legal), sme), figure,
                   "湖北省内注册登记，具有独立法人资格（个体工商户不具有），且为中型、小型或微型企业")


def _qualification(p: Profile) -> CriterionResult:
    held = [QUALIFICATION_NAMES[q] for q in p.qualifications if q in QUALIFICATION_NAMES]
    figure = "持有：" + "、".join(held) if held else "未持有任何相关资格"
    return _result(2, "qualification", _in_principle(bool(held)), figure, "原则上具备其中一项资格")


def _industry(p: Profile) -> CriterionResult:
    ok = p.industry in PATENT_INTENSIVE_INDUSTRIES
    from services.enterprise.reference import INDUSTRIES

    figure = f"主营产业 {p.industry} {INDUSTRIES.get(p.industry, '')}"
    return _result(3, "patent_intensive_industry", _in_principle(ok), figure,
                   "原则上属于专利密集型产业（" + "、".join(sorted(PATENT_INTENSIVE_INDUSTRIES)) + "）")


def _core_patents(p: Profile, d: Declarations) -> CriterionResult:
    """Annex 4: core patent technology is required; the product filing only 原则上 (a warning)."""
    core = _declared(d.core_patents)
    outcome = core if core != Outcome.PASS else _in_principle(p.patent_product_filed)
    figure = (f"核心专利技术（申报）：{_yes_no(d.core_patents, '有', '无')}；"
              f"专利产品备案：{'已完成' if p.patent_product_filed else '未完成'}")
    return _result(4, "core_patents_filed", outcome, figure, "有核心专利技术，原则上已完成专利产品备案")


def _rate(f: Figures | None, year: int) -> CriterionResult:
    threshold = f"≥ {RATE_THRESHOLD} %"
    if f is None or f.industrialisation_rate is None:
        return _result(5, "industrialisation_rate", Outcome.UNKNOWN, f"{year}年专利产业化率未填报", threshold)
    ok = f.industrialisation_rate >= RATE_THRESHOLD
    return _result(5, "industrialisation_rate", Outcome.PASS if ok else Outcome.FAIL,
                   f"{year}年专利产业化率 {f.industrialisation_rate} %", threshold)


def _rd_spend(f: Figures | None, year: int) -> CriterionResult:
    threshold = f"≥ {RD_SHARE_THRESHOLD} % 或 ≥ {yuan(RD_AMOUNT_THRESHOLD)} 元"
    rd = f.rd_spend if f else None
    revenue = f.revenue if f else None
    if rd is None:
        return _result(6, "rd_spend", Outcome.UNKNOWN, f"{year}年研发投入未填报", threshold)
    by_amount = Outcome.PASS if rd >= RD_AMOUNT_THRESHOLD else Outcome.FAIL
    if revenue is None or revenue == 0:
        by_share = Outcome.UNKNOWN
        share_text = "营业收入未填报" if revenue is None else "营业收入为 0，无法计算占比"
    else:
        by_share = Outcome.PASS if rd * 100 >= revenue * RD_SHARE_THRESHOLD else Outcome.FAIL
        share_text = f"占营业收入 {pct(share(rd, revenue), RD_SHARE_THRESHOLD)} %"
    outcome = _either(by_share, by_amount)
    return _result(6, "rd_spend", outcome, f"{year}年研发投入 {yuan(rd)} 元，{share_text}", threshold)


def _rd_staff(f: Figures | None, d: Declarations, year: int) -> CriterionResult:
    threshold = f"研发人员占比 ≥ {RD_STAFF_THRESHOLD} % 或与高校、科研机构建立稳定合作"
    staff = f.staff if f else None
    rd_staff = f.rd_staff if f else None
    if staff is None or rd_staff is None or staff == 0:
        by_share = Outcome.UNKNOWN
        share_text = f"{year}年研发人员占比无法计算（职工或研发人员数未填报）"
    else:
        by_share = Outcome.PASS if rd_staff * 100 >= staff * RD_STAFF_THRESHOLD else Outcome.FAIL
        shown = pct(share(rd_staff, staff), RD_STAFF_THRESHOLD)
        share_text = f"{year}年研发人员 {rd_staff} 人，占职工 {staff} 人的 {shown} %"
    outcome = _either(by_share, _declared(d.university_partnership))
    figure = f"{share_text}；产学研合作（申报）：{_yes_no(d.university_partnership, '有', '无')}"
    return _result(7, "rd_staff", outcome, figure, threshold)


def _brand(p: Profile) -> CriterionResult:
    return _result(8, "own_brand", Outcome.PASS if p.own_brand else Outcome.FAIL,
                   "拥有自主商标品牌" if p.own_brand else "无自主商标品牌", "拥有自主商标品牌")


def _ip_management(p: Profile, d: Declarations) -> CriterionResult:
    if p.ip_management_certified:
        return _result(9, "ip_management", Outcome.PASS, "已通过 GB/T 29490 知识产权管理体系认证",
                       "具备涵盖制度、机构、人员、保障的知识产权管理体系")
    figure = f"未通过 GB/T 29490 认证；知识产权管理体系（申报）：{_yes_no(d.ip_management_system, '已建立', '未建立')}"
    return _result(9, "ip_management", _declared(d.ip_management_system), figure,
                   "具备涵盖制度、机构、人员、保障的知识产权管理体系")


def _clean(d: Declarations, credit: tuple[CreditFact, ...]) -> CriterionResult:
    """Annex 10 “无非正常申请专利行为和各类重大事故、违法违规及严重失信等情况”: an entry of the credit
    register active on the application date fails it, and the figure names the entry (kind, authority,
    document, dates); only when the register has none does the city's declaration decide."""
    threshold = "信用记录中无在效的上述记录，且申报无上述情况"
    if credit:
        figure = "信用记录在效：" + "；".join(c.describe() for c in credit)
        return _result(10, "clean_record", Outcome.FAIL, figure, threshold)
    figure = f"信用记录：无在效记录；无违规失信情况（申报）：{_yes_no(d.clean_record)}"
    return _result(10, "clean_record", _declared(d.clean_record), figure, threshold)


def evaluate(profile: Profile, last_year: Figures | None, declarations: Declarations, year: int,
             credit: tuple[CreditFact, ...] = ()) -> Evaluation:
    """All 10 criteria; ``year`` is the figures' year (the year before the application); ``credit`` the
    enterprise's credit-register entries active on the application date."""
    if last_year is not None and last_year.year != year:
        raise ValueError("figures of another year")
    return Evaluation(year, [
        _hubei_sme(profile), _qualification(profile), _industry(profile), _core_patents(profile, declarations),
        _rate(last_year, year), _rd_spend(last_year, year), _rd_staff(last_year, declarations, year),
        _brand(profile), _ip_management(profile, declarations), _clean(declarations, credit)])


# ----------------------------------------------------------------------------------- dated steps

def check_none_open(open_one: tuple[int, str] | None) -> None:
    """An enterprise has at most one open (applied or admitted) membership: ``open_one`` is its
    (id, status) if it has one."""
    if open_one is not None:
        open_id, status = open_one
        raise RuleViolation("pool.already_open",
                                  f"该企业已有{STATUS_NAMES[Status(status)]}的入库记录（编号 {open_id}）",
                                  membership_id=open_id, current_status=status)


def check_status(membership_id: int, status: str, expected: Status, action: str) -> None:
    """A step taken only from ``expected`` (admit or reject an application, graduate a member …)."""
    if status != expected.value:
        raise RuleViolation(
            f"pool.not_{expected.value}",
            f"入库记录 {membership_id} 当前状态为“{STATUS_NAMES[Status(status)]}”，不能{action}",
            current_status=status)


def check_date(field_name: str, when: date, today: date, not_before: date | None = None,
               not_before_label: str = "") -> None:
    if when > today:
        raise RuleViolation("pool.date_in_future", f"日期 {when} 晚于今天 {today}", field_name)
    if not_before is not None and when < not_before:
        raise RuleViolation("pool.date_too_early", f"日期 {when} 早于{not_before_label} {not_before}", field_name)


def check_capacity(members: int, cap: int = POOL_CAP) -> None:
    """Admission needs a free place: ``members`` is the count before this admission."""
    if members >= cap:
        raise RuleViolation(
            "pool.full", f"培育库现有入库企业 {members} 家，已达上限 {cap} 家，不能再入库（需先出库或退库）",
            members=members, cap=cap)


@dataclass(frozen=True)
class TopupState:
    """A city's graduations and admissions, as needed by the rolling top-up rule."""

    graduation_dates: tuple[date, ...]
    admission_dates: tuple[date, ...]

    def first_graduation(self) -> date | None:
        return min(self.graduation_dates) if self.graduation_dates else None

    def graduated(self, on: date) -> int:
        return sum(1 for d in self.graduation_dates if d <= on)

    def topups(self, on: date) -> int:
        """Admissions already counted as top-ups: dated on or after the first graduation."""
        first = self.first_graduation()
        return 0 if first is None else sum(1 for d in self.admission_dates if d >= first)


def check_topup(state: TopupState, admitted_on: date, city_name: str = "") -> None:
    """§ 12(2): once a city has graduated enterprises, its admissions dated on or after its first
    graduation (top-ups 增补) may not exceed twice the number it has graduated by that date.

    Admissions before the city's first graduation are the initial batch (bounded only by the cap).
    """
    first = state.first_graduation()
    if first is None or admitted_on < first:
        return
    graduated = state.graduated(admitted_on)
    used = state.topups(admitted_on)
    limit = TOPUP_FACTOR * graduated
    if used + 1 > limit:
        raise RuleViolation(
            "pool.topup_exceeded",
            f"{city_name}截至 {admitted_on} 已出库 {graduated} 家，首次出库（{first}）后已增补入库 {used} 家；"
            f"滚动增补不得超过出库数的 {TOPUP_FACTOR} 倍即 {limit} 家，不能再增补",
            graduated=graduated, topups=used, topup_limit=limit, first_graduation=first.isoformat())


def topup_allowance(state: TopupState, on: date) -> int | None:
    """Top-ups still allowed on ``on`` (None: no graduation yet, the initial batch is not limited)."""
    first = state.first_graduation()
    if first is None or on < first:
        return None
    return max(0, TOPUP_FACTOR * state.graduated(on) - state.topups(on))


@dataclass(frozen=True)
class GraduationEvidence:
    rate_before: Decimal | None
    rate_after: Decimal | None
    new_patent_intensive_products: int
    sales_growth_pct: Decimal | None
    profit_growth_pct: Decimal | None


def check_graduation(e: GraduationEvidence) -> None:
    """§ 12(1): the industrialisation rate clearly up, and one or more new patent-intensive products
    or both sales and profit of the recognised products clearly up. The platform checks the
    direction; how much is "clearly" 明显 / "considerably" 较大幅度 is the province's judgement."""
    if e.rate_before is None:
        raise RuleViolation("graduation.rate_before_unknown",
                            "入库时的专利产业化率未知，请填写 industrialisation_rate_before",
                            "industrialisation_rate_before")
    if e.rate_after is None:
        raise RuleViolation("graduation.rate_after_unknown",
                                "当前专利产业化率未知，请填写 industrialisation_rate_after 或先填报年度数据",
                                "industrialisation_rate_after")
    if e.rate_after <= e.rate_before:
        raise RuleViolation(
            "graduation.rate_not_up",
            f"专利产业化率由 {e.rate_before} % 变为 {e.rate_after} %，未见提升，不符合出库标准",
            "industrialisation_rate_after")
    grew = (e.sales_growth_pct is not None and e.profit_growth_pct is not None
            and e.sales_growth_pct > 0 and e.profit_growth_pct > 0)
    if e.new_patent_intensive_products < 1 and not grew:
        raise RuleViolation(
            "graduation.no_product_evidence",
            "出库须新增 1 件以上专利密集型产品，或已认定的专利密集型产品年销售额及利润均实现增长",
            "new_patent_intensive_products")


# ------------------------------------------------------------------------------------ 2-year rule

def two_years_after(admitted_on: date) -> date:
    """The last day of the 2-year period that starts with admission.

    As 民法典 §§ 201, 203 count periods: the period starts the day after admission and ends on the
    corresponding day two years later; without a corresponding day (admitted on 29 Feb) it ends on
    the last day of that month (28 Feb).
    """
    try:
        return admitted_on.replace(year=admitted_on.year + 2)
    except ValueError:  # 29 Feb → 28 Feb
        return admitted_on.replace(year=admitted_on.year + 2, day=28)


def review_due(admitted_on: date, as_of: date) -> bool:
    """Admitted more than two years before ``as_of``: from the day after :func:`two_years_after`."""
    return as_of > two_years_after(admitted_on)


def review_from(admitted_on: date) -> date:
    return two_years_after(admitted_on) + timedelta(days=1)


def has_progress(admission_rate: Decimal | None, admitted_on: date, as_of: date,
                 progress_dates: list[date], rates_by_year: dict[int, Decimal | None]) -> bool:
    """Recorded industrialisation progress by ``as_of``: an officer's progress entry dated between
    admission and ``as_of``, or yearly figures of a year from the admission year to ``as_of``'s year
    whose industrialisation rate is higher than the rate at admission."""
    if any(admitted_on <= d <= as_of for d in progress_dates):
        return True
    if admission_rate is None:
        return False
    return any(rate is not None and rate > admission_rate
               for year, rate in rates_by_year.items() if admitted_on.year <= year <= as_of.year)


def check_removal(reason: RemovalReason, admitted_on: date, removed_on: date) -> None:
    """§ 12(3): removal for want of progress only once the 2-year period has passed."""
    if reason == RemovalReason.NO_PROGRESS and not review_due(admitted_on, removed_on):
        raise RuleViolation(
            "pool.no_progress_too_early",
            f"该企业于 {admitted_on} 入库，{removed_on} 尚未满 2 年，"
            f"自 {review_from(admitted_on)} 起方可以“2年内未取得实质性进展”退库",
            admitted_on=admitted_on.isoformat(), review_from=review_from(admitted_on).isoformat())


def check_removal_citation(reason: RemovalReason, member_uscc: str, entry_uscc: str, entry: CreditFact,
                           removed_on: date) -> None:
    """A removal citing a credit-register entry (§ 12(3) “严重失信……非正常申请专利等违法违规行为的，予以退库”):
    the entry is the member's, of a kind that establishes the reason, and in effect on the removal date."""
    field_name = "credit_entry_id"
    if entry_uscc != member_uscc:
        raise RuleViolation("pool.credit_entry_other_enterprise",
                            f"信用记录 {entry.entry_id} 不属于该企业（{entry_uscc}）", field_name)
    if entry.kind not in REMOVAL_CITABLE_KINDS[reason]:
        raise RuleViolation("pool.credit_entry_kind",
                            f"退库原因“{REMOVAL_REASON_NAMES[reason]}”不能援引“{entry.kind_name}”类信用记录",
                            field_name)
    if not entry.active_on(removed_on):
        raise RuleViolation("pool.credit_entry_not_active",
                            f"信用记录 {entry.entry_id} 在退库日期 {removed_on} 不在有效期内", field_name)
