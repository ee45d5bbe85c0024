"""Scale-out on the distributed path: two replicas of the transfer service and two reporting workers
on PostgreSQL, against the same topics of the embedded broker.

Both transfer processes serve one database (two ports); both workers are in the one consumer group
``ipp-reporting`` and fold into one reporting database; the reporting API reads it. Records are
written through both replicas at once (typed clients, bulk and single, some cancelled); one worker is
killed (SIGKILL) while the writes go on, so the group hands its partitions to the survivor. Then:

* the domain topic holds every outbox event exactly once (two relays on one outbox table do not
  publish a row twice: the relay's advisory lock);
* the indicators API shows exactly the values of a direct fold of the outbox (``truth.py``);
* the last value each indicator had on the SSE stream is that value too (two workers' overlapping
  folds do not publish a sum missing the other's deltas: ``kpi.serialize_fold``).

The topics have three partitions (``IPP_TOPIC_PARTITIONS``), so the two workers share the work; the
test shows that each of them folded events before the kill (their ``/metrics``).
"""
from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from ipp.launcher import Platform, Proc
from libs.common.broker import EmbeddedBroker, free_port
from libs.common.divisions import CITIES
from libs.common.identifiers import patent_check_char
from libs.common.testing import POSTGRES_ENV, postgres_database, token
from services.reporting.indicators import PROVINCE
from services.reporting.indicators.transfer import INDICATORS as TRANSFER_INDICATORS
from services.transfer.client import TransferClient
from tests.e2e.conftest import PORT_BASE, indicator_values
from tests.e2e.test_reporting import Stream
from tests.e2e.truth import ground_truth, outbox_events_at

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(not os.environ.get(POSTGRES_ENV),
                                 reason=f"replicas share a PostgreSQL database: set {POSTGRES_ENV}")]
YEAR = 2025
TOPIC = "ipp.transfer.events"
CODES = {i.code for i in TRANSFER_INDICATORS}
ROUNDS_BEFORE, ROUNDS_AFTER, BULK = 4, 6, 30


class Layout:
    """The broker, two transfer replicas, two workers and the reporting API on two PostgreSQL databases."""

    def __init__(self, tmp: Path, transfer_db: str, reporting_db: str) -> None:
        self.tmp = tmp
        self.transfer_db, self.reporting_db = transfer_db, reporting_db
        self.broker = EmbeddedBroker(port=free_port(PORT_BASE + 1500), log_path=tmp / "broker.log")
        self.procs: dict[str, Proc] = {}

    def env(self) -> dict[str, str]:
        return {**os.environ, "IPP_VAR_DIR": str(self.tmp / "var"), "PYTHONUNBUFFERED": "1",
                "KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap, "IPP_OUTBOX_POLL_INTERVAL": "0.5",
                "IPP_TRANSFER_DATABASE_URL": self.transfer_db, "IPP_REPORTING_DATABASE_URL": self.reporting_db,
                # no reconciler: a lost event must show as a wrong value, not be healed by a replay
                "IPP_REPORTING_RECONCILE_INTERVAL": "0"}

    def start(self) -> None:
        (self.tmp / "var").mkdir()
        self.broker.start()
        env = self.env()
        for service in ("transfer", "reporting"):
            subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", service], env=env, check=True,
                           stdout=subprocess.DEVNULL)
        port = PORT_BASE + 1510
        for name in ("transfer-a", "transfer-b", "reporting"):
            port = free_port(port + 1)
            service = name.split("-")[0]
            self.procs[name] = Proc(name, [sys.executable, "-m", "ipp.cli", "serve", service, "--port", str(port)],
                                    env, self.tmp / f"{name}.log", f"http://127.0.0.1:{port}/readyz")
        for name in ("worker-a", "worker-b"):
            port = free_port(port + 1)
            var = self.tmp / name  # as on two hosts: only the database and the broker are shared
            var.mkdir()
            self.procs[name] = Proc(name, [sys.executable, "-m", "ipp.cli", "worker", "reporting",
                                           "--metrics-port", str(port)],
                                    {**env, "IPP_VAR_DIR": str(var)}, self.tmp / f"{name}.log",
                                    f"http://127.0.0.1:{port}/metrics")
        # the launcher's platform waits for them and stops them (and the broker)
        reporting_port = int(self.url("reporting").rsplit(":", 1)[1])
        self.launcher = Platform(var_dir=self.tmp / "var", ports={"reporting": reporting_port}, quiet=True,
                                 broker=self.broker, procs=self.procs)
        for proc in self.procs.values():
            proc.start()
        status = self.launcher.wait_ready(timeout=120)
        assert all(status.values()), f"not ready: {status}"

    def stop(self) -> None:
        if hasattr(self, "launcher"):
            self.launcher.stop_all()
        else:
            self.broker.stop()

    def url(self, name: str) -> str:
        return self.procs[name].ready_url.rsplit("/", 1)[0]

    def applied(self, worker: str) -> int:
        """Events this worker folded (its ``ipp_consumer_events_total{outcome="applied"}``)."""
        text = httpx.get(self.procs[worker].ready_url, timeout=5).text
        return int(sum(float(m.group(1)) for m in re.finditer(
            r'^ipp_consumer_events_total\{[^}]*outcome="applied"[^}]*\} (\S+)$', text, re.M)))

    @property
    def platform(self) -> Platform:
        """For the e2e helpers (``indicator_values``, ``Stream``): they read ``ports["reporting"]``."""
        return self.launcher


@pytest.fixture
def layout(tmp_path):
    with postgres_database("e2e_transfer") as transfer_db, postgres_database("e2e_reporting") as reporting_db:
        lay = Layout(tmp_path, transfer_db, reporting_db)
        try:
            lay.start()
            yield lay
        finally:
            lay.stop()


def patent(rng: random.Random) -> str:
    digits = f"2023{rng.choice('12')}{rng.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def record(rng: random.Random, ref: str) -> dict:
    """A university's transfer or licence to a company of another province (no enterprise registry needed)."""
    return {"ref": ref, "kind": rng.choice(["assignment", "ordinary_licence", "exclusive_licence"]),
            "patents": [patent(rng) for _ in range(rng.randint(1, 3))],
            "from": {"kind": rng.choice(["university", "institute"]), "name": "湖北某高校",
                     "city": rng.choice(list(CITIES))},
            "to": {"kind": "other_enterprise", "name": "外省某科技有限公司", "region": "other_province"},
            "contract_date": f"{YEAR}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}


def write(base_url: str, name: str, rounds: int, errors: list[BaseException]) -> None:
    """``rounds`` times: a bulk of records, one record alone, and every other round a cancellation."""
    rng = random.Random(f"{name}-{uuid.uuid4()}")
    tag = uuid.uuid4().hex[:8]
    try:
        with TransferClient(base_url, token("province-admin")) as tc:
            for r in range(rounds):
                bulk = tc.bulk_transfers([record(rng, f"SO-{tag}-{r}-{i}") for i in range(BULK)])
                assert bulk.rejected == 0, bulk.errors
                tc.create_transfer(record(rng, f"SO-{tag}-{r}-single"))
                if r % 2:
                    first = bulk.ids[0]
                    assert first is not None
                    tc.cancel_transfer(first, "合同解除，登记撤销")
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)


def write_through_both(lay: Layout, rounds: int, during=None) -> None:
    errors: list[BaseException] = []
    threads = [threading.Thread(target=write, args=(lay.url(name), name, rounds, errors))
               for name in ("transfer-a", "transfer-b")]
    for t in threads:
        t.start()
    if during is not None:
        during()
    for t in threads:
        t.join(300)
    assert not errors, errors


def topic_event_ids(bootstrap: str, expected: int, timeout: float = 60) -> Counter:
    """How often each event id is on the transfer topic (read from the start until ``expected`` records
    are in and the topic has been quiet for a moment)."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> Counter:
        consumer = AIOKafkaConsumer(TOPIC, bootstrap_servers=bootstrap, group_id=None,
                                    auto_offset_reset="earliest", enable_auto_commit=False)
        await consumer.start()
        seen: Counter = Counter()
        try:
            deadline = time.monotonic() + timeout
            quiet_since = None
            while time.monotonic() < deadline:
                batches = await consumer.getmany(timeout_ms=500)
                for messages in batches.values():
                    for m in messages:
                        seen[dict(m.headers)["ce_id"].decode()] += 1
                if batches:
                    quiet_since = None
                elif sum(seen.values()) >= expected:
                    quiet_since = quiet_since or time.monotonic()
                    if time.monotonic() - quiet_since > 2:
                        break
        finally:
            await consumer.stop()
        return seen

    return asyncio.run(read())


def partitions(bootstrap: str, topic: str) -> int:
    from aiokafka import AIOKafkaConsumer

    async def count() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        await consumer.start()
        try:
            await consumer.topics()
            return len(consumer.partitions_for_topic(topic) or ())
        finally:
            await consumer.stop()

    return asyncio.run(count())


def stream_reaches(stream: Stream, truth: dict, timeout: float = 60) -> None:
    """The last value the stream sent for each indicator is the true one (each value of the transfer
    programme that is not zero was sent)."""
    deadline = time.monotonic() + timeout
    while True:
        last = {(k["indicator"], k["city"]): k["value"] for k in stream.kpis()}
        wrong = {k: (v, truth.get((*k, YEAR))) for k, v in last.items() if v != truth.get((*k, YEAR))}
        missing = [(i, c) for (i, c, _), v in truth.items()
                   if i in CODES and v not in (None, "0") and (i, c) not in last]
        if not wrong and not missing:
            return
        assert time.monotonic() < deadline, f"stream's last values (seen, true): {wrong}; never sent: {missing}"
        time.sleep(0.5)


def test_two_replicas_and_two_workers_count_every_event_once(layout, tmp_path):
    lay = layout
    plat = lay.platform
    assert partitions(lay.broker.bootstrap, TOPIC) > 1, "one partition: a second worker would get nothing"
    stream = Stream(plat, year=YEAR)

    # 1. Both replicas write until both workers have folded something (the group assigned both).
    deadline = time.monotonic() + 120
    rounds = 0
    while rounds < ROUNDS_BEFORE or min(lay.applied("worker-a"), lay.applied("worker-b")) == 0:
        assert time.monotonic() < deadline, \
            f"a worker folded nothing: a {lay.applied('worker-a')}, b {lay.applied('worker-b')}"
        write_through_both(lay, 1)
        rounds += 1
        time.sleep(0.5)
    folded_by_b = lay.applied("worker-b")
    # Both workers folded the last bursts (the two replicas' bulks land on different partitions at
    # once): the stream's last values must be the true ones already.
    stream_reaches(stream, ground_truth(tmp_path, tmp_path, [YEAR],
                                        events=[(t, p) for _, t, p in outbox_events_at(lay.transfer_db)]))

    # 2. More writes through both replicas; worker a is killed while they go on.
    def kill_a() -> None:
        time.sleep(1.0)
        lay.procs["worker-a"].kill()

    write_through_both(lay, ROUNDS_AFTER, during=kill_a)
    assert not lay.procs["worker-a"].alive()

    # 3. The domain topic: each event of the outbox exactly once.
    events = outbox_events_at(lay.transfer_db)
    on_topic = topic_event_ids(lay.broker.bootstrap, len(events))
    assert set(on_topic) == {e for e, _, _ in events}, "an event of the outbox is missing from the topic"
    assert [e for e, n in on_topic.items() if n > 1] == [], "two relays published a row twice"

    # 4. The indicators: exactly the direct fold of the outbox, nothing lost or counted twice.
    truth = ground_truth(tmp_path, tmp_path, [YEAR], events=[(t, p) for _, t, p in events])
    expected = {(i, c): v for (i, c, y), v in truth.items() if i in CODES}
    assert expected[("transfers_licences", PROVINCE)] not in (None, "0")
    deadline = time.monotonic() + 120
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = indicator_values(plat, YEAR)
        if all(seen.get(k) == v for k, v in expected.items()):
            break
        time.sleep(0.5)
    time.sleep(2)  # anything counted twice would show by now
    seen = indicator_values(plat, YEAR)
    assert {k: seen.get(k) for k in expected} == expected
    assert lay.applied("worker-b") > folded_by_b, "the survivor folded nothing after the kill"

    # 5. The live stream: the last value of every indicator is the true one.
    stream_reaches(stream, truth)
