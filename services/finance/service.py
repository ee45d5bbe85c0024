"""Use cases of the finance service: one transaction each (state + audit + outbox event).

Who may do what (the API checks the role, these functions the scope):

* a ``bank`` registers loans as their lender (its token's ``org``) and sees and changes only its own;
* a ``city-officer`` registers loans that banks report for enterprises of their city (naming the
  lender), sees and changes their city's loans, and records their city's activities;
* the ``province-admin`` does everything and alone publishes the white-list;
* ``viewer`` and ``integration`` read everything; everyone signed in reads white-lists and activities.
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.errors import Conflict, FieldInvalid, Forbidden, NotFound, ProblemError, validation_errors
from libs.common.pagination import PageParams, fetch_page
from libs.readmodels.enterprises import require_enterprise
from services.finance import events as ev
from services.finance.domain import (
    ActivityKind,
    ItemKind,
    LoanStatus,
    RuleViolation,
    check_activity,
    check_business_date,
    check_items,
    check_publication_date,
    check_status_date,
    check_transition,
    check_whitelist_entries,
    diff_whitelists,
    maturity_date,
)
from services.finance.models import (
    FinancingActivity,
    PledgedItem,
    PledgeLoan,
    WhitelistEntry,
    WhitelistVersion,
    known_enterprises,
)
from services.finance.schemas import ActivityCreate, PledgeCreate, PledgeSummary, PledgeTotals, WhitelistPublish

CHINA = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(CHINA).date()


def _problem(exc: RuleViolation) -> ProblemError:
    return FieldInvalid(exc.field, exc.code, exc.message) if exc.field else Conflict(exc.code, exc.message)


def _money(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


# ================================================================================== pledge loans

def loan_snapshot(loan: PledgeLoan) -> dict[str, Any]:
    return {"uscc": loan.uscc, "city": loan.city, "lender_bank": loan.lender_bank, "contract_no": loan.contract_no,
            "amount": loan.amount, "registration_date": loan.registration_date, "term_months": loan.term_months,
            "annual_rate": loan.annual_rate, "risk_sharing": list(loan.risk_sharing), "status": loan.status,
            "status_date": loan.status_date, "status_note": loan.status_note}


def may_see_loan(principal: Principal, loan: PledgeLoan) -> bool:
    if principal.role == Role.BANK:
        return loan.lender_bank == principal.org
    return principal.may_access_city(loan.city)


def _ensure_loan_access(principal: Principal, loan: PledgeLoan) -> None:
    if principal.role == Role.BANK:
        if loan.lender_bank != principal.org:
            raise ProblemError(403, "forbidden-lender", "无权访问其他银行的贷款",
                               f"贷款 {loan.id} 的贷款银行为 {loan.lender_bank}，不是 {principal.org}")
        return
    ensure_city_access(principal, loan.city)


def _ensure_loan_writer(principal: Principal, loan: PledgeLoan) -> None:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.BANK):
        raise Forbidden(f"角色 {principal.role.value} 不能变更贷款")
    _ensure_loan_access(principal, loan)


def _lender(principal: Principal, data: PledgeCreate) -> str:
    if principal.role == Role.BANK:
        if data.lender_bank is not None and data.lender_bank != principal.org:
            raise ProblemError(403, "forbidden-lender", "银行只能登记本行发放的贷款",
                               f"令牌所属银行为 {principal.org}，不能以 {data.lender_bank} 的名义登记")
        return principal.org  # type: ignore[return-value]
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER):
        raise Forbidden(f"角色 {principal.role.value} 不能登记质押贷款")
    if not data.lender_bank:
        raise FieldInvalid("lender_bank", "lender_bank.required", "由市州或省局代为登记时须填写贷款银行标识")
    return data.lender_bank


@dataclass(frozen=True)
class _Prepared:
    """A registration request that passed every check that needs no database."""

    data: PledgeCreate
    lender: str
    items: list[tuple[ItemKind, str]]
    maturity: date
    risk: list[str]


def _prepare(principal: Principal, data: PledgeCreate) -> _Prepared:
    lender = _lender(principal, data)
    try:
        items = check_items([(i.kind, i.number) for i in data.items])
        check_business_date(data.registration_date, today(), "registration_date", "质押登记日期")
        maturity = maturity_date(data.registration_date, data.term_months)
    except RuleViolation as exc:
        raise _problem(exc) from None
    return _Prepared(data, lender, items, maturity, list(dict.fromkeys(r.value for r in data.risk_sharing)))


def _unknown_enterprise(uscc: str) -> FieldInvalid:
    return FieldInvalid("uscc", "enterprise-registered",
                        f"企业 {uscc} 未在企业库登记（或登记尚未同步到本服务），请先在企业服务登记")


def _duplicate_contract(p: _Prepared, existing: int | str) -> Conflict:
    return Conflict("pledge.duplicate_contract",
                    f"银行 {p.lender} 的合同 {p.data.contract_no} 已登记（贷款 {existing}）", loan_id=existing)


def _item_clash(clash: list[tuple[str, str, Any]]) -> Conflict:
    return Conflict("pledge.item_already_pledged",
                    "；".join(f"{n} 正在贷款 {loan} 的质押期间" for _, n, loan in clash) + "，不能重复质押",
                    items=[{"kind": k, "number": n, "loan_id": loan} for k, n, loan in clash])


def _build_loan(principal: Principal, p: _Prepared, ent) -> PledgeLoan:
    data = p.data
    titles = {(i.kind, n): i.title for i, (_, n) in zip(data.items, p.items, strict=False)}
    return PledgeLoan(
        uscc=ent.uscc, enterprise_name=ent.name, city=ent.city, ownership=ent.ownership,
        is_private=bool(ent.is_private), lender_bank=p.lender, lender_name=data.lender_name or p.lender,
        contract_no=data.contract_no, amount=data.amount, registration_date=data.registration_date,
        term_months=data.term_months, maturity_date=p.maturity, annual_rate=data.annual_rate, risk_sharing=p.risk,
        status=LoanStatus.REGISTERED.value, registered_by=principal.sub, registered_by_role=principal.role.value,
        version=1,
        items=[PledgedItem(position=i, kind=k.value, number=n, title=titles.get((k, n)), active=True)
               for i, (k, n) in enumerate(p.items)])


def _registered(loan: PledgeLoan, p: _Prepared) -> ev.PledgeRegistered:
    counts = Counter(k for k, _ in p.items)
    return ev.PledgeRegistered(
        loan_id=str(loan.id), uscc=loan.uscc, enterprise_name=loan.enterprise_name, city=loan.city,
        ownership=loan.ownership, is_private=loan.is_private, lender_bank=p.lender, lender_name=loan.lender_name,
        amount=_money(loan.amount), registration_date=loan.registration_date, year=loan.registration_date.year,
        term_months=loan.term_months, maturity_date=p.maturity, annual_rate=format(loan.annual_rate, "f"),
        risk_sharing=p.risk, items=[ev.PledgedItemData(kind=k.value, number=n) for k, n in p.items],
        patent_count=counts[ItemKind.PATENT], trademark_count=counts[ItemKind.TRADEMARK],
        geographical_indication_count=counts[ItemKind.GEOGRAPHICAL_INDICATION])


async def _add_loan(uow, principal: Principal, p: _Prepared) -> PledgeLoan:
    """Check against the stored state, then stage the loan and its event in ``uow`` (no audit)."""
    s, data = uow.session, p.data
    ent = await require_enterprise(s, known_enterprises, data.uscc)
    if principal.role == Role.CITY_OFFICER:  # reported by a bank for an enterprise of their city
        ensure_city_access(principal, ent.city)
    existing = await s.scalar(select(PledgeLoan.id).where(PledgeLoan.lender_bank == p.lender,
                                                           PledgeLoan.contract_no == data.contract_no))
    if existing is not None:
        raise _duplicate_contract(p, existing)
    taken = (await s.execute(select(PledgedItem.kind, PledgedItem.number, PledgedItem.loan_id).where(
        PledgedItem.active.is_(True), PledgedItem.number.in_([n for _, n in p.items])))).all()
    clash = [tuple(t) for t in taken if (ItemKind(t.kind), t.number) in set(p.items)]
    if clash:
        raise _item_clash(clash)
    loan = _build_loan(principal, p, ent)
    s.add(loan)
    try:
        await s.flush()
    except IntegrityError:  # a concurrent registration of the same contract or item
        raise Conflict("pledge.concurrent", "同一合同或质押物正被同时登记，请刷新后重试") from None
    uow.emit(_registered(loan, p))
    return loan


def _chunks(values: list, size: int = 500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


async def register_pledge(rt: Runtime, principal: Principal, data: PledgeCreate) -> PledgeLoan:
    prepared = _prepare(principal, data)
    async with rt.unit_of_work() as uow:
        loan = await _add_loan(uow, principal, prepared)
        await record_audit(uow.session, principal, "pledge.register", "pledge_loan", str(loan.id), None,
                           {**loan_snapshot(loan), "items": [f"{k.value}:{n}" for k, n in prepared.items]})
        await uow.commit()
    return loan


def _row_errors(row: int, exc: ProblemError) -> list[dict[str, Any]]:
    if exc.errors:
        return [{"row": row, **e} for e in exc.errors]
    field = {"pledge.duplicate_contract": "contract_no", "pledge.item_already_pledged": "items",
             "forbidden-city": "uscc", "forbidden-lender": "lender_bank"}.get(exc.slug, "")
    return [{"row": row, "field": field, "rule": exc.slug, "message": exc.detail or exc.title}]


async def import_pledges(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool
                         ) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    """A bank's or a city's report of many loans: every row checked as one registration would be.

    The good rows are written in one transaction with one audit row for the import and one
    ``pledge.registered`` event per loan; the bad rows are reported (row, field, rule, message). With
    ``atomic`` any bad row means nothing is written (422 ``bulk-rejected``). A contract already
    registered is reported (``pledge.duplicate_contract``), so a report can be sent again.
    """
    errors: list[dict[str, Any]] = []
    prepared: list[tuple[int, _Prepared]] = []
    for i, raw in enumerate(rows):
        try:
            data = PledgeCreate.model_validate(raw)
        except ValidationError as exc:
            errors.extend({"row": i, **e} for e in validation_errors(RequestValidationError(exc.errors())))
            continue
        try:
            prepared.append((i, _prepare(principal, data)))
        except ProblemError as exc:
            errors.extend(_row_errors(i, exc))
    written: list[tuple[int, int]] = []
    async with rt.unit_of_work() as uow:
        s = uow.session
        # the stored state every row is checked against, in a few queries for the whole report
        enterprises, contracts, active = {}, {}, {}
        for part in _chunks(sorted({p.data.uscc for _, p in prepared})):
            enterprises.update({r.uscc: r for r in (await s.execute(
                select(known_enterprises).where(known_enterprises.c.uscc.in_(part)))).all()})
        for part in _chunks(sorted({p.data.contract_no for _, p in prepared})):
            contracts.update({(r.lender_bank, r.contract_no): r.id for r in (await s.execute(
                select(PledgeLoan.id, PledgeLoan.lender_bank, PledgeLoan.contract_no)
                .where(PledgeLoan.contract_no.in_(part)))).all()})
        for part in _chunks(sorted({n for _, p in prepared for _, n in p.items})):
            active.update({(r.kind, r.number): r.loan_id for r in (await s.execute(
                select(PledgedItem.kind, PledgedItem.number, PledgedItem.loan_id)
                .where(PledgedItem.active.is_(True), PledgedItem.number.in_(part)))).all()})
        staged: list[tuple[int, PledgeLoan, _Prepared]] = []
        for i, p in prepared:
            ent = enterprises.get(p.data.uscc)
            problem: ProblemError | None = None
            clash = [(k.value, n, active[(k.value, n)]) for k, n in p.items if (k.value, n) in active]
            if ent is None:
                problem = _unknown_enterprise(p.data.uscc)
            elif principal.role == Role.CITY_OFFICER and not principal.may_access_city(ent.city):
                problem = ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                                       f"企业 {ent.uscc} 属于市州 {ent.city}，不是用户所属市州 {principal.city}")
            elif (p.lender, p.data.contract_no) in contracts:
                problem = _duplicate_contract(p, contracts[(p.lender, p.data.contract_no)])
            elif clash:
                problem = _item_clash(clash)
            if problem is not None:
                errors.extend(_row_errors(i, problem))
                continue
            loan = _build_loan(principal, p, ent)
            s.add(loan)
            staged.append((i, loan, p))
            contracts[(p.lender, p.data.contract_no)] = f"第 {i} 行"
            active.update({(k.value, n): f"第 {i} 行" for k, n in p.items})
        if staged:
            try:
                await s.flush()
            except IntegrityError:
                raise Conflict("pledge.concurrent", "同一合同或质押物正被同时登记，请刷新后重试") from None
        for i, loan, p in staged:
            uow.emit(_registered(loan, p))
            written.append((i, loan.id))
        errors.sort(key=lambda e: e["row"])
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入被拒绝", f"{len(errors)} 处错误，未写入任何数据",
                               errors=errors)
        if written:
            await record_audit(uow.session, principal, "pledge.bulk_import", "pledge_import", str(uuid.uuid4()), None,
                               {"rows": len(rows), "loan_ids": [w[1] for w in written], "errors": len(errors)})
            await uow.commit()
    return written, errors


async def _get_loan(session, loan_id: int, lock: bool = False) -> PledgeLoan:
    stmt = select(PledgeLoan).where(PledgeLoan.id == loan_id)
    if lock:
        stmt = stmt.with_for_update()
    loan = (await session.scalars(stmt)).first()
    if loan is None:
        raise NotFound("质押贷款", str(loan_id))
    return loan


async def get_pledge(rt: Runtime, principal: Principal, loan_id: int) -> PledgeLoan:
    async with rt.sessions() as session:
        loan = await _get_loan(session, loan_id)
    _ensure_loan_access(principal, loan)
    return loan


def _loan_fields(loan: PledgeLoan) -> dict[str, Any]:
    return {"loan_id": str(loan.id), "uscc": loan.uscc, "city": loan.city, "is_private": loan.is_private,
            "lender_bank": loan.lender_bank, "amount": _money(loan.amount),
            "registration_date": loan.registration_date, "year": loan.registration_date.year}


async def change_status(rt: Runtime, principal: Principal, loan_id: int, target: LoanStatus,
                        on: date | None = None, note: str | None = None) -> PledgeLoan:
    """Release, default or cancel a registered loan (any other change is a 409)."""
    async with rt.unit_of_work() as uow:
        loan = await _get_loan(uow.session, loan_id, lock=True)
        _ensure_loan_writer(principal, loan)
        when = on or today()
        try:
            check_transition(LoanStatus(loan.status), target)
            if target == LoanStatus.RELEASED:
                check_status_date(loan.registration_date, when, today(), "released_on", "解除质押日期")
            elif target == LoanStatus.DEFAULTED:
                check_status_date(loan.registration_date, when, today(), "defaulted_on", "违约认定日期")
        except RuleViolation as exc:
            raise _problem(exc) from None
        before = loan_snapshot(loan)
        loan.status, loan.status_date, loan.status_note = target.value, when, note
        loan.version += 1
        for item in loan.items:
            item.active = False
        await uow.session.flush()
        await record_audit(uow.session, principal, f"pledge.{target.value}", "pledge_loan", str(loan.id),
                           {k: before[k] for k in ("status", "status_date", "status_note")},
                           {"status": loan.status, "status_date": when, "status_note": note})
        base = _loan_fields(loan)
        if target == LoanStatus.RELEASED:
            uow.emit(ev.PledgeReleased(**base, released_on=when))
        elif target == LoanStatus.DEFAULTED:
            uow.emit(ev.PledgeDefaulted(**base, defaulted_on=when, note=note))
        else:
            uow.emit(ev.PledgeCancelled(**base, cancelled_on=when, reason=note or ""))
        await uow.commit()
    return loan


def _scoped_loans(principal: Principal, city: str | None):
    stmt = select(PledgeLoan)
    if principal.role == Role.BANK:
        stmt = stmt.where(PledgeLoan.lender_bank == principal.org)
    elif principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        city = principal.city
    elif not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看质押贷款")
    if city:
        stmt = stmt.where(PledgeLoan.city == city)
    return stmt


def _year_range(year: int):
    return PledgeLoan.registration_date.between(date(year, 1, 1), date(year, 12, 31))


async def list_pledges(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                       status: str | None = None, year: int | None = None, uscc: str | None = None,
                       lender_bank: str | None = None, is_private: bool | None = None,
                       maturing_before: date | None = None) -> tuple[list[PledgeLoan], int]:
    stmt = _scoped_loans(principal, city)
    if status:
        stmt = stmt.where(PledgeLoan.status == status)
    if year:
        stmt = stmt.where(_year_range(year))
    if uscc:
        stmt = stmt.where(PledgeLoan.uscc == uscc)
    if lender_bank:
        stmt = stmt.where(PledgeLoan.lender_bank == lender_bank)
    if is_private is not None:
        stmt = stmt.where(PledgeLoan.is_private.is_(is_private))
    if maturing_before:
        stmt = stmt.where(PledgeLoan.status == LoanStatus.REGISTERED.value,
                          PledgeLoan.maturity_date <= maturing_before)
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, PledgeLoan.registration_date.desc(), PledgeLoan.id.desc())
    return rows, total


def _totals(city: str, loans: list[PledgeLoan]) -> PledgeTotals:
    counted = [x for x in loans if x.status != LoanStatus.CANCELLED.value]
    private = [x for x in counted if x.is_private]
    share = (Decimal(len(private)) * 100 / len(counted)).quantize(Decimal("0.1")) if counted else Decimal(0)
    statuses = Counter(x.status for x in counted)
    return PledgeTotals(
        city=city, city_name=divisions.CITIES.get(city, divisions.PROVINCE_NAME), loans=len(counted),
        amount=sum((x.amount for x in counted), Decimal(0)), private_loans=len(private),
        private_amount=sum((x.amount for x in private), Decimal(0)), private_share=share,
        with_risk_sharing=sum(1 for x in counted if x.risk_sharing), registered=statuses["registered"],
        released=statuses["released"], defaulted=statuses["defaulted"])


async def summarise_pledges(rt: Runtime, principal: Principal, year: int, city: str | None = None) -> PledgeSummary:
    """A year's loans (cancelled ones excluded) per city, per risk-sharing measure and per bank, and
    how many enterprises of the white-list current at the end of the year borrowed in it."""
    stmt = _scoped_loans(principal, city).where(_year_range(year))
    scope_city = principal.city if principal.role == Role.CITY_OFFICER else city
    async with rt.sessions() as session:
        loans = list((await session.scalars(stmt.execution_options(populate_existing=True))).all())
        version = await session.scalar(select(func.max(WhitelistVersion.number)).where(
            WhitelistVersion.published_on <= date(year, 12, 31)))
        listed: set[str] = set()
        if version is not None:
            listed = {e.uscc for e in await _entries(session, version, scope_city)}
    per_city: dict[str, list[PledgeLoan]] = defaultdict(list)
    for loan in loans:
        per_city[loan.city].append(loan)
    counted = [x for x in loans if x.status != LoanStatus.CANCELLED.value]
    by_bank: dict[str, Decimal] = defaultdict(Decimal)
    for x in counted:
        by_bank[x.lender_bank] += x.amount
    return PledgeSummary(
        year=year, total=_totals("420000", loans),
        by_city=[_totals(c, per_city[c]) for c in sorted(per_city)],
        by_risk_sharing=dict(Counter(r for x in counted for r in x.risk_sharing)),
        by_bank=dict(sorted(by_bank.items())), whitelist_version=version, whitelist_enterprises=len(listed),
        whitelist_enterprises_financed=len(listed & {x.uscc for x in counted}))


# ================================================================================== white-list

async def publish_whitelist(rt: Runtime, principal: Principal, data: WhitelistPublish) -> WhitelistVersion:
    usccs = [e.uscc for e in data.entries]
    try:
        check_whitelist_entries(usccs)
    except RuleViolation as exc:
        raise _problem(exc) from None
    async with rt.unit_of_work() as uow:
        s = uow.session
        previous = (await s.scalars(select(WhitelistVersion).order_by(WhitelistVersion.number.desc())
                                    .limit(1))).first()
        if await s.scalar(select(WhitelistVersion.number).where(WhitelistVersion.title == data.title)) is not None:
            raise Conflict("whitelist.duplicate_title", f"名为“{data.title}”的白名单已发布")
        try:
            check_publication_date(data.published_on, previous.published_on if previous else None, today())
        except RuleViolation as exc:
            raise _problem(exc) from None
        known = {r.uscc: r for r in (await s.execute(select(known_enterprises).where(
            known_enterprises.c.uscc.in_(usccs)))).all()}
        for i, uscc in enumerate(usccs):
            if uscc not in known:
                await require_enterprise(s, known_enterprises, uscc, field=f"entries.{i}.uscc")
        number = (previous.number + 1) if previous else 1
        total = sum((e.suggested_credit_line for e in data.entries), Decimal(0))
        version = WhitelistVersion(number=number, title=data.title, published_on=data.published_on, note=data.note,
                                   entry_count=len(usccs), total_credit_line=total, published_by=principal.sub)
        s.add(version)
        try:
            await s.flush()
        except IntegrityError:
            raise Conflict("whitelist.concurrent", "另一版白名单正在同时发布，请刷新后重试") from None
        s.add_all([WhitelistEntry(version=number, uscc=e.uscc, position=i, enterprise_name=known[e.uscc].name,
                                  city=known[e.uscc].city, is_private=bool(known[e.uscc].is_private),
                                  suggested_credit_line=e.suggested_credit_line)
                   for i, e in enumerate(data.entries)])
        await s.flush()
        old = await _entries(s, previous.number) if previous else []
        diff = diff_whitelists({e.uscc: e.suggested_credit_line for e in old},
                               {e.uscc: e.suggested_credit_line for e in data.entries})
        await record_audit(s, principal, "whitelist.publish", "whitelist", str(number), None,
                           {"title": data.title, "published_on": data.published_on, "entries": len(usccs),
                            "total_credit_line": total, "added": len(diff.added), "removed": len(diff.removed),
                            "changed": len(diff.changed)})
        by_city: dict[str, list] = defaultdict(list)
        for e in data.entries:
            by_city[known[e.uscc].city].append((bool(known[e.uscc].is_private), e.suggested_credit_line))
        uow.emit(ev.WhitelistPublished(
            version_id=str(number), number=number, title=data.title, published_on=data.published_on,
            year=data.published_on.year,
            entry_count=len(usccs), total_credit_line=_money(total), added=len(diff.added),
            removed=len(diff.removed),
            by_city=[ev.CityCount(city=c, entries=len(v), private_entries=sum(1 for p, _ in v if p),
                                  credit_line=_money(sum((a for _, a in v), Decimal(0))))
                     for c, v in sorted(by_city.items())]))
        await uow.commit()
    return version


async def _entries(session, number: int, city: str | None = None) -> list[WhitelistEntry]:
    stmt = select(WhitelistEntry).where(WhitelistEntry.version == number)
    if city:
        stmt = stmt.where(WhitelistEntry.city == city)
    return list((await session.scalars(stmt.order_by(WhitelistEntry.position))).all())


async def list_whitelists(rt: Runtime) -> list[WhitelistVersion]:
    async with rt.sessions() as session:
        return list((await session.scalars(select(WhitelistVersion).order_by(WhitelistVersion.number.desc()))).all())


async def get_whitelist(rt: Runtime, number: int | None, city: str | None = None
                        ) -> tuple[WhitelistVersion, list[WhitelistEntry]]:
    """A version with its entries (``number`` None: the current, i.e. latest, version)."""
    async with rt.sessions() as session:
        if number is None:
            version = (await session.scalars(select(WhitelistVersion).order_by(WhitelistVersion.number.desc())
                                             .limit(1))).first()
            if version is None:
                raise NotFound("白名单", "（尚未发布任何版本）")
        else:
            version = await session.get(WhitelistVersion, number)
            if version is None:
                raise NotFound("白名单版本", str(number))
        return version, await _entries(session, version.number, city)


async def diff_versions(rt: Runtime, from_number: int, to_number: int):
    async with rt.sessions() as session:
        for n, field in ((from_number, "from"), (to_number, "to")):
            if await session.get(WhitelistVersion, n) is None:
                raise FieldInvalid(field, "whitelist.unknown_version", f"白名单第 {n} 版不存在")
        older = {e.uscc: e for e in await _entries(session, from_number)}
        newer = {e.uscc: e for e in await _entries(session, to_number)}
    diff = diff_whitelists({u: e.suggested_credit_line for u, e in older.items()},
                           {u: e.suggested_credit_line for u, e in newer.items()})
    return diff, older, newer


# ================================================================================== activities

def _ensure_activity_writer(principal: Principal, city: str) -> None:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.CITY_OFFICER):
        raise Forbidden(f"角色 {principal.role.value} 不能登记融资对接活动")
    ensure_city_access(principal, city)


async def record_activity(rt: Runtime, principal: Principal, data: ActivityCreate) -> FinancingActivity:
    _ensure_activity_writer(principal, data.city)
    listed = list(data.enterprises)
    try:
        check_business_date(data.held_on, today(), "held_on", "举办日期")
        check_activity(data.kind, data.chain, data.enterprise_count, len(listed))
        for i, uscc in enumerate(listed):
            if uscc in listed[:i]:
                raise RuleViolation("enterprises.duplicate", f"企业 {uscc} 重复列出", f"enterprises.{i}")
    except RuleViolation as exc:
        raise _problem(exc) from None
    async with rt.unit_of_work() as uow:
        s = uow.session
        private = 0
        for i, uscc in enumerate(listed):
            row = await require_enterprise(s, known_enterprises, uscc, field=f"enterprises.{i}")
            private += bool(row.is_private)
        if await s.scalar(select(FinancingActivity.id).where(
                FinancingActivity.kind == data.kind.value, FinancingActivity.title == data.title,
                FinancingActivity.held_on == data.held_on)) is not None:
            raise Conflict("activity.duplicate", f"{data.held_on} 的活动“{data.title}”已登记")
        if data.kind == ActivityKind.ROADSHOW:
            month_start = data.held_on.replace(day=1)
            same = await s.scalar(select(FinancingActivity.id).where(
                FinancingActivity.kind == ActivityKind.ROADSHOW.value, FinancingActivity.status == "held",
                FinancingActivity.city == data.city, FinancingActivity.chain == data.chain,
                FinancingActivity.held_on >= month_start,
                FinancingActivity.held_on < _next_month(month_start)))
            if same is not None:
                raise Conflict("roadshow.month_taken",
                               f"{data.held_on:%Y年%m月} 本市州已举办 {data.chain} 产业链路演（活动 {same}）：一月一链",
                               activity_id=same)
        activity = FinancingActivity(
            kind=data.kind.value, title=data.title, held_on=data.held_on, city=data.city, chain=data.chain,
            organiser=data.organiser, enterprise_count=data.enterprise_count, private_enterprise_count=private,
            institution_count=data.institution_count, enterprises=listed, intended_amount=data.intended_amount,
            intended_deals=data.intended_deals, status="held", recorded_by=principal.sub)
        s.add(activity)
        try:
            await s.flush()
        except IntegrityError:
            raise Conflict("activity.duplicate", f"{data.held_on} 的活动“{data.title}”已登记") from None
        await record_audit(s, principal, "activity.record", "financing_activity", str(activity.id), None,
                           data.model_dump(mode="json"))
        uow.emit(ev.ActivityRecorded(
            activity_id=str(activity.id), kind=activity.kind, city=activity.city, held_on=activity.held_on,
            year=activity.held_on.year, title=activity.title, chain=activity.chain,
            enterprise_count=activity.enterprise_count, private_enterprise_count=private,
            institution_count=activity.institution_count, intended_amount=_money(activity.intended_amount),
            intended_deals=activity.intended_deals))
        await uow.commit()
    return activity


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


async def cancel_activity(rt: Runtime, principal: Principal, activity_id: int, reason: str) -> FinancingActivity:
    async with rt.unit_of_work() as uow:
        activity = (await uow.session.scalars(select(FinancingActivity).where(FinancingActivity.id == activity_id)
                                              .with_for_update())).first()
        if activity is None:
            raise NotFound("融资对接活动", str(activity_id))
        _ensure_activity_writer(principal, activity.city)
        if activity.status != "held":
            raise Conflict("activity.transition", f"活动 {activity_id} 已撤销")
        activity.status, activity.cancel_reason = "cancelled", reason
        await uow.session.flush()
        await record_audit(uow.session, principal, "activity.cancel", "financing_activity", str(activity_id),
                           {"status": "held"}, {"status": "cancelled", "reason": reason})
        uow.emit(ev.ActivityCancelled(activity_id=str(activity.id), kind=activity.kind, city=activity.city,
                                      held_on=activity.held_on, year=activity.held_on.year, reason=reason))
        await uow.commit()
    return activity


async def get_activity(rt: Runtime, activity_id: int) -> FinancingActivity:
    async with rt.sessions() as session:
        activity = await session.get(FinancingActivity, activity_id)
    if activity is None:
        raise NotFound("融资对接活动", str(activity_id))
    return activity


async def list_activities(rt: Runtime, page: PageParams, kind: str | None, city: str | None, year: int | None,
                          chain: str | None, include_cancelled: bool) -> tuple[list[FinancingActivity], int]:
    stmt = select(FinancingActivity)
    if kind:
        stmt = stmt.where(FinancingActivity.kind == kind)
    if city:
        stmt = stmt.where(FinancingActivity.city == city)
    if year:
        stmt = stmt.where(FinancingActivity.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    if chain:
        stmt = stmt.where(FinancingActivity.chain == chain)
    if not include_cancelled:
        stmt = stmt.where(FinancingActivity.status == "held")
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, FinancingActivity.held_on.desc(),
                                       FinancingActivity.id.desc())
    return rows, total
