"""Authorization matrix of every service, generated from its own OpenAPI document.

Every operation that needs a bearer token (all but health checks) is called with:

* no token, a token signed with another secret, an expired token, a non-Bearer scheme → 401
  problem with ``WWW-Authenticate: Bearer``;
* a viewer → writes 403; reads answer (viewers read everything province-wide and write nothing);
* a city officer of another city (宜昌) on records of 武汉, and a bank of another organisation on a
  bank's loans → 401/403, or, for a read, a 200 that shows none of 武汉's / that bank's records.

The operations come from the document, so an endpoint is in the matrix the day it is added: its
path parameters must have a seeded record (``Seeds.path``, registered through the API with a
province-admin token before the matrix runs), otherwise the test says which one is missing. What is
readable by every signed-in role by design is listed in ``PUBLIC`` with its reason; the few
deviations from "viewers read everything" are in ``VIEWER_FORBIDDEN_READS`` and "POSTs that read"
in ``READ_POSTS``.

``SEEDS`` is also used by ``test_schemathesis`` to fuzz detail endpoints with existing records.
"""
from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from ipp.registry import SERVICES
from libs.common.app import Runtime
from libs.common.auth import ALGORITHM, issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.errors import PROBLEM_JSON
from libs.common.identifiers import patent_check_char
from libs.common.testing import app_client, auth, backends, china_today, fresh_database, migrate, random_uscc
from libs.readmodels.testing import seed_known_enterprise

CITY, OTHER_CITY = "420100", "420500"  # 武汉's records; an officer of 宜昌
ORG, OTHER_ORG = "ICBC-HB", "CCB-HB"  # the lending bank's loans; another bank
ADMIN = "province-admin"
WRITE = {"post", "put", "patch", "delete"}
#: Fields that say which city / organisation a record belongs to.
CITY_FIELDS = {"city", "org_unit", "host_city", "enterprise_city"}
ORG_FIELDS = {"lender_bank", "organiser_org", "org"}

#: Read by every signed-in role by design (so another city's officer or another bank sees 武汉's
#: records there); "service METHOD /path" -> why.
_FINANCE_PUBLIC = ("docs/programmes/finance.md: activities and white-lists are public information for every "
                   "signed-in role")
_TRANSFER_PUBLIC = "docs/programmes/transfer.md: open licences, the library and matching events are published listings"
_REPORTING_PUBLIC = ("province-wide indicators, rankings and official statistics: reporting has no per-city read "
                     "scoping (docs/reporting/indicators.md restricts only who submits and approves)")
_TIER_LISTS_PUBLIC = ("docs/programmes/enterprise.md: the tier lists are published to society (000 § 三(二) "
                      "定期向社会发布), so every signed-in role reads every city's entries")
PUBLIC: dict[str, str] = {
    "finance GET /api/v1/whitelists": _FINANCE_PUBLIC,
    "finance GET /api/v1/whitelists/current": _FINANCE_PUBLIC,
    "finance GET /api/v1/whitelists/diff": _FINANCE_PUBLIC,
    "finance GET /api/v1/whitelists/{number}": _FINANCE_PUBLIC,
    "finance GET /api/v1/activities": _FINANCE_PUBLIC,
    "finance GET /api/v1/activities/{activity_id}": _FINANCE_PUBLIC,
    "protection GET /api/v1/centres": "protection: the centres themselves are public, everyone may see where to turn",
    "protection GET /api/v1/centres/{centre_id}": "protection: the centres themselves are public",
    "transfer GET /api/v1/open-licences": _TRANSFER_PUBLIC,
    "transfer GET /api/v1/open-licences/{licence_id}": _TRANSFER_PUBLIC,
    "transfer GET /api/v1/library": _TRANSFER_PUBLIC,
    "transfer GET /api/v1/library/{entry_id}": _TRANSFER_PUBLIC,
    "transfer GET /api/v1/matching-events": _TRANSFER_PUBLIC,
    "transfer GET /api/v1/matching-events/{event_id}": _TRANSFER_PUBLIC,
    "reporting GET /api/v1/indicators": _REPORTING_PUBLIC,
    "reporting GET /api/v1/indicators/series": _REPORTING_PUBLIC,
    "reporting GET /api/v1/indicators/ranking": _REPORTING_PUBLIC,
    "reporting GET /api/v1/statistics/approvals": _REPORTING_PUBLIC,
    "reporting GET /api/v1/targets": _REPORTING_PUBLIC,
    "reporting POST /api/v1/indicators/stream/tickets": (
        "a 60-second credential that opens only the live stream of the indicators, which every signed-in role "
        "reads (" + _REPORTING_PUBLIC + ")"),
    "enterprise GET /api/v1/tier-lists": _TIER_LISTS_PUBLIC,
    "enterprise GET /api/v1/tier-lists/current": _TIER_LISTS_PUBLIC,
    "enterprise GET /api/v1/tier-lists/diff": _TIER_LISTS_PUBLIC,
    "enterprise GET /api/v1/tier-lists/{number}": _TIER_LISTS_PUBLIC,
    "enterprise GET /api/v1/pool/bank-list": (
        "docs/programmes/pool.md: the members' list is pushed to every bank (成长计划 三(三) 面向银行业金融机构推送"
        "入库企业名单), so any bank reads all cities; a city officer still reads only its own city"),
}

#: Bulk imports judge each row: rows of another city or bank are per-row errors (a 200 that writes
#: nothing), not a 403 for the whole request.
PER_ROW: dict[str, str] = {
    "enterprise POST /api/v1/enterprises/bulk": "docs/imports.md: another city's enterprise is a per-row error",
    "enterprise POST /api/v1/tier-recommendations/bulk":
        "docs/imports.md: another city's enterprise is a per-row error",
    "finance POST /api/v1/pledges/bulk": "finance: per-row forbidden-city / forbidden-lender",
    "transfer POST /api/v1/transfers/bulk":
        "docs/programmes/transfer.md: in a bulk import another city is a per-row error",
    "training POST /api/v1/activities/bulk":
        "docs/programmes/activities.md: in a bulk import another city's activity is a per-row error",
}

#: Reads a viewer may not make (operation label regex -> why).
VIEWER_FORBIDDEN_READS: dict[str, str] = {
    r"^GET /api/v1/outbox/": "outbox operations are for operators (province-admin, integration), not business data",
    r"^GET /api/v1/pool/national-recommendations$": (
        "docs/programmes/pool.md: the recommendation list to the national pool is the province admin's export"),
}

#: POSTs that only read ("service METHOD /path" -> why); they are judged as reads.
READ_POSTS: dict[str, str] = {
    "enterprise POST /api/v1/tiers/evaluate": (
        "evaluates a tier's criteria against the registry (writes nothing): the registry's read rule"),
    "training POST /api/v1/trainees/lookup": "a person's record by 身份证号; viewers and integration read everything",
    "reporting POST /api/v1/indicators/stream/tickets": "issues a ticket to read the live stream; writes nothing",
}

#: Never called with a valid token: the response is an endless event stream.
STREAMS = re.compile(r"/stream$")


# =============================================================================================== seeds


@dataclass
class Seeds:
    """Records of 武汉 (and of bank ``ORG``) registered through the API before the matrix runs."""

    path: dict[str, Any] = field(default_factory=dict)  # path parameter name -> value
    query: dict[str, Any] = field(default_factory=dict)  # required query parameter name -> value
    bodies: dict[str, Any] = field(default_factory=dict)  # "METHOD /path" -> a valid body about 武汉's records


def days_ago(n: int) -> str:
    return (china_today() - timedelta(days=n)).isoformat()


def new_patent(year: int = 2021, kind: int = 1) -> str:
    digits = f"{year}{kind}{uuid.uuid4().int % 10**7:07d}"
    return f"{digits}.{patent_check_char(digits)}"


async def ok(response: httpx.Response, *status: int) -> dict:
    assert response.status_code in (status or (200, 201)), (response.request.method, response.request.url,
                                                            response.status_code, response.text[:500])
    return response.json()


async def known(rt: Runtime, service: str, city: str = CITY, ownership: str = "private") -> str:
    """An enterprise the service knows (as if its registration event had been consumed)."""
    module = __import__(f"services.{service}.models", fromlist=["known_enterprises"])
    uscc = random_uscc(city)
    await seed_known_enterprise(rt.sessions, module.known_enterprises, uscc, city, ownership)
    return uscc


async def seed_enterprise(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    admin, officer = auth(ADMIN), auth("city-officer", CITY)
    year = china_today().year - 1

    def enterprise(uscc: str) -> dict:
        return {"uscc": uscc, "name": f"武汉测试科技{uscc[-5:]}有限公司", "city": CITY, "county": "420106",
                "industry": "P1", "size_class": "small", "ownership": "private", "qualifications": ["high_tech"],
                "ip_management_certified": True, "own_brand": True, "patent_product_filed": True}

    uscc = (await ok(await api.post("/api/v1/enterprises", json=enterprise(random_uscc(CITY)), headers=admin)))["uscc"]
    figures = {"revenue": "20000000.00", "rd_spend": "3000000.00", "staff": 100, "rd_staff": 30,
               "invention_patents": 12, "industrialisation_rate": "60.00"}
    await ok(await api.put(f"/api/v1/enterprises/{uscc}/figures/{year}", json=figures, headers=admin))
    recommendation = {"tier": "seed", "reason": "专利储备与研发投入达到种子梯队条件"}
    rec = await ok(await api.post(f"/api/v1/enterprises/{uscc}/tier-recommendations", json=recommendation,
                                  headers=officer))
    application = {"uscc": uscc, "reason": "企业专利产业化基础好，申报入库培育。",
                   "declarations": {"core_patents": True, "university_partnership": True, "clean_record": True}}
    membership = await ok(await api.post("/api/v1/pool/memberships", json=application, headers=officer))
    # a member of 武汉, so the lists of members have a record to filter
    member = (await ok(await api.post("/api/v1/enterprises", json=enterprise(random_uscc(CITY)),
                                      headers=admin)))["uscc"]
    await ok(await api.put(f"/api/v1/enterprises/{member}/figures/{year}", json=figures, headers=admin))
    applied = await ok(await api.post("/api/v1/pool/memberships", json={**application, "uscc": member},
                                      headers=officer))
    await ok(await api.post(f"/api/v1/pool/memberships/{applied['id']}/admit",
                            json={"effective_date": days_ago(0), "reason": "经省局审核同意入库"}, headers=admin))

    def credit_entry(document_no: str) -> dict:
        return {"uscc": uscc, "kind": "abnormal_patent_application", "authority": "武汉市知识产权局",
                "decided_on": days_ago(30), "document_no": document_no, "effective_from": days_ago(30),
                "effective_until": None, "summary": "提交非正常专利申请，经通报认定"}

    entry = await ok(await api.post("/api/v1/credit-entries", json=credit_entry("武知管〔2025〕1号"), headers=officer))
    # a designated 武汉 enterprise and a published tier list holding it
    tiered = (await ok(await api.post("/api/v1/enterprises", json=enterprise(random_uscc(CITY)),
                                      headers=admin)))["uscc"]
    designated = await ok(await api.post(f"/api/v1/enterprises/{tiered}/tier-recommendations", json=recommendation,
                                         headers=officer))
    await ok(await api.post(f"/api/v1/tier-recommendations/{designated['id']}/approve",
                            json={"effective_date": days_ago(1), "reason": "经省局审核同意认定"}, headers=admin))
    tier_list = await ok(await api.post("/api/v1/tier-lists", json={}, headers=admin))
    return Seeds(
        path={"uscc": uscc, "year": year, "rec_id": rec["id"], "membership_id": membership["id"],
              "entry_id": entry["id"], "number": tier_list["number"]},
        query={"from": tier_list["number"], "to": tier_list["number"]},
        bodies={
            "POST /api/v1/enterprises": enterprise(random_uscc(CITY)),
            "POST /api/v1/enterprises/bulk": {"rows": [enterprise(random_uscc(CITY))]},
            "POST /api/v1/tier-recommendations/bulk": {"rows": [{"uscc": uscc, **recommendation}]},
            "PATCH /api/v1/enterprises/{uscc}": {"name": "武汉测试科技更名有限公司"},
            "PUT /api/v1/enterprises/{uscc}/figures/{year}": figures,
            "POST /api/v1/enterprises/{uscc}/tier-recommendations": recommendation,
            "POST /api/v1/pool/evaluate": application,
            "POST /api/v1/tiers/evaluate": {"uscc": uscc, "tier": "advantage"},
            "POST /api/v1/tier-lists": {"note": "测试发布"},
            "POST /api/v1/pool/memberships": application,
            "POST /api/v1/pool/memberships/{membership_id}/progress": {
                "recorded_on": days_ago(1), "description": "新增专利产品一件，产业化率提升。"},
            "POST /api/v1/credit-entries": credit_entry(f"武知管〔2025〕{uuid.uuid4().hex[:6]}号"),
            "POST /api/v1/credit-entries/{entry_id}/lift": {"lifted_on": days_ago(0), "reason": "信用修复"},
        })


async def seed_finance(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    admin = auth(ADMIN)
    uscc = await known(rt, "finance")

    def pledge() -> dict:
        return {"uscc": uscc, "lender_bank": ORG, "lender_name": "中国工商银行湖北省分行",
                "contract_no": f"ZY-{uuid.uuid4().hex[:10]}", "amount": "5000000.00",
                "registration_date": days_ago(30), "term_months": 12, "annual_rate": "3.450",
                "risk_sharing": ["risk_compensation"],
                "items": [{"kind": "patent", "number": new_patent(), "title": "一种测试方法"}]}

    loan = await ok(await api.post("/api/v1/pledges", json=pledge(), headers=admin))
    whitelist = {"title": "授信企业白名单（测试）", "published_on": days_ago(5),
                 "entries": [{"uscc": uscc, "suggested_credit_line": "10000000.00"}]}
    version = await ok(await api.post("/api/v1/whitelists", json=whitelist, headers=admin))
    activity_body = {"kind": "matchmaking", "title": "知识产权质押融资银企对接会", "held_on": days_ago(3), "city": CITY,
                     "organiser": "武汉市知识产权局", "enterprise_count": 10,
                     "institution_count": 5, "enterprises": [uscc]}
    activity = await ok(await api.post("/api/v1/activities", json=activity_body, headers=admin))
    year = china_today().year
    return Seeds(
        path={"loan_id": loan["id"], "number": version["number"], "activity_id": activity["id"], "uscc": uscc},
        query={"year": year, "from": version["number"], "to": version["number"]},
        bodies={
            "POST /api/v1/pledges": pledge(),
            "POST /api/v1/pledges/bulk": {"rows": [pledge()]},
            "POST /api/v1/pledges/{loan_id}/release": {"released_on": days_ago(1)},
            "POST /api/v1/pledges/{loan_id}/default": {"defaulted_on": days_ago(1), "note": "逾期未还"},
            "POST /api/v1/pledges/{loan_id}/cancel": {"reason": "重复登记"},
            "POST /api/v1/whitelists": whitelist,
            "POST /api/v1/activities": {**activity_body, "title": "银企对接会（第二场）"},
            "POST /api/v1/activities/{activity_id}/cancel": {"reason": "登记错误"},
        })


async def seed_protection(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    admin = auth(ADMIN)
    uscc = await known(rt, "protection")

    def centre_body() -> dict:
        return {"id": f"C-{uuid.uuid4().hex[:8].upper()}", "name": f"武汉测试维权援助中心{uuid.uuid4().hex[:6]}",
                "kind": "assistance", "city": CITY, "established_on": "2019-01-01"}

    centre = await ok(await api.post("/api/v1/centres", json=centre_body(), headers=admin))

    def ws_body() -> dict:
        return {"name": f"WS-{uuid.uuid4().hex[:6]}知识产权保护工作站", "level": "provincial_joint",
                "host_kind": "enterprise", "host_uscc": uscc, "centre_id": centre["id"], "established_on": days_ago(20)}

    ws = await ok(await api.post("/api/v1/workstations", json=ws_body(), headers=admin))

    def case_body() -> dict:
        return {"case_no": f"WQ-{uuid.uuid4().hex[:8]}", "kind": "assistance", "centre_id": centre["id"], "uscc": uscc,
                "ip_type": "patent", "title": "实用新型专利被仿冒", "counterparty": "某经营部",
                "amount_involved": "120000.50"}

    case = await ok(await api.post("/api/v1/cases", json=case_body(), headers=admin))
    visit = {"centre_id": centre["id"], "uscc": uscc, "visit_date": days_ago(2), "services": ["consultation"]}
    await ok(await api.post("/api/v1/visits", json=visit, headers=admin))
    now = china_today().isoformat() + "T10:00:00+08:00"
    return Seeds(
        path={"centre_id": centre["id"], "ws_id": ws["id"], "case_id": case["id"], "uscc": uscc},
        query={"year": china_today().year},
        bodies={
            "POST /api/v1/centres": centre_body(),
            "PATCH /api/v1/centres/{centre_id}": {"phone": "027-12345678"},
            "POST /api/v1/workstations": ws_body(),
            "POST /api/v1/workstations/{ws_id}/deregister": {"deregistered_on": days_ago(1), "reason": "依托企业迁出"},
            "POST /api/v1/cases": case_body(),
            "POST /api/v1/cases/{case_id}/accept": {"at": now, "note": "材料齐全，予以受理"},
            "POST /api/v1/cases/{case_id}/start-handling": {"at": now, "note": "开始办理"},
            "POST /api/v1/cases/{case_id}/close": {"at": now, "outcome": "mediated", "result_summary": "调解结案"},
            "POST /api/v1/visits": {**visit, "visit_date": days_ago(1)},
        })


async def seed_transfer(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    admin = auth(ADMIN)
    uscc = await known(rt, "transfer")

    def record() -> dict:
        return {"ref": f"T-{uuid.uuid4().hex[:12]}", "kind": "ordinary_licence", "patents": [new_patent()],
                "from": {"kind": "university", "name": "华中科技大学", "city": CITY},
                "to": {"kind": "enterprise", "uscc": uscc}, "contract_date": days_ago(30),
                "term_end": (china_today() + timedelta(days=3 * 365)).isoformat(), "amount": "300000.00",
                "payment": "lump_sum"}

    def licence() -> dict:
        return {"title": "一种锂离子电池正极材料（开放许可）", "patents": [new_patent()],
                "licensor": {"kind": "university", "name": "武汉理工大学", "city": CITY}, "fee_kind": "royalty",
                "royalty_rate": "3.00", "valid_from": days_ago(30),
                "valid_to": (china_today() + timedelta(days=700)).isoformat()}

    def entry() -> dict:
        return {"title": "高能量密度磷酸锰铁锂正极材料", "patents": [new_patent()], "ipc_classes": ["H01M 4/58"],
                "keywords": ["正极材料"], "description": "提高正极材料压实密度与循环寿命。",
                "owner": {"kind": "university", "name": "武汉大学", "city": CITY}, "use_first_pay_later": True}

    need_body = {"uscc": uscc, "title": "动力电池正极材料循环寿命提升", "ipc_classes": ["H01M 4/505"],
                 "keywords": ["正极材料"], "description": "现有产品循环后容量衰减明显，寻求改性技术。",
                 "budget": "800000"}

    def event() -> dict:
        return {"ref": f"M-{uuid.uuid4().hex[:8]}", "title": "专利技术供需对接会", "city": CITY,
                "planned_date": (china_today() + timedelta(days=20)).isoformat(), "organiser": "武汉市知识产权局"}

    rec = await ok(await api.post("/api/v1/transfers", json=record(), headers=admin))
    lic = await ok(await api.post("/api/v1/open-licences", json=licence(), headers=admin))
    lib = await ok(await api.post("/api/v1/library", json=entry(), headers=admin))
    need = await ok(await api.post("/api/v1/needs", json=need_body, headers=admin))
    mev = await ok(await api.post("/api/v1/matching-events", json=event(), headers=admin))

    def carrier() -> dict:
        return {"kind": "navigation_base", "name": f"专利导航服务基地-{uuid.uuid4().hex[:8]}",
                "host_kind": "enterprise", "host_uscc": uscc, "city": CITY, "level": "provincial",
                "approved_on": days_ago(60)}

    car = await ok(await api.post("/api/v1/carriers", json=carrier(), headers=admin))
    return Seeds(
        path={"record_id": rec["id"], "licence_id": lic["id"], "entry_id": lib["id"], "need_id": need["id"],
              "event_id": mev["id"], "carrier_id": car["id"], "uscc": uscc},
        query={"year": china_today().year},
        bodies={
            "POST /api/v1/transfers": record(),
            "POST /api/v1/transfers/bulk": {"records": [record()]},
            "POST /api/v1/transfers/{record_id}/cancel": {"reason": "合同解除"},
            "POST /api/v1/open-licences": licence(),
            "POST /api/v1/open-licences/{licence_id}/withdraw": {"reason": "撤回"},
            "POST /api/v1/library": entry(),
            "POST /api/v1/library/{entry_id}/withdraw": {"reason": "撤回"},
            "POST /api/v1/needs": {**need_body, "title": "另一项需求"},
            "POST /api/v1/needs/{need_id}/close": {"outcome": "resolved", "reason": "已解决"},
            "POST /api/v1/matching-events": event(),
            "POST /api/v1/matching-events/{event_id}/held": {"participants_enterprises": 20, "deals_intended": 3},
            "POST /api/v1/matching-events/{event_id}/cancel": {"reason": "取消"},
            "POST /api/v1/carriers": carrier(),
            "POST /api/v1/carriers/{carrier_id}/established": {"established_on": days_ago(30)},
            "POST /api/v1/carriers/{carrier_id}/reviews": {"year": china_today().year, "result": "qualified"},
            "POST /api/v1/carriers/{carrier_id}/revoke": {"revoked_on": days_ago(1), "reason": "撤销认定"},
        })


async def seed_training(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    from services.training.tests.helpers import id_number

    admin = auth(ADMIN)
    uscc = await known(rt, "training")
    start = china_today() - timedelta(days=10)

    def class_body() -> dict:
        return {"track": "private", "title": "民营企业知识产权实务培训班", "city": CITY,
                "organiser": "湖北省知识产权培训基地",
                "organiser_org": ORG, "start_date": start.isoformat(),
                "end_date": (start + timedelta(days=1)).isoformat(), "capacity": 50}

    def trainee() -> dict:
        return {"name": "张晓明", "id_number": id_number(), "uscc": uscc}

    cls = await ok(await api.post("/api/v1/classes", json=class_body(), headers=admin))
    cls = await ok(await api.post(f"/api/v1/classes/{cls['id']}/open", headers=admin))
    certified = trainee()
    first, second = await ok(await api.post(f"/api/v1/classes/{cls['id']}/enrolments/batch",
                                            json={"items": [certified, trainee()]}, headers=admin))
    for day in cls["session_dates"]:
        await ok(await api.put(f"/api/v1/classes/{cls['id']}/attendance/{day}",
                               json={"records": [{"enrolment_id": first["id"], "present": True}]}, headers=admin))
    await ok(await api.post(f"/api/v1/classes/{cls['id']}/finish", headers=admin))
    cert = await ok(await api.post(f"/api/v1/enrolments/{first['id']}/certificate", json={}, headers=admin))

    def activity() -> dict:
        return {"kind": "examiner_visit", "title": "“千家民企面对面”走访", "held_on": days_ago(5),
                "organiser": "专利审查协作湖北中心", "city": CITY, "enterprises": [uscc], "staff_person_times": 4}

    act = await ok(await api.post("/api/v1/activities", json=activity(), headers=admin))
    return Seeds(
        path={"class_id": cls["id"], "enrolment_id": second["id"], "day": cls["session_dates"][0],
              "number": cert["number"], "uscc": uscc, "activity_id": act["id"]},
        query={"year": china_today().year},
        bodies={
            "POST /api/v1/classes": class_body(),
            "PATCH /api/v1/classes/{class_id}": {"capacity": 60},
            "POST /api/v1/classes/{class_id}/cancel": {"reason": "取消"},
            "POST /api/v1/classes/{class_id}/enrolments": trainee(),
            "POST /api/v1/classes/{class_id}/enrolments/batch": {"items": [trainee()]},
            "POST /api/v1/enrolments/{enrolment_id}/withdraw": {"reason": "工作调动"},
            "PUT /api/v1/classes/{class_id}/attendance/{day}": {
                "records": [{"enrolment_id": second["id"], "present": True}]},
            "PUT /api/v1/enrolments/{enrolment_id}/exam": {"score": "80", "exam_date": days_ago(1)},
            "POST /api/v1/trainees/lookup": {"id_number": certified["id_number"]},
            "POST /api/v1/enrolments/{enrolment_id}/certificate": {},
            "POST /api/v1/classes/{class_id}/certificates": {},
            "POST /api/v1/activities": activity(),
            "POST /api/v1/activities/bulk": {"rows": [activity()]},
            "PATCH /api/v1/activities/{activity_id}": {"staff_person_times": 5, "reason": "人次录入错误"},
            "POST /api/v1/activities/{activity_id}/cancel": {"reason": "重复登记"},
        })


async def seed_reporting(api: httpx.AsyncClient, rt: Runtime) -> Seeds:
    admin = auth(ADMIN)
    year = china_today().year
    values = {"period": str(year - 1), "org_unit": CITY,
              "values": [{"element": "invention_patents_in_force", "value": "120000"}]}
    await ok(await api.post("/api/v1/statistics/datavaluesets", json=values, headers=admin))
    return Seeds(
        path={"year": year},
        query={"year": year, "indicator": "transfers_licences"},
        bodies={
            "PUT /api/v1/targets/{year}": {"targets": [{"indicator": "transfers_licences", "city": CITY,
                                                        "value": "10"}]},
            "POST /api/v1/targets/{year}/split": {"indicator": "transfers_licences", "values": {CITY: "10"}},
            "POST /api/v1/statistics/datavaluesets": values,
            "POST /api/v1/statistics/approvals": {"period": str(year - 1), "org_unit": CITY},
            "POST /api/v1/statistics/reopenings": {"period": str(year - 1), "org_unit": CITY, "reason": "更正"},
        })


SEEDS: dict[str, Callable[[httpx.AsyncClient, Runtime], Awaitable[Seeds]]] = {
    "enterprise": seed_enterprise, "finance": seed_finance, "protection": seed_protection,
    "transfer": seed_transfer, "training": seed_training, "reporting": seed_reporting,
}


# ========================================================================================= operations


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    op: dict

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def key(self) -> str:
        """How PUBLIC, PER_ROW and READ_POSTS name it."""
        return f"{self.service} {self.label}"

    @property
    def path_names(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)

    @property
    def writes(self) -> bool:
        return self.method in WRITE and self.key not in READ_POSTS


def token_operations(service: str, doc: dict) -> list[Operation]:
    """Every operation that needs a bearer token (it declares a security requirement or a 401)."""
    out = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if op.get("security") or "401" in op.get("responses", {}):
                out.append(Operation(service, method, path, op))
    return out


def url_of(o: Operation, seeds: Seeds) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(seeds.path.get(m.group(1), "1")), o.path)


def query_of(o: Operation, seeds: Seeds) -> dict[str, Any]:
    """Values for the required query parameters (seeded, else the schema's default, first enum, minimum)."""
    out = {}
    for p in o.op.get("parameters", []):
        if p["in"] != "query" or not p.get("required"):
            continue
        schema = p.get("schema", {})
        if p["name"] in seeds.query:
            out[p["name"]] = seeds.query[p["name"]]
        elif "default" in schema:
            out[p["name"]] = schema["default"]
        elif schema.get("enum"):
            out[p["name"]] = schema["enum"][0]
        else:
            out[p["name"]] = schema.get("minimum", 1)
    return out


def body_of(o: Operation, seeds: Seeds, doc: dict) -> Any:
    if o.label in seeds.bodies:
        return seeds.bodies[o.label]
    content = o.op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    ref = content.get("schema", {}).get("$ref", "")
    schema = doc.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    return (schema.get("examples") or [{}])[0]


async def call(api: httpx.AsyncClient, o: Operation, seeds: Seeds, doc: dict,
               headers: dict[str, str]) -> httpx.Response:
    body = body_of(o, seeds, doc)
    kwargs: dict[str, Any] = {"params": query_of(o, seeds), "headers": headers}
    if o.method in WRITE:
        kwargs["json"] = body if body is not None else {}
    return await api.request(o.method.upper(), url_of(o, seeds), **kwargs)


def holders(value: Any) -> set[str]:
    """The cities and organisations the records in a response belong to."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k in CITY_FIELDS | ORG_FIELDS and isinstance(v, str):
                found.add(v)
            else:
                found |= holders(v)
    elif isinstance(value, list):
        for v in value:
            found |= holders(v)
    return found


# ============================================================================================ principals


def forged_token() -> str:
    now = int(time.time())
    claims = {"sub": "forger", "role": ADMIN, "iss": "ipp", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, "not-the-platform-secret-" + "x" * 16, algorithm=ALGORITHM)


def expired_token() -> str:
    return issue_token(DEV_JWT_SECRET, role=ADMIN, sub="expired", ttl_seconds=-120)


UNAUTHENTICATED: dict[str, Callable[[], dict[str, str]]] = {
    "no token": lambda: {},
    "forged token": lambda: {"Authorization": f"Bearer {forged_token()}"},
    "expired token": lambda: {"Authorization": f"Bearer {expired_token()}"},
    "not a bearer": lambda: {"Authorization": "Basic YWRtaW46YWRtaW4="},
}
OUTSIDERS: dict[str, Callable[[], dict[str, str]]] = {
    "officer of another city": lambda: auth("city-officer", OTHER_CITY),
    "bank of another org": lambda: auth("bank", org=OTHER_ORG),
}


# ================================================================================================ tests


@dataclass
class Running:
    service: str
    api: httpx.AsyncClient
    rt: Runtime
    doc: dict
    seeds: Seeds


@pytest.fixture(params=[(s, b) for s in SERVICES for b in backends()], ids=lambda p: f"{p[0]}-{p[1]}")
async def service_app(request, tmp_path: Path):
    """The service on a fresh migrated database, in-process (lifespan run, no broker), seeded."""
    service, backend = request.param
    spec = SERVICES[service]
    async with fresh_database(backend, tmp_path, f"authz_{service}") as url:
        await migrate(spec.migrations, url)
        settings = spec.load_settings().model_copy(update={"kafka_enabled": False, "database_url": url})
        app = spec.create_app(settings)
        async with app_client(app) as api:
            rt = app.state.runtime
            yield Running(service, api, rt, app.openapi(), await SEEDS[service](api, rt))


def test_every_service_has_seeds():
    assert set(SEEDS) == set(SERVICES)


def test_exceptions_name_existing_operations():
    """PUBLIC, PER_ROW and READ_POSTS name operations that exist (a renamed one is not silently exempt)."""
    keys = set()
    for service, spec in SERVICES.items():
        settings = spec.load_settings().model_copy(update={"kafka_enabled": False})
        keys |= {o.key for o in token_operations(service, spec.create_app(settings).openapi())}
    stale = (set(PUBLIC) | set(PER_ROW) | set(READ_POSTS)) - keys
    assert not stale, stale


async def test_every_path_parameter_has_a_seeded_record(service_app):
    s = service_app
    missing = {f"{o.label}: {{{n}}}" for o in token_operations(s.service, s.doc) for n in o.path_names
               if n not in s.seeds.path}
    assert not missing, "seed a record for these path parameters in SEEDS:\n" + "\n".join(sorted(missing))


async def test_without_a_valid_token_every_operation_is_401(service_app):
    s = service_app
    ops = token_operations(s.service, s.doc)
    assert ops, "no operation needs a token?"
    wrong = []
    for o in ops:
        for who, headers in UNAUTHENTICATED.items():
            r = await call(s.api, o, s.seeds, s.doc, headers())
            if (r.status_code != 401 or not r.headers.get("content-type", "").startswith(PROBLEM_JSON)
                    or r.headers.get("www-authenticate", "").lower() != "bearer"):
                wrong.append(f"{o.label} with {who}: {r.status_code} {r.headers.get('www-authenticate')!r} "
                             f"{r.text[:200]}")
    assert not wrong, f"{len(wrong)} operation(s) not refused with 401:\n" + "\n".join(wrong)


async def test_viewer_reads_everything_and_writes_nothing(service_app):
    s = service_app
    wrong = []
    for o in token_operations(s.service, s.doc):
        if STREAMS.search(o.path):
            continue
        r = await call(s.api, o, s.seeds, s.doc, auth("viewer"))
        forbidden_read = next((why for rx, why in VIEWER_FORBIDDEN_READS.items() if re.search(rx, o.label)), None)
        if o.writes or forbidden_read:
            if r.status_code != 403:
                wrong.append(f"{o.label}: viewer got {r.status_code}, expected 403: {r.text[:300]}")
        elif r.status_code in (401, 403) or r.status_code >= 500:
            wrong.append(f"{o.label}: viewer could not read: {r.status_code} {r.text[:300]}")
    assert not wrong, f"{len(wrong)} violation(s):\n" + "\n".join(wrong)


async def test_outsiders_neither_write_nor_see_other_cities_and_banks(service_app):
    """An officer of 宜昌 and another bank: every write on 武汉's records / the bank's loans is refused;
    every read is refused or shows none of them (unless the resource is PUBLIC)."""
    s = service_app
    wrong, shown_nothing = [], set()
    for o in token_operations(s.service, s.doc):
        if STREAMS.search(o.path):
            continue
        for who, headers in OUTSIDERS.items():
            r = await call(s.api, o, s.seeds, s.doc, headers())
            if r.status_code in (401, 403):
                continue
            if o.writes:
                if not (o.key in PER_ROW and r.status_code == 200 and refused_every_row(r.json())):
                    wrong.append(f"{o.label}: {who} got {r.status_code}, expected 403: {r.text[:300]}")
            elif r.status_code == 200:
                if o.key in PUBLIC:
                    continue
                seen = holders(r.json()) & {CITY, ORG} if is_json(r) else set()
                if seen:
                    wrong.append(f"{o.label}: {who} sees records of {sorted(seen)}: {r.text[:300]}")
                else:
                    shown_nothing.add(o.label)
            else:
                wrong.append(f"{o.label}: {who} got {r.status_code}, expected 403 or 200: {r.text[:300]}")
    # the reads that answered 200 with nothing of 武汉 / the bank: does the province admin see some?
    vacuous = []
    for o in token_operations(s.service, s.doc):
        if o.label in shown_nothing:
            r = await call(s.api, o, s.seeds, s.doc, auth(ADMIN))
            if not (is_json(r) and holders(r.json()) & {CITY, ORG}):
                vacuous.append(o.label)
    print(f"{len(shown_nothing)} reads filtered for outsiders; without seeded records of 武汉 to filter: {vacuous}")
    assert not wrong, f"{len(wrong)} violation(s):\n" + "\n".join(wrong)


def is_json(r: httpx.Response) -> bool:
    return r.headers.get("content-type", "").split(";")[0].strip().endswith("json")


def refused_every_row(body: Any) -> bool:
    """A bulk answer that wrote nothing and refused every row with a ``forbidden-*`` rule."""
    written = body.get("written")
    errors = body.get("errors") or []
    return (written in ([], 0) and bool(errors)
            and all(str(e.get("rule", "")).startswith("forbidden") for e in errors))
