"""Direct unit tests of the transfer service's policy (role sets and city scoping), without a database."""
from __future__ import annotations

import pytest

from libs.common.auth import Role
from libs.common.errors import Forbidden
from libs.common.testing import principals, refused
from services.transfer import policy

WUHAN, YICHANG = "420100", "420500"

ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY = principals(WUHAN)
ALL = [ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY]


# ------------------------------------------------------------------------------ role sets

def test_role_sets():
    assert frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER}) == policy.WRITERS
    assert policy.WRITERS | {Role.INTEGRATION} == policy.BULK_WRITERS
    assert frozenset({Role.AGENCY}) == policy.NEED_READERS


# ------------------------------------------------------------------------------ ensure_role

@pytest.mark.parametrize(("roles", "allowed"), [
    (policy.WRITERS, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER}),
    (policy.BULK_WRITERS, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.INTEGRATION}),
], ids=["WRITERS", "BULK_WRITERS"])
def test_ensure_role(roles, allowed):
    for principal in ALL:
        if principal.role in allowed:
            policy.ensure_role(principal, roles, "不能登记转让许可记录")
        else:
            exc = refused(policy.ensure_role, principal, roles, "不能登记转让许可记录", cls=Forbidden)
            assert exc.detail == f"角色 {principal.role.value} 不能登记转让许可记录"


# ------------------------------------------------------------------------------ ensure_may_write

def test_may_write_admin_any_city_officer_own_city():
    policy.ensure_may_write(ADMIN, YICHANG)
    policy.ensure_may_write(OFFICER, WUHAN)
    refused(policy.ensure_may_write, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK, AGENCY], ids=lambda p: p.role.value)
def test_may_write_other_roles_forbidden(principal):
    # integration bulk-imports (BULK_WRITERS) but is not a writer of single rows
    exc = refused(policy.ensure_may_write, principal, WUHAN, cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 无权执行此操作"


# ------------------------------------------------------------------------------ city_row_error

@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_city_row_error_none_for_province_wide(principal):
    assert policy.city_row_error(principal, YICHANG) == []


def test_city_row_error_city_officer():
    assert policy.city_row_error(OFFICER, WUHAN) == []
    [error] = policy.city_row_error(OFFICER, YICHANG)
    assert (error["field"], error["rule"]) == ("city", "forbidden-city")
    assert error["message"] == f"用户所属市州 {WUHAN} 无权登记市州 {YICHANG} 的记录"


@pytest.mark.parametrize("principal", [BANK, AGENCY], ids=lambda p: p.role.value)
def test_city_row_error_for_roles_without_city(principal):
    [error] = policy.city_row_error(principal, WUHAN)
    assert error["rule"] == "forbidden-city"
    assert "无" in error["message"]


# ------------------------------------------------------------------------------ readable_city

def test_readable_city_officer_own_city_only():
    assert policy.readable_city(OFFICER, None) == WUHAN
    assert policy.readable_city(OFFICER, WUHAN) == WUHAN
    refused(policy.readable_city, OFFICER, YICHANG, slug="forbidden-city")
    refused(policy.readable_city, OFFICER, YICHANG, policy.NEED_READERS, slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_readable_city_province_wide(principal):
    assert policy.readable_city(principal, None) is None
    assert policy.readable_city(principal, YICHANG) == YICHANG


def test_readable_city_agency_reads_needs_only():
    exc = refused(policy.readable_city, AGENCY, None, cls=Forbidden)
    assert exc.detail == "角色 agency 无权查看"
    assert policy.readable_city(AGENCY, YICHANG, policy.NEED_READERS) == YICHANG
    assert policy.readable_city(AGENCY, None, policy.NEED_READERS) is None


def test_readable_city_bank_reads_nothing():
    refused(policy.readable_city, BANK, None, cls=Forbidden)
    refused(policy.readable_city, BANK, None, policy.NEED_READERS, cls=Forbidden)


# ------------------------------------------------------------------------------ ensure_may_read

def test_may_read_city_officer_own_city_row_only():
    policy.ensure_may_read(OFFICER, WUHAN)
    refused(policy.ensure_may_read, OFFICER, YICHANG, slug="forbidden-city")
    refused(policy.ensure_may_read, OFFICER, YICHANG, policy.NEED_READERS, slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_may_read_province_wide_any_row(principal):
    policy.ensure_may_read(principal, YICHANG)


def test_may_read_agency_needs_only():
    policy.ensure_may_read(AGENCY, YICHANG, policy.NEED_READERS)
    refused(policy.ensure_may_read, AGENCY, YICHANG, cls=Forbidden)


def test_may_read_bank_nothing():
    refused(policy.ensure_may_read, BANK, WUHAN, cls=Forbidden)
    refused(policy.ensure_may_read, BANK, WUHAN, policy.NEED_READERS, cls=Forbidden)
