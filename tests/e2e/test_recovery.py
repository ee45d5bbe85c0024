"""No acknowledged event goes missing from the KPIs: a broker that lost its data, a consumer group
reset, a crashed worker — with every service as its own process and the real broker.

- The relays notice a broker that lost its data and republish their outboxes (self-healing).
- The reporting reconciler finds what a source published and the KPIs lack, and asks for a replay.
- A worker killed with SIGKILL folds again within seconds, and stops within 10 s of SIGTERM even
  when the broker is gone.
"""
from __future__ import annotations

import asyncio
import itertools
import random
import signal
import threading
import time
import uuid
from datetime import date
from decimal import Decimal

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from libs.common.identifiers import patent_check_char
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import FinanceClient
from services.finance.schemas import PledgeCreate, PledgedItemIn
from services.reporting.worker import GROUP
from services.transfer.client import TransferClient
from services.transfer.schemas import PartyIn, TransferCreate
from tests.e2e.conftest import BrokerLink, indicator_values, make_platform, url, wait_for_values
from tests.e2e.test_finance import wait_known
from tests.e2e.truth import ground_truth

pytestmark = pytest.mark.e2e
YEAR = 2025
CITY = "420500"  # 宜昌市
#: The stream worker's consumer group.
WORKER_GROUP = GROUP
FAST_RECONCILER = {"IPP_REPORTING_RECONCILE_INTERVAL": "1", "IPP_REPORTING_RECONCILE_GRACE": "2",
                   "IPP_REPORTING_RECONCILE_REPLAY_AFTER": "2", "IPP_REPORTING_RECONCILE_COOLDOWN": "3",
                   "IPP_BROKER_CHECK_INTERVAL": "1"}


@pytest.fixture(scope="module")
def plat(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recovery")
    link = BrokerLink(tmp)
    link.start()
    p = make_platform(tmp, link)
    p.extra_env.update(FAST_RECONCILER)
    p.link = link  # type: ignore[attr-defined]
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
def borrower(plat) -> str:
    with EnterpriseClient(url(plat, "enterprise"), token("city-officer", city=CITY)) as c:
        uscc = c.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌恢复测试电子有限公司", industry="P1", size_class="small",
            ownership="private")).uscc
    wait_known(plat, uscc)
    return uscc


_patents = itertools.count(1)


def patent() -> str:
    """A fresh invention application number with its check character (one loan per patent)."""
    digits = f"20251{next(_patents) + random.randrange(10**6) * 100:07d}"[:12]
    return f"{digits}.{patent_check_char(digits)}"


def pledges(plat, uscc: str, n: int, tag: str) -> None:
    with FinanceClient(url(plat, "finance"), token("bank", org="YICHANG-BANK")) as bank:
        for i in range(n):
            bank.register_pledge(PledgeCreate(
                uscc=uscc, contract_no=f"REC-{tag}-{i}", amount=Decimal("100000"), registration_date=date(YEAR, 4, 1),
                term_months=12, annual_rate=Decimal("3.1"), items=[PledgedItemIn(kind="patent", number=patent())]))


def projects(plat) -> int:
    return int(indicator_values(plat, YEAR).get(("pledge_projects", CITY), "0"))


def reconciliation(plat) -> dict:
    r = httpx.get(f"{url(plat, 'reporting')}/readyz", timeout=10)
    return r.json()["details"]["reconciliation"]


def wait_projects(plat, expected: int, timeout: float = 120) -> float:
    """Seconds until the city's pledge_projects equals ``expected``."""
    start = time.monotonic()
    wait_for_values(plat, YEAR, {("pledge_projects", CITY): str(expected)}, timeout=timeout)
    return time.monotonic() - start


def stop_worker(plat) -> None:
    plat.procs["reporting-worker"].stop()


def start_worker(plat) -> None:
    plat.restart("reporting-worker")
    assert plat.wait_ready(names=["reporting-worker"], timeout=60)["reporting-worker"]


def test_a_broker_that_lost_everything_gets_the_outboxes_again_without_a_restart(plat, borrower):
    """The probe's scenario: worker down, 100 pledges acknowledged and published, the broker restarts
    empty, the worker starts, 50 more — all 150 counted, and no replay asked for by anyone."""
    restart_reporting(plat, IPP_REPORTING_RECONCILE_INTERVAL="0")  # no reconciler: the relays alone
    base = projects(plat)
    stop_worker(plat)
    pledges(plat, borrower, 100, "A")
    time.sleep(2)  # published to the broker (the outbox relay wakes on commit)
    plat.link.broker.stop()
    plat.link.broker.start()
    start_worker(plat)
    pledges(plat, borrower, 50, "B")
    took = wait_projects(plat, base + 150)
    print(f"self-healing: 150 pledges counted {took:.1f} s after the last write")
    metrics = httpx.get(f"{url(plat, 'finance')}/metrics", timeout=10).text
    assert 'ipp_broker_data_losses_total{service="finance"} 1.0' in metrics
    restart_reporting(plat)


def restart_reporting(plat, **env: str) -> None:
    saved = dict(plat.extra_env)
    plat.extra_env.update(env)
    try:
        plat.restart("reporting")
        assert plat.wait_ready(names=["reporting"], timeout=60)["reporting"]
    finally:
        plat.extra_env.clear()
        plat.extra_env.update(saved)


def reset_group_to_end(bootstrap: str, topic: str) -> None:
    """What an operator's `--reset-offsets --to-latest` does: the group skips what is on the topic.

    (The embedded broker takes offset commits only from a member of the group, so this joins it.)"""
    async def run() -> None:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=WORKER_GROUP,
                                    enable_auto_commit=False, auto_offset_reset="latest")
        await consumer.start()
        try:
            deadline = time.monotonic() + 60
            while not consumer.assignment():
                assert time.monotonic() < deadline, "never joined the worker's consumer group"
                await consumer.getmany(timeout_ms=500)
            parts = list(consumer.assignment())
            await consumer.commit(await consumer.end_offsets(parts))
        finally:
            await consumer.stop()

    asyncio.run(run())


def test_a_consumer_group_reset_past_events_is_repaired_by_the_reconciler(plat, borrower):
    base = projects(plat)
    stop_worker(plat)
    pledges(plat, borrower, 30, "C")
    time.sleep(2)
    reset_group_to_end(plat.bootstrap, "ipp.finance.events")
    replays_before = reconciliation(plat)["sources"]["finance"]["replays_requested"]
    start_worker(plat)
    took = wait_projects(plat, base + 30)
    print(f"reconciler: 30 skipped pledges counted {took:.1f} s after the worker started")
    report = reconciliation(plat)
    assert report["sources"]["finance"]["replays_requested"] > replays_before
    deadline = time.monotonic() + 30
    while reconciliation(plat)["missing"] and time.monotonic() < deadline:
        time.sleep(0.5)
    assert reconciliation(plat)["missing"] == 0


def test_without_self_healing_the_reconciler_still_repairs_a_broker_that_lost_everything(plat, borrower):
    """Point 1 again, with finance's relay blind to the broker's incarnation: only the reconciler helps."""
    plat.extra_env["IPP_BROKER_CHECK_INTERVAL"] = "0"
    try:
        plat.restart("finance")
        assert plat.wait_ready(names=["finance"], timeout=60)["finance"]
    finally:
        plat.extra_env["IPP_BROKER_CHECK_INTERVAL"] = FAST_RECONCILER["IPP_BROKER_CHECK_INTERVAL"]
    base = projects(plat)
    stop_worker(plat)
    pledges(plat, borrower, 40, "D")
    time.sleep(2)
    plat.link.broker.stop()
    plat.link.broker.start()
    start_worker(plat)
    pledges(plat, borrower, 10, "E")
    took = wait_projects(plat, base + 50)
    print(f"reconciler after a broker loss: 50 pledges counted {took:.1f} s after the last write")
    plat.restart("finance")  # back to the default for the next tests
    assert plat.wait_ready(names=["finance"], timeout=60)["finance"]


def test_after_a_worker_crash_indicators_move_again_within_seconds(plat, borrower):
    base = projects(plat)
    plat.procs["reporting-worker"].kill()
    started = time.monotonic()
    start_worker(plat)
    ready = time.monotonic() - started
    pledges(plat, borrower, 1, f"F{int(time.time())}")
    stale = wait_projects(plat, base + 1, timeout=120)
    print(f"worker crash: ready {ready:.1f} s after the restart, a new pledge counted {stale:.1f} s later")
    assert stale < 15, f"indicators stale for {stale:.1f} s after the worker came back"


def test_the_worker_stops_within_10_seconds_of_sigterm_with_the_broker_gone(plat, borrower):
    plat.link.cut()
    try:
        time.sleep(1)
        worker = plat.procs["reporting-worker"]
        started = time.monotonic()
        worker.signal(signal.SIGTERM)
        worker.process.wait(30)
        took = time.monotonic() - started
        print(f"worker stopped {took:.1f} s after SIGTERM with the broker unreachable")
        assert took <= 10
    finally:
        plat.link.restore()
    start_worker(plat)
    base = projects(plat)
    pledges(plat, borrower, 1, f"G{int(time.time())}")
    wait_projects(plat, base + 1)


class SteadyWriter(threading.Thread):
    """Writes at a steady rate until stopped; counts what the service acknowledged and what failed."""

    def __init__(self, name: str, write, per_second: float) -> None:
        super().__init__(name=name, daemon=True)
        self.write = write
        self.period = 1 / per_second
        self.halt = threading.Event()
        self.acknowledged = 0
        self.failed = 0

    def run(self) -> None:
        i = 0
        next_at = time.monotonic()
        while not self.halt.is_set():
            try:
                self.write(i)
                self.acknowledged += 1
            except Exception:  # the service is down (killed) or the call timed out: not acknowledged
                self.failed += 1
            i += 1
            next_at += self.period
            self.halt.wait(max(0.0, next_at - time.monotonic()))


def test_under_steady_writes_broker_restart_and_kill_9_every_indicator_equals_the_sources(plat, borrower, tmp_path):
    """Three services written at a steady rate while the broker restarts with the worker down, finance
    is killed -9 and the worker is killed -9: afterwards every indicator of every city equals a direct
    fold of everything the services acknowledged (their outboxes)."""
    officer = token("city-officer", city=CITY)
    with EnterpriseClient(url(plat, "enterprise"), officer) as c:
        buyer = c.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="宜昌负载测试材料有限公司", industry="A02", size_class="small",
            ownership="private")).uscc
    with TransferClient(url(plat, "transfer"), officer) as tc:
        deadline = time.monotonic() + 60
        while not _known(tc, buyer):
            assert time.monotonic() < deadline
            time.sleep(0.3)

    def enterprise_write(i: int) -> None:
        with EnterpriseClient(url(plat, "enterprise"), officer, timeout=5) as c:
            c.create_enterprise(EnterpriseCreate(uscc=random_uscc(CITY), name=f"宜昌负载企业{i}号有限公司",
                                                 industry="P1", size_class="small", ownership="private"))

    def finance_write(i: int) -> None:
        pledges(plat, borrower, 1, f"L{int(time.time())}-{i}")

    def transfer_write(i: int) -> None:
        with TransferClient(url(plat, "transfer"), officer, timeout=5) as tc:
            tc.create_transfer(TransferCreate(
                ref=f"LOAD-{uuid.uuid4().hex[:10]}", kind="exclusive_licence", patents=[patent()],
                from_=PartyIn(kind="university", name="三峡大学", city=CITY), to=PartyIn(kind="enterprise", uscc=buyer),
                contract_date=f"{YEAR}-03-01", amount="50000"))

    writers = [SteadyWriter("enterprise", enterprise_write, 4), SteadyWriter("finance", finance_write, 4),
               SteadyWriter("transfer", transfer_write, 4)]
    for w in writers:
        w.start()
    try:
        time.sleep(4)
        stop_worker(plat)
        time.sleep(3)
        plat.link.broker.stop()  # the broker loses everything while the worker is down
        plat.link.broker.start()
        time.sleep(3)
        start_worker(plat)
        time.sleep(4)
        plat.procs["finance"].kill()  # kill -9 under load
        time.sleep(2)
        plat.restart("finance")
        assert plat.wait_ready(names=["finance"], timeout=60)["finance"]
        time.sleep(5)
        plat.procs["reporting-worker"].kill()  # kill -9 mid-stream
        start_worker(plat)
        time.sleep(5)
    finally:
        for w in writers:
            w.halt.set()
        for w in writers:
            w.join(30)
    acknowledged = {w.name: w.acknowledged for w in writers}
    failed = {w.name: w.failed for w in writers}
    assert all(acknowledged.values()), acknowledged

    stopped = time.monotonic()
    truth = ground_truth(plat.var_dir, tmp_path, [YEAR])
    expected = {(indicator, city): value for (indicator, city, _), value in truth.items()}
    seen: dict = {}
    while time.monotonic() - stopped < 180:
        seen = indicator_values(plat, YEAR)
        if seen == expected:
            break
        time.sleep(0.5)
    converged = time.monotonic() - stopped
    diff = {k: (seen.get(k), expected.get(k)) for k in {*seen, *expected} if seen.get(k) != expected.get(k)}
    print(f"fault under load: acknowledged {acknowledged}, failed {failed}; all {len(expected)} indicator values "
          f"equal the sources' fold {converged:.1f} s after the last write" if not diff else f"diff {diff}")
    assert not diff, f"indicators differ from the sources' ground truth (seen, truth): {diff}"
    time.sleep(3)  # nothing counted twice arrives late
    assert indicator_values(plat, YEAR) == expected


def _known(client, uscc: str) -> bool:
    try:
        client.known_enterprise(uscc)
        return True
    except Exception:
        return False
