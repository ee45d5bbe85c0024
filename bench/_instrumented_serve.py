"""Serve the enterprise service as ``ipp serve enterprise`` does, with optional instrumentation.

Used by ``bench.enterprise_write --profile`` only (never by the platform):

* ``--cprofile FILE``: cProfile (thread CPU time) of the event-loop thread, written when the process is stopped
  (SIGTERM);
* ``--probe FILE``: SQLAlchemy engine events time each ``BEGIN IMMEDIATE`` (= waiting for SQLite's
  write lock), how long the write lock is then held until ``COMMIT`` starts, and how many statements
  each transaction runs; each sample is ``[perf_counter at the end, seconds or count, "relay"|"api"]``
  (CLOCK_MONOTONIC, comparable across processes); the samples are written as JSON at stop.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import signal
import time


def _kind() -> str:
    import asyncio

    try:
        task = asyncio.current_task()
    except RuntimeError:
        return "other"
    return "relay" if task is not None and task.get_name().endswith("outbox-relay") else "api"


def _instrument(samples: dict[str, list]) -> None:
    from sqlalchemy import event

    import libs.common.app as app_module

    original = app_module.create_engine  # type: ignore[attr-defined]  # the name build_service_app calls

    def create_engine(url: str, **kwargs):
        engine = original(url, **kwargs)
        sync = engine.sync_engine

        @event.listens_for(sync, "before_cursor_execute")
        def _before(conn, cursor, statement, params, context, executemany):
            conn.info["bench_t0"] = time.perf_counter()

        @event.listens_for(sync, "after_cursor_execute")
        def _after(conn, cursor, statement, params, context, executemany):
            now = time.perf_counter()
            t0 = conn.info.pop("bench_t0", now)
            if statement.startswith("BEGIN"):
                samples["begin_wait"].append([now, now - t0, _kind()])
                conn.info["bench_tx"] = now
                conn.info["bench_statements"] = 0
            else:
                samples["statement"].append([now, now - t0, _kind()])
                conn.info["bench_statements"] = conn.info.get("bench_statements", 0) + 1

        def _end(conn, key: str):
            start = conn.info.pop("bench_tx", None)
            if start is not None:
                now = time.perf_counter()
                samples[key].append([now, now - start, _kind()])
                samples["statements_per_tx"].append([now, conn.info.pop("bench_statements", 0), _kind()])

        @event.listens_for(sync, "commit")
        def _commit(conn):
            _end(conn, "lock_held")

        @event.listens_for(sync, "rollback")  # read-only sessions: BEGIN IMMEDIATE ... ROLLBACK holds the lock too
        def _rollback(conn):
            _end(conn, "lock_held_rollback")

        return engine

    app_module.create_engine = create_engine  # type: ignore[attr-defined]  # (patched for this process only)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cprofile")
    parser.add_argument("--probe")
    args = parser.parse_args()

    import uvicorn

    from ipp.registry import SERVICES

    samples: dict[str, list] = {"begin_wait": [], "statement": [], "lock_held": [], "lock_held_rollback": [],
                              "statements_per_tx": []}
    if args.probe:
        _instrument(samples)
    spec = SERVICES["enterprise"]
    app = spec.create_app(spec.load_settings())

    def _stop(signum, frame):  # uvicorn re-raises SIGTERM after its graceful shutdown; end normally then
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    # Thread CPU time: the event-loop thread's own CPU, not wall time nor the aiosqlite threads'.
    profiler = cProfile.Profile(time.thread_time) if args.cprofile else None
    if profiler:
        profiler.enable()
    try:
        uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", timeout_graceful_shutdown=5)
    except SystemExit:
        pass
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.cprofile)
        if args.probe:
            with open(args.probe, "w") as f:
                json.dump(samples, f)


if __name__ == "__main__":
    main()
