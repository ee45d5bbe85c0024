"""Rules of the innovation carriers register at their boundaries: host, dates, state machine, review year."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from libs.common.rules import RuleViolation
from services.transfer import domain
from services.transfer.domain import CARRIER, HostKind

TODAY = date(2025, 6, 30)


def rule(fn, *args) -> tuple[str, str | None]:
    with pytest.raises(RuleViolation) as exc:
        fn(*args)
    return exc.value.code, exc.value.field


def test_enterprise_host_is_named_by_uscc_and_others_by_name():
    domain.check_carrier_host(HostKind.ENTERPRISE, "91420100MA4K0000XJ", None)
    domain.check_carrier_host(HostKind.UNIVERSITY, None, "华中科技大学")
    assert rule(domain.check_carrier_host, HostKind.ENTERPRISE, None, "某公司") == ("host_uscc.required", "host_uscc")
    assert rule(domain.check_carrier_host, HostKind.PARK, "91420100MA4K0000XJ", "东湖高新区") == \
        ("host_uscc.not_enterprise", "host_uscc")
    for blank in (None, "", "  "):
        assert rule(domain.check_carrier_host, HostKind.INSTITUTE, None, blank) == ("host_name.required", "host_name")


def test_dates_at_their_boundaries():
    domain.check_carrier_dates(TODAY, TODAY, TODAY)                       # approved and operating today
    domain.check_carrier_dates(TODAY - timedelta(days=1), None, TODAY)
    assert rule(domain.check_carrier_dates, TODAY + timedelta(days=1), None, TODAY) == ("date.future", "approved_on")
    assert rule(domain.check_carrier_dates, TODAY, TODAY - timedelta(days=1), TODAY) == \
        ("established_on.before_approval", "established_on")
    assert rule(domain.check_carrier_dates, TODAY - timedelta(days=5), TODAY + timedelta(days=1), TODAY) == \
        ("date.future", "established_on")


def test_revocation_date_after_approval_and_establishment_not_in_future():
    approved, established = date(2025, 3, 1), date(2025, 4, 1)
    domain.check_revocation_date(established, approved, established, TODAY)
    domain.check_revocation_date(approved, approved, None, TODAY)
    domain.check_revocation_date(TODAY, approved, established, TODAY)
    assert rule(domain.check_revocation_date, established - timedelta(days=1), approved, established, TODAY) == \
        ("revoked_on.before_start", "revoked_on")
    assert rule(domain.check_revocation_date, approved - timedelta(days=1), approved, None, TODAY) == \
        ("revoked_on.before_start", "revoked_on")
    assert rule(domain.check_revocation_date, TODAY + timedelta(days=1), approved, None, TODAY) == \
        ("date.future", "revoked_on")


def test_review_year_from_establishment_to_this_year():
    domain.check_review_year(2024, date(2024, 12, 31), TODAY)
    domain.check_review_year(2025, date(2024, 1, 1), TODAY)
    assert rule(domain.check_review_year, 2023, date(2024, 1, 1), TODAY) == \
        ("review.year_before_establishment", "year")
    assert rule(domain.check_review_year, 2026, date(2024, 1, 1), TODAY) == ("review.year_future", "year")


def test_state_machine_approved_operating_revoked():
    assert CARRIER.next("approved", "establish") == "operating"
    assert CARRIER.next("approved", "revoke") == "revoked"
    assert CARRIER.next("operating", "revoke") == "revoked"
    assert CARRIER.next("operating", "review") == "operating"
    assert rule(CARRIER.next, "operating", "establish") == ("carrier.establish.not_allowed", None)
    assert rule(CARRIER.next, "approved", "review") == ("carrier.review.not_allowed", None)
    for action in ("establish", "revoke", "review"):
        assert rule(CARRIER.next, "revoked", action) == (f"carrier.{action}.not_allowed", None)


def test_every_kind_level_and_result_has_a_chinese_name():
    assert set(domain.CARRIER_KIND_NAMES) == set(domain.CarrierKind)
    assert domain.CARRIER_KIND_NAMES[domain.CarrierKind.NAVIGATION_BASE] == "省级专利导航服务基地"
    assert set(domain.CARRIER_LEVEL_NAMES) == set(domain.CarrierLevel)
    assert [domain.REVIEW_RESULT_NAMES[r] for r in domain.ReviewResult] == ["优秀", "合格", "不合格"]
    assert domain.PROVINCE_LEVELS == {domain.CarrierLevel.NATIONAL, domain.CarrierLevel.PROVINCIAL}
