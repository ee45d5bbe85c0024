"""``create_app(settings)``: the reporting API (indicators, targets, live stream).

The stream worker that computes the values is a separate process (``services.reporting.worker``).
"""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select

from libs.common.app import Runtime, build_service_app
from services.reporting.api import router
from services.reporting.config import ReportingSettings
from services.reporting.dashboard import routes as dashboard
from services.reporting.events import DOMAIN_TOPIC, TOPIC
from services.reporting.kpi_cache import RenderedCache
from services.reporting.live import KpiBroadcaster, prime_metrics
from services.reporting.models import Target
from services.reporting.reconcile import HttpSource, LocalSource, Reconciler
from services.reporting.reports import router as reports_router
from services.reporting.service import upsert_targets
from services.reporting.statistics.api import router as statistics_router

DEFAULT_TARGETS = Path(__file__).parent / "targets"


async def seed_targets(rt: Runtime) -> None:
    """Load the bundled target files (``targets/<year>/*.json``): only targets not yet set are added,
    so a target an officer changed through the API is never overwritten (targets stay data)."""
    for path in sorted(DEFAULT_TARGETS.glob("*/*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        async with rt.sessions() as session:
            have = {(t.indicator, t.city) for t in (await session.execute(
                select(Target).where(Target.year == doc["year"]))).scalars().all()}
        missing = [(t["indicator"], t["city"], Decimal(t["value"]), t.get("profile")) for t in doc["targets"]
                   if (t["indicator"], t["city"]) not in have]
        if missing:
            await upsert_targets(rt, doc["year"], missing, doc.get("source"))


async def start_broadcaster(rt: Runtime) -> None:
    settings = rt.settings
    broadcaster = KpiBroadcaster(settings.kafka_bootstrap_servers, settings.topic_partitions,
                                 max_per_owner=settings.max_streams_per_subject,
                                 cache=RenderedCache(max_age=settings.indicator_cache_seconds))
    rt.extras["broadcaster"] = broadcaster
    rt.extras["kpi_cache"] = broadcaster.cache
    if settings.kafka_enabled:
        rt.tasks.append(asyncio.create_task(broadcaster.run(), name="kpi-broadcaster"))
        rt.tasks.append(asyncio.create_task(broadcaster.watch(settings.stream_watch_interval),
                                            name="kpi-broadcaster-watch"))
        rt.broker_ready = broadcaster.probe


async def start_reconciler(rt: Runtime) -> None:
    settings: ReportingSettings = rt.settings
    if not settings.kafka_enabled or settings.reconcile_interval <= 0:
        return
    sources: dict = {name: HttpSource(name, url, settings.jwt_secret.get_secret_value(), settings.jwt_issuer)
                     for name, url in settings.source_urls.items()}
    sources["reporting"] = LocalSource(rt.sessions, DOMAIN_TOPIC)
    reconciler = Reconciler(rt.sessions, sources, grace=settings.reconcile_grace,
                            replay_after=settings.reconcile_replay_after, cooldown=settings.reconcile_cooldown)
    rt.extras["reconciler"] = reconciler
    rt.details["reconciliation"] = reconciler.report
    rt.tasks.append(asyncio.create_task(reconciler.run(settings.reconcile_interval), name="reconciler"))


def create_app(settings: ReportingSettings | None = None) -> FastAPI:
    settings = settings or ReportingSettings()
    # The API runs no relay: what it writes to the outbox (approved statistics, KPI updates after a
    # target change) is published by the stream worker's relay, which shares the database.
    app = build_service_app(
        settings, title="报表服务 Reporting service",
        description="全省知识产权工作指标：按市州、年度汇总各服务事件，对照目标，实时推送。",
        topic=TOPIC, routers=[router, statistics_router, reports_router], database_url=settings.database_url,
        on_start=[seed_targets, prime_metrics, start_broadcaster, start_reconciler], publishes=False)
    dashboard.install(app)
    return app
