"""Enterprise → Kafka → reporting, end to end, with real processes and the real broker.

Each test starts from a quiescent platform and ends by waiting for the exact values it caused.
"""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from datetime import date

import httpx
import pytest
from httpx_sse import connect_sse

from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from tests.e2e.conftest import ADMIN, BrokerLink, indicator_values, make_platform, url, wait_for_values

pytestmark = pytest.mark.e2e
YEAR = 2024


def designate(plat, city: str, tier: str, n: int, on: date = date(YEAR, 5, 1)) -> list[str]:
    """Register n enterprises in ``city`` and have the province designate them ``tier``."""
    officer = token("city-officer", city=city)
    usccs = []
    with EnterpriseClient(url(plat, "enterprise"), officer) as c, EnterpriseClient(url(plat, "enterprise"), ADMIN) as a:
        for i in range(n):
            e = c.create_enterprise(EnterpriseCreate(
                uscc=random_uscc(city), name=f"端到端测试企业{i}号有限公司", industry="P1", size_class="small",
                ownership="private"))
            rec = c.recommend_tier(e.uscc, tier, "测试推荐")
            a.approve_recommendation(rec.id, on, "经专家评审、网上公示无异议，省局同意认定")
            usccs.append(e.uscc)
    return usccs


def plus(before: dict, key: tuple[str, str], n: int) -> str:
    return str(int(before.get(key, "0")) + n)


def test_sse_stream_delivers_new_values(platform):
    city = "420500"
    before = indicator_values(platform, YEAR)
    events: list[dict] = []
    stop = threading.Event()

    def listen():
        try:
            _listen()
        except httpx.HTTPError:  # the platform stopped while we were still listening
            pass

    def _listen():
        with httpx.Client(timeout=httpx.Timeout(5, read=30)) as http:
            with connect_sse(http, "GET", f"{url(platform, 'reporting')}/api/v1/indicators/stream",
                             params={"year": YEAR, "city": city, "access_token": ADMIN}) as source:
                for sse in source.iter_sse():
                    if not sse.data:  # keep-alive ping
                        continue
                    events.append({"event": sse.event, "data": json.loads(sse.data)})
                    if stop.is_set():
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.05)
    assert events and events[0]["event"] == "snapshot"
    assert {r["indicator"] for r in events[0]["data"]} >= {"tier_advantage", "tier_seed", "tier_growth"}

    designate(platform, city, "seed", 3)
    want = plus(before, ("tier_seed", city), 3)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(e["event"] == "kpi" and e["data"]["indicator"] == "tier_seed" and e["data"]["city"] == city
               and e["data"]["value"] == want for e in events):
            break
        time.sleep(0.1)
    stop.set()
    kpis = [e["data"] for e in events if e["event"] == "kpi"]
    assert any(k["indicator"] == "tier_seed" and k["value"] == want for k in kpis), kpis
    assert all(k["city"] == city and k["year"] == YEAR for k in kpis)
    wait_for_values(platform, YEAR, {("tier_seed", city): want,
                                     ("tier_seed", "420000"): plus(before, ("tier_seed", "420000"), 3)})


def test_broker_outage_loses_nothing_and_counts_nothing_twice(platform):
    city = "420600"
    before = indicator_values(platform, YEAR)
    platform.link.cut()
    try:
        usccs = designate(platform, city, "growth", 10)  # the API keeps acknowledging writes
        with EnterpriseClient(url(platform, "enterprise"), ADMIN) as a:
            for uscc in usccs[:2]:
                a.promote(uscc, "seed", date(YEAR, 9, 1), "测试晋级")
        deadline = time.monotonic() + 20
        while True:
            ready = httpx.get(f"{url(platform, 'enterprise')}/readyz", timeout=10)
            if ready.status_code == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        metrics = httpx.get(f"{url(platform, 'enterprise')}/metrics", timeout=5).text
        backlog = [line for line in metrics.splitlines() if line.startswith("ipp_outbox_backlog")]
    finally:
        platform.link.restore()
    assert ready.status_code == 503 and ready.json()["checks"]["broker"] == "unreachable"
    assert backlog and float(backlog[0].split()[-1]) > 0, backlog
    expected = {("tier_growth", city): plus(before, ("tier_growth", city), 8),
                ("tier_seed", city): plus(before, ("tier_seed", city), 2),
                ("tier_growth", "420000"): plus(before, ("tier_growth", "420000"), 8)}
    wait_for_values(platform, YEAR, expected, timeout=120)
    time.sleep(3)  # anything duplicated would land by now
    assert {k: indicator_values(platform, YEAR)[k] for k in expected} == expected


def test_republished_outbox_changes_nothing(platform):
    city = "420800"
    start = indicator_values(platform, YEAR)
    designate(platform, city, "advantage", 2)
    before = wait_for_values(platform, YEAR, {("tier_advantage", city): plus(start, ("tier_advantage", city), 2)})
    out = subprocess.run([sys.executable, "-m", "ipp.cli", "replay", "enterprise"], env=platform.env(),
                         capture_output=True, text=True, check=True)
    replayed = int(out.stdout.split()[0])
    assert replayed >= 2
    metrics_url = f"http://127.0.0.1:{platform.worker_metrics_port}/metrics"
    deadline = time.monotonic() + 60
    dup = 0.0
    while time.monotonic() < deadline:
        dup = sum(float(line.split()[-1]) for line in httpx.get(metrics_url).text.splitlines()
                  if line.startswith("ipp_consumer_events_total{") and 'outcome="duplicate"' in line)
        if dup >= replayed:
            break
        time.sleep(0.3)
    assert dup >= replayed, f"only {dup} of {replayed} republished events reached the worker"
    assert indicator_values(platform, YEAR) == before


def test_malformed_event_is_dead_lettered_and_worker_carries_on(platform):
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    async def poison_and_read_dlq() -> list:
        producer = AIOKafkaProducer(bootstrap_servers=platform.bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("ipp.enterprise.events", b"{not json", key=b"poison",
                                         headers=[("ce_id", b"poison-1"),
                                                  ("ce_type", b"ipp.enterprise.tier.designated.v1"),
                                                  ("ce_source", b"/tests")])
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer("ipp.dlq", bootstrap_servers=platform.bootstrap, group_id=None,
                                    auto_offset_reset="earliest")
        await consumer.start()
        found: list[dict[str, bytes]] = []
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and {h["dlq_consumer"] for h in found} < CONSUMERS:
                batch = await consumer.getmany(timeout_ms=500)
                for msgs in batch.values():
                    found += [dict(m.headers) for m in msgs if m.key == b"poison"]
        finally:
            await consumer.stop()
        return found

    # every consumer of the topic dead-letters it: the reporting worker, each programme service's
    # enterprise read model and finance's read model of the credit register
    services = ("finance", "protection", "transfer", "training")
    CONSUMERS = {b"reporting-indicators", b"finance-credit-entries",
                 *(f"{s}-known-enterprises".encode() for s in services)}
    found = asyncio.run(poison_and_read_dlq())
    assert found, "the malformed event never reached ipp.dlq"
    assert {h["dlq_consumer"] for h in found} == CONSUMERS
    assert all(b"JSON" in h["dlq_error"] or b"Expecting" in h["dlq_error"] for h in found)
    city = "420900"
    before = indicator_values(platform, YEAR)
    designate(platform, city, "seed", 1)
    wait_for_values(platform, YEAR, {("tier_seed", city): plus(before, ("tier_seed", city), 1)})


def test_worker_killed_with_sigkill_values_stay_exact(platform):
    city = "420700"
    before = indicator_values(platform, YEAR)
    writer = threading.Thread(target=designate, args=(platform, city, "growth", 20))
    writer.start()
    time.sleep(1.0)
    platform.procs["reporting-worker"].kill()  # mid-stream, as a crash
    writer.join()
    platform.restart("reporting-worker")
    assert platform.wait_ready(names=["reporting-worker"], timeout=60)["reporting-worker"]
    designate(platform, city, "advantage", 2)
    expected = {("tier_growth", city): plus(before, ("tier_growth", city), 20),
                ("tier_advantage", city): plus(before, ("tier_advantage", city), 2)}
    wait_for_values(platform, YEAR, expected, timeout=120)
    time.sleep(3)
    assert {k: indicator_values(platform, YEAR)[k] for k in expected} == expected


def test_second_start_with_an_empty_broker_restores_exact_values(platform):
    """Ctrl-C and ``ipp up`` again: the broker comes back empty, the SQLite data stays."""
    city = "421000"
    start = indicator_values(platform, YEAR)
    designate(platform, city, "seed", 2)
    before = wait_for_values(platform, YEAR, {("tier_seed", city): plus(start, ("tier_seed", city), 2)})
    platform.stop_all()
    platform.link.stop()

    link = BrokerLink(platform.tmp)
    link.broker_port, link.proxy_port = platform.link.broker_port, platform.link.proxy_port
    link.broker.port, link.broker.advertised_port = link.broker_port, link.proxy_port
    link.proxy.args[-2:] = [str(link.proxy_port), str(link.broker_port)]
    link.start()
    second = make_platform(platform.tmp, link, replay=True)
    second.ports, second.worker_metrics_port = platform.ports, platform.worker_metrics_port
    platform.link = link
    platform.procs = {}
    try:
        second.start_broker()
        second.migrate()
        second.start_all()
        assert all(second.wait_ready(timeout=120).values())
        time.sleep(5)  # the replay flows through the fresh broker into the worker
        assert indicator_values(second, YEAR) == before
        designate(second, city, "seed", 1)
        wait_for_values(second, YEAR, {("tier_seed", city): plus(before, ("tier_seed", city), 1)})
    finally:
        second.stop_all()
