"""Who may do what in the transfer service: the role sets the routes gate on and the city scoping the
use cases apply, in one place.

Province admins and city officers write (a city officer only in their own city); national and
provincial innovation carriers are approved and revoked by province admins only; the integration
client may also bulk import. Records and needs are read province-wide by the province-wide roles, by
city officers in their city, and needs by agencies too. Open licences, the library and matching
events are published listings every signed-in role reads.
"""
from __future__ import annotations

from libs.common.auth import Principal, Role, ensure_city_access
from libs.common.errors import Forbidden, field_error

WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER})
BULK_WRITERS = WRITERS | {Role.INTEGRATION}
#: Who reads the needs besides the province-wide roles and city officers.
NEED_READERS = frozenset({Role.AGENCY})


def ensure_role(principal: Principal, roles: frozenset[Role], refusal: str) -> None:
    """403 ``forbidden`` “角色 … {refusal}” unless the principal has one of ``roles``."""
    if principal.role not in roles:
        raise Forbidden(f"角色 {principal.role.value} {refusal}")


def ensure_may_write(principal: Principal, city: str) -> None:
    """A writer, and one of ``city`` (403 ``forbidden`` / ``forbidden-city``)."""
    ensure_role(principal, WRITERS, "无权执行此操作")
    ensure_city_access(principal, city)


def city_row_error(principal: Principal, city: str) -> list[dict[str, str]]:
    """A record of ``city`` the principal may not register, as the row error a bulk import reports."""
    if principal.may_access_city(city):
        return []
    return [field_error("city", "forbidden-city", f"用户所属市州 {principal.city or '无'} 无权登记市州 {city} 的记录")]


def readable_city(principal: Principal, city: str | None,
                  extra_readers: frozenset[Role] = frozenset()) -> str | None:
    """The city filter a list may use: a city officer sees only their city; other roles outside the
    province-wide ones and ``extra_readers`` see nothing (403)."""
    if principal.role == Role.CITY_OFFICER:
        if city is not None:
            ensure_city_access(principal, city)
        return principal.city
    if not principal.sees_all_cities() and principal.role not in extra_readers:
        raise Forbidden(f"角色 {principal.role.value} 无权查看")
    return city


def ensure_may_read(principal: Principal, city: str, extra_readers: frozenset[Role] = frozenset()) -> None:
    """One row of ``city`` (a record, a need): the list's readers, a city officer only their city's."""
    readable_city(principal, None, extra_readers)
    if principal.role == Role.CITY_OFFICER:
        ensure_city_access(principal, city)


def ensure_may_approve(principal: Principal, province_level: bool, city: str) -> None:
    """Approve or revoke a carrier: the province approves national and provincial carriers; a city
    officer records (and revokes) only city-level carriers of their own city (403 otherwise)."""
    if province_level and principal.role != Role.PROVINCE_ADMIN:
        raise Forbidden(f"角色 {principal.role.value} 无权认定或撤销国家级、省级载体（由省知识产权局认定）")
    ensure_may_write(principal, city)


__all__ = ["BULK_WRITERS", "NEED_READERS", "WRITERS", "city_row_error", "ensure_may_approve", "ensure_may_read",
           "ensure_may_write", "ensure_role", "readable_city"]
