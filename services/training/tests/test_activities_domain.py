"""The service activities' rules at their boundaries, each with the clause it comes from."""
from __future__ import annotations

from datetime import date

import pytest

from libs.common.rules import RuleViolation
from services.training import activities_domain as d

TODAY = date(2025, 6, 30)


def rule(fn, *args) -> tuple[str, str | None]:
    with pytest.raises(RuleViolation) as err:
        fn(*args)
    return err.value.code, err.value.field


def test_onsite_service_names_what_was_served_and_only_it():
    """002 § 19 “上门为民营企业提供专利优先审查、专利权质押登记、实施许可合同备案等服务”."""
    for sub in d.OnsiteSubKind:
        d.check_sub_kind(d.ActivityKind.ONSITE_SERVICE, sub)
    assert rule(d.check_sub_kind, d.ActivityKind.ONSITE_SERVICE, None) == ("activity.sub_kind.required", "sub_kind")
    for kind in set(d.ActivityKind) - {d.ActivityKind.ONSITE_SERVICE}:
        d.check_sub_kind(kind, None)
        assert rule(d.check_sub_kind, kind, d.OnsiteSubKind.LICENCE_FILING) == \
            ("activity.sub_kind.not_allowed", "sub_kind")


def test_an_activity_is_recorded_on_or_after_the_day_it_was_held():
    d.check_held_on(TODAY, TODAY)
    assert rule(d.check_held_on, date(2025, 7, 1), TODAY) == ("activity.held_on.future", "held_on")


def test_enterprises_served_at_least_one_each_once():
    d.check_enterprises(["A"])
    assert rule(d.check_enterprises, []) == ("activity.enterprises.empty", "enterprises")
    assert rule(d.check_enterprises, ["A", "B", "A"]) == ("activity.enterprises.duplicate", "enterprises.2")


@pytest.mark.parametrize("kind", sorted(d.PRIVATE_KINDS))
def test_the_kinds_of_002_serve_at_least_one_private_enterprise(kind):
    """002 § 12 “深入民营企业”, § 16 “为初创困难民营企业”, § 19 “专门面向民营企业” / “上门为民营企业”,
    § 20 “走访民营企业”: one private enterprise among those served is enough, none is refused."""
    d.check_private_served(kind, [False, False, True])
    assert rule(d.check_private_served, kind, [False, False]) == \
        ("activity.private_enterprise.required", "enterprises")


@pytest.mark.parametrize("kind", [d.ActivityKind.KEY_ENTERPRISE_CONTACT, d.ActivityKind.FACE_TO_FACE])
def test_the_services_of_000_serve_any_enterprise(kind):
    """000 § 二.8 “建立重点企业联系服务制度，广泛开展知识产权‘面对面’服务”: no ownership condition."""
    d.check_private_served(kind, [False])


def test_a_cancelled_activity_is_final_and_a_correction_names_something():
    d.check_open("recorded")
    assert rule(d.check_open, "cancelled") == ("activity.cancelled", None)  # a 409, no field
    assert rule(d.check_changes, {}) == ("update.empty", "body")
    assert rule(d.check_changes, {"city": None}) == ("not_nullable", "city")
    d.check_changes({"sub_kind": None, "note": None})


def test_figures_count_private_enterprises_and_take_the_year_of_the_day_held():
    f = d.figures("examiner_visit", None, "420100", date(2025, 12, 31), 7, [True, False, True])
    assert (f.year, f.enterprises, f.private_enterprises, f.staff_person_times) == (2025, 3, 2, 7)
    assert f.as_dict()["held_on"] == date(2025, 12, 31)


def test_every_kind_has_a_name_and_a_clause():
    assert set(d.KIND_NAMES) == set(d.KIND_CLAUSES) == set(d.ActivityKind)
    assert d.KIND_NAMES[d.ActivityKind.EXAMINER_VISIT] == "审查员代理师走访"
    assert "第20条" in d.KIND_CLAUSES[d.ActivityKind.EXAMINER_VISIT]
