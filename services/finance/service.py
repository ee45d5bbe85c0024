"""Use cases of the finance service: one transaction each (state + audit + outbox event).

Who may act is :mod:`services.finance.policy` (the API checks the role, these functions the scope),
what the rules allow :mod:`services.finance.domain` (whose :class:`~libs.common.rules.RuleViolation`
the problem handler renders as a 422 or 409).
"""
from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.audit import record_audit
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.errors import (
    NotFound,
    ProblemError,
    get_or_404,
    rule_problem,
    validation_errors,
)
from libs.common.pagination import PageParams, fetch_page
from libs.common.rules import RuleViolation
from libs.common.search import where_equal
from libs.readmodels.credit import active_entries
from libs.readmodels.enterprises import require_enterprise
from services.finance import events as ev
from services.finance import policy
from services.finance.domain import (
    ActivityKind,
    ItemKind,
    LoanStatus,
    check_activity,
    check_business_date,
    check_contract_free,
    check_held,
    check_items,
    check_items_free,
    check_listed,
    check_publication_date,
    check_roadshow_month,
    check_status_change,
    check_whitelist_credit,
    check_whitelist_entries,
    diff_whitelists,
    maturity_date,
    month_of,
)
from services.finance.models import (
    FinancingActivity,
    PledgedItem,
    PledgeLoan,
    WhitelistEntry,
    WhitelistVersion,
    known_credit,
    known_enterprises,
)
from services.finance.schemas import ActivityCreate, PledgeCreate, PledgeSummary, PledgeTotals, WhitelistPublish


def _money(value: Decimal) -> str:
    return format(Decimal(value).quantize(Decimal("0.01")), "f")


# ================================================================================== pledge loans

def loan_snapshot(loan: PledgeLoan) -> dict[str, Any]:
    return {"uscc": loan.uscc, "city": loan.city, "lender_bank": loan.lender_bank, "contract_no": loan.contract_no,
            "amount": loan.amount, "registration_date": loan.registration_date, "term_months": loan.term_months,
            "annual_rate": loan.annual_rate, "risk_sharing": list(loan.risk_sharing), "status": loan.status,
            "status_date": loan.status_date, "status_note": loan.status_note}


@dataclass(frozen=True)
class _Prepared:
    """A registration request that passed every check that needs no database."""

    data: PledgeCreate
    lender: str
    items: list[tuple[ItemKind, str]]
    maturity: date
    risk: list[str]


def _prepare(principal: Principal, data: PledgeCreate) -> _Prepared:
    lender = policy.lender(principal, data.lender_bank)
    items = check_items([(i.kind, i.number) for i in data.items])
    check_business_date(data.registration_date, today(), "registration_date", "质押登记日期")
    maturity = maturity_date(data.registration_date, data.term_months)
    return _Prepared(data, lender, items, maturity, list(dict.fromkeys(r.value for r in data.risk_sharing)))


def _unknown_enterprise(uscc: str) -> RuleViolation:
    return RuleViolation("enterprise-registered",
                         f"企业 {uscc} 未在企业库登记（或登记尚未同步到本服务），请先在企业服务登记", field="uscc")


def _concurrent_pledge() -> RuleViolation:
    return RuleViolation("pledge.concurrent", "同一合同或质押物正被同时登记，请刷新后重试")


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
    policy.ensure_borrower(principal, ent.city)
    check_contract_free(p.lender, data.contract_no, await s.scalar(select(PledgeLoan.id).where(
        PledgeLoan.lender_bank == p.lender, PledgeLoan.contract_no == data.contract_no)))
    taken = (await s.execute(select(PledgedItem.kind, PledgedItem.number, PledgedItem.loan_id).where(
        PledgedItem.active.is_(True), PledgedItem.number.in_([n for _, n in p.items])))).all()
    check_items_free([tuple(t) for t in taken if (ItemKind(t.kind), t.number) in set(p.items)])
    loan = _build_loan(principal, p, ent)
    s.add(loan)
    try:
        await s.flush()
    except IntegrityError:  # a concurrent registration of the same contract or item
        raise _concurrent_pledge() from None
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


# ---------------------------------------------------------------------------------- bulk import

def _row_errors(row: int, exc: ProblemError | RuleViolation) -> list[dict[str, Any]]:
    if isinstance(exc, RuleViolation):
        exc = rule_problem(exc)
    if exc.errors:
        return [{"row": row, **e} for e in exc.errors]
    field = {"pledge.duplicate_contract": "contract_no", "pledge.item_already_pledged": "items",
             "forbidden-city": "uscc", "forbidden-lender": "lender_bank"}.get(exc.slug, "")
    return [{"row": row, "field": field, "rule": exc.slug, "message": exc.detail or exc.title}]


async def import_pledges(rt: Runtime, principal: Principal, rows: list[dict[str, Any]], atomic: bool,
                         dry_run: bool = False) -> tuple[list[tuple[int, int]], list[dict[str, Any]]]:
    """A bank's or a city's report of many loans: every row checked as one registration would be.

    The good rows are written in one transaction with one audit row for the import and one
    ``pledge.registered`` event per loan; the bad rows are reported (row, field, rule, message). With
    ``atomic`` any bad row means nothing is written (422 ``bulk-rejected``). A contract already
    registered is reported (``pledge.duplicate_contract``), so a report can be sent again.
    ``dry_run``: every check, nothing written (and no ids).
    """
    prepared, errors = _prepare_rows(principal, rows)
    written: list[tuple[int, int]] = []
    async with rt.unit_of_work() as uow:
        staged = _stage_rows(uow.session, principal, prepared, await _stored(uow.session, prepared), errors)
        if staged:
            try:
                await uow.session.flush()
            except IntegrityError:
                raise _concurrent_pledge() from None
        for i, loan, p in staged:
            uow.emit(_registered(loan, p))
            written.append((i, loan.id))
        errors.sort(key=lambda e: e["row"])
        if atomic and errors:
            raise ProblemError(422, "bulk-rejected", "批量导入被拒绝", f"{len(errors)} 处错误，未写入任何数据",
                               errors=errors)
        if dry_run:
            return [], errors
        if written:
            await record_audit(uow.session, principal, "pledge.bulk_import", "pledge_import", str(uuid.uuid4()), None,
                               {"rows": len(rows), "loan_ids": [w[1] for w in written], "errors": len(errors)})
            await uow.commit()
    return written, errors


def _prepare_rows(principal: Principal, rows: list[dict[str, Any]]
                  ) -> tuple[list[tuple[int, _Prepared]], list[dict[str, Any]]]:
    """Every row parsed and checked as far as it can be without the database; the errors by row."""
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
        except (ProblemError, RuleViolation) as exc:
            errors.extend(_row_errors(i, exc))
    return prepared, errors


@dataclass
class _Stored:
    """What a report's rows are checked against: the enterprises, contracts and active items named."""

    enterprises: dict[str, Any]
    contracts: dict[tuple[str, str], int | str]
    active: dict[tuple[str, str], int | str]


async def _stored(s, prepared: list[tuple[int, _Prepared]]) -> _Stored:
    """The stored state every row is checked against, in a few queries for the whole report."""
    stored = _Stored({}, {}, {})
    for part in _chunks(sorted({p.data.uscc for _, p in prepared})):
        stored.enterprises.update({r.uscc: r for r in (await s.execute(
            select(known_enterprises).where(known_enterprises.c.uscc.in_(part)))).all()})
    for part in _chunks(sorted({p.data.contract_no for _, p in prepared})):
        stored.contracts.update({(r.lender_bank, r.contract_no): r.id for r in (await s.execute(
            select(PledgeLoan.id, PledgeLoan.lender_bank, PledgeLoan.contract_no)
            .where(PledgeLoan.contract_no.in_(part)))).all()})
    for part in _chunks(sorted({n for _, p in prepared for _, n in p.items})):
        stored.active.update({(r.kind, r.number): r.loan_id for r in (await s.execute(
            select(PledgedItem.kind, PledgedItem.number, PledgedItem.loan_id)
            .where(PledgedItem.active.is_(True), PledgedItem.number.in_(part)))).all()})
    return stored


def _stage_rows(s, principal: Principal, prepared: list[tuple[int, _Prepared]], stored: _Stored,
                errors: list[dict[str, Any]]) -> list[tuple[int, PledgeLoan, _Prepared]]:
    """Add the loans of the rows that pass (a later row clashing with an earlier one is an error)."""
    staged: list[tuple[int, PledgeLoan, _Prepared]] = []
    for i, p in prepared:
        ent = stored.enterprises.get(p.data.uscc)
        try:
            _check_row(principal, p, ent, stored)
        except (ProblemError, RuleViolation) as exc:
            errors.extend(_row_errors(i, exc))
            continue
        loan = _build_loan(principal, p, ent)
        s.add(loan)
        staged.append((i, loan, p))
        stored.contracts[(p.lender, p.data.contract_no)] = f"第 {i} 行"
        stored.active.update({(k.value, n): f"第 {i} 行" for k, n in p.items})
    return staged


def _check_row(principal: Principal, p: _Prepared, ent, stored: _Stored) -> None:
    if ent is None:
        raise _unknown_enterprise(p.data.uscc)
    policy.ensure_borrower(principal, ent.city, ent.uscc)
    check_contract_free(p.lender, p.data.contract_no, stored.contracts.get((p.lender, p.data.contract_no)))
    check_items_free([(k.value, n, stored.active[(k.value, n)]) for k, n in p.items if (k.value, n) in stored.active])


# -------------------------------------------------------------------------------- loans and totals

async def get_pledge(rt: Runtime, principal: Principal, loan_id: int) -> PledgeLoan:
    async with rt.sessions() as session:
        loan = await get_or_404(session, PledgeLoan, loan_id, "质押贷款")
    policy.ensure_loan_access(principal, loan)
    return loan


def _loan_fields(loan: PledgeLoan) -> dict[str, Any]:
    return {"loan_id": str(loan.id), "uscc": loan.uscc, "city": loan.city, "is_private": loan.is_private,
            "lender_bank": loan.lender_bank, "amount": _money(loan.amount),
            "registration_date": loan.registration_date, "year": loan.registration_date.year}


async def change_status(rt: Runtime, principal: Principal, loan_id: int, target: LoanStatus,
                        on: date | None = None, note: str | None = None) -> PledgeLoan:
    """Release, default or cancel a registered loan (any other change is a 409)."""
    async with rt.unit_of_work() as uow:
        loan = await get_or_404(uow.session, PledgeLoan, loan_id, "质押贷款", lock=True)
        policy.ensure_loan_writer(principal, loan)
        when = on or today()
        check_status_change(LoanStatus(loan.status), target, loan.registration_date, when, today())
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
    lender, city = policy.loan_scope(principal, city)
    stmt = where_equal(select(PledgeLoan), PledgeLoan, lender_bank=lender, city=city)
    return stmt


def _year_range(year: int):
    return PledgeLoan.registration_date.between(date(year, 1, 1), date(year, 12, 31))


async def list_pledges(rt: Runtime, principal: Principal, page: PageParams, *, city: str | None = None,
                       status: str | None = None, year: int | None = None, uscc: str | None = None,
                       lender_bank: str | None = None, is_private: bool | None = None,
                       maturing_before: date | None = None) -> tuple[list[PledgeLoan], int]:
    stmt = _scoped_loans(principal, city)
    stmt = where_equal(stmt, PledgeLoan, status=status)
    if year:
        stmt = stmt.where(_year_range(year))
    stmt = where_equal(stmt, PledgeLoan, uscc=uscc, lender_bank=lender_bank)
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
    scope_city = policy.own_city(principal) or city
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
    check_whitelist_entries(usccs)
    async with rt.unit_of_work() as uow:
        s = uow.session
        previous = (await s.scalars(select(WhitelistVersion).order_by(WhitelistVersion.number.desc())
                                    .limit(1))).first()
        if await s.scalar(select(WhitelistVersion.number).where(WhitelistVersion.title == data.title)) is not None:
            raise RuleViolation("whitelist.duplicate_title", f"名为“{data.title}”的白名单已发布")
        check_publication_date(data.published_on, previous.published_on if previous else None, today())
        known = await _listed_enterprises(s, usccs)
        active = await active_entries(s, known_credit, usccs, data.published_on)
        check_whitelist_credit(usccs, {u: [e.describe() for e in v] for u, v in active.items()}, data.published_on)
        version = await _add_version(s, principal, data, known, (previous.number + 1) if previous else 1)
        old = await _entries(s, previous.number) if previous else []
        diff = diff_whitelists({e.uscc: e.suggested_credit_line for e in old},
                               {e.uscc: e.suggested_credit_line for e in data.entries})
        await record_audit(s, principal, "whitelist.publish", "whitelist", str(version.number), None,
                           {"title": data.title, "published_on": data.published_on, "entries": len(usccs),
                            "total_credit_line": version.total_credit_line, "added": len(diff.added),
                            "removed": len(diff.removed), "changed": len(diff.changed)})
        uow.emit(_published(version, data, known, diff))
        await uow.commit()
    return version


async def _listed_enterprises(s, usccs: list[str]) -> dict[str, Any]:
    """The read model's rows of the enterprises listed (one not known: a 422 naming its entry)."""
    known = {r.uscc: r for r in (await s.execute(select(known_enterprises).where(
        known_enterprises.c.uscc.in_(usccs)))).all()}
    for i, uscc in enumerate(usccs):
        if uscc not in known:
            await require_enterprise(s, known_enterprises, uscc, field=f"entries.{i}.uscc")
    return known


async def _add_version(s, principal: Principal, data: WhitelistPublish, known: dict[str, Any],
                       number: int) -> WhitelistVersion:
    total = sum((e.suggested_credit_line for e in data.entries), Decimal(0))
    version = WhitelistVersion(number=number, title=data.title, published_on=data.published_on, note=data.note,
                               entry_count=len(data.entries), total_credit_line=total, published_by=principal.sub)
    s.add(version)
    try:
        await s.flush()
    except IntegrityError:
        raise RuleViolation("whitelist.concurrent", "另一版白名单正在同时发布，请刷新后重试") from None
    s.add_all([WhitelistEntry(version=number, uscc=e.uscc, position=i, enterprise_name=known[e.uscc].name,
                              city=known[e.uscc].city, is_private=bool(known[e.uscc].is_private),
                              suggested_credit_line=e.suggested_credit_line)
               for i, e in enumerate(data.entries)])
    await s.flush()
    return version


def _published(version: WhitelistVersion, data: WhitelistPublish, known: dict[str, Any], diff
               ) -> ev.WhitelistPublished:
    by_city: dict[str, list] = defaultdict(list)
    for e in data.entries:
        by_city[known[e.uscc].city].append((bool(known[e.uscc].is_private), e.suggested_credit_line))
    return ev.WhitelistPublished(
        version_id=str(version.number), number=version.number, title=data.title, published_on=data.published_on,
        year=data.published_on.year, entry_count=len(data.entries), total_credit_line=_money(version.total_credit_line),
        added=len(diff.added), removed=len(diff.removed),
        by_city=[ev.CityCount(city=c, entries=len(v), private_entries=sum(1 for p, _ in v if p),
                              credit_line=_money(sum((a for _, a in v), Decimal(0))))
                 for c, v in sorted(by_city.items())])


async def _entries(session, number: int, city: str | None = None) -> list[WhitelistEntry]:
    stmt = select(WhitelistEntry).where(WhitelistEntry.version == number)
    stmt = where_equal(stmt, WhitelistEntry, city=city)
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
            version = await get_or_404(session, WhitelistVersion, number, "白名单版本")
        return version, await _entries(session, version.number, city)


async def diff_versions(rt: Runtime, from_number: int, to_number: int):
    async with rt.sessions() as session:
        for n, field in ((from_number, "from"), (to_number, "to")):
            if await session.get(WhitelistVersion, n) is None:
                raise RuleViolation("whitelist.unknown_version", f"白名单第 {n} 版不存在", field=field)
        older = {e.uscc: e for e in await _entries(session, from_number)}
        newer = {e.uscc: e for e in await _entries(session, to_number)}
    diff = diff_whitelists({u: e.suggested_credit_line for u, e in older.items()},
                           {u: e.suggested_credit_line for u, e in newer.items()})
    return diff, older, newer


# ================================================================================== activities

def _duplicate_activity(data: ActivityCreate) -> RuleViolation:
    return RuleViolation("activity.duplicate", f"{data.held_on} 的活动“{data.title}”已登记")


async def record_activity(rt: Runtime, principal: Principal, data: ActivityCreate) -> FinancingActivity:
    policy.ensure_activity_writer(principal, data.city)
    listed = list(data.enterprises)
    check_business_date(data.held_on, today(), "held_on", "举办日期")
    check_activity(data.kind, data.chain, data.enterprise_count, len(listed))
    check_listed(listed)
    async with rt.unit_of_work() as uow:
        s = uow.session
        private = 0
        for i, uscc in enumerate(listed):
            private += bool((await require_enterprise(s, known_enterprises, uscc, field=f"enterprises.{i}")).is_private)
        await _check_new_activity(s, data)
        activity = FinancingActivity(
            kind=data.kind.value, title=data.title, held_on=data.held_on, city=data.city, chain=data.chain,
            organiser=data.organiser, enterprise_count=data.enterprise_count, private_enterprise_count=private,
            institution_count=data.institution_count, enterprises=listed, intended_amount=data.intended_amount,
            intended_deals=data.intended_deals, status="held", recorded_by=principal.sub)
        s.add(activity)
        try:
            await s.flush()
        except IntegrityError:
            raise _duplicate_activity(data) from None
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


async def _check_new_activity(s, data: ActivityCreate) -> None:
    """Not recorded already, and a roadshow the city's only one of its chain in its month."""
    if await s.scalar(select(FinancingActivity.id).where(
            FinancingActivity.kind == data.kind.value, FinancingActivity.title == data.title,
            FinancingActivity.held_on == data.held_on)) is not None:
        raise _duplicate_activity(data)
    if data.kind == ActivityKind.ROADSHOW:
        first, next_first = month_of(data.held_on)
        check_roadshow_month(data.held_on, data.chain, await s.scalar(select(FinancingActivity.id).where(
            FinancingActivity.kind == ActivityKind.ROADSHOW.value, FinancingActivity.status == "held",
            FinancingActivity.city == data.city, FinancingActivity.chain == data.chain,
            FinancingActivity.held_on >= first, FinancingActivity.held_on < next_first)))


async def cancel_activity(rt: Runtime, principal: Principal, activity_id: int, reason: str) -> FinancingActivity:
    async with rt.unit_of_work() as uow:
        activity = await get_or_404(uow.session, FinancingActivity, activity_id, "融资对接活动", lock=True)
        policy.ensure_activity_writer(principal, activity.city)
        check_held(activity.id, activity.status)
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
        return await get_or_404(session, FinancingActivity, activity_id, "融资对接活动")


async def list_activities(rt: Runtime, page: PageParams, kind: str | None, city: str | None, year: int | None,
                          chain: str | None, include_cancelled: bool) -> tuple[list[FinancingActivity], int]:
    stmt = where_equal(select(FinancingActivity), FinancingActivity, kind=kind, city=city)
    if year:
        stmt = stmt.where(FinancingActivity.held_on.between(date(year, 1, 1), date(year, 12, 31)))
    stmt = where_equal(stmt, FinancingActivity, chain=chain)
    if not include_cancelled:
        stmt = stmt.where(FinancingActivity.status == "held")
    async with rt.sessions() as session:
        rows, total = await fetch_page(session, stmt, page, FinancingActivity.held_on.desc(),
                                       FinancingActivity.id.desc())
    return rows, total
