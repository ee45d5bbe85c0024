"""Benchmark: 100,000 transfer records from one .xlsx through the API to the provincial KPIs, compared
with the same records sent as JSON, in the same run.

The platform runs as ``ipp up`` runs it (``ipp.launcher.Platform``): the embedded Kafka-protocol
broker, the transfer service, the reporting API and the reporting worker, each its own process, on
free ports from ``--port-base`` (default ``IPP_BENCH_PORT_BASE`` + 600, i.e. 26600) and a temporary var
dir. The transfer service's read model of enterprises is seeded before it starts (200 enterprises,
as if their registration events had been consumed), so the enterprise service is not needed.

1. The benchmark writes ONE workbook of N rows (default 100,000; xlsxwriter, the columns of
   ``GET /api/v1/transfers/bulk/template``), not timed.
2. Because one request takes at most 10,000 rows (``IPP_TRANSFER_BULK_MAX_ROWS``, the import's row
   cap), the client cuts the workbook into workbooks of 10,000 rows (``--chunk``; read with
   python-calamine, written with xlsxwriter), as an office splits a file it cannot send whole. Not
   timed (printed).
3. **xlsx path, timed end to end**: the chunk workbooks are uploaded to ``POST /api/v1/transfers/bulk``
   (multipart), one request after the other; then ``GET /api/v1/indicators?year=…`` on the reporting
   API is polled until ``transfers_licences`` for the province has grown by N. Reported: seconds to
   the last acknowledged upload, seconds until the KPI shows all N, peak RSS of the transfer service
   (``VmHWM``, reset before each path through ``/proc/PID/clear_refs``) and its CPU seconds.
4. **JSON path, the same way**: the same number of new records (fresh refs, another contract year so
   the two counts are apart) as JSON bodies of ``--chunk`` rows.

Goal (issue 11): the xlsx path ≤ 30 s end to end and the transfer service below 1 GiB. Printed: SUMMARY
lines with MET / MISSED and the ratio xlsx ÷ JSON (time), which is what to compare across machines.

    .venv/bin/python -m bench.transfer_xlsx [--rows 100000] [--chunk 10000] [--port-base 26600]
"""
from __future__ import annotations

import argparse
import io
import os
import random
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx

from bench._util import cpu_seconds, loadavg, platform_session
from libs.common.broker import free_port
from libs.common.identifiers import patent_check_char
from libs.common.testing import token

GOAL_SECONDS, GOAL_RSS_BYTES = 30.0, 1 << 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = ["ref", "kind", "patents", "from.kind", "from.name", "from.city", "to.kind", "to.uscc", "contract_date",
           "amount"]


def _patent() -> str:
    digits = f"2021{random.choice('12')}{random.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def _patents(n: int) -> str:
    """``n`` distinct numbers (one record may not name a patent twice)."""
    chosen: dict[str, None] = {}
    while len(chosen) < n:
        chosen[_patent()] = None
    return "；".join(chosen)


def make_records(n: int, buyers: list[str], year: int) -> list[list]:
    """Rows in ``COLUMNS`` order; a date column as a date (the xlsx writes it as an Excel date)."""
    first = date(year, 1, 1)
    return [[f"X-{uuid.uuid4().hex[:16]}", "ordinary_licence" if i % 2 else "assignment",
             _patents(1 + i % 2), "university", "华中科技大学", "420100", "enterprise",
             buyers[i % len(buyers)], first + timedelta(days=i % 300), 1000 + i % 5000] for i in range(n)]


def write_workbook(records: list[list], header: list, codes: list) -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "constant_memory": True})
    ws = book.add_worksheet("数据")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, header)
    ws.write_row(1, 0, codes)
    for r, row in enumerate(records, start=2):
        for c, value in enumerate(row):
            if isinstance(value, date):
                ws.write_datetime(r, c, value, dates)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    book.close()
    return out.getvalue()


def split_workbook(content: bytes, chunk: int) -> list[bytes]:
    """The client's side of the row cap: one workbook read, cut into workbooks of ``chunk`` rows."""
    from python_calamine import CalamineWorkbook

    table = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()
    header, codes, rows = table[0], table[1], table[2:]
    return [write_workbook(rows[i:i + chunk], header, codes) for i in range(0, len(rows), chunk)]


def json_rows(records: list[list]) -> list[dict]:
    out = []
    for r in records:
        out.append({"ref": r[0], "kind": r[1], "patents": r[2].split("；"),
                    "from": {"kind": r[3], "name": r[4], "city": r[5]}, "to": {"kind": r[6], "uscc": r[7]},
                    "contract_date": r[8].isoformat(), "amount": str(r[9])})
    return out


class RssWatch:
    """Peak resident memory of a process: the kernel's high-water mark (reset at start) and sampling."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self.reset = True
        except OSError:
            self.reset = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _status(self, key: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._status("VmRSS"))

    def stop(self) -> int:
        self._stop.set()
        self.thread.join()
        hwm = self._status("VmHWM")
        return max(self.peak, hwm) if self.reset else self.peak


def kpi(http: httpx.Client, url: str, year: int, headers: dict) -> int:
    r = http.get(f"{url}/api/v1/indicators", params={"year": year}, headers=headers)
    r.raise_for_status()
    item = next(i for i in r.json()["items"] if i["indicator"] == "transfers_licences")
    return int(item["value"] or 0)


def run_path(name: str, send, n: int, transfer_pid: int, reporting: str, year: int, headers: dict,
             timeout: float) -> dict:
    with httpx.Client(timeout=600) as http:
        start_value = kpi(http, reporting, year, headers)
        watch = RssWatch(transfer_pid)
        cpu0 = cpu_seconds(transfer_pid)
        t0 = time.perf_counter()
        written = send(http)
        uploaded = time.perf_counter() - t0
        deadline = time.monotonic() + timeout
        value = start_value
        while value < start_value + written and time.monotonic() < deadline:
            time.sleep(0.25)
            value = kpi(http, reporting, year, headers)
        total = time.perf_counter() - t0
        rss = watch.stop()
        cpu = cpu_seconds(transfer_pid) - cpu0
    shown = value - start_value
    complete = shown >= n
    until = f"KPI shows all {total:6.1f} s" if complete else f"INCOMPLETE: KPI +{shown} of {n} after {total:.1f} s"
    print(f"  {name:<5} written {written}, KPI +{shown}: requests done {uploaded:6.1f} s, {until}; "
          f"transfer service peak RSS {rss / 2**20:6.0f} MiB, CPU {cpu:.1f} s")
    return {"uploaded": uploaded, "total": total, "rss": rss, "complete": complete, "written": written}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=10_000, help="rows per request (the import's cap: 10,000)")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("IPP_BENCH_PORT_BASE", "26000")) + 600)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the KPI")
    parser.add_argument("--keep", action="store_true", help="keep the var dir (logs, databases)")
    args = parser.parse_args()

    from bench.transfer_bulk import seed_read_model
    from ipp.launcher import Platform

    for key in ("KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_BOOTSTRAP_SERVERS", "IPP_KAFKA_ENABLED",
                "IPP_TRANSFER_DATABASE_URL", "IPP_REPORTING_DATABASE_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        os.environ.pop(key, None)
    os.environ["IPP_TRANSFER_BULK_MAX_ROWS"] = str(args.chunk)
    tmp = Path(tempfile.mkdtemp(prefix="ipp-bench-xlsx-"))
    base = free_port(args.port_base)
    ports = {"transfer": base, "reporting": free_port(base + 1)}
    platform = Platform(var_dir=tmp / "var", ports=ports, worker_metrics_port=free_port(ports["reporting"] + 1),
                        broker_port=free_port(ports["reporting"] + 2), quiet=True, replay_on_start=False)
    print(f"transfer xlsx benchmark: {args.rows} records, {args.chunk} rows per request; {os.cpu_count()} CPUs, "
          f"load average {loadavg()}; ports {ports}")
    headers = {"Authorization": f"Bearer {token('province-admin')}"}
    code = 1
    with platform_session(platform, tmp, args.keep):
        t0 = time.perf_counter()
        platform.logs.mkdir(parents=True, exist_ok=True)
        platform.start_broker()
        platform.migrate()
        buyers = seed_read_model(platform.var_dir, 200)
        platform.procs["transfer"] = platform.service_proc("transfer", replay=False)
        platform.procs["reporting"] = platform.service_proc("reporting", replay=False)
        platform.procs["reporting-worker"] = platform.worker_proc()
        for proc in platform.procs.values():
            proc.start()
        status = platform.wait_ready(timeout=180)
        if not all(status.values()):
            raise RuntimeError(f"not ready: {status}")
        transfer = f"http://127.0.0.1:{ports['transfer']}"
        reporting = f"http://127.0.0.1:{ports['reporting']}"
        pid = platform.procs["transfer"].running().pid  # type: ignore[union-attr]
        print(f"platform ready in {time.perf_counter() - t0:.1f} s")

        from services.transfer.sheets import TRANSFERS

        labels = {c.code: c.label for c in TRANSFERS.columns}
        header = [labels[c] for c in COLUMNS]
        t1 = time.perf_counter()
        xlsx_year, json_year = 2025, 2024
        workbook = write_workbook(make_records(args.rows, buyers, xlsx_year), header, COLUMNS)
        json_records = make_records(args.rows, buyers, json_year)
        print(f"one workbook of {args.rows} rows: {len(workbook) / 2**20:.1f} MiB, written in "
              f"{time.perf_counter() - t1:.1f} s (not timed)")
        with httpx.Client(timeout=120) as http:  # warm-up: both paths, one row each, another year
            warm = make_records(2, buyers, 2023)
            for files, body in (({"file": ("w.xlsx", write_workbook(warm[:1], header, COLUMNS), XLSX)}, None),
                                (None, {"records": json_rows(warm[1:])})):
                r = http.post(f"{transfer}/api/v1/transfers/bulk", files=files, json=body, headers=headers)
                assert r.status_code == 200 and r.json()["written"] == 1, r.text[:500]

        t2 = time.perf_counter()
        parts = split_workbook(workbook, args.chunk)
        batches = [json_rows(json_records[i:i + args.chunk]) for i in range(0, len(json_records), args.chunk)]
        print(f"split into {len(parts)} workbooks of ≤ {args.chunk} rows (python-calamine read, xlsxwriter) and "
              f"{len(batches)} JSON bodies in {time.perf_counter() - t2:.1f} s (not timed)")

        def send_xlsx(http: httpx.Client) -> int:
            written = 0
            for part in parts:
                r = http.post(f"{transfer}/api/v1/transfers/bulk", headers=headers,
                              files={"file": ("transfers.xlsx", part, XLSX)})
                assert r.status_code == 200, r.text[:500]
                out = r.json()
                assert out["rejected"] == 0, out["errors"][:3]
                written += out["written"]
            return written

        def send_json(http: httpx.Client) -> int:
            written = 0
            for batch in batches:
                r = http.post(f"{transfer}/api/v1/transfers/bulk", headers=headers, json={"records": batch})
                assert r.status_code == 200, r.text[:500]
                out = r.json()
                assert out["rejected"] == 0, out["errors"][:3]
                written += out["written"]
            return written

        print(f"load average before the timed paths: {loadavg()}")
        xlsx = run_path("xlsx", send_xlsx, args.rows, pid, reporting, xlsx_year, headers, args.timeout)
        js = run_path("json", send_json, args.rows, pid, reporting, json_year, headers, args.timeout)
        met_time = xlsx["complete"] and xlsx["total"] <= GOAL_SECONDS
        met_rss = xlsx["rss"] < GOAL_RSS_BYTES
        print(f"\nSUMMARY xlsx → KPI: {args.rows} records in {xlsx['total']:.1f} s "
              f"(goal ≤ {GOAL_SECONDS:.0f} s: {'MET' if met_time else 'MISSED'})")
        print(f"SUMMARY transfer service peak RSS: xlsx {xlsx['rss'] / 2**20:.0f} MiB, "
              f"json {js['rss'] / 2**20:.0f} MiB "
              f"(goal < 1 GiB: {'MET' if met_rss else 'MISSED'})")
        ratio = f"{xlsx['total'] / js['total']:.2f}" if xlsx["complete"] and js["complete"] else "n/a (incomplete)"
        print(f"SUMMARY xlsx ÷ json end-to-end time: {ratio} "
              f"(json {js['total']:.1f} s; requests only: xlsx {xlsx['uploaded']:.1f} s, json {js['uploaded']:.1f} s)"
              f"; load average {loadavg()}")
        code = 0
    return code


if __name__ == "__main__":
    raise SystemExit(main())
