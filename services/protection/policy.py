"""Who may do what in the protection service: the role and city/centre scoping rules, in one place.

Writers of centres and workstations are the province admin and city officers (their own city); a case
or a visit is also handled by the centre itself (an agency token whose ``org`` is the centre id).
Every role but a bank reads; a city officer reads their city, a centre its own records.
"""
from __future__ import annotations

from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.errors import Forbidden, ProblemError

#: Roles that register centres and establish workstations (a city officer in their own city).
WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER})


def ensure_writer(principal: Principal, what: str) -> None:
    if principal.role not in WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 不能{what}")


def ensure_city_writer(principal: Principal, city: str, what: str) -> None:
    ensure_writer(principal, what)
    ensure_city_access(principal, city)


def ensure_centre_actor(principal: Principal, centre_id: str, city: str) -> None:
    """Province admin; the officer of the centre's city; the centre itself (agency, org = centre id)."""
    if principal.role == Role.AGENCY:
        if principal.org != centre_id:
            raise ProblemError(403, "forbidden-centre", "无权办理其他中心的事项",
                               f"机构用户（{principal.org or '未绑定中心'}）只能办理本中心的事项，"
                               f"不能办理中心 {centre_id} 的事项")
        return
    ensure_city_writer(principal, city, "办理案件或记录上门服务")


def ensure_reader(principal: Principal) -> None:
    if principal.role == Role.BANK:
        raise Forbidden(f"角色 {principal.role.value} 无权查看知识产权保护数据")


def _other_centre(detail: str) -> ProblemError:
    return ProblemError(403, "forbidden-centre", "无权查看其他中心的数据", detail)


def scope(principal: Principal, city: str | None, centre_id: str | None) -> tuple[str | None, str | None]:
    """The (city, centre) filters a reader of cases and visits is held to."""
    ensure_reader(principal)
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city, centre_id
    if principal.role == Role.AGENCY:
        if not principal.org:
            raise Forbidden("机构用户令牌未绑定中心（org）")
        if centre_id is not None and centre_id != principal.org:
            raise _other_centre(f"机构用户只能查看本中心 {principal.org} 的数据")
        return city, principal.org
    return city, centre_id


def ensure_case_visible(principal: Principal, case_city: str, case_centre_id: str) -> None:
    city, centre_id = scope(principal, None, None)
    if city and case_city != city:
        ensure_city_access(principal, case_city)
    if centre_id and case_centre_id != centre_id:
        raise _other_centre(f"机构用户只能查看本中心 {centre_id} 的案件")


def workstation_city(principal: Principal, city: str | None) -> str | None:
    """The city filter a reader of workstations is held to (a city officer: their own)."""
    ensure_reader(principal)
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city
    return city


def ensure_workstation_visible(principal: Principal, city: str) -> None:
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, city)
