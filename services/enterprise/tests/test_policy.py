"""Direct unit tests of the enterprise service's policy (who may do what), without a database or app."""
from __future__ import annotations

import pytest

from libs.common.auth import Role
from libs.common.errors import Forbidden
from libs.common.testing import principals, refused
from libs.common.testing import role_gate as gate
from services.enterprise import policy

WUHAN, YICHANG = "420100", "420500"

ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY = principals(WUHAN)

PROVINCE_WIDE = [ADMIN, VIEWER, INTEGRATION]
NO_ACCESS = [BANK, AGENCY]


# ------------------------------------------------------------------------------ ensure_reader

@pytest.mark.parametrize("principal", PROVINCE_WIDE, ids=lambda p: p.role.value)
def test_reader_province_wide_reads_every_city(principal):
    policy.ensure_reader(principal, WUHAN)
    policy.ensure_reader(principal, YICHANG)


def test_reader_city_officer_reads_own_city_only():
    policy.ensure_reader(OFFICER, WUHAN)
    exc = refused(policy.ensure_reader, OFFICER, YICHANG, slug="forbidden-city")
    assert YICHANG in (exc.detail or "")


@pytest.mark.parametrize("principal", NO_ACCESS, ids=lambda p: p.role.value)
def test_reader_bank_and_agency_read_no_enterprise(principal):
    refused(policy.ensure_reader, principal, WUHAN, slug="forbidden-city")


# ------------------------------------------------------------------------------ ensure_writer

def test_writer_admin_writes_every_city():
    policy.ensure_writer(ADMIN, WUHAN)
    policy.ensure_writer(ADMIN, YICHANG, "年度数据")


def test_writer_city_officer_own_city_only():
    policy.ensure_writer(OFFICER, WUHAN)
    refused(policy.ensure_writer, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK, AGENCY], ids=lambda p: p.role.value)
def test_writer_other_roles_forbidden_naming_what(principal):
    exc = refused(policy.ensure_writer, principal, WUHAN, "年度数据", cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能修改年度数据"


def test_writer_role_checked_before_city():
    # a viewer naming a city it could read is still refused for the role, not the city
    refused(policy.ensure_writer, VIEWER, YICHANG, cls=Forbidden)


# ------------------------------------------------------------------------------ ensure_applicant

def test_applicant_city_officer_of_the_enterprise_city():
    policy.ensure_applicant(OFFICER, WUHAN)


def test_applicant_city_officer_of_another_city_refused():
    refused(policy.ensure_applicant, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION, BANK, AGENCY], ids=lambda p: p.role.value)
def test_applicant_only_city_officers_apply_not_even_the_province(principal):
    exc = refused(policy.ensure_applicant, principal, WUHAN, cls=Forbidden)
    assert exc.detail == "入库申报由企业所在市州知识产权局提交"


# ------------------------------------------------------------------------------ own_city

def test_own_city_is_the_officers_city():
    assert policy.own_city(OFFICER) == WUHAN


@pytest.mark.parametrize("principal", [*PROVINCE_WIDE, *NO_ACCESS], ids=lambda p: p.role.value)
def test_own_city_none_for_other_roles(principal):
    assert policy.own_city(principal) is None


# ------------------------------------------------------------------------------ readable_city

def test_readable_city_officer_confined_to_own_city():
    assert policy.readable_city(OFFICER, None, "梯队") == WUHAN
    assert policy.readable_city(OFFICER, WUHAN, "梯队") == WUHAN


def test_readable_city_officer_naming_another_city_refused():
    refused(policy.readable_city, OFFICER, YICHANG, "梯队", slug="forbidden-city")


@pytest.mark.parametrize("principal", PROVINCE_WIDE, ids=lambda p: p.role.value)
def test_readable_city_province_wide_gets_what_it_asks(principal):
    assert policy.readable_city(principal, None, "梯队") is None
    assert policy.readable_city(principal, YICHANG, "梯队") == YICHANG


@pytest.mark.parametrize("principal", NO_ACCESS, ids=lambda p: p.role.value)
def test_readable_city_bank_and_agency_refused(principal):
    exc = refused(policy.readable_city, principal, None, "入库企业", cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 无权查看入库企业"


# ------------------------------------------------------------------------------ route gates

ALL = [ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY]


@pytest.mark.parametrize(("alias", "allowed"), [
    (policy.ProvinceAdmin, {Role.PROVINCE_ADMIN}),
    (policy.Writer, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER}),
    (policy.CityOfficer, {Role.CITY_OFFICER}),
], ids=["ProvinceAdmin", "Writer", "CityOfficer"])
def test_route_gates(alias, allowed):
    check = gate(alias)
    for principal in ALL:
        if principal.role in allowed:
            assert check(principal) is principal
        else:
            refused(check, principal)  # require_roles: a plain ProblemError 403 "forbidden"
