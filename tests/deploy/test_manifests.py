"""The deployment files, checked without a Docker engine or a cluster.

There is no Docker engine (and no Kubernetes) on the development machines, so these tests check
what can be checked from the files alone: that they parse, and that their cross-references hold
— every service under ``services/`` (a folder with an ``app.py``) is registered in compose,
migrated first, has its database created, is scraped by Prometheus and is deployed in
Kubernetes; the dashboards and alerts use only metric names the code exports; every compose
variable either has a default or is required. ``docker compose config`` and ``promtool`` run too
when those CLIs are installed, and are skipped with the reason otherwise.

Only PyYAML and the standard library are used.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SERVICES_DIR = ROOT / "services"
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
INIT_SQL = DEPLOY / "postgres" / "init-databases.sql"
PROMETHEUS_DIR = DEPLOY / "prometheus"
PROMETHEUS_FILE = PROMETHEUS_DIR / "prometheus.yml"
ALERTS_FILE = PROMETHEUS_DIR / "alerts.yml"
OTEL_FILE = DEPLOY / "otel" / "collector.yaml"
GRAFANA_DIR = DEPLOY / "grafana"
DASHBOARD_DIR = GRAFANA_DIR / "dashboards"
K8S_DIR = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCS = ROOT / "docs" / "deployment.md"

IPP_DOCKERFILE = "deploy/Dockerfile"

#: The Prometheus metrics the code exports (libs/common/metrics.py) and their labels. Dashboards
#: and alert rules may use these and nothing else (plus Prometheus' own ``up`` in alerts).
METRICS: dict[str, set[str]] = {
    "ipp_http_requests_total": {"service", "method", "route", "status"},
    "ipp_http_request_duration_seconds_bucket": {"service", "method", "route", "le"},
    "ipp_outbox_backlog": {"service"},
    "ipp_outbox_oldest_age_seconds": {"service"},
    "ipp_outbox_published_total": {"service", "topic"},
    "ipp_outbox_publish_failures_total": {"service"},
    "ipp_consumer_events_total": {"service", "topic", "outcome"},
    "ipp_consumer_lag": {"service", "topic", "partition"},
    "ipp_dead_letters_total": {"service", "topic"},
    "ipp_kpi_value": {"indicator", "city", "year"},
    "ipp_kpi_target": {"indicator", "city", "year"},
    "ipp_kpi_expected": {"indicator", "city", "year"},
    "ipp_kpi_progress_percent": {"indicator", "city", "year"},
    "ipp_kpi_status": {"indicator", "city", "year"},
    "ipp_broker_data_losses_total": {"service"},
    "ipp_reconcile_missing": {"source"},
    "ipp_reconcile_extra": {"source"},
    "ipp_reconcile_verified_total": {"source"},
    "ipp_reconcile_replays_total": {"source"},
    "ipp_reconcile_errors_total": {"source"},
    "ipp_reconcile_last_success_timestamp_seconds": {"source"},
}
PROMETHEUS_BUILTINS: dict[str, set[str]] = {"up": set()}
TARGET_LABELS = {"job", "instance"}  # attached by Prometheus to every scraped series

TOPICS = ("ipp.enterprise.events", "ipp.reporting.kpi-updates", "ipp.dlq")


# ---------------------------------------------------------------------------------------------
# helpers (pure functions over parsed data, so the checks themselves can be tested)
# ---------------------------------------------------------------------------------------------

def discover_services(services_dir: Path = SERVICES_DIR) -> list[str]:
    """Every service of the platform: a folder under ``services/`` with an ``app.py``."""
    return sorted(p.parent.name for p in services_dir.glob("*/app.py"))


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def command(svc: dict) -> list[str]:
    cmd = svc.get("command") or []
    return shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]


def environment(svc: dict) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def is_ipp(svc: dict) -> bool:
    build = svc.get("build")
    return isinstance(build, dict) and build.get("dockerfile") == IPP_DOCKERFILE


def ipp_services(data: dict) -> dict[str, dict]:
    return {name: svc for name, svc in data["services"].items() if is_ipp(svc)}


def by_command(data: dict, verb: str, service: str) -> list[str]:
    """Compose services whose command is ``<verb> <service> …`` (e.g. ``serve enterprise``)."""
    return [name for name, svc in ipp_services(data).items() if command(svc)[:2] == [verb, service]]


def depends_on(svc: dict) -> dict[str, str]:
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):
        return {d: "service_started" for d in deps}
    return {name: (cond or {}).get("condition", "service_started") for name, cond in deps.items()}


def database_env(service: str) -> str:
    return f"IPP_{service.upper().replace('-', '_')}_DATABASE_URL"


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def init_databases(sql: str) -> set[str]:
    sql = re.sub(r"--[^\n]*", "", sql)
    return {m.lower() for m in re.findall(r"CREATE\s+DATABASE\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?", sql, re.I)}


def scrape_targets(prometheus: dict) -> set[str]:
    return {t for job in prometheus.get("scrape_configs", []) for sc in job.get("static_configs", [])
            for t in sc.get("targets", [])}


def kafka_init_script(data: dict) -> str:
    svc = data["services"].get("kafka-init") or {}
    return " ".join(command(svc))


def registration_problems(data: dict, services: list[str], init_sql: str, prometheus: dict) -> list[str]:
    """What is missing for each service to be part of the compose stack (empty when all is there)."""
    problems: list[str] = []
    databases = init_databases(init_sql)
    targets = scrape_targets(prometheus)
    topics = kafka_init_script(data)
    all_services = data.get("services") or {}
    for service in services:
        serve = by_command(data, "serve", service)
        migrate = by_command(data, "migrate", service)
        if not serve:
            problems.append(f"{service}: no compose service runs `serve {service}`")
        if not migrate:
            problems.append(f"{service}: no compose service runs `migrate {service}`")
        if f"ipp.{service}." not in topics:
            problems.append(f"{service}: kafka-init creates no ipp.{service}.* topic")
        for name in serve + migrate:
            url = environment(all_services[name]).get(database_env(service))
            if not url:
                problems.append(f"{service}: compose service {name} does not set {database_env(service)}")
            elif database_name(url) not in databases:
                problems.append(f"{service}: database {database_name(url)!r} ({name}) is not created by "
                                f"{INIT_SQL.relative_to(ROOT)}")
        for name in serve:
            svc = all_services[name]
            deps = depends_on(svc)
            if not any(deps.get(m) == "service_completed_successfully" for m in migrate):
                problems.append(f"{service}: {name} does not depend on its migration with "
                                "condition: service_completed_successfully")
            port = option(command(svc), "--port")
            if port is None:
                problems.append(f"{service}: {name} runs serve without --port")
                continue
            health = " ".join(map(str, (svc.get("healthcheck") or {}).get("test") or []))
            if f":{port}/healthz" not in health:
                problems.append(f"{service}: {name} has no healthcheck on :{port}/healthz")
            if f"{name}:{port}" not in targets:
                problems.append(f"{service}: prometheus does not scrape {name}:{port}")
    return problems


_INTERPOLATION = re.compile(r"\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
_BRACED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)|(:?\?))?", re.S)


def walk_strings(node):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk_strings(k)
            yield from walk_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_strings(v)
    elif isinstance(node, str):
        yield node


def interpolations(data) -> tuple[list[str], set[str], set[str]]:
    """(problems, variables with a default, required variables) of a compose document."""
    problems: list[str] = []
    defaulted: set[str] = set()
    required: set[str] = set()
    for text in walk_strings(data):
        for m in _INTERPOLATION.finditer(text):
            escaped, braced, bare = m.groups()
            if escaped:
                continue
            if bare:
                problems.append(f"${bare} has neither a default nor `:?` (write ${{{bare}:-…}} or ${{{bare}:?…}})")
                continue
            parsed = _BRACED.match(braced)
            if not parsed or (parsed.end() < len(braced) and not (parsed.group(2) or parsed.group(3))):
                problems.append(f"${{{braced}}} is not a valid interpolation")
                continue
            var, default, require = parsed.groups()
            if default:
                defaulted.add(var)
            elif require:
                required.add(var)
            else:
                problems.append(f"${{{var}}} has neither a default nor `:?` (write ${{{var}:-…}} or ${{{var}:?…}})")
    return problems, defaulted, required


_PROMQL_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_PROMQL_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
                 "unless", "offset", "inf", "nan"}


def promql_metrics(expr: str) -> set[str]:
    """Metric names in a PromQL expression (function names, labels, durations left out)."""
    s = _PROMQL_STRING.sub('""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = _PROMQL_GROUPING.sub(" ", s)
    s = re.sub(r"\boffset\s+-?\w+", " ", s)
    names = set()
    for m in re.finditer(r"(?<![\w$.])[A-Za-z_:][A-Za-z0-9_:]*", s):
        if s[m.end():].lstrip().startswith("(") or m.group(0).lower() in _PROMQL_WORDS:
            continue
        names.add(m.group(0))
    return names


def promql_problems(expr: str, known: dict[str, set[str]]) -> list[str]:
    """Unknown metrics, and label names a known metric does not carry."""
    problems = []
    names = promql_metrics(expr)
    if not names:
        problems.append(f"no metric in {expr!r}")
    for name in sorted(names - set(known)):
        problems.append(f"unknown metric {name!r} in {expr!r}")
    masked = _PROMQL_STRING.sub(lambda m: "_" * len(m.group(0)), expr)  # keep offsets
    for m in re.finditer(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}", masked):
        metric = m.group(1)
        if metric not in known:
            continue
        for label in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)", m.group(2)):
            if label not in known[metric] | TARGET_LABELS:
                problems.append(f"{metric} has no label {label!r} (in {expr!r})")
    usable = set().union(*(known.get(n, set()) for n in names)) | TARGET_LABELS
    for m in _PROMQL_GROUPING.finditer(_PROMQL_STRING.sub('""', expr)):
        for label in filter(None, (x.strip() for x in m.group(2).split(","))):
            if label not in usable:
                problems.append(f"grouping label {label!r} is on none of {sorted(names)} (in {expr!r})")
    return problems


def dashboards() -> dict[str, dict]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARD_DIR.glob("*.json"))}


def all_panels(panels: list[dict]):
    for panel in panels:
        yield panel
        yield from all_panels(panel.get("panels") or [])


def k8s_documents() -> list[tuple[Path, dict]]:
    docs = []
    for path in sorted(K8S_DIR.glob("*.yaml")) + sorted(K8S_DIR.glob("*.yml")):
        if path.name.startswith("kustomization."):
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                docs.append((path, doc))
    return docs


def k8s_kind(kind: str) -> list[dict]:
    return [doc for _, doc in k8s_documents() if doc.get("kind") == kind]


def pod_spec(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]


def main_container(deployment: dict) -> dict:
    return pod_spec(deployment)["containers"][0]


def container_args(container: dict) -> list[str]:
    return [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]


def k8s_deployments_running(verb: str, service: str | None = None) -> list[dict]:
    out = []
    for dep in k8s_kind("Deployment"):
        args = container_args(main_container(dep))
        if args[:1] == [verb] and (service is None or args[1:2] == [service]):
            out.append(dep)
    return out


# ---------------------------------------------------------------------------------------------
# the checks' own tests: a new service must make the registration check fail
# ---------------------------------------------------------------------------------------------

def test_discovery_finds_service_folders_with_an_app(tmp_path):
    (tmp_path / "alpha").mkdir()
    (tmp_path / "alpha" / "app.py").write_text("")
    (tmp_path / "beta").mkdir()  # a package without app.py is not (yet) a service
    (tmp_path / "beta" / "__init__.py").write_text("")
    assert discover_services(tmp_path) == ["alpha"]


def test_unregistered_service_is_reported(tmp_path):
    (tmp_path / "statistics").mkdir()
    (tmp_path / "statistics" / "app.py").write_text("")
    problems = registration_problems(compose(), discover_services(tmp_path),
                                     INIT_SQL.read_text(encoding="utf-8"), load_yaml(PROMETHEUS_FILE))
    text = "\n".join(problems)
    assert "`serve statistics`" in text and "`migrate statistics`" in text and "ipp.statistics." in text


def test_interpolation_check_itself():
    problems, defaulted, required = interpolations(
        {"a": "${A}", "b": "$B", "c": "${C:-x}", "d": "${D:?set D}", "e": "$$escaped", "f": "${F-y}"})
    assert len(problems) == 2 and defaulted == {"C", "F"} and required == {"D"}


def test_promql_check_itself():
    assert promql_metrics('sum by (service, le) (rate(ipp_http_request_duration_seconds_bucket'
                          '{service=~"$service"}[$__rate_interval]))') == {"ipp_http_request_duration_seconds_bucket"}
    assert promql_problems('rate(ipp_http_requests_total{stauts="500"}[5m])', METRICS)
    assert promql_problems("sum(ipp_no_such_metric)", METRICS)
    assert promql_problems("sum by (city) (ipp_outbox_backlog)", METRICS)
    assert not promql_problems('max by (city) (ipp_kpi_value{year="$year"}) > 1e3', METRICS)


# ---------------------------------------------------------------------------------------------
# docker-compose.yml
# ---------------------------------------------------------------------------------------------

def test_compose_parses():
    data = compose()
    assert isinstance(data, dict) and isinstance(data.get("services"), dict) and data["services"]


@pytest.mark.parametrize("service", discover_services())
def test_service_is_registered_in_compose(service):
    problems = registration_problems(compose(), [service], INIT_SQL.read_text(encoding="utf-8"),
                                     load_yaml(PROMETHEUS_FILE))
    assert not problems, "\n".join(problems)


def test_every_compose_ipp_command_names_a_service_folder():
    for name, svc in ipp_services(compose()).items():
        args = command(svc)
        assert args[:1] and args[0] in {"serve", "migrate", "worker"}, f"{name}: unexpected command {args}"
        assert (SERVICES_DIR / args[1]).is_dir(), f"{name}: services/{args[1]}/ does not exist"


def test_compose_reporting_worker():
    data = compose()
    workers = [n for n, s in ipp_services(data).items() if command(s)[:2] == ["worker", "reporting"]]
    assert len(workers) == 1, workers
    svc = data["services"][workers[0]]
    port = option(command(svc), "--metrics-port")
    assert port == "8106"
    assert f":{port}/metrics" in " ".join(svc["healthcheck"]["test"])
    assert f"{workers[0]}:{port}" in scrape_targets(load_yaml(PROMETHEUS_FILE))
    migrate = by_command(data, "migrate", "reporting")
    assert any(depends_on(svc).get(m) == "service_completed_successfully" for m in migrate)
    assert database_name(environment(svc)[database_env("reporting")]) in init_databases(INIT_SQL.read_text())


def test_compose_interpolations_have_defaults_or_are_required():
    problems, defaulted, required = interpolations(compose())
    assert not problems, "\n".join(problems)
    assert "IPP_JWT_SECRET" in required and "IPP_JWT_SECRET" not in defaulted


def test_ipp_processes_run_in_production_with_the_common_settings():
    data = compose()
    kafka = environment(data["services"]["kafka"])
    advertised = {u.split("://", 1)[1] for u in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for name, svc in ipp_services(data).items():
        env = environment(svc)
        assert env.get("IPP_ENV") == "production", name
        assert re.fullmatch(r"\$\{IPP_JWT_SECRET:\?[^}]+\}", env.get("IPP_JWT_SECRET", "")), name
        assert env.get("KAFKA_BOOTSTRAP_SERVERS") in advertised, name
        otel = urlsplit(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""))
        assert otel.hostname in data["services"] and otel.port == 4318, name
        assert env.get("OTEL_SERVICE_NAME"), name
        if command(svc)[0] != "migrate":
            assert svc.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_compose_database_urls_match_postgres():
    data = compose()
    pg = environment(data["services"]["postgres"])
    for name, svc in ipp_services(data).items():
        for key, url in environment(svc).items():
            if key.endswith("_DATABASE_URL"):
                parts = urlsplit(url)
                assert parts.scheme == "postgresql+asyncpg", (name, key)
                assert parts.hostname == "postgres" and parts.port == 5432, (name, key)
                assert parts.username == pg["POSTGRES_USER"], (name, key)
                assert url.split("@")[0].split(":", 2)[2] == pg["POSTGRES_PASSWORD"], (name, key)
                assert depends_on(svc).get("postgres") == "service_healthy" or any(
                    depends_on(data["services"][d]).get("postgres") for d in depends_on(svc)), name


def test_compose_infrastructure():
    data = compose()
    services = data["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft, one node
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert not any(k.startswith("KAFKA_ZOOKEEPER") for k in env)
    script = kafka_init_script(data)
    for topic in TOPICS:
        assert topic in script, f"kafka-init does not create {topic}"
    assert re.match(r"postgres:16\b", services["postgres"]["image"])
    mounts = [str(v) for v in services["postgres"].get("volumes", [])]
    assert any(m.startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/") for m in mounts)
    assert services["otel-collector"]["image"].startswith("otel/opentelemetry-collector-contrib")
    assert "9090:9090" in [str(p) for p in services["prometheus"].get("ports", [])]
    assert "3000:3000" in [str(p) for p in services["grafana"].get("ports", [])]


def test_compose_references_resolve():
    data = compose()
    services = data["services"]
    volumes = set((data.get("volumes") or {}).keys())
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    host_ports = []
    for name, svc in services.items():
        for dep, condition in depends_on(svc).items():
            assert dep in services, f"{name} depends on unknown service {dep}"
            assert condition in conditions, f"{name}: {condition}"
            if condition == "service_healthy":
                assert services[dep].get("healthcheck"), f"{name} waits for {dep} to be healthy; it has no healthcheck"
        for volume in svc.get("volumes", []):
            source = str(volume).split(":", 1)[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).resolve().exists(), f"{name}: bind mount {source} does not exist"
            else:
                assert source in volumes, f"{name}: volume {source} is not declared"
        for port in svc.get("ports", []):
            host_ports.append(str(port).rsplit(":", 1)[0])
        if svc.get("build"):
            assert (ROOT / svc["build"].get("context", ".") / svc["build"]["dockerfile"]).exists(), name
    assert len(host_ports) == len(set(host_ports)), f"host ports published twice: {host_ports}"


# ---------------------------------------------------------------------------------------------
# deploy/Dockerfile
# ---------------------------------------------------------------------------------------------

def test_dockerfile():
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [ln.strip() for ln in re.sub(r"\\\n", " ", text).splitlines()
             if ln.strip() and not ln.strip().startswith("#")]
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", "\n".join(lines), re.M))
    for line in lines:
        if line.upper().startswith("FROM "):
            image = line.split()[1]
            image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
            assert image in {"python:3.11-slim", "node:20-slim"}, line
        if line.upper().startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"COPY source {source} is not in the repository"
    assert re.search(r"pip install \.", text)
    # The dashboard's pinned ECharts (npm ci of the committed lock) lands where the reporting API serves it from.
    assert "npm ci" in text and "services/reporting/dashboard/package-lock.json" in text
    assert re.search(r"COPY --from=assets \S+/echarts/dist\s+\S+/site-packages/services/reporting/dashboard/"
                     r"node_modules/echarts/dist", re.sub(r"\\\n", " ", text))
    users = [ln.split()[1] for ln in lines if ln.upper().startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert [ln for ln in lines if ln.upper().startswith("ENTRYPOINT")][-1] == 'ENTRYPOINT ["ipp"]'
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert "ipp" in scripts
    exposed = {p for ln in lines if ln.upper().startswith("EXPOSE ") for p in ln.split()[1:]}
    for name, svc in ipp_services(compose()).items():
        for key in ("--port", "--metrics-port"):
            port = option(command(svc), key)
            assert port is None or port in exposed, f"{name}: port {port} not in EXPOSE"


# ---------------------------------------------------------------------------------------------
# PostgreSQL init script
# ---------------------------------------------------------------------------------------------

def test_init_script_creates_each_service_database():
    databases = init_databases(INIT_SQL.read_text(encoding="utf-8"))
    for service in discover_services():
        assert service in databases, f"{INIT_SQL.relative_to(ROOT)} does not create {service}"
    data = compose()
    for name, svc in ipp_services(data).items():
        for key, url in environment(svc).items():
            if key.endswith("_DATABASE_URL"):
                assert database_name(url) in databases, f"{name}: {key}"


# ---------------------------------------------------------------------------------------------
# Prometheus and its alert rules
# ---------------------------------------------------------------------------------------------

def test_prometheus_scrapes_every_compose_http_service_and_the_worker():
    data = compose()
    prometheus = load_yaml(PROMETHEUS_FILE)
    targets = scrape_targets(prometheus)
    for name, svc in ipp_services(data).items():
        for key in ("--port", "--metrics-port"):
            port = option(command(svc), key)
            if port:
                assert f"{name}:{port}" in targets, f"prometheus does not scrape {name}:{port}"
    for target in targets:
        host = target.rsplit(":", 1)[0]
        assert host == "localhost" or host in data["services"], f"scrape target {target} is no compose service"
    jobs = [job["job_name"] for job in prometheus["scrape_configs"]]
    assert len(jobs) == len(set(jobs))
    for rule_file in prometheus.get("rule_files", []):
        assert (PROMETHEUS_DIR / rule_file).exists(), rule_file
    mounts = [str(v) for v in data["services"]["prometheus"]["volumes"]]
    assert "./deploy/prometheus:/etc/prometheus:ro" in mounts
    assert "--config.file=/etc/prometheus/prometheus.yml" in command(data["services"]["prometheus"])


def test_alert_rules():
    rules = [r for group in load_yaml(ALERTS_FILE)["groups"] for r in group["rules"]]
    names = [r["alert"] for r in rules]
    assert len(names) == len(set(names))
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        problems = promql_problems(rule["expr"], METRICS | PROMETHEUS_BUILTINS)
        assert not problems, "\n".join(problems)

    def having(metric: str) -> list[str]:
        return [r["expr"] for r in rules if metric in promql_metrics(r["expr"])]

    assert any(re.search(r">\s*300\b", e) for e in having("ipp_outbox_oldest_age_seconds"))
    assert any(re.search(r"\b(increase|rate)\(", e) for e in having("ipp_dead_letters_total"))
    assert having("ipp_consumer_lag")
    assert any('status=~"5.."' in e for e in having("ipp_http_requests_total"))


def test_promtool_accepts_config_and_rules():
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool is not installed (it ships with Prometheus); the YAML checks above still ran")
    for args in (["check", "config", str(PROMETHEUS_FILE)], ["check", "rules", str(ALERTS_FILE)]):
        result = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_fire_in_promtools_unit_tests():
    """tests/deploy/alerts_test.yml: the outbox, dead-letter and target-down alerts stay quiet until
    their ``for:`` has passed, then fire with their labels and rendered annotations."""
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool is not installed (it ships with Prometheus)")
    tests = ROOT / "tests" / "deploy" / "alerts_test.yml"
    result = subprocess.run([promtool, "test", "rules", str(tests)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


# ---------------------------------------------------------------------------------------------
# OpenTelemetry Collector
# ---------------------------------------------------------------------------------------------

def test_otel_collector_config():
    cfg = load_yaml(OTEL_FILE)
    protocols = cfg["receivers"]["otlp"]["protocols"]
    assert {"grpc", "http"} <= set(protocols)
    assert protocols["http"]["endpoint"].endswith(":4318")
    assert {"debug", "prometheus"} <= set(cfg["exporters"])
    for kind in ("receivers", "processors", "exporters"):
        for pipeline, spec in cfg["service"]["pipelines"].items():
            for component in spec.get(kind, []):
                assert component in cfg[kind], f"pipeline {pipeline} uses undefined {kind[:-1]} {component}"
    for extension in cfg["service"].get("extensions", []):
        assert extension in cfg["extensions"]
    exported = any("prometheus" in spec.get("exporters", []) for spec in cfg["service"]["pipelines"].values())
    assert exported
    port = cfg["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
    assert f"otel-collector:{port}" in scrape_targets(load_yaml(PROMETHEUS_FILE))
    svc = compose()["services"]["otel-collector"]
    config_path = option(command(svc), "--config")
    assert f"./deploy/otel/collector.yaml:{config_path}:ro" in [str(v) for v in svc["volumes"]]


# ---------------------------------------------------------------------------------------------
# Grafana: provisioning and dashboards
# ---------------------------------------------------------------------------------------------

def grafana_datasource_uids() -> set[str]:
    uids = set()
    for path in (GRAFANA_DIR / "provisioning" / "datasources").glob("*.y*ml"):
        for ds in load_yaml(path).get("datasources", []):
            uids.add(ds["uid"])
            assert urlsplit(ds["url"]).hostname in compose()["services"], ds["url"]
    return uids


def test_grafana_provisioning_matches_compose():
    svc = compose()["services"]["grafana"]
    mounts = dict(str(v).split(":")[:2] for v in svc["volumes"] if str(v).startswith("./"))
    assert mounts.get("./deploy/grafana/provisioning") == "/etc/grafana/provisioning"
    assert grafana_datasource_uids() == {"prometheus"}
    paths = [p["options"]["path"] for f in (GRAFANA_DIR / "provisioning" / "dashboards").glob("*.y*ml")
             for p in load_yaml(f)["providers"]]
    assert paths and all(p == mounts.get("./deploy/grafana/dashboards") for p in paths), (paths, mounts)
    home = environment(svc).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
    if home:
        assert home.startswith(paths[0] + "/") and (DASHBOARD_DIR / home.rsplit("/", 1)[1]).exists()


def test_dashboards_are_valid_and_use_known_metrics():
    boards = dashboards()
    assert {"platform.json", "kpis.json"} <= set(boards)
    uids = [b["uid"] for b in boards.values()]
    assert len(uids) == len(set(uids))
    datasources = grafana_datasource_uids()
    for file, board in boards.items():
        assert board["title"] and 36 <= board["schemaVersion"] <= 41, file
        variables = {v["name"]: v for v in board.get("templating", {}).get("list", [])}
        ids = [p["id"] for p in all_panels(board["panels"])]
        assert all(isinstance(i, int) for i in ids) and len(ids) == len(set(ids)), f"{file}: panel ids {ids}"
        for panel in all_panels(board["panels"]):
            grid = panel["gridPos"]
            assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24 and grid["h"] > 0, (file, panel["title"])
            if panel["type"] == "row":
                continue
            assert panel["title"] and panel.get("description"), (file, panel["id"])
            assert panel["datasource"]["uid"] in datasources, (file, panel["title"])
            assert panel["targets"], (file, panel["title"])
            for target in panel["targets"]:
                assert target.get("datasource", panel["datasource"])["uid"] in datasources
                problems = promql_problems(target["expr"], METRICS)
                assert not problems, f"{file} / {panel['title']}: " + "\n".join(problems)
                for var in re.findall(r"\$(\w+)", target["expr"]):
                    assert var.startswith("__") or var in variables, f"{file}: ${var} is not a variable"
        for name, var in variables.items():
            if var["type"] == "query":
                query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
                m = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query)
                assert m and m.group(2) in METRICS.get(m.group(1), set()), f"{file}: variable {name}: {query}"


def test_platform_dashboard_covers_the_operators_signals():
    board = dashboards()["platform.json"]
    used = set().union(*(promql_metrics(t["expr"]) for p in all_panels(board["panels"]) for t in p.get("targets", [])))
    assert {"ipp_http_requests_total", "ipp_http_request_duration_seconds_bucket", "ipp_outbox_backlog",
            "ipp_outbox_oldest_age_seconds", "ipp_consumer_lag", "ipp_dead_letters_total"} <= used


def test_kpi_dashboard_has_year_and_city_and_shows_the_province_and_cities():
    board = dashboards()["kpis.json"]
    variables = {v["name"] for v in board["templating"]["list"]}
    assert {"year", "city"} <= variables
    exprs = [t["expr"] for p in all_panels(board["panels"]) for t in p.get("targets", [])]
    kpi_metrics = {m for m in METRICS if m.startswith("ipp_kpi_")}
    assert exprs and all(promql_metrics(e) <= kpi_metrics and "$year" in e for e in exprs)
    assert any('city="420000"' in e for e in exprs), "no panel for the whole province"
    assert any("$city" in e for e in exprs), "no panel by city"


def test_kpi_dashboard_shows_targets_progress_and_status():
    board = dashboards()["kpis.json"]
    used: dict[str, set[str]] = {}
    for panel in all_panels(board["panels"]):
        for t in panel.get("targets", []):
            for metric in promql_metrics(t["expr"]):
                used.setdefault(metric, set()).add(panel["title"])
    for metric in ("ipp_kpi_target", "ipp_kpi_expected", "ipp_kpi_progress_percent", "ipp_kpi_status"):
        assert metric in used, f"no KPI panel shows {metric}"
    # the status is shown as text (value mappings for every code the reporting API exports), not colour alone
    from services.reporting.progress import STATUS_CODES

    status_panels = [p for p in all_panels(board["panels"]) if p.get("title") in used["ipp_kpi_status"]]
    for panel in status_panels:
        text = json.dumps(panel["fieldConfig"], ensure_ascii=False)
        for code in set(STATUS_CODES.values()):
            assert f'"{code}": {{"text"' in text, f"{panel['title']}: no text for status {code}"


# ---------------------------------------------------------------------------------------------
# Kubernetes
# ---------------------------------------------------------------------------------------------

def test_k8s_manifests_parse_and_are_named():
    docs = k8s_documents()
    assert docs
    for path, doc in docs:
        assert doc.get("apiVersion") and doc.get("kind") and doc.get("metadata", {}).get("name"), path.name


def test_kustomization_lists_every_manifest():
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    listed = kustomization["resources"]
    files = sorted(p.name for p in K8S_DIR.glob("*.y*ml") if not p.name.startswith("kustomization."))
    assert sorted(listed) == files, f"kustomization lists {sorted(listed)}, the folder has {files}"
    assert kustomization.get("namespace") == "ipp"
    assert [d["metadata"]["name"] for d in k8s_kind("Namespace")] == ["ipp"]
    images = {i["name"] for i in kustomization.get("images", [])}
    for dep in k8s_kind("Deployment"):
        for c in pod_spec(dep)["containers"] + pod_spec(dep).get("initContainers", []):
            assert c["image"] in images, f"{dep['metadata']['name']}/{c['name']}: image {c['image']} not in images"


def _assert_resources(owner: str, container: dict) -> None:
    res = container.get("resources") or {}
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(res.get(kind) or {}), f"{owner}/{container['name']}: resources.{kind}"


def _probe_port_ok(container: dict, probe: dict) -> bool:
    port = probe["httpGet"]["port"]
    ports = container.get("ports", [])
    return port in {p.get("name") for p in ports} | {p["containerPort"] for p in ports}


def test_every_deployment_has_probes_resources_and_runs_unprivileged():
    deployments = k8s_kind("Deployment")
    assert deployments
    for dep in deployments:
        name = dep["metadata"]["name"]
        spec = pod_spec(dep)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for container in spec["containers"]:
            for probe in ("livenessProbe", "readinessProbe"):
                assert container.get(probe), f"{name}/{container['name']} has no {probe}"
                if "httpGet" in container[probe]:
                    assert _probe_port_ok(container, container[probe]), f"{name}: {probe} port"
            _assert_resources(name, container)
        for container in spec.get("initContainers", []):
            _assert_resources(name, container)
        selector = dep["spec"]["selector"]["matchLabels"]
        assert selector.items() <= dep["spec"]["template"]["metadata"]["labels"].items(), name


@pytest.mark.parametrize("service", discover_services())
def test_service_is_deployed_in_k8s(service):
    deployments = k8s_deployments_running("serve", service)
    assert deployments, f"no Deployment in deploy/k8s runs `serve {service}`"


def test_k8s_http_deployments():
    deployments = k8s_deployments_running("serve")
    assert deployments
    for dep in deployments:
        name = dep["metadata"]["name"]
        container = main_container(dep)
        service = container_args(container)[1]
        assert (SERVICES_DIR / service).is_dir(), f"{name}: services/{service}/ does not exist"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        inits = pod_spec(dep).get("initContainers", [])
        assert any(container_args(c) == ["migrate", service] and c["image"] == container["image"] for c in inits), \
            f"{name}: no init container runs `migrate {service}`"
        port_arg = option(container_args(container), "--port")
        assert port_arg is not None, name
        port = int(port_arg)
        assert port in [p["containerPort"] for p in container["ports"]], name


def test_k8s_reporting_worker_is_a_single_replica():
    workers = k8s_deployments_running("worker", "reporting")
    assert len(workers) == 1
    spec = workers[0]["spec"]
    assert spec["replicas"] == 1 and spec["strategy"]["type"] == "Recreate"
    container = main_container(workers[0])
    port_arg = option(container_args(container), "--metrics-port")
    assert port_arg is not None
    port = int(port_arg)
    assert port in [p["containerPort"] for p in container["ports"]]


def test_k8s_services_select_a_deployment():
    deployments = k8s_kind("Deployment")
    for svc in k8s_kind("Service"):
        selector = svc["spec"]["selector"]
        matches = [d for d in deployments if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(matches) == 1, f"Service {svc['metadata']['name']} selects {len(matches)} Deployments"
        names = {p.get("name") for p in main_container(matches[0]).get("ports", [])}
        numbers = {p["containerPort"] for p in main_container(matches[0]).get("ports", [])}
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in names | numbers, svc["metadata"]["name"]


def test_k8s_config_and_secret_references_resolve():
    configmaps = {d["metadata"]["name"]: set(d.get("data") or {}) for d in k8s_kind("ConfigMap")}
    secrets = {d["metadata"]["name"]: set(d.get("stringData") or {}) | set(d.get("data") or {})
               for d in k8s_kind("Secret")}
    for dep in k8s_kind("Deployment"):
        spec = pod_spec(dep)
        for c in spec["containers"] + spec.get("initContainers", []):
            owner = f"{dep['metadata']['name']}/{c['name']}"
            for src in c.get("envFrom", []):
                if "configMapRef" in src:
                    assert src["configMapRef"]["name"] in configmaps, owner
                if "secretRef" in src:
                    assert src["secretRef"]["name"] in secrets, owner
            names = {e["name"] for e in c.get("env", [])}
            for src in c.get("envFrom", []):
                ref = src.get("configMapRef") or src.get("secretRef")
                names |= configmaps.get(ref["name"], set()) | secrets.get(ref["name"], set())
            for e in c.get("env", []):
                ref = (e.get("valueFrom") or {})
                if "secretKeyRef" in ref:
                    assert ref["secretKeyRef"]["key"] in secrets.get(ref["secretKeyRef"]["name"], set()), (owner, e)
                if "configMapKeyRef" in ref:
                    assert ref["configMapKeyRef"]["key"] in configmaps.get(ref["configMapKeyRef"]["name"], set())
            args = container_args(c)
            if args[:1] in (["serve"], ["migrate"], ["worker"]):
                for needed in ("IPP_ENV", "IPP_JWT_SECRET", "KAFKA_BOOTSTRAP_SERVERS", database_env(args[1])):
                    assert needed in names, f"{owner} gets no {needed}"


def test_k8s_config_is_production_and_secrets_are_placeholders():
    config = {k: v for d in k8s_kind("ConfigMap") for k, v in (d.get("data") or {}).items()}
    assert config["IPP_ENV"] == "production"
    assert not any("SECRET" in k or "PASSWORD" in k or "DATABASE_URL" in k for k in config), \
        "secrets belong in the Secret, not the ConfigMap"
    databases = set(discover_services()) | {args[1] for d in k8s_kind("Deployment")
                                             for args in [container_args(main_container(d))]}
    for secret in k8s_kind("Secret"):
        values = secret.get("stringData") or {}
        assert values, "the Secret template uses stringData"
        for key, value in values.items():
            assert "REPLACE_ME" in value, f"{key} in the Secret template is not clearly a placeholder"
        for service in databases:
            url = values.get(database_env(service))
            assert url and database_name(url) == service, f"Secret has no {database_env(service)} for {service}"


# ---------------------------------------------------------------------------------------------
# docs and the real CLI
# ---------------------------------------------------------------------------------------------

def test_deployment_doc_names_every_container():
    text = DOCS.read_text(encoding="utf-8")
    for name in compose()["services"]:
        assert f"`{name}`" in text, f"docs/deployment.md does not describe the {name} container"
    assert "tests/deploy" in text


def _docker_compose_cli() -> str:
    docker = shutil.which("docker")
    if not docker:
        pytest.skip("the docker CLI is not installed")
    try:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"`docker compose version` could not run: {exc}")
    if probe.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin (`docker compose version` failed: "
                    f"{(probe.stderr or probe.stdout).strip()[:200]})")
    return docker


def test_docker_compose_config_renders():
    docker = _docker_compose_cli()
    env = {**os.environ, "IPP_JWT_SECRET": "test-only-" + "k" * 40}
    ok = subprocess.run([docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT, env=env,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    env.pop("IPP_JWT_SECRET")
    refused = subprocess.run([docker, "compose", "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0 and "IPP_JWT_SECRET" in refused.stderr
