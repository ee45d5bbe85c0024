"""Who may do what in the training service: the role, city and organiser rules, in one place.

A class is managed by the province admin (every class), a city officer (their city's classes) or the
training base that organises it (an agency token whose ``org`` is the class's ``organiser_org``). It
is read by those and by the province-wide roles (viewer, integration); a bank reads nothing.
"""
from __future__ import annotations

from typing import Protocol

from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.errors import Forbidden, field_error

#: Roles that plan and run classes (each within its scope).
MANAGERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.AGENCY})
#: Roles that may look a trainee up by ID number (each sees the classes it may read).
LOOKUP = MANAGERS | {Role.VIEWER, Role.INTEGRATION}


class ClassLike(Protocol):
    code: str
    city: str
    organiser_org: str | None


def may_read(principal: Principal, cls: ClassLike) -> bool:
    if principal.sees_all_cities():
        return True
    if principal.role == Role.CITY_OFFICER:
        return principal.city == cls.city
    if principal.role == Role.AGENCY:
        return principal.org is not None and principal.org == cls.organiser_org
    return False


def ensure_read(principal: Principal, cls: ClassLike) -> None:
    if may_read(principal, cls):
        return
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, cls.city)
    raise Forbidden(f"角色 {principal.role.value} 无权查看培训班 {cls.code}")


def ensure_manage(principal: Principal, cls: ClassLike) -> None:
    """Province admin: every class; city officer: their city's classes; agency: the classes it organises."""
    if principal.role == Role.PROVINCE_ADMIN:
        return
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, cls.city)
        return
    if principal.role == Role.AGENCY:
        if principal.org and principal.org == cls.organiser_org:
            return
        raise Forbidden(f"培训基地 {principal.org or '（无机构标识）'} 不是培训班 {cls.code} 的承办单位，无权管理")
    raise Forbidden(f"角色 {principal.role.value} 无权管理培训班")


def organiser_of_new_class(principal: Principal, city: str, organiser_org: str | None) -> str | None:
    """Who may plan a class in ``city``, and the organiser it gets (a training base plans its own)."""
    if principal.role not in MANAGERS:
        raise Forbidden(f"角色 {principal.role.value} 无权开设培训班")
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, city)
    elif principal.role == Role.AGENCY:
        if not principal.org:
            raise Forbidden("培训基地令牌缺少 org，无法开设培训班")
        if organiser_org not in (None, principal.org):
            raise Forbidden(f"培训基地 {principal.org} 只能开设由本机构承办的培训班")
        return principal.org
    return organiser_org


def class_scope(principal: Principal, city: str | None) -> tuple[str | None, str | None]:
    """The (city, organiser) filters of what the principal may read among classes (None: any)."""
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city, None
    if principal.role == Role.AGENCY:
        if not principal.org:
            raise Forbidden("培训基地令牌缺少 org")
        return city, principal.org
    if not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看培训数据")
    return city, None


def ensure_may_look_up(principal: Principal) -> None:
    if principal.role not in LOOKUP:
        raise Forbidden(f"角色 {principal.role.value} 无权查询学员")


# ------------------------------------------------------------------------------ service activities
# Activities (服务活动) are recorded, corrected and cancelled by the province admin (any city) and city
# officers (their own city; a correction may not move one to another city). They are read by the
# province-wide roles (viewer, integration) and by city officers in their city; training bases
# (agency) and banks neither record nor read them (403): an activity is the bureaus' record of what
# they and their partners delivered, not a training base's own business.

ACTIVITY_WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER})


def ensure_may_record_activities(principal: Principal) -> None:
    """A role that records activities (403 ``forbidden`` otherwise); the city is judged per activity."""
    if principal.role not in ACTIVITY_WRITERS:
        raise Forbidden(f"角色 {principal.role.value} 无权登记服务活动")


def ensure_may_record_activity(principal: Principal, city: str) -> None:
    """Record or change an activity of ``city`` (403 ``forbidden`` / ``forbidden-city``)."""
    ensure_may_record_activities(principal)
    ensure_city_access(principal, city)


def activity_row_error(principal: Principal, city: str) -> list[dict[str, str]]:
    """A row of another city in a bulk import: a row error, not a 403 for the whole file."""
    if principal.may_access_city(city):
        return []
    return [field_error("city", "forbidden-city",
                        f"用户所属市州 {principal.city or '无'} 无权登记市州 {city} 的服务活动")]


def activity_scope(principal: Principal, city: str | None) -> str | None:
    """The city filter of an activities list: a city officer sees only their city; the province-wide
    roles any (``city`` as asked); other roles nothing (403)."""
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city
    if not principal.sees_all_cities():
        raise Forbidden(f"角色 {principal.role.value} 无权查看服务活动")
    return city


def ensure_may_read_activity(principal: Principal, city: str) -> None:
    activity_scope(principal, None)
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, city)
