"""Who may do what in the finance service, for the API and the use cases.

* a ``bank`` registers loans as their lender (its token's ``org``) and sees and changes only its own;
* a ``city-officer`` registers loans that banks report for enterprises of their city (naming the
  lender), sees and changes their city's loans, and records their city's activities;
* the ``province-admin`` does everything and alone publishes the white-list;
* ``viewer`` and ``integration`` read every loan; everyone signed in reads white-lists and activities.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from libs.common.auth import Principal, Role, ensure_city_access, require_roles
from libs.common.errors import Forbidden, ProblemError
from libs.common.rules import RuleViolation
from services.finance.models import PledgeLoan

PUBLISHERS = (Role.PROVINCE_ADMIN,)
LOAN_WRITERS = (Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.BANK)
LOAN_READERS = (*LOAN_WRITERS, Role.VIEWER, Role.INTEGRATION)
#: Who registers a loan for a lender named in the request (a bank registers its own).
PROXY_REGISTRARS = (Role.PROVINCE_ADMIN, Role.CITY_OFFICER)
ACTIVITY_WRITERS = (Role.PROVINCE_ADMIN, Role.CITY_OFFICER)

ProvinceAdmin = Annotated[Principal, Depends(require_roles(*PUBLISHERS))]
LoanWriter = Annotated[Principal, Depends(require_roles(*LOAN_WRITERS))]
LoanReader = Annotated[Principal, Depends(require_roles(*LOAN_READERS))]
ActivityWriter = Annotated[Principal, Depends(require_roles(*ACTIVITY_WRITERS))]


def own_city(principal: Principal) -> str | None:
    """The one city a city officer is confined to (None: no city confinement)."""
    return principal.city if principal.role == Role.CITY_OFFICER else None


def lender(principal: Principal, named: str | None) -> str:
    """The lender a new loan is registered for: a bank's own, the one named by a city or the province."""
    if principal.role == Role.BANK:
        if named is not None and named != principal.org:
            raise ProblemError(403, "forbidden-lender", "银行只能登记本行发放的贷款",
                               f"令牌所属银行为 {principal.org}，不能以 {named} 的名义登记")
        return principal.org  # type: ignore[return-value]
    if principal.role not in PROXY_REGISTRARS:
        raise Forbidden(f"角色 {principal.role.value} 不能登记质押贷款")
    if not named:
        raise RuleViolation("lender_bank.required", "由市州或省局代为登记时须填写贷款银行标识", field="lender_bank")
    return named


def ensure_borrower(principal: Principal, city: str, uscc: str | None = None) -> None:
    """A city officer registers loans for enterprises of their own city only (403 ``forbidden-city``);
    with ``uscc`` (a row of a report) the message names the enterprise."""
    if principal.role != Role.CITY_OFFICER:
        return
    if uscc is None:
        ensure_city_access(principal, city)
    elif not principal.may_access_city(city):
        raise ProblemError(403, "forbidden-city", "无权访问该市州的数据",
                           f"企业 {uscc} 属于市州 {city}，不是用户所属市州 {principal.city}")


def ensure_loan_access(principal: Principal, loan: PledgeLoan) -> None:
    """A bank sees its own loans, everyone else the loans of the cities they see."""
    if principal.role == Role.BANK:
        if loan.lender_bank != principal.org:
            raise ProblemError(403, "forbidden-lender", "无权访问其他银行的贷款",
                               f"贷款 {loan.id} 的贷款银行为 {loan.lender_bank}，不是 {principal.org}")
        return
    ensure_city_access(principal, loan.city)


def ensure_loan_writer(principal: Principal, loan: PledgeLoan) -> None:
    if principal.role not in LOAN_WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能变更贷款")
    ensure_loan_access(principal, loan)


def loan_scope(principal: Principal, city: str | None) -> tuple[str | None, str | None]:
    """(lender, city) a list of loans is confined to: a bank's own loans, a city officer's city
    (naming another is a 403), the city asked for by a province-wide role; other roles none (403)."""
    if principal.role == Role.BANK:
        return principal.org, city
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return None, principal.city
    if not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看质押贷款")
    return None, city


def ensure_activity_writer(principal: Principal, city: str) -> None:
    if principal.role not in ACTIVITY_WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能登记融资对接活动")
    ensure_city_access(principal, city)
