"""Direct unit tests of the protection service's policy (role, city and centre scoping), without a database."""
from __future__ import annotations

import pytest

from libs.common.auth import Principal, Role
from libs.common.errors import Forbidden
from libs.common.testing import principals, refused
from services.protection import policy

WUHAN, YICHANG = "420100", "420500"
CENTRE, OTHER_CENTRE = "HB-WH-01", "HB-YC-01"

ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY = principals(WUHAN, agency=("centre", CENTRE))
UNBOUND_AGENCY = Principal("agency-no-org", Role.AGENCY)


# ------------------------------------------------------------------------------ ensure_writer / city writer

@pytest.mark.parametrize("principal", [ADMIN, OFFICER], ids=lambda p: p.role.value)
def test_writer_allowed(principal):
    policy.ensure_writer(principal, "登记中心")


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK, AGENCY], ids=lambda p: p.role.value)
def test_writer_other_roles_forbidden(principal):
    exc = refused(policy.ensure_writer, principal, "登记中心", cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能登记中心"


def test_city_writer_admin_any_city_officer_own_only():
    policy.ensure_city_writer(ADMIN, YICHANG, "设立保护工作站")
    policy.ensure_city_writer(OFFICER, WUHAN, "设立保护工作站")
    refused(policy.ensure_city_writer, OFFICER, YICHANG, "设立保护工作站", slug="forbidden-city")


def test_city_writer_role_checked_before_city():
    refused(policy.ensure_city_writer, VIEWER, WUHAN, "设立保护工作站", cls=Forbidden)
    refused(policy.ensure_city_writer, AGENCY, WUHAN, "设立保护工作站", cls=Forbidden)


# ------------------------------------------------------------------------------ ensure_centre_actor

def test_centre_actor_the_centre_itself_in_any_city():
    policy.ensure_centre_actor(AGENCY, CENTRE, WUHAN)
    policy.ensure_centre_actor(AGENCY, CENTRE, YICHANG)


def test_centre_actor_another_centre_refused():
    exc = refused(policy.ensure_centre_actor, AGENCY, OTHER_CENTRE, WUHAN, slug="forbidden-centre")
    assert OTHER_CENTRE in (exc.detail or "")


def test_centre_actor_agency_without_org_refused():
    exc = refused(policy.ensure_centre_actor, UNBOUND_AGENCY, CENTRE, WUHAN, slug="forbidden-centre")
    assert "未绑定中心" in (exc.detail or "")


def test_centre_actor_officer_of_the_centres_city_only():
    policy.ensure_centre_actor(OFFICER, OTHER_CENTRE, WUHAN)
    refused(policy.ensure_centre_actor, OFFICER, CENTRE, YICHANG, slug="forbidden-city")


def test_centre_actor_admin_everywhere():
    policy.ensure_centre_actor(ADMIN, OTHER_CENTRE, YICHANG)


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK], ids=lambda p: p.role.value)
def test_centre_actor_readers_and_banks_forbidden(principal):
    exc = refused(policy.ensure_centre_actor, principal, CENTRE, WUHAN, cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能办理案件或记录上门服务"


# ------------------------------------------------------------------------------ ensure_reader

@pytest.mark.parametrize("principal", [ADMIN, OFFICER, VIEWER, INTEGRATION, AGENCY], ids=lambda p: p.role.value)
def test_reader_every_role_but_bank(principal):
    policy.ensure_reader(principal)


def test_reader_bank_forbidden():
    exc = refused(policy.ensure_reader, BANK, cls=Forbidden)
    assert exc.detail == "角色 bank 无权查看知识产权保护数据"


# ------------------------------------------------------------------------------ scope

def test_scope_city_officer_held_to_own_city():
    assert policy.scope(OFFICER, None, None) == (WUHAN, None)
    assert policy.scope(OFFICER, WUHAN, OTHER_CENTRE) == (WUHAN, OTHER_CENTRE)
    refused(policy.scope, OFFICER, YICHANG, None, slug="forbidden-city")


def test_scope_agency_held_to_own_centre():
    assert policy.scope(AGENCY, None, None) == (None, CENTRE)
    assert policy.scope(AGENCY, YICHANG, CENTRE) == (YICHANG, CENTRE)
    refused(policy.scope, AGENCY, None, OTHER_CENTRE, slug="forbidden-centre")


def test_scope_agency_without_org_forbidden():
    exc = refused(policy.scope, UNBOUND_AGENCY, None, None, cls=Forbidden)
    assert exc.detail == "机构用户令牌未绑定中心（org）"


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_scope_province_wide_filters_as_asked(principal):
    assert policy.scope(principal, None, None) == (None, None)
    assert policy.scope(principal, YICHANG, OTHER_CENTRE) == (YICHANG, OTHER_CENTRE)


def test_scope_bank_forbidden():
    refused(policy.scope, BANK, None, None, cls=Forbidden)


# ------------------------------------------------------------------------------ ensure_case_visible

@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_case_visible_province_wide(principal):
    policy.ensure_case_visible(principal, YICHANG, OTHER_CENTRE)


def test_case_visible_city_officer_own_city_only():
    policy.ensure_case_visible(OFFICER, WUHAN, OTHER_CENTRE)
    refused(policy.ensure_case_visible, OFFICER, YICHANG, CENTRE, slug="forbidden-city")


def test_case_visible_centre_own_cases_only():
    policy.ensure_case_visible(AGENCY, YICHANG, CENTRE)
    exc = refused(policy.ensure_case_visible, AGENCY, WUHAN, OTHER_CENTRE, slug="forbidden-centre")
    assert CENTRE in (exc.detail or "")


def test_case_visible_bank_and_unbound_agency_forbidden():
    refused(policy.ensure_case_visible, BANK, WUHAN, CENTRE, cls=Forbidden)
    refused(policy.ensure_case_visible, UNBOUND_AGENCY, WUHAN, CENTRE, cls=Forbidden)


# ------------------------------------------------------------------------------ workstations

def test_workstation_city_officer_own_city():
    assert policy.workstation_city(OFFICER, None) == WUHAN
    assert policy.workstation_city(OFFICER, WUHAN) == WUHAN
    refused(policy.workstation_city, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION, AGENCY], ids=lambda p: p.role.value)
def test_workstation_city_other_readers_filter_as_asked(principal):
    assert policy.workstation_city(principal, None) is None
    assert policy.workstation_city(principal, YICHANG) == YICHANG


def test_workstation_city_bank_forbidden():
    refused(policy.workstation_city, BANK, WUHAN, cls=Forbidden)


def test_workstation_visible_city_scoping():
    # only the city rule: the service checks ensure_reader (the bank refusal) before this one
    policy.ensure_workstation_visible(OFFICER, WUHAN)
    refused(policy.ensure_workstation_visible, OFFICER, YICHANG, slug="forbidden-city")
    for principal in (ADMIN, VIEWER, INTEGRATION, AGENCY):
        policy.ensure_workstation_visible(principal, YICHANG)


def test_writers_constant():
    assert frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER}) == policy.WRITERS
