"""The skeleton every service's ``create_app`` builds on: lifespan, errors, metrics, health, tracing."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncEngine

from libs.common.config import CommonSettings
from libs.common.db import Sessions, create_engine, ping, session_factory
from libs.common.errors import install_problem_handlers
from libs.common.events import DLQ_TOPIC
from libs.common.kafka import IncarnationProbe, ensure_topics, new_producer, recreate_topics
from libs.common.limits import BodyLimitMiddleware
from libs.common.metrics import MetricsMiddleware, metrics_response
from libs.common.outbox import OutboxRelay, UnitOfWork, mark_for_replay
from libs.common.outbox_api import outbox_router
from libs.common.telemetry import setup_tracing

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """What a running service holds: engine, sessions, relay, background tasks."""

    settings: Any
    engine: AsyncEngine
    sessions: Sessions
    topic: str
    relay: OutboxRelay | None = None
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    #: Asks whether the broker answers now; defaults to a metadata request on the relay's connection.
    broker_ready: Callable[[], Awaitable[bool]] | None = None
    #: Named reports shown under ``details`` on /readyz; they never make the process unready.
    details: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.settings.service_name, self.topic,
                          on_commit=self.relay.wake if self.relay else None)


StartHook = Callable[[Runtime], Awaitable[None]]


def runtime(request: Request) -> Runtime:
    """The running service's engine, sessions and relay (a FastAPI dependency)."""
    rt: Runtime = request.app.state.runtime
    return rt


#: ``rt: RT`` in a route: the one home of the runtime dependency for every service.
RT = Annotated[Runtime, Depends(runtime)]


def start_relay(runtime: Runtime) -> OutboxRelay:
    settings: CommonSettings = runtime.settings
    bootstrap = settings.kafka_bootstrap_servers
    relay = runtime.relay = OutboxRelay(
        settings.service_name, runtime.sessions,
        producer_factory=lambda: new_producer(bootstrap, f"ipp-{settings.service_name}-outbox"),
        topics=[runtime.topic, DLQ_TOPIC],
        ensure_topics=lambda topics: ensure_topics(bootstrap, topics, settings.topic_partitions),
        batch_size=settings.outbox_batch_size, poll_interval=settings.outbox_poll_interval,
        **self_healing(settings, settings.service_name, [runtime.topic]))
    runtime.tasks.append(asyncio.create_task(relay.run(), name=f"{settings.service_name}-outbox-relay"))
    return relay


def self_healing(settings: CommonSettings, publisher: str, own_topics: list[str]) -> dict[str, Any]:
    """The relay's self-healing options from the settings (off when the interval is 0); ``own_topics``
    are the topics only this publisher writes to."""
    if settings.broker_check_interval <= 0:
        return {}
    bootstrap = settings.kafka_bootstrap_servers
    return {"incarnation": lambda: IncarnationProbe(bootstrap, publisher),
            "reset_topics": lambda: recreate_topics(bootstrap, own_topics, settings.topic_partitions),
            "check_interval": settings.broker_check_interval}


def build_service_app(settings: CommonSettings, *, title: str, description: str, topic: str,
                      routers: list[APIRouter], database_url: str, on_start: list[StartHook] | None = None,
                      version: str = "1.0.0", openapi_tags: list[dict[str, Any]] | None = None,
                      publishes: bool = True) -> FastAPI:
    """``publishes`` False: the process has no outbox relay of its own (e.g. a read-only API)."""
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        setup_tracing(settings.service_name, settings.otel_endpoint)
        engine = create_engine(database_url)
        runtime = Runtime(settings=settings, engine=engine, sessions=session_factory(engine), topic=topic)
        app.state.runtime = runtime
        try:
            if settings.kafka_enabled and publishes:
                if settings.replay_outbox_on_start:
                    n = await mark_for_replay(runtime.sessions)
                    log.info("%s: %d outbox events marked for replay", settings.service_name, n)
                runtime.broker_ready = start_relay(runtime).probe
            for hook in on_start or []:
                await hook(runtime)
            yield
        finally:
            for task in runtime.tasks:
                task.cancel()
            for task in runtime.tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await engine.dispose()

    # FastAPI's native OpenTelemetry makes the server span per request (continuing an incoming
    # traceparent); Prometheus, not OTel, carries the request metrics.
    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  openapi_tags=openapi_tags, telemetry={"tracing": True, "metrics": False, "logs": False})
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)  # inside metrics: 413s counted
    app.add_middleware(MetricsMiddleware, service=settings.service_name)
    app.include_router(health_router(settings.service_name))
    app.include_router(outbox_router(settings.service_name))
    for router in routers:
        app.include_router(router)
    from libs.common.openapi import declare_problem_responses  # every operation declares its problem responses

    declare_problem_responses(app)
    return app


def health_router(service: str) -> APIRouter:
    router = APIRouter(tags=["运维 operations"])

    @router.get("/healthz", summary="存活检查 liveness")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "service": service}

    @router.get("/readyz", summary="就绪检查 readiness: database and broker")
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(runtime.engine), 3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        if runtime.broker_ready is None:
            checks["broker"] = "disabled"
        else:
            checks["broker"] = "ok" if await runtime.broker_ready() else "unreachable"
        ready = all(v in ("ok", "disabled") for v in checks.values())
        body: dict[str, Any] = {"status": "ready" if ready else "not-ready", "service": service, "checks": checks}
        if runtime.details:
            body["details"] = {name: report() for name, report in runtime.details.items()}
        return JSONResponse(jsonable_encoder(body), status_code=200 if ready else 503)

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        if runtime.relay is not None:  # backlog and oldest age as of this scrape
            await runtime.relay.update_backlog_metrics(quiet=True)
        return metrics_response()

    return router
