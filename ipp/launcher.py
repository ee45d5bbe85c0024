"""Runs the platform as separate processes: the embedded broker, every service API, the stream worker.

Used by ``ipp up`` and by the end-to-end tests (which choose their own ports and var dir).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ipp.registry import SERVICES, WORKER_METRICS_PORT
from libs.common.broker import EmbeddedBroker, free_port, port_in_use


@dataclass
class Proc:
    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    ready_url: str
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = open(self.log, "ab")
        self.process = subprocess.Popen(self.args, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        out.close()

    def running(self) -> subprocess.Popen[bytes] | None:
        """The process while it runs."""
        return self.process if self.process is not None and self.process.poll() is None else None

    def alive(self) -> bool:
        return self.running() is not None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    def wait(self, timeout: float | None = None) -> None:
        if self.process is not None:
            self.process.wait(timeout)

    def signal(self, sig: int) -> None:
        process = self.running()
        if process is not None:
            os.killpg(process.pid, sig)

    def stop(self, timeout: float = 10.0) -> None:
        process = self.running()
        if process is None:
            return
        self.signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """kill -9, as a crash would."""
        process = self.running()
        if process is not None:
            self.signal(signal.SIGKILL)
            process.wait()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Platform:
    var_dir: Path = Path("var")
    ports: dict[str, int] = field(default_factory=lambda: {n: s.port for n, s in SERVICES.items()})
    worker_metrics_port: int = WORKER_METRICS_PORT
    broker_port: int = 9092
    extra_env: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    #: Replay domain outboxes on start; default: only when the broker is the fresh embedded one.
    replay_on_start: bool | None = None
    broker: EmbeddedBroker | None = None
    bootstrap: str | None = None
    procs: dict[str, Proc] = field(default_factory=dict)

    def say(self, text: str) -> None:
        if not self.quiet:
            print(text, flush=True)

    # --- pieces -----------------------------------------------------------------------------------
    def check_ports(self) -> list[str]:
        taken = [f"{name} 端口 {port} 已被占用 (port {port} for {name} is in use)"
                 for name, port in [*self.ports.items(), ("reporting-worker metrics", self.worker_metrics_port)]
                 if port_in_use(port)]
        return taken

    def start_broker(self) -> str:
        external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or self.extra_env.get("KAFKA_BOOTSTRAP_SERVERS")
        if external:
            self.bootstrap = external
            self.say(f"Kafka: using {external} (KAFKA_BOOTSTRAP_SERVERS)")
            return external
        port = self.broker_port if not port_in_use(self.broker_port) else free_port(self.broker_port + 1)
        if port != self.broker_port:
            self.say(f"端口 {self.broker_port} 已被占用，内置 Kafka 代理改用 {port}")
        self.broker = EmbeddedBroker(port=port, log_path=self.logs / "broker.log").start()
        self.bootstrap = self.broker.bootstrap
        self.say(f"Kafka: embedded Tansu broker on {self.bootstrap} (memory only)")
        return self.bootstrap

    def restart_broker(self) -> None:
        """Start the embedded broker again on the same port (it comes back empty)."""
        assert self.broker is not None
        self.broker.stop()
        self.broker.start()

    @property
    def logs(self) -> Path:
        return self.var_dir / "logs"

    def env(self, **more: str) -> dict[str, str]:
        env = {**os.environ, **self.extra_env, "IPP_VAR_DIR": str(self.var_dir), "PYTHONUNBUFFERED": "1"}
        if self.bootstrap:
            env["KAFKA_BOOTSTRAP_SERVERS"] = self.bootstrap
        env.update(more)
        return env

    def migrate(self) -> None:
        subprocess.run([sys.executable, "-m", "ipp.cli", "migrate", "all"], env=self.env(), check=True,
                       stdout=subprocess.DEVNULL if self.quiet else None)

    def service_proc(self, name: str, replay: bool) -> Proc:
        port = self.ports[name]
        env = self.env(**({"IPP_REPLAY_OUTBOX_ON_START": "true"} if replay else {}))
        if name == "reporting":  # the reconciler reads every source's outbox API
            env.setdefault("IPP_REPORTING_SOURCE_URLS", json.dumps(
                {n: f"http://127.0.0.1:{p}" for n, p in self.ports.items() if n != "reporting"}))
        return Proc(name, [sys.executable, "-m", "ipp.cli", "serve", name, "--port", str(port)], env,
                    self.logs / f"{name}.log", f"http://127.0.0.1:{port}/readyz")

    def worker_proc(self) -> Proc:
        return Proc("reporting-worker", [sys.executable, "-m", "ipp.cli", "worker", "reporting",
                                         "--metrics-port", str(self.worker_metrics_port)],
                    self.env(), self.logs / "reporting-worker.log",
                    f"http://127.0.0.1:{self.worker_metrics_port}/metrics")

    def start_all(self) -> None:
        # A fresh embedded broker knows nothing: every domain service replays its outbox into it and
        # consumers' inboxes absorb what they had already applied.
        replay = self.broker is not None if self.replay_on_start is None else self.replay_on_start
        for name in SERVICES:
            self.procs[name] = self.service_proc(name, replay=replay and name != "reporting")
        self.procs["reporting-worker"] = self.worker_proc()
        for proc in self.procs.values():
            proc.start()

    def restart(self, name: str, replay: bool = False) -> Proc:
        old = self.procs[name]
        old.stop()
        proc = self.worker_proc() if name == "reporting-worker" else self.service_proc(name, replay)
        proc.start()
        self.procs[name] = proc
        return proc

    def wait_ready(self, timeout: float = 90.0, names: list[str] | None = None) -> dict[str, bool]:
        deadline = time.monotonic() + timeout
        pending = set(names or self.procs)
        status = {n: False for n in pending}
        with httpx.Client(timeout=2.0) as http:
            while pending and time.monotonic() < deadline:
                for name in sorted(pending):
                    proc = self.procs[name]
                    if not proc.alive():
                        raise RuntimeError(f"{name} exited during start-up:\n{proc.tail()}")
                    try:
                        if http.get(proc.ready_url).status_code == 200:
                            status[name] = True
                            pending.discard(name)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.2)
        return status

    def stop_all(self, timeout: float = 10.0) -> None:
        """SIGTERM every process at once, wait up to ``timeout`` for all, SIGKILL what is left; then
        the broker. A second Ctrl-C or SIGTERM meanwhile cannot interrupt this (no orphans)."""
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
        except ValueError:  # not the main thread: signals are not ours to change
            previous = {}
        try:
            procs = [p for p in reversed(list(self.procs.values())) if p.alive()]
            for proc in procs:
                proc.signal(signal.SIGTERM)
            deadline = time.monotonic() + timeout
            for proc in procs:
                try:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
            if self.broker:
                self.broker.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # --- ipp up -----------------------------------------------------------------------------------
    def run(self, demo: bool = False) -> int:
        taken = self.check_ports()
        if taken:
            for line in taken:
                self.say(f"错误 error: {line}")
            self.say("请先停止占用这些端口的进程（或已在运行的 ipp up）。Stop whatever holds these ports first.")
            return 1
        self.logs.mkdir(parents=True, exist_ok=True)

        def _terminate(signum, frame):  # SIGTERM stops the platform as Ctrl-C does
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, _terminate)
        try:
            try:
                self.start_broker()
            except RuntimeError as exc:
                self.say(f"错误 error: could not start the embedded broker: {exc}")
                return 1
            self.say("migrating databases…")
            self.migrate()
            self.start_all()
            status = self.wait_ready()
            self.print_table(status)
            if not all(status.values()):
                self.say("some processes did not become ready; see the logs above")
            if demo:
                from ipp.demo import load_demo

                self.say("loading demo data…")
                self.say(load_demo({name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()},
                                   progress=not self.quiet, wait_for_indicators=True,
                                   worker_metrics_url=f"http://127.0.0.1:{self.worker_metrics_port}"))
            self.say("Ctrl-C 停止 stops everything.")
            while True:
                for proc in self.procs.values():
                    if not proc.alive():
                        self.say(f"{proc.name} exited unexpectedly (code {proc.returncode}):\n{proc.tail()}")
                        return 1
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.say("\nstopping…")
            return 0
        finally:
            self.stop_all()
            self.say("stopped.")

    def print_table(self, status: dict[str, bool]) -> None:
        self.say("")
        self.say(f"{'process':<18} {'ready':<6} url")
        for name, proc in self.procs.items():
            base = proc.ready_url.rsplit("/", 1)[0]
            url = f"{base}/docs" if name in SERVICES else proc.ready_url
            self.say(f"{name:<18} {'yes' if status.get(name) else 'no':<6} {url}")
        self.say(f"{'kafka':<18} {'yes':<6} {self.bootstrap}")
        self.say(f"logs: {self.logs}/   token: ipp token --role province-admin")
