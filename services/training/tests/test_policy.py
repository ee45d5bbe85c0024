"""Direct unit tests of the training service's policy (role, city and organiser rules), without a database.

Classes are stand-ins (``SimpleNamespace``): the policy reads only ``code``, ``city`` and ``organiser_org``.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from libs.common.auth import Principal, Role
from libs.common.errors import Forbidden
from libs.common.testing import principals, refused
from services.training import policy

WUHAN, YICHANG = "420100", "420500"
BASE, OTHER_BASE = "BASE-1", "BASE-2"

ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY = principals(WUHAN, agency=("base", BASE))
UNBOUND_AGENCY = Principal("agency-no-org", Role.AGENCY)


def cls_(city: str = WUHAN, organiser_org: str | None = BASE, code: str = "TC-2025-001") -> Any:
    return SimpleNamespace(code=code, city=city, organiser_org=organiser_org)


# ------------------------------------------------------------------------------ may_read / ensure_read

@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_may_read_province_wide(principal):
    assert policy.may_read(principal, cls_(YICHANG, OTHER_BASE))
    assert policy.may_read(principal, cls_(YICHANG, None))
    policy.ensure_read(principal, cls_(YICHANG, None))


def test_may_read_city_officer_own_city():
    assert policy.may_read(OFFICER, cls_(WUHAN, OTHER_BASE))
    assert not policy.may_read(OFFICER, cls_(YICHANG, None))


def test_may_read_agency_the_classes_it_organises():
    assert policy.may_read(AGENCY, cls_(YICHANG, BASE))
    assert not policy.may_read(AGENCY, cls_(WUHAN, OTHER_BASE))
    assert not policy.may_read(AGENCY, cls_(WUHAN, None))


def test_may_read_agency_without_org_does_not_match_class_without_organiser():
    assert not policy.may_read(UNBOUND_AGENCY, cls_(WUHAN, None))


def test_may_read_bank_nothing():
    assert not policy.may_read(BANK, cls_(WUHAN, None))


def test_ensure_read_city_officer_other_city_is_forbidden_city():
    policy.ensure_read(OFFICER, cls_(WUHAN))
    refused(policy.ensure_read, OFFICER, cls_(YICHANG), slug="forbidden-city")


def test_ensure_read_agency_and_bank_forbidden():
    policy.ensure_read(AGENCY, cls_(YICHANG, BASE))
    exc = refused(policy.ensure_read, AGENCY, cls_(WUHAN, OTHER_BASE, code="TC-9"), cls=Forbidden)
    assert exc.detail == "角色 agency 无权查看培训班 TC-9"
    refused(policy.ensure_read, BANK, cls_(), cls=Forbidden)
    refused(policy.ensure_read, UNBOUND_AGENCY, cls_(WUHAN, None), cls=Forbidden)


# ------------------------------------------------------------------------------ ensure_manage

def test_manage_admin_every_class():
    policy.ensure_manage(ADMIN, cls_(YICHANG, OTHER_BASE))


def test_manage_city_officer_own_city():
    policy.ensure_manage(OFFICER, cls_(WUHAN, OTHER_BASE))
    refused(policy.ensure_manage, OFFICER, cls_(YICHANG), slug="forbidden-city")


def test_manage_agency_organiser_only():
    policy.ensure_manage(AGENCY, cls_(YICHANG, BASE))
    exc = refused(policy.ensure_manage, AGENCY, cls_(WUHAN, OTHER_BASE, code="TC-9"), cls=Forbidden)
    assert exc.detail == f"培训基地 {BASE} 不是培训班 TC-9 的承办单位，无权管理"


def test_manage_agency_without_org_never_matches_class_without_organiser():
    exc = refused(policy.ensure_manage, UNBOUND_AGENCY, cls_(WUHAN, None), cls=Forbidden)
    assert "（无机构标识）" in (exc.detail or "")


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK], ids=lambda p: p.role.value)
def test_manage_readers_and_bank_forbidden(principal):
    exc = refused(policy.ensure_manage, principal, cls_(), cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 无权管理培训班"


# ------------------------------------------------------------------------------ organiser_of_new_class

def test_new_class_admin_keeps_the_organiser_given():
    assert policy.organiser_of_new_class(ADMIN, YICHANG, OTHER_BASE) == OTHER_BASE
    assert policy.organiser_of_new_class(ADMIN, YICHANG, None) is None


def test_new_class_city_officer_own_city():
    assert policy.organiser_of_new_class(OFFICER, WUHAN, OTHER_BASE) == OTHER_BASE
    refused(policy.organiser_of_new_class, OFFICER, YICHANG, None, slug="forbidden-city")


def test_new_class_agency_organises_its_own_in_any_city():
    assert policy.organiser_of_new_class(AGENCY, YICHANG, None) == BASE
    assert policy.organiser_of_new_class(AGENCY, WUHAN, BASE) == BASE


def test_new_class_agency_may_not_name_another_organiser():
    exc = refused(policy.organiser_of_new_class, AGENCY, WUHAN, OTHER_BASE, cls=Forbidden)
    assert exc.detail == f"培训基地 {BASE} 只能开设由本机构承办的培训班"


def test_new_class_agency_without_org_forbidden():
    exc = refused(policy.organiser_of_new_class, UNBOUND_AGENCY, WUHAN, None, cls=Forbidden)
    assert exc.detail == "培训基地令牌缺少 org，无法开设培训班"


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK], ids=lambda p: p.role.value)
def test_new_class_other_roles_forbidden(principal):
    exc = refused(policy.organiser_of_new_class, principal, WUHAN, None, cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 无权开设培训班"


# ------------------------------------------------------------------------------ class_scope

def test_class_scope_city_officer():
    assert policy.class_scope(OFFICER, None) == (WUHAN, None)
    assert policy.class_scope(OFFICER, WUHAN) == (WUHAN, None)
    refused(policy.class_scope, OFFICER, YICHANG, slug="forbidden-city")


def test_class_scope_agency_its_classes_in_any_city():
    assert policy.class_scope(AGENCY, None) == (None, BASE)
    assert policy.class_scope(AGENCY, YICHANG) == (YICHANG, BASE)
    exc = refused(policy.class_scope, UNBOUND_AGENCY, None, cls=Forbidden)
    assert exc.detail == "培训基地令牌缺少 org"


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_class_scope_province_wide(principal):
    assert policy.class_scope(principal, None) == (None, None)
    assert policy.class_scope(principal, YICHANG) == (YICHANG, None)


def test_class_scope_bank_forbidden():
    exc = refused(policy.class_scope, BANK, None, cls=Forbidden)
    assert exc.detail == "角色 bank 无权查看培训数据"


# ------------------------------------------------------------------------------ ensure_may_look_up

@pytest.mark.parametrize("principal", [ADMIN, OFFICER, AGENCY, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_look_up_allowed(principal):
    policy.ensure_may_look_up(principal)


def test_look_up_bank_forbidden():
    exc = refused(policy.ensure_may_look_up, BANK, cls=Forbidden)
    assert exc.detail == "角色 bank 无权查询学员"


def test_role_sets():
    assert frozenset({Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.AGENCY}) == policy.MANAGERS
    assert policy.MANAGERS | {Role.VIEWER, Role.INTEGRATION} == policy.LOOKUP
