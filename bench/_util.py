"""Small helpers shared by the benchmarks: processes, CPU accounting, percentiles."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def cpu_seconds(pid: int) -> float:
    """user+system CPU seconds of a process (all its threads) so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


class Server:
    """A child process in its own session (so that stopping it stops only what we started)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path, ready_url: str) -> None:
        self.name, self.args, self.env, self.log, self.ready_url = name, args, env, log, ready_url
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> Server:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited during start-up:\n{self.tail()}")
                try:
                    if http.get(self.ready_url).status_code == 200:
                        return self
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def bench_port(offset: int) -> int:
    """A free port at ``IPP_BENCH_PORT_BASE`` (default 26000, below Linux's ephemeral range) + offset.

    Engineers sharing a machine give each run its own base (``IPP_BENCH_PORT_BASE=41000``)."""
    from libs.common.broker import free_port

    return free_port(int(os.environ.get("IPP_BENCH_PORT_BASE", "26000")) + offset)


def start_server(make: Callable[[int], Server], offset: int, tries: int = 5,
                 timeout: float = 60.0) -> tuple[int, Server]:
    """Start ``make(port)`` on a free port at ``bench_port(offset)``; again on another port if that one
    was taken between the check and the bind (a port above 32768 can be any outgoing connection's)."""
    for attempt in range(tries):
        port = bench_port(offset + attempt * 7)
        server = make(port)
        try:
            return port, server.start(timeout)
        except RuntimeError as exc:
            server.stop()
            if "address already in use" not in str(exc) or attempt == tries - 1:
                raise
    raise AssertionError("unreachable")


@contextlib.contextmanager
def running(*servers: Server, timeout: float = 60.0) -> Iterator[tuple[Server, ...]]:
    """Start ``servers`` in order (each ready before the next starts); stop every one that was
    started, the last first, when the block ends, whatever happened inside it."""
    started: list[Server] = []
    try:
        for server in servers:
            started.append(server)
            server.start(timeout)
        yield servers
    finally:
        for server in reversed(started):
            server.stop()


@contextlib.contextmanager
def platform_session(platform: Any, tmp: Path, keep: bool,
                     after_stop: Callable[[], None] | None = None) -> Iterator[None]:
    """The body of a benchmark on a started ``ipp.launcher.Platform``: on a failure each process's log
    tail goes to stderr; at the end every process stops, then ``after_stop`` runs, then the temporary
    directory ``tmp`` is removed (kept, and named, with ``keep``)."""
    try:
        yield
    except BaseException as exc:
        print(f"benchmark failed: {exc!r}", file=sys.stderr)
        for proc in platform.procs.values():
            print(f"--- {proc.name} log tail:\n{proc.tail(15)}", file=sys.stderr)
        raise
    finally:
        platform.stop_all()
        if after_stop is not None:
            after_stop()
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
