"""Helpers of the pool tests: an enterprise that meets the criteria, applications, admissions."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from libs.common.testing import auth, random_uscc
from services.enterprise.tests.helpers import china_today, enterprise_body

ADMIN = "province-admin"
OFFICER = "city-officer"
DECLARED = {"core_patents": True, "university_partnership": True, "clean_record": True}
GOOD_FIGURES = {"revenue": "20000000.00", "rd_spend": "3000000.00", "staff": 100, "rd_staff": 30,
                "invention_patents": 12, "industrialisation_rate": "60.00"}


async def pool_enterprise(api, city: str = "420100", figures_year: int | None = None,
                          figures: dict[str, Any] | Literal[False] | None = None, **profile: Any) -> str:
    """Register an enterprise that meets every profile criterion and report its figures for
    ``figures_year`` (default: last year); returns its USCC."""
    uscc = random_uscc(city)
    body = enterprise_body(uscc, city=city, county=None, industry="P1", size_class="small",
                           qualifications=["high_tech"], ip_management_certified=True, own_brand=True,
                           patent_product_filed=True)
    body.update(profile)
    r = await api.post("/api/v1/enterprises", json=body, headers=auth(ADMIN))
    assert r.status_code == 201, r.text
    year = figures_year or china_today().year - 1
    if figures is not False:
        r = await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=figures or GOOD_FIGURES,
                          headers=auth(ADMIN))
        assert r.status_code == 200, r.text
    return uscc


async def apply(api, uscc: str, city: str = "420100", applied_on: date | None = None,
                declarations: dict | None = None, expect: int = 201) -> dict:
    body = {"uscc": uscc, "declarations": DECLARED if declarations is None else declarations,
            "reason": "企业专利产业化基础好，申报入库培育。"}
    if applied_on:
        body["applied_on"] = applied_on.isoformat()
    r = await api.post("/api/v1/pool/memberships", json=body, headers=auth(OFFICER, city=city))
    assert r.status_code == expect, r.text
    return r.json()


async def admit(api, membership_id: int, on: date, expect: int = 200) -> dict:
    r = await api.post(f"/api/v1/pool/memberships/{membership_id}/admit",
                       json={"effective_date": on.isoformat(), "reason": "经省局审核同意入库"}, headers=auth(ADMIN))
    assert r.status_code == expect, r.text
    return r.json()


async def member(api, city: str = "420100", applied_on: date | None = None, admitted_on: date | None = None,
                 **kwargs: Any) -> dict:
    """An admitted member; figures of the year before the application."""
    applied_on = applied_on or china_today()
    uscc = await pool_enterprise(api, city, figures_year=applied_on.year - 1, **kwargs)
    m = await apply(api, uscc, city, applied_on)
    return await admit(api, m["id"], admitted_on or applied_on)


def graduation(on: date, **over: Any) -> dict:
    body = {"effective_date": on.isoformat(), "industrialisation_rate_before": "55.00",
            "industrialisation_rate_after": "72.50", "new_patent_intensive_products": 2,
            "reason": "专利产业化率明显提升，新增专利密集型产品2件，培育目标达成，准予出库。"}
    body.update(over)
    return body


async def graduate(api, membership_id: int, on: date, expect: int = 200, **over: Any) -> dict:
    r = await api.post(f"/api/v1/pool/memberships/{membership_id}/graduate", json=graduation(on, **over),
                       headers=auth(ADMIN))
    assert r.status_code == expect, r.text
    return r.json()
