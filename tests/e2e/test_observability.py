"""The operators' tools, proven against the running platform (every service its own process, the real
broker behind the cuttable proxy):

- a real Prometheus scrapes every process with the scrape config from deploy/ and evaluates every
  PromQL expression of every Grafana panel in deploy/grafana/dashboards/: each returns series;
- the alert rules of deploy/prometheus/alerts.yml, with expressions unchanged, fire when the broker
  is cut (publish failures, then the outbox backlog alert);
- one trace: every process exports its spans over OTLP/HTTP to a receiver run here, and a single
  trace id runs from ``POST /api/v1/pledges`` on finance through the outbox relay, the Kafka hop
  and the stream worker to the ``kpi.updated`` publication and the reporting API that streams it.
"""
from __future__ import annotations

import sqlite3
import subprocess
import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest

from libs.common.broker import free_port
from libs.common.clock import today
from libs.common.db import utcnow
from libs.common.identifiers import patent_check_char
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import FinanceClient
from services.finance.schemas import PledgeCreate, PledgedItemIn
from tests.e2e.conftest import ADMIN, PORT_BASE, BrokerLink, make_platform, url
from tests.e2e.otlp import OtlpReceiver, Span
from tests.e2e.promserver import (
    PROMETHEUS_DIR,
    Prometheus,
    fast_rules,
    grafana_exprs,
    promtool_binary,
    scrape_config,
    variable_queries,
)
from tests.e2e.test_finance import wait_known
from tests.e2e.test_slice import designate

pytestmark = pytest.mark.e2e
YEAR = today().year  # the KPI gauges the reporting API exports are this year's
CITY = "420500"  # 宜昌市
#: Values for Grafana's variables: "All" for the multi-value ones, this year for ``$year``.
GRAFANA_VALUES = {"year": str(YEAR), "city": ".*", "service": ".*", "__rate_interval": "1m",
                  "__interval": "15s", "__range": "10m"}
#: Every process of the platform, as its spans name it (``service.name``).
PROCESSES = {"ipp-enterprise", "ipp-finance", "ipp-protection", "ipp-transfer", "ipp-training",
             "ipp-reporting", "ipp-reporting-worker"}


@pytest.fixture(scope="module")
def receiver():
    with OtlpReceiver(free_port(PORT_BASE + 1600)) as rx:
        yield rx


@pytest.fixture(scope="module")
def plat(tmp_path_factory, receiver):
    tmp = tmp_path_factory.mktemp("observability")
    link = BrokerLink(tmp)
    link.start()
    p = make_platform(tmp, link)
    p.extra_env.update({"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200",
                        "IPP_BROKER_CHECK_INTERVAL": "1"})
    p.link = link  # type: ignore[attr-defined]
    p.tmp = tmp  # type: ignore[attr-defined]
    try:
        p.start_broker()
        p.migrate()
        p.start_all()
        assert all(p.wait_ready(timeout=120).values())
        yield p
    finally:
        p.stop_all()
        link.stop()


@pytest.fixture(scope="module")
def prom(plat):
    work = plat.tmp / "prometheus"
    work.mkdir()
    rules = fast_rules(PROMETHEUS_DIR / "alerts.yml", work / "alerts.fast.yml")
    port = free_port(PORT_BASE + 1500)
    config, dropped = scrape_config(plat, port, [rules])
    assert dropped == ["otel-collector"], f"jobs of deploy/prometheus with no e2e process: {dropped}"
    server = Prometheus(port, work, config)
    promtool = promtool_binary()
    assert promtool, "promtool is not installed (make system installs the prometheus package)"
    for args in (["check", "config", str(server.config_file)], ["check", "rules", str(rules)]):
        checked = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    server.start()
    try:
        deadline = time.monotonic() + 60
        while True:
            targets = server.targets()
            down = [(t["labels"]["job"], t.get("lastError")) for t in targets if t["health"] != "up"]
            if len(targets) == len(config["scrape_configs"]) and not down:
                break
            assert time.monotonic() < deadline, f"targets not up: {down}"
            time.sleep(0.5)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def traffic(plat):
    """A few writes through the clients: an enterprise designated a tier, a pledge (the KPI gauges of
    the reporting API are there from its start; these make counters, lag and published events), and a
    city target (the province's targets are seeded; a city's are set by the province)."""
    r = httpx.put(f"{url(plat, 'reporting')}/api/v1/targets/{YEAR}", headers={"Authorization": f"Bearer {ADMIN}"},
                  json={"source": "可观测性测试", "targets": [
                      {"indicator": "pledge_amount", "city": CITY, "value": "1000000"}]}, timeout=30)
    assert r.status_code == 200, r.text
    designate(plat, CITY, "advantage", 1, on=today())
    register_pledge(plat, borrower(plat), f"OBS-T-{time.time_ns()}")


# ---------------------------------------------------------------------------------------------
# one trace
# ---------------------------------------------------------------------------------------------

def patent() -> str:
    """A fresh invention application number with its check character."""
    digits = f"20251{time.time_ns() // 1000 % 10**7:07d}"
    return f"{digits}.{patent_check_char(digits)}"


def register_pledge(plat, uscc: str, contract: str) -> None:
    with FinanceClient(url(plat, "finance"), token("bank", org="YICHANG-BANK")) as bank:
        bank.register_pledge(PledgeCreate(
            uscc=uscc, contract_no=contract, amount=Decimal("250000"), registration_date=today(),
            term_months=12, annual_rate=Decimal("3.1"), items=[PledgedItemIn(kind="patent", number=patent())]))


def borrower(plat) -> str:
    with EnterpriseClient(url(plat, "enterprise"), token("city-officer", city=CITY)) as c:
        uscc = c.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌观测测试科技有限公司", industry="P1", size_class="small",
            ownership="private")).uscc
    wait_known(plat, uscc)
    return uscc


def chain(spans: list[Span], leaf: Span) -> list[Span]:
    """``leaf`` and its ancestors, root last (stops where a parent is missing)."""
    by_id = {s.span_id: s for s in spans}
    out = [leaf]
    while out[-1].parent_id and out[-1].parent_id in by_id:
        out.append(by_id[out[-1].parent_id])
    return out


def test_one_trace_runs_from_the_post_to_the_kpi_update(plat, receiver):
    uscc = borrower(plat)
    contract = f"OBS-{time.time_ns()}"
    register_pledge(plat, uscc, contract)

    def the_post() -> Span | None:
        posts = [s for s in receiver.spans() if s.service == "ipp-finance" and s.kind == "server"
                 and s.name == "POST /api/v1/pledges"]
        return posts[-1] if posts else None

    deadline = time.monotonic() + 60
    while True:
        post = the_post()
        spans = [s for s in receiver.spans() if post and s.trace_id == post.trace_id]
        kpi = [s for s in spans if s.service == "ipp-reporting-worker" and s.kind == "producer"
               and s.attributes.get("cloudevents.event_type") == "ipp.reporting.kpi.updated.v1"]
        live = [s for s in spans if s.service == "ipp-reporting" and s.name == "consume reporting-live"]
        if kpi and live:
            break
        assert time.monotonic() < deadline, (
            f"no complete trace: POST span {post}; its trace: "
            f"{sorted((s.service, s.name) for s in spans)}; {receiver.requests} OTLP requests")
        time.sleep(0.3)
    assert post is not None
    path = chain(spans, live[-1])
    names = [(s.service, s.kind, s.name) for s in reversed(path)]
    print("the trace", post.trace_id, *names, sep="\n  ")
    assert path[-1] is post and not post.parent_id, names  # one unbroken line back to the request
    hops = [(s.service, s.kind) for s in reversed(path) if s.kind in ("server", "producer", "consumer")]
    assert hops == [("ipp-finance", "server"), ("ipp-finance", "producer"), ("ipp-reporting-worker", "consumer"),
                    ("ipp-reporting-worker", "producer"), ("ipp-reporting", "consumer")], names
    finance_publish = next(s for s in path if s.service == "ipp-finance" and s.kind == "producer")
    assert finance_publish.attributes["messaging.destination.name"] == "ipp.finance.events"
    assert finance_publish.attributes["cloudevents.event_type"].startswith("ipp.finance.pledge.")
    kpi_publish = next(s for s in path if s.service == "ipp-reporting-worker" and s.kind == "producer")
    assert kpi_publish.attributes["messaging.destination.name"] == "ipp.reporting.kpi-updates"
    fold = next(s for s in path if s.service == "ipp-reporting-worker" and s.kind == "consumer")
    assert fold.name == "process ipp.finance.pledge.registered.v1", names
    assert fold.attributes["messaging.consumer.group.name"] == "reporting-indicators"
    # every process exports (the enterprise write above and the start-up requests reach each one)
    deadline = time.monotonic() + 30
    while not PROCESSES <= {s.service for s in receiver.spans()}:
        assert time.monotonic() < deadline, f"no spans from {PROCESSES - {s.service for s in receiver.spans()}}"
        time.sleep(0.5)


# ---------------------------------------------------------------------------------------------
# Grafana's queries in a real Prometheus
# ---------------------------------------------------------------------------------------------

def test_every_grafana_panel_query_returns_series(plat, prom, traffic):
    exprs = grafana_exprs(GRAFANA_VALUES)
    assert len(exprs) >= 20, exprs
    deadline = time.monotonic() + 180
    empty: list[tuple[str, str, str]] = exprs
    while True:
        empty = [(board, panel, expr) for board, panel, expr in empty if not prom.query(expr)]
        if not empty:
            break
        assert time.monotonic() < deadline, "panels whose query returns no series:\n" + "\n".join(
            f"  {board} / {panel}: {expr}" for board, panel, expr in empty)
        time.sleep(2)
    print(f"{len(exprs)} panel queries of {len({b for b, _, _ in exprs})} dashboards return series")
    # and the values are the platform's: the pledge written above is in its city's bar
    pledged = next(expr for _, panel, expr in exprs if 'indicator="pledge_amount"' in expr and "by (city)" in expr)
    deadline = time.monotonic() + 60
    while not any(r["metric"].get("city") == CITY and float(r["value"][1]) >= 250000 for r in prom.query(pledged)):
        assert time.monotonic() < deadline, prom.query(pledged)
        time.sleep(1)
    for board, name, metric, label in variable_queries():
        values = prom.api(f"label/{label}/values", **{"match[]": metric})
        assert values, f"{board}: variable ${name} (label_values({metric}, {label})) has no values"
        if name in GRAFANA_VALUES and GRAFANA_VALUES[name] != ".*":
            assert GRAFANA_VALUES[name] in values, (name, values)


# ---------------------------------------------------------------------------------------------
# alerts
# ---------------------------------------------------------------------------------------------

def alert_states(prom: Prometheus) -> dict[tuple[str, str], str]:
    return {(a["labels"]["alertname"], a["labels"].get("service", "")): a["state"] for a in prom.alerts()}


def wait_alert(prom: Prometheus, name: str, service: str, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while True:
        state = alert_states(prom).get((name, service))
        if state == "firing":
            return state
        assert time.monotonic() < deadline, f"{name}{{service={service}}} not firing: {alert_states(prom)}"
        time.sleep(0.5)


def backdate_unpublished(plat, service: str, seconds: float) -> int:
    """Make the unpublished outbox rows of ``service`` look ``seconds`` older (instead of waiting
    that long with the broker cut: the alert's threshold is 300 s)."""
    with sqlite3.connect(plat.var_dir / f"{service}.db", timeout=30) as db:
        rows = db.execute("SELECT id, created_at FROM outbox WHERE published_at IS NULL").fetchall()
        old = (utcnow() - timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute("UPDATE outbox SET created_at = ? WHERE published_at IS NULL", (old,))
    return len(rows)


def test_the_outbox_alerts_fire_when_the_broker_is_cut(plat, prom):
    assert not any(state == "firing" for (name, _), state in alert_states(prom).items()
                   if name.startswith("IppOutbox")), alert_states(prom)
    plat.link.cut()
    try:
        with EnterpriseClient(url(plat, "enterprise"), token("city-officer", city=CITY)) as c:
            c.create_enterprise(EnterpriseCreate(
                uscc=random_uscc(CITY), name="宜昌断网告警测试有限公司", industry="P1", size_class="small",
                ownership="private"))
        wait_alert(prom, "IppOutboxPublishFailing", "enterprise")
        backlog = prom.query('ipp_outbox_backlog{service="enterprise"}')
        assert backlog and float(backlog[0]["value"][1]) >= 1, backlog
        assert backdate_unpublished(plat, "enterprise", 360) >= 1
        wait_alert(prom, "IppOutboxStalled", "enterprise")
    finally:
        plat.link.restore()
    deadline = time.monotonic() + 90
    while alert_states(prom).get(("IppOutboxStalled", "enterprise")):
        assert time.monotonic() < deadline, f"the backlog alert did not resolve: {alert_states(prom)}"
        time.sleep(0.5)
    assert float(prom.query('ipp_outbox_backlog{service="enterprise"}')[0]["value"][1]) == 0
