"""A real Prometheus (Debian's ``/usr/bin/prometheus``) for the e2e tests, configured from deploy/.

:func:`scrape_config` takes ``deploy/prometheus/prometheus.yml`` and rewrites only what cannot hold
outside compose: each job's targets (compose host names → this run's ports), the intervals (1 s, so
a test needs seconds, not minutes) and the rule files (absolute paths). Jobs, metrics paths and
labels stay as deployed. :func:`grafana_exprs` lists every PromQL expression of every panel of the
Grafana dashboards, with Grafana's template variables replaced by concrete values.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from ipp.launcher import Platform, Proc

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
DASHBOARD_DIR = ROOT / "deploy" / "grafana" / "dashboards"
#: Scrape and rule-evaluation interval of the test Prometheus.
INTERVAL = "1s"
#: Compose service name (host of a deploy/ target) → name of the e2e process that plays it.
COMPOSE_PROCESS = {"reporting-api": "reporting"}


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


def promtool_binary() -> str | None:
    return shutil.which("promtool")


def _port_of(host: str, plat: Platform, own_port: int) -> int | None:
    if host == "localhost":
        return own_port
    if host == "reporting-worker":
        return plat.worker_metrics_port
    return plat.ports.get(COMPOSE_PROCESS.get(host, host))


def scrape_config(plat: Platform, own_port: int, rule_files: list[Path]) -> tuple[dict[str, Any], list[str]]:
    """The deployed config pointed at ``plat``; also the jobs left out (no such process here)."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text(encoding="utf-8"))
    config["global"].update(scrape_interval=INTERVAL, scrape_timeout=INTERVAL, evaluation_interval=INTERVAL)
    config["rule_files"] = [str(p) for p in rule_files]
    jobs: list[dict[str, Any]] = []
    dropped: list[str] = []
    for job in config["scrape_configs"]:
        targets = []
        for static in job.get("static_configs", []):
            ports = [_port_of(t.rsplit(":", 1)[0], plat, own_port) for t in static.get("targets", [])]
            static["targets"] = [f"127.0.0.1:{p}" for p in ports if p is not None]
            targets.extend(static["targets"])
        if targets:
            jobs.append(job)
        else:
            dropped.append(job["job_name"])
    config["scrape_configs"] = jobs
    return config, dropped


def fast_rules(source: Path, target: Path, for_: str = "1s") -> Path:
    """A copy of an alert rule file with every ``for:`` shortened to ``for_``; expressions unchanged."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for group in data["groups"]:
        group["interval"] = INTERVAL
        for rule in group["rules"]:
            if "for" in rule:
                rule["for"] = for_
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


class Prometheus:
    """``/usr/bin/prometheus`` on its own port and storage folder, as a :class:`Proc`."""

    def __init__(self, port: int, workdir: Path, config: dict[str, Any]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.config_file = workdir / "prometheus.yml"
        self.config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        binary = prometheus_binary()
        assert binary, "prometheus is not installed (make system installs it)"
        self.proc = Proc("prometheus", [
            binary, f"--config.file={self.config_file}", f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
            "--log.level=warn"], env={}, log=workdir / "prometheus.log", ready_url=f"{self.url}/-/ready")

    def start(self, timeout: float = 60) -> Prometheus:
        self.proc.start()
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.alive(), f"prometheus exited:\n{self.proc.tail()}"
            try:
                if httpx.get(self.proc.ready_url, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"prometheus not ready:\n{self.proc.tail()}"
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.stop()

    def api(self, path: str, **params: Any) -> Any:
        r = httpx.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        body = r.json()
        assert r.status_code == 200 and body["status"] == "success", f"{path} {params}: {r.status_code} {body}"
        return body["data"]

    def query(self, expr: str) -> list[dict[str, Any]]:
        data = self.api("query", query=expr)
        result: list[dict[str, Any]] = data["result"] if data["resultType"] in ("vector", "matrix") else [data]
        return result

    def targets(self) -> list[dict[str, Any]]:
        active: list[dict[str, Any]] = self.api("targets", state="active")["activeTargets"]
        return active

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.api("alerts")["alerts"]
        return alerts


# ---------------------------------------------------------------------------------------------
# Grafana dashboards
# ---------------------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels") or [])


def substitute(expr: str, values: dict[str, str]) -> str:
    """Grafana's template variables (``$x``, ``${x}``, ``${x:fmt}``, ``[[x]]``) → ``values``."""
    def one(m: re.Match[str]) -> str:
        name = next(g for g in m.groups() if g)
        if name not in values:
            raise KeyError(f"no value for Grafana variable ${name} in {expr!r}")
        return values[name]

    return _VARIABLE.sub(one, expr)


def grafana_exprs(values: dict[str, str]) -> list[tuple[str, str, str]]:
    """(dashboard file, panel title / refId, PromQL) of every panel target, variables replaced."""
    out = []
    for file, board in dashboards().items():
        for panel in _panels(board.get("panels", [])):
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    out.append((file, f"{panel['title']} / {target.get('refId', '')}",
                                substitute(target["expr"], values)))
    return out


def variable_queries() -> list[tuple[str, str, str, str]]:
    """(dashboard, variable, metric, label) of every ``label_values(metric, label)`` variable."""
    out = []
    for file, board in dashboards().items():
        for var in board.get("templating", {}).get("list", []):
            if var.get("type") != "query":
                continue
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query)
            assert m, f"{file}: variable {var['name']}: {query}"
            out.append((file, var["name"], m.group(1), m.group(2)))
    return out
