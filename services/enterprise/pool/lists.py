"""The pool's lists outward (专利产业化促进中小企业成长计划 二(六)11, 三(三)): reads, no writes.

* :func:`bank_list` — the members pushed to banks (“面向银行业金融机构推送入库企业名单”): who they
  are and since when, what a bank needs to reach them; no application internals (declarations,
  evaluation, decisions, history).
* :func:`national_recommendations` — the province's list of the enterprises it recommends towards
  the national pool (“省知识产权局会同相关部门共同推荐进入国家知识产权局培育库，省级筛选不超过500家”):
  every member now, with its admission and the evaluation it was admitted on.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from libs.common import divisions
from libs.common.app import Runtime
from libs.common.auth import Principal
from libs.common.clock import today
from libs.common.search import where_equal
from services.enterprise import policy
from services.enterprise.models import Enterprise
from services.enterprise.pool.domain import Outcome, Status
from services.enterprise.pool.models import PoolMembership
from services.enterprise.reference import INDUSTRIES, QUALIFICATION_NAMES, SIZE_CLASS_NAMES


@dataclass(frozen=True)
class ListedMember:
    """One member as the outward lists show it."""

    uscc: str
    name: str
    city: str
    city_name: str
    county: str | None
    county_name: str | None
    industry: str
    industry_name: str
    size_class: str
    size_class_name: str
    qualifications: list[str]
    admitted_on: date
    # the national list only
    admission_rate: Decimal | None
    evaluation_year: int
    outcomes: dict[str, list[str]]


def _county_name(code: str | None) -> str | None:
    return divisions.COUNTIES.get(code) if code else None


def _listed(m: PoolMembership, e: Enterprise) -> ListedMember:
    by_outcome: dict[str, list[str]] = {o.value: [] for o in Outcome}
    for c in m.evaluation:
        by_outcome.setdefault(c["outcome"], []).append(c["code"])
    return ListedMember(
        uscc=e.uscc, name=e.name, city=m.city, city_name=divisions.CITIES.get(m.city, m.city), county=e.county,
        county_name=_county_name(e.county), industry=e.industry, industry_name=INDUSTRIES.get(e.industry, ""),
        size_class=e.size_class, size_class_name=SIZE_CLASS_NAMES.get(e.size_class, e.size_class),
        qualifications=[QUALIFICATION_NAMES.get(q, q) for q in e.qualifications or ()],
        admitted_on=m.admitted_on or m.applied_on, admission_rate=m.admission_rate,
        evaluation_year=m.evaluation_year, outcomes=by_outcome)


async def _members(rt: Runtime, city: str | None) -> list[ListedMember]:
    stmt = where_equal(select(PoolMembership, Enterprise).join(Enterprise, Enterprise.uscc == PoolMembership.uscc)
                       .where(PoolMembership.status == Status.ADMITTED.value), PoolMembership, city=city)
    async with rt.sessions() as session:
        rows = (await session.execute(stmt.order_by(PoolMembership.city, PoolMembership.admitted_on,
                                                    PoolMembership.uscc))).all()
    return [_listed(m, e) for m, e in rows]


async def bank_list(rt: Runtime, principal: Principal, city: str | None) -> tuple[date, list[ListedMember]]:
    """Members now (status 在库), by city and admission date; see :func:`policy.bank_list_city`."""
    city = policy.bank_list_city(principal, city)
    return today(), await _members(rt, city)


async def national_recommendations(rt: Runtime, principal: Principal) -> tuple[date, list[ListedMember]]:
    """The province's recommendation list towards the national pool: every member now (the
    province admin's export; the route admits no other role)."""
    policy.readable_city(principal, None, "国家培育库推荐名单")
    return today(), await _members(rt, None)


def per_city(members: list[ListedMember]) -> dict[str, int]:
    counts = Counter(m.city for m in members)
    return {c: counts[c] for c in divisions.CITIES if counts[c]}
