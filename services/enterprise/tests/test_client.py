"""The typed clients (client.py) against the service: async in-process, sync over a real socket."""
from __future__ import annotations

import asyncio
import io
import socket
import threading
import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
import uvicorn
from python_calamine import CalamineWorkbook

from libs.common.pagination import Page
from libs.common.testing import random_uscc, token
from services.enterprise.app import create_app
from services.enterprise.client import ApiError, AsyncEnterpriseClient, EnterpriseClient
from services.enterprise.config import EnterpriseSettings
from services.enterprise.schemas import (
    EnterpriseCreate,
    EnterpriseOut,
    EnterpriseUpdate,
    RecommendationOut,
    TierDecisionOut,
    YearFiguresIn,
    YearFiguresOut,
)
from services.enterprise.tests.helpers import china_today, enterprise_body
from services.enterprise.tiers.schemas import ApprovalOut, TierListPublish


def new_enterprise(division: str = "420100", **overrides) -> EnterpriseCreate:
    return EnterpriseCreate(**enterprise_body(random_uscc(division), **overrides))


def async_client(app, role: str, city: str | None = None, sub: str | None = None) -> AsyncEnterpriseClient:
    return AsyncEnterpriseClient("http://test", token(role, city=city, sub=sub),
                                 transport=httpx.ASGITransport(app=app))


async def test_async_client_registry_and_tier_workflow(api, app):
    d0, d1, d2 = (china_today() - timedelta(days=n) for n in (20, 10, 0))
    async with async_client(app, "province-admin", sub="admin-hb") as admin, \
            async_client(app, "city-officer", city="420100", sub="officer-wh") as officer:
        created = await officer.create_enterprise(new_enterprise())
        assert isinstance(created, EnterpriseOut)
        assert (created.city, created.tier, created.version) == ("420100", None, 1)
        other = await admin.create_enterprise(new_enterprise("420502", city="420500", county="420502"))

        got = await officer.get_enterprise(created.uscc)
        assert got.model_dump(exclude={"warnings"}) == created.model_dump(exclude={"warnings"})

        page = await admin.list_enterprises(city="420500")
        assert isinstance(page, Page)
        assert (page.total, [e.uscc for e in page.items]) == (1, [other.uscc])
        page = await admin.list_enterprises(limit=1, offset=1)
        assert (page.total, page.limit, page.offset, len(page.items)) == (2, 1, 1, 1)

        updated = await officer.update_enterprise(created.uscc, EnterpriseUpdate(own_brand=False))
        assert (updated.own_brand, updated.version) == (False, 2)

        year = china_today().year - 1
        figures = await officer.put_figures(created.uscc, year, YearFiguresIn(revenue=Decimal("12345678.90"),
                                                                               staff=50, rd_staff=10))
        assert isinstance(figures, YearFiguresOut)
        assert (figures.revenue, figures.rd_staff, figures.year) == (Decimal("12345678.90"), 10, year)

        rec = await officer.recommend_tier(created.uscc, "seed", "发明专利数量多")
        assert isinstance(rec, RecommendationOut)
        assert (rec.status, rec.tier, rec.recommended_by) == ("pending", "seed", "officer-wh")
        decision = await admin.approve_recommendation(rec.id, d0)
        assert isinstance(decision, TierDecisionOut)
        assert (decision.change, decision.to_tier, decision.recommendation_id, decision.reason) == (
            "designated", "seed", rec.id, "发明专利数量多")

        promoted = await admin.promote(created.uscc, "advantage", d1, "产业化成效显著")
        assert (promoted.change, promoted.from_tier, promoted.to_tier) == ("promoted", "seed", "advantage")
        revoked = await admin.revoke(created.uscc, d2, "存在数据造假")
        assert (revoked.change, revoked.from_tier, revoked.to_tier) == ("revoked", "advantage", None)

        rec2 = await officer.recommend_tier(created.uscc, "growth", "重新推荐成长型")
        rejected = await admin.reject_recommendation(rec2.id, "撤销后一年内不予认定")
        assert (rejected.status, rejected.decided_by) == ("rejected", "admin-hb")

        history = await officer.tier_history(created.uscc)
        assert [(h.change, h.to_tier, h.effective_date, h.decided_by) for h in history] == [
            ("designated", "seed", d0, "admin-hb"), ("promoted", "advantage", d1, "admin-hb"),
            ("revoked", None, d2, "admin-hb")]
        assert (await admin.get_enterprise(created.uscc)).tier is None


async def test_async_client_tier_criteria_evaluations_and_published_lists(api, app):
    async with async_client(app, "province-admin") as admin, \
            async_client(app, "city-officer", city="420100") as officer, \
            AsyncEnterpriseClient("http://test", token("bank", org="ICBC-HB"),
                                  transport=httpx.ASGITransport(app=app)) as bank:
        assert [t.tier for t in await bank.tier_criteria()] == ["advantage", "seed", "growth"]
        created = await officer.create_enterprise(new_enterprise(own_brand=False))
        evaluation = await officer.evaluate_tier(created.uscc, "growth")
        assert evaluation.unknown == ["growth.patents_or_brand"] and evaluation.year == china_today().year - 1
        rec = await officer.recommend_tier(created.uscc, "growth", "拥有发明专利")
        detail = await admin.get_recommendation(rec.id)
        assert detail.evaluation.unknown == ["growth.patents_or_brand"]
        approved = await admin.approve_recommendation(rec.id, china_today())
        assert isinstance(approved, ApprovalOut) and approved.evaluation.tier == "growth"

        first = await admin.publish_tier_list()
        assert (first.number, first.growth_count, [e.uscc for e in first.entries]) == (1, 1, [created.uscc])
        await admin.promote(created.uscc, "seed", china_today(), "晋级")
        second = await admin.publish_tier_list(TierListPublish(title="2026年第二版名单", note="晋级一家"))
        assert (second.number, second.seed_count, second.growth_count) == (2, 1, 0)
        assert [v.number for v in await bank.list_tier_lists()] == [2, 1]
        assert (await bank.current_tier_list(city="420100")).number == 2
        assert (await bank.get_tier_list(1)).entries[0].tier == "growth"
        diff = await bank.tier_list_diff(1, 2)
        assert [(c.uscc, c.tier_before, c.tier_after) for c in diff.tier_changed] == [(created.uscc, "growth", "seed")]
        with pytest.raises(ApiError) as e:
            await officer.publish_tier_list()
        assert e.value.status == 403


async def test_async_client_raises_api_error_with_problem(api, app):
    async with async_client(app, "province-admin") as admin, \
            async_client(app, "city-officer", city="420500") as yichang:
        created = await admin.create_enterprise(new_enterprise())

        with pytest.raises(ApiError) as info:
            await admin.create_enterprise(EnterpriseCreate(**enterprise_body(created.uscc)))
        assert info.value.status == 409
        assert info.value.problem["type"] == "urn:ipp:problem:enterprise.exists"

        with pytest.raises(ApiError) as info:
            await admin.put_figures(created.uscc, china_today().year - 1, YearFiguresIn(staff=5, rd_staff=6))
        assert info.value.status == 422
        assert [(e["field"], e["rule"]) for e in info.value.problem["errors"]] == [
            ("rd_staff", "rd_staff.exceeds_staff")]

        bad = created.uscc[:17] + ("0" if created.uscc[17] != "0" else "1")
        with pytest.raises(ApiError) as info:
            await admin.get_enterprise(bad)
        assert (info.value.status, info.value.problem["errors"][0]["field"],
                info.value.problem["errors"][0]["rule"]) == (422, "uscc", "uscc.check_digit")

        with pytest.raises(ApiError) as info:
            await admin.promote(created.uscc, "seed", china_today(), "没有梯队不能晋级")
        assert (info.value.status, info.value.problem["type"]) == (409, "urn:ipp:problem:tier.not_promoted")

        with pytest.raises(ApiError) as info:
            await yichang.get_enterprise(created.uscc)
        assert (info.value.status, info.value.problem["type"]) == (403, "urn:ipp:problem:forbidden-city")
        assert "403" in str(info.value)

    async with AsyncEnterpriseClient("http://test", "not-a-token", transport=httpx.ASGITransport(app=app)) as anon:
        with pytest.raises(ApiError) as info:
            await anon.list_enterprises()
        assert (info.value.status, info.value.problem["type"]) == (401, "urn:ipp:problem:unauthorized")


# ----------------------------------------------------------------------------- sync client, real server

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def live_url(db_url):
    """The service in a real uvicorn server (own thread and event loop) on a free port."""
    app = create_app(EnterpriseSettings(database_url=db_url, kafka_enabled=False, env="test"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="enterprise-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)


async def test_sync_client_over_http(live_url):
    def scenario() -> None:
        with EnterpriseClient(live_url, token("province-admin", sub="admin-sync")) as admin:
            created = admin.create_enterprise(new_enterprise("420602", city=None, county=None))
            assert (created.city, created.registered_division) == ("420600", "420602")
            rec = admin.recommend_tier(created.uscc, "growth", "襄阳推荐成长型")
            decision = admin.approve_recommendation(rec.id, china_today())
            assert (decision.change, decision.to_tier, decision.decided_by) == ("designated", "growth", "admin-sync")
            assert admin.get_enterprise(created.uscc).tier == "growth"
            assert [h.change for h in admin.tier_history(created.uscc)] == ["designated"]
            with pytest.raises(ApiError) as info:
                admin.approve_recommendation(rec.id, china_today())
            assert (info.value.status, info.value.problem["type"]) == (
                409, "urn:ipp:problem:recommendation.decided")
        with EnterpriseClient(live_url, token("viewer")) as viewer:
            with pytest.raises(ApiError) as info:
                viewer.create_enterprise(new_enterprise())
            assert info.value.status == 403

    await asyncio.to_thread(scenario)


async def test_async_client_bulk_imports_uploads_templates_and_exports(api, app):
    """The workbook calls every client has (export_list, import_file, import_template) and the
    enterprise bulk calls, against the service."""
    async with async_client(app, "province-admin") as c:
        rows = [enterprise_body(random_uscc("420500")) for _ in range(3)]
        dry = await c.import_enterprises(rows, dry_run=True)
        assert (dry.dry_run, dry.registered, dry.written) == (True, 3, 0)
        done = await c.import_enterprises(rows)
        assert (done.registered, done.rejected) == (3, 0)
        again = await c.import_enterprises(rows)
        assert (again.registered, again.unchanged) == (0, 3)

        template = await c.import_template("/api/v1/enterprises/bulk/template")
        assert template[:2] == b"PK"  # a zip: .xlsx
        csv = ("uscc,name,industry,size_class,ownership\n"
               f"{random_uscc('420500')},宜昌示例材料有限公司,P1,small,private\n")
        summary = await c.import_file("/api/v1/enterprises/bulk", "企业.csv", csv.encode("gb18030"))
        assert summary["registered"] == 1 and summary["rejected"] == 0

        book = await c.export_list("/api/v1/enterprises")
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(book)).get_sheet_by_index(0).to_python()
        exported = [row[sheet[1].index("uscc")] for row in sheet[2:]]
        assert {r["uscc"] for r in rows} <= set(exported) and len(exported) == 4
