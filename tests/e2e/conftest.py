"""The real thing: the embedded broker behind a TCP proxy, and every service as its own process."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import httpx
import pytest

from ipp.launcher import Platform, Proc
from ipp.registry import SERVICES
from libs.common.broker import EmbeddedBroker, free_port, port_in_use
from libs.common.testing import token

ROOT = Path(__file__).resolve().parents[2]
#: Where this run's ports start (set it apart when two e2e runs share a machine).
PORT_BASE = int(__import__("os").environ.get("IPP_E2E_PORT_BASE", "28000"))


class BrokerLink:
    """The broker, and a proxy in front of it that the tests cut and restore."""

    def __init__(self, tmp: Path) -> None:
        self.broker_port = free_port(PORT_BASE + 1092)
        self.proxy_port = free_port(self.broker_port + 1)
        self.broker = EmbeddedBroker(port=self.broker_port, advertised_port=self.proxy_port,
                                     log_path=tmp / "broker.log")
        self.proxy = Proc("proxy", [sys.executable, "-m", "tests.e2e.tcpproxy", str(self.proxy_port),
                                    str(self.broker_port)], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          log=tmp / "proxy.log", ready_url="")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.proxy_port}"

    def start(self) -> None:
        self.broker.start()
        self.restore()

    def cut(self) -> None:
        self.proxy.kill()

    def restore(self) -> None:
        self.proxy.start()
        deadline = time.monotonic() + 10
        while not port_in_use(self.proxy_port):
            assert time.monotonic() < deadline, "proxy did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.proxy.kill()
        self.broker.stop()


def make_platform(tmp: Path, link: BrokerLink, replay: bool = False) -> Platform:
    ports: dict[str, int] = {}
    last = PORT_BASE
    for name in SERVICES:
        last = ports[name] = free_port(last + 1)
    return Platform(var_dir=tmp / "var", ports=ports, worker_metrics_port=free_port(last + 1),
                    extra_env={"KAFKA_BOOTSTRAP_SERVERS": link.bootstrap, "IPP_OUTBOX_POLL_INTERVAL": "0.5"},
                    quiet=True, replay_on_start=replay)


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    link = BrokerLink(tmp)
    link.start()
    plat = make_platform(tmp, link)
    plat.link = link  # type: ignore[attr-defined]
    plat.tmp = tmp  # type: ignore[attr-defined]
    try:
        plat.start_broker()
        plat.migrate()
        plat.start_all()
        status = plat.wait_ready(timeout=120)
        assert all(status.values()), f"not ready: {status}"
        yield plat
    finally:
        plat.stop_all()
        plat.link.stop()  # type: ignore[attr-defined]  # a test may have replaced the link with a fresh broker


def url(plat: Platform, service: str) -> str:
    return f"http://127.0.0.1:{plat.ports[service]}"


ADMIN = token("province-admin")


def indicator_values(plat: Platform, year: int, city: str = "all") -> dict[tuple[str, str], str]:
    r = httpx.get(f"{url(plat, 'reporting')}/api/v1/indicators", params={"year": year, "city": city},
                  headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    r.raise_for_status()
    return {(i["indicator"], i["city"]): i["value"] for i in r.json()["items"]}


def wait_for_values(plat: Platform, year: int, expected: dict[tuple[str, str], str], timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    seen: dict = {}
    while time.monotonic() < deadline:
        seen = indicator_values(plat, year)
        if all(seen.get(k) == v for k, v in expected.items()):
            return seen
        time.sleep(0.25)
    diff = {k: (seen.get(k), v) for k, v in expected.items() if seen.get(k) != v}
    raise AssertionError(f"indicator values (seen, expected) never matched: {diff}")
