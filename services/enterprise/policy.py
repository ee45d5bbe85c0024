"""Who may do what in the enterprise service (registry, tiers and the pool), for the API and the use cases.

* the ``province-admin`` does everything, and alone decides tiers and the pool's admissions,
  rejections, graduations and removals;
* a ``city-officer`` registers and edits their city's enterprises and yearly figures, recommends
  tiers, applies for the pool (the only role that does) and records their members' progress;
* ``viewer`` and ``integration`` read everything; ``agency`` reads nothing here, and a ``bank``
  reads only the pool's list of members pushed to banks (专利产业化成长计划 三(三)
  “面向银行业金融机构推送入库企业名单”), province-wide;
* the province's recommendation list towards the national pool is the province admin's export;
* the credit register 信用记录: a ``city-officer`` records entries for their city's enterprises and the
  ``province-admin`` for any city (the bureau that decides or receives a decision records it; 002 § 5
  builds one provincial credit platform from them); only the province lifts an entry (信用修复 ends a
  joint punishment across every programme, so it is the platform's decision). Lists: as the pool's.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from libs.common.auth import Principal, Role, ensure_city_access, ensure_enterprise_access, require_roles
from libs.common.errors import Forbidden

#: Tier decisions and the pool's admissions, rejections, graduations and removals.
DECIDERS = (Role.PROVINCE_ADMIN,)
#: The registry and its figures, tier recommendations, pool evaluations and progress.
WRITERS = (Role.PROVINCE_ADMIN, Role.CITY_OFFICER)
#: Pool applications: filed by the enterprise's city.
APPLICANTS = (Role.CITY_OFFICER,)

#: The list of pool members pushed to banks: every bank (the list is pushed to all of them), the
#: province-wide roles, and a city officer for its own city.
BANK_LIST_READERS = (Role.BANK, Role.CITY_OFFICER, Role.PROVINCE_ADMIN, Role.VIEWER, Role.INTEGRATION)

ProvinceAdmin = Annotated[Principal, Depends(require_roles(*DECIDERS))]
Writer = Annotated[Principal, Depends(require_roles(*WRITERS))]
CityOfficer = Annotated[Principal, Depends(require_roles(*APPLICANTS))]

#: Reading one enterprise (its profile, figures, tiers and pool records): the registry's read rule.
ensure_reader = ensure_enterprise_access


def ensure_writer(principal: Principal, city: str, what: str = "企业信息") -> None:
    """May change ``what`` of an enterprise registered in ``city``."""
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能修改{what}")
    ensure_city_access(principal, city)


def ensure_applicant(principal: Principal, city: str) -> None:
    """May apply for the pool on behalf of an enterprise registered in ``city``."""
    if principal.role not in APPLICANTS:
        raise Forbidden("入库申报由企业所在市州知识产权局提交")
    ensure_city_access(principal, city)


#: Who records credit-register entries (city officers for their own city).
CREDIT_RECORDERS = (Role.PROVINCE_ADMIN, Role.CITY_OFFICER)


def ensure_credit_recorder(principal: Principal, city: str) -> None:
    """May record a credit-register entry about an enterprise registered in ``city``."""
    if principal.role not in CREDIT_RECORDERS:
        raise Forbidden(f"角色 {principal.role.value} 不能记录信用信息")
    ensure_city_access(principal, city)


def own_city(principal: Principal) -> str | None:
    """The one city a city officer is confined to (None: a province-wide view)."""
    return principal.city if principal.role == Role.CITY_OFFICER else None


def readable_city(principal: Principal, city: str | None, what: str) -> str | None:
    """The city a list of ``what`` is filtered on: a city officer's own (naming another city is a
    403), the one asked for by a province-wide role; other roles read no list (403)."""
    mine = own_city(principal)
    if mine is not None:
        if city is not None:
            ensure_city_access(principal, city)
        return mine
    if not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看{what}")
    return city


def bank_list_city(principal: Principal, city: str | None) -> str | None:
    """The city the bank list is filtered on: a bank reads every city's members (the list is pushed
    to banks province-wide), a city officer its own (naming another is a 403), a province-wide role
    the one asked for; an agency reads no list (403)."""
    if principal.role not in BANK_LIST_READERS:
        raise Forbidden(f"角色 {principal.role.value} 无权查看入库企业名单")
    if principal.role == Role.BANK:
        return city
    return readable_city(principal, city, "入库企业名单")
