"""Direct unit tests of the finance service's policy (who may do what), without a database or app.

Loans are stand-ins (``SimpleNamespace``): the policy only reads ``id``, ``lender_bank`` and ``city``.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest

from libs.common.auth import Role
from libs.common.errors import Forbidden
from libs.common.rules import RuleViolation
from libs.common.testing import principals, refused
from libs.common.testing import role_gate as gate
from services.finance import policy
from services.finance.models import PledgeLoan

WUHAN, YICHANG = "420100", "420500"
BANK_A, BANK_B = "BANK-A", "BANK-B"

ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY = principals(WUHAN, bank=("bank-a", BANK_A))
ALL = [ADMIN, OFFICER, VIEWER, INTEGRATION, BANK, AGENCY]


def loan(city: str = WUHAN, lender_bank: str = BANK_A, id: int = 7) -> PledgeLoan:
    return cast(PledgeLoan, SimpleNamespace(id=id, city=city, lender_bank=lender_bank))


# ------------------------------------------------------------------------------ own_city

def test_own_city():
    assert policy.own_city(OFFICER) == WUHAN
    for principal in (ADMIN, VIEWER, INTEGRATION, BANK, AGENCY):
        assert policy.own_city(principal) is None


# ------------------------------------------------------------------------------ lender

def test_lender_bank_registers_its_own_loans():
    assert policy.lender(BANK, None) == BANK_A
    assert policy.lender(BANK, BANK_A) == BANK_A


def test_lender_bank_may_not_name_another_bank():
    exc = refused(policy.lender, BANK, BANK_B, slug="forbidden-lender")
    assert BANK_B in (exc.detail or "") and BANK_A in (exc.detail or "")


@pytest.mark.parametrize("principal", [ADMIN, OFFICER], ids=lambda p: p.role.value)
def test_lender_proxy_registrar_names_the_lender(principal):
    assert policy.lender(principal, BANK_B) == BANK_B


@pytest.mark.parametrize("principal", [ADMIN, OFFICER], ids=lambda p: p.role.value)
@pytest.mark.parametrize("named", [None, ""])
def test_lender_proxy_registrar_must_name_the_lender(principal, named):
    with pytest.raises(RuleViolation) as info:
        policy.lender(principal, named)
    assert (info.value.code, info.value.field, info.value.status) == ("lender_bank.required", "lender_bank", 422)


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, AGENCY], ids=lambda p: p.role.value)
def test_lender_other_roles_forbidden_even_naming_a_lender(principal):
    exc = refused(policy.lender, principal, BANK_A, cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能登记质押贷款"


# ------------------------------------------------------------------------------ ensure_borrower

def test_borrower_city_officer_own_city():
    policy.ensure_borrower(OFFICER, WUHAN)
    policy.ensure_borrower(OFFICER, WUHAN, "91420100MA4KXXXX0X")


def test_borrower_city_officer_other_city_refused():
    exc = refused(policy.ensure_borrower, OFFICER, YICHANG, slug="forbidden-city")
    assert "91420" not in (exc.detail or "")


def test_borrower_city_officer_other_city_report_row_names_enterprise():
    uscc = "91420500MA4KXXXX0X"
    exc = refused(policy.ensure_borrower, OFFICER, YICHANG, uscc, slug="forbidden-city")
    assert exc.detail == f"企业 {uscc} 属于市州 {YICHANG}，不是用户所属市州 {WUHAN}"


@pytest.mark.parametrize("principal", [ADMIN, BANK], ids=lambda p: p.role.value)
def test_borrower_bank_and_province_not_city_confined(principal):
    policy.ensure_borrower(principal, YICHANG)
    policy.ensure_borrower(principal, YICHANG, "91420500MA4KXXXX0X")


# ------------------------------------------------------------------------------ ensure_loan_access

def test_loan_access_bank_own_loans_in_any_city():
    policy.ensure_loan_access(BANK, loan(WUHAN, BANK_A))
    policy.ensure_loan_access(BANK, loan(YICHANG, BANK_A))


def test_loan_access_bank_other_banks_loan_refused():
    exc = refused(policy.ensure_loan_access, BANK, loan(WUHAN, BANK_B, id=42), slug="forbidden-lender")
    assert exc.detail == f"贷款 42 的贷款银行为 {BANK_B}，不是 {BANK_A}"


def test_loan_access_city_officer_own_city_any_lender():
    policy.ensure_loan_access(OFFICER, loan(WUHAN, BANK_B))
    refused(policy.ensure_loan_access, OFFICER, loan(YICHANG, BANK_A), slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_loan_access_province_wide(principal):
    policy.ensure_loan_access(principal, loan(YICHANG, BANK_B))


def test_loan_access_agency_sees_no_city():
    refused(policy.ensure_loan_access, AGENCY, loan(WUHAN), slug="forbidden-city")


# ------------------------------------------------------------------------------ ensure_loan_writer

def test_loan_writer_allowed():
    policy.ensure_loan_writer(ADMIN, loan(YICHANG, BANK_B))
    policy.ensure_loan_writer(OFFICER, loan(WUHAN, BANK_B))
    policy.ensure_loan_writer(BANK, loan(YICHANG, BANK_A))


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, AGENCY], ids=lambda p: p.role.value)
def test_loan_writer_readers_may_not_change(principal):
    exc = refused(policy.ensure_loan_writer, principal, loan(), cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能变更贷款"


def test_loan_writer_scoped_like_access():
    refused(policy.ensure_loan_writer, BANK, loan(WUHAN, BANK_B), slug="forbidden-lender")
    refused(policy.ensure_loan_writer, OFFICER, loan(YICHANG, BANK_A), slug="forbidden-city")


# ------------------------------------------------------------------------------ loan_scope

def test_loan_scope_bank_own_lender_any_city():
    assert policy.loan_scope(BANK, None) == (BANK_A, None)
    assert policy.loan_scope(BANK, YICHANG) == (BANK_A, YICHANG)


def test_loan_scope_city_officer_own_city():
    assert policy.loan_scope(OFFICER, None) == (None, WUHAN)
    assert policy.loan_scope(OFFICER, WUHAN) == (None, WUHAN)
    refused(policy.loan_scope, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [ADMIN, VIEWER, INTEGRATION], ids=lambda p: p.role.value)
def test_loan_scope_province_wide(principal):
    assert policy.loan_scope(principal, None) == (None, None)
    assert policy.loan_scope(principal, YICHANG) == (None, YICHANG)


def test_loan_scope_agency_refused():
    exc = refused(policy.loan_scope, AGENCY, None, cls=Forbidden)
    assert exc.detail == "角色 agency 无权查看质押贷款"


# ------------------------------------------------------------------------------ ensure_activity_writer

def test_activity_writer():
    policy.ensure_activity_writer(ADMIN, YICHANG)
    policy.ensure_activity_writer(OFFICER, WUHAN)
    refused(policy.ensure_activity_writer, OFFICER, YICHANG, slug="forbidden-city")


@pytest.mark.parametrize("principal", [VIEWER, INTEGRATION, BANK, AGENCY], ids=lambda p: p.role.value)
def test_activity_writer_other_roles_forbidden(principal):
    exc = refused(policy.ensure_activity_writer, principal, WUHAN, cls=Forbidden)
    assert exc.detail == f"角色 {principal.role.value} 不能登记融资对接活动"


# ------------------------------------------------------------------------------ route gates

@pytest.mark.parametrize(("alias", "allowed"), [
    (policy.ProvinceAdmin, {Role.PROVINCE_ADMIN}),
    (policy.LoanWriter, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.BANK}),
    (policy.LoanReader, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER, Role.BANK, Role.VIEWER, Role.INTEGRATION}),
    (policy.ActivityWriter, {Role.PROVINCE_ADMIN, Role.CITY_OFFICER}),
], ids=["ProvinceAdmin", "LoanWriter", "LoanReader", "ActivityWriter"])
def test_route_gates(alias, allowed):
    check = gate(alias)
    for principal in ALL:
        if principal.role in allowed:
            assert check(principal) is principal
        else:
            refused(check, principal)
