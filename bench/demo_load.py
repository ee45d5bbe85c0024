"""Benchmark: ``ipp up --demo`` as a new user meets it — time from a started platform to a loaded one.

Starts the platform as ``ipp up`` does (``ipp.launcher.Platform``: embedded broker, migrations, every
service and the stream worker as processes) on spare ports and a fresh temporary var dir, then runs
the demo loader (:func:`ipp.demo.load_demo`, the code ``ipp up --demo`` runs) and times it, part by
part, up to the moment the reporting read model shows the loaded data. **Goal: ≤ 60 s** for the load.

    .venv/bin/python -m bench.demo_load [--enterprises 300] [--keep]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from bench._util import bench_port, loadavg, platform_session

GOAL_S = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the var dir (logs, databases)")
    parser.add_argument("--progress", action="store_true", help="draw the progress bars (as ipp up --demo does)")
    args = parser.parse_args()

    from ipp.demo import load_demo
    from ipp.launcher import Platform
    from ipp.registry import SERVICES

    for key in ("KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_ENABLED",
                "OTEL_EXPORTER_OTLP_ENDPOINT", *(f"IPP_{n.upper()}_DATABASE_URL" for n in SERVICES)):
        os.environ.pop(key, None)
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-demo-"))
    ports: dict[str, int] = {}
    for i, name in enumerate(SERVICES):
        ports[name] = bench_port(600 + i * 3)
    platform = Platform(var_dir=tmp / "var", ports=ports, worker_metrics_port=bench_port(650),
                        broker_port=bench_port(660), quiet=True)
    print(f"demo load benchmark: {os.cpu_count()} CPUs, load average {loadavg()}; ports {ports}, var dir {tmp}")
    code = 1
    with platform_session(platform, tmp, args.keep):
        t0 = time.perf_counter()
        platform.logs.mkdir(parents=True, exist_ok=True)
        platform.start_broker()
        platform.migrate()
        platform.start_all()
        status = platform.wait_ready(timeout=180)
        if not all(status.values()):
            raise RuntimeError(f"not ready: {status}")
        ready = time.perf_counter() - t0
        print(f"platform ready in {ready:.1f} s")
        t1 = time.perf_counter()
        summary = load_demo({n: f"http://127.0.0.1:{p}" for n, p in ports.items()}, enterprises=args.enterprises,
                            progress=args.progress, wait_for_indicators=True,
                            worker_metrics_url=f"http://127.0.0.1:{platform.worker_metrics_port}")
        took = time.perf_counter() - t1
        print(summary)
        print(f"\nSUMMARY demo load ({args.enterprises} enterprises, every programme), load average {loadavg()}")
        print(f"  platform start (broker, migrations, processes ready): {ready:6.1f} s")
        print(f"  demo load until the indicators show it:               {took:6.1f} s   goal <= {GOAL_S:.0f} s: "
              f"{'MET' if took <= GOAL_S else 'MISSED'}")
        code = 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
