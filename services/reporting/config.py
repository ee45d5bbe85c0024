from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from libs.common.config import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="IPP_REPORTING_", extra="ignore", populate_by_name=True)

    service_name: str = "reporting"
    worker_metrics_port: int = 8106
    #: Live streams (SSE) one token subject may hold open at once; one more is a 429.
    max_streams_per_subject: int = 10
    #: ``GET /api/v1/indicators`` answers are kept rendered in memory until the next KPI change
    #: (``kpi_cache.py``), at most this many seconds; 0: every read is computed.
    indicator_cache_seconds: float = 5.0
    #: Seconds a stream ticket (``POST /api/v1/indicators/stream/tickets``) stays valid for opening a stream.
    stream_ticket_ttl: int = 60
    #: Seconds between the live feed's broker checks (a stream says ``live: false`` when it fails).
    stream_watch_interval: float = 2.0
    #: Domain topics the stream worker folds into indicators.
    source_topics: list[str] = [f"ipp.{s}.events" for s in ("enterprise", "finance", "protection", "transfer",
                                                            "training", "reporting")]
    #: The stream worker's batch: at most this many events a transaction (one ``getmany`` of every
    #: assigned partition; fewer when fewer are waiting).
    batch_max: int = 5000
    #: Longest a fetch may wait at the broker when nothing is there (aiokafka's default is 500 ms).
    fetch_max_wait_ms: int = 50
    #: The worker's consumer-group session: a crashed worker's partitions are handed to its
    #: successor after at most this long (Kafka's usual default is 45 s); heartbeats at a third of it.
    worker_session_timeout: float = 5.0
    #: The worker process exits at most this long after SIGTERM, even when the broker is gone.
    worker_stop_timeout: float = 8.0
    #: The reconciler (``reconcile.py``): seconds between rounds (0: off), how old a published
    #: event must be before it counts as missing, how long it may stay missing before a replay is
    #: requested, and the least time between two requests to one source.
    reconcile_interval: float = 30.0
    reconcile_grace: float = 15.0
    reconcile_replay_after: float = 10.0
    reconcile_cooldown: float = 60.0
    #: Where the source services answer (their outbox API); JSON in IPP_REPORTING_SOURCE_URLS.
    source_urls: dict[str, str] = {name: f"http://127.0.0.1:{port}" for name, port in (
        ("enterprise", 8001), ("finance", 8002), ("protection", 8003), ("transfer", 8004), ("training", 8005))}
