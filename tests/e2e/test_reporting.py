"""Reporting end to end, with the real broker and every service as its own process: official
statistics submitted and approved through the reporting API reach the indicators and the live stream;
a month's series is the exact sum of a programme's events of that month; a target change alone
reaches the stream.

The ``platform`` fixture is shared by the module's tests; each test uses its own cities (and only
the first submits statistics), and compares with what was there before it where others could add.
"""
from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import overload

import httpx
import pytest
from httpx_sse import connect_sse

from libs.common.identifiers import patent_check_char
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import ApiError, FinanceClient
from services.finance.schemas import PledgeCreate, PledgedItemIn
from tests.e2e.conftest import ADMIN, indicator_values, url, wait_for_values

pytestmark = pytest.mark.e2e
YEAR = 2025
PROVINCE = "420000"
INTEGRATION = token("integration", sub="e2e-data-exchange")


def api(plat, bearer: str = ADMIN) -> httpx.Client:
    return httpx.Client(base_url=url(plat, "reporting"), headers={"Authorization": f"Bearer {bearer}"}, timeout=30)


@overload
def dec(text: str) -> Decimal: ...
@overload
def dec(text: str | None) -> Decimal | None: ...
def dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def per_10k(numerator: int, denominator: int) -> Decimal:
    return (Decimal(numerator) * 10_000 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


class Stream:
    """``GET /api/v1/indicators/stream`` read in a background thread; ``events`` grows as they arrive."""

    def __init__(self, plat, **params) -> None:
        self.events: list[dict] = []
        self._url = f"{url(plat, 'reporting')}/api/v1/indicators/stream"
        self._params = {**params, "access_token": ADMIN}
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self.events:
            assert time.monotonic() < deadline, "the stream sent no snapshot"
            time.sleep(0.05)
        assert self.events[0]["event"] == "snapshot"

    def _run(self) -> None:
        try:
            with httpx.Client(timeout=httpx.Timeout(5, read=60)) as http:
                with connect_sse(http, "GET", self._url, params=self._params) as source:
                    for sse in source.iter_sse():
                        if sse.data:  # not a keep-alive
                            self.events.append({"event": sse.event, "data": json.loads(sse.data)})
        except httpx.HTTPError:  # the platform stopped while we were still listening
            pass

    @property
    def snapshot(self) -> list[dict]:
        return self.events[0]["data"]

    def kpis(self) -> list[dict]:
        return [e["data"] for e in self.events if e["event"] == "kpi"]

    def wait(self, want: Callable[[dict], bool], what: str, timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for k in self.kpis():
                if want(k):
                    return k
            time.sleep(0.1)
        got = [(k["indicator"], k["city"], k["value"]) for k in self.kpis()]
        raise AssertionError(f"no kpi event {what}; got {got}")

    def wait_values(self, expected: dict[tuple[str, str], str], timeout: float = 90) -> None:
        """Every (indicator, city) of ``expected`` has had a kpi event with that value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = {(k["indicator"], k["city"], k["value"]) for k in self.kpis()}
            if all((i, c, v) in seen for (i, c), v in expected.items()):
                return
            time.sleep(0.1)
        seen = {(k["indicator"], k["city"], k["value"]) for k in self.kpis()}
        missing = [(i, c, v) for (i, c), v in expected.items() if (i, c, v) not in seen]
        raise AssertionError(f"kpi events missing: {missing}")


def submit(http: httpx.Client, period: str, org_unit: str, values: dict[str, int]) -> httpx.Response:
    return http.post("/api/v1/statistics/datavaluesets", json={
        "period": period, "org_unit": org_unit, "source_system": "端到端测试数据交换",
        "values": [{"element": e, "value": str(v)} for e, v in values.items()]})


# ------------------------------------------------------------------------------ a. statistics

CITY_A = "420600"  # 襄阳市
CITY_FIGURES = {"invention_patents_in_force": 16_283, "high_value_invention_patents": 5_471,
                "population": 5_266_000, "trademark_registrations": 98_765, "pct_applications": 71}
PROVINCE_FIGURES = {"invention_patents_in_force": 232_480, "high_value_invention_patents": 90_000,
                    "population": 60_000_000, "trademark_registrations": 1_318_600, "pct_applications": 2_064,
                    "protection_national_tier": 1}


def test_approved_statistics_reach_the_stream_and_the_indicators_and_a_correction_replaces_them(platform):
    stream = Stream(platform, year=YEAR)
    before = {(r["indicator"], r["city"]): r["value"] for r in stream.snapshot}
    assert before[("invention_patents_in_force", CITY_A)] is None  # nothing approved yet: no value, not 0
    with api(platform, INTEGRATION) as feed, api(platform) as province:
        for org_unit, figures in ((CITY_A, CITY_FIGURES), (PROVINCE, PROVINCE_FIGURES)):
            r = submit(feed, str(YEAR), org_unit, figures)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "SUCCESS"
            assert r.json()["counts"] == {"imported": len(figures), "updated": 0, "ignored": 0}

        # the city first: until the province approves its own figures, the province is the sum of its cities
        r = province.post("/api/v1/statistics/approvals", json={"period": str(YEAR), "org_unit": CITY_A})
        assert r.status_code == 200 and r.json()["state"] == "approved" and r.json()["version"] == 1, r.text
        city_ratio = per_10k(5_471, 5_266_000)
        assert city_ratio == Decimal("10.39")
        stream.wait_values({("invention_patents_in_force", CITY_A): "16283",
                            ("high_value_patents_per_10k", CITY_A): "10.39",
                            ("invention_patents_in_force", PROVINCE): "16283"})

        r = province.post("/api/v1/statistics/approvals", json={"period": str(YEAR), "org_unit": PROVINCE})
        assert r.status_code == 200, r.text
        assert per_10k(90_000, 60_000_000) == Decimal("15.00")
        expected = {("invention_patents_in_force", CITY_A): "16283",
                    ("invention_patents_in_force", PROVINCE): "232480",  # its own figure, not the sum
                    ("high_value_patents_per_10k", CITY_A): "10.39",
                    ("high_value_patents_per_10k", PROVINCE): "15",  # 90,000 ÷ 60,000,000 × 10,000 = 15.00
                    ("trademark_registrations", CITY_A): "98765",
                    ("trademark_registrations", PROVINCE): "1318600",
                    ("pct_applications", CITY_A): "71",
                    ("pct_applications", PROVINCE): "2064",
                    ("protection_national_tier", PROVINCE): "1",
                    ("resident_population", PROVINCE): "60000000"}
        stream.wait_values({k: v for k, v in expected.items() if k[0] != "resident_population"})
        wait_for_values(platform, YEAR, expected)
        rows = {(i["indicator"], i["city"]): i for i in province.get(
            "/api/v1/indicators", params={"year": YEAR, "city": "all"}).json()["items"]}
        assert rows[("invention_patents_in_force", PROVINCE)]["target"] == "230000"
        assert rows[("invention_patents_in_force", PROVINCE)]["status"] == "met"
        assert rows[("protection_national_tier", PROVINCE)]["met"] is True
        assert rows[("high_value_patents_per_10k", PROVINCE)]["met"] is False  # 15.00 is not "> 15"
        assert rows[("protection_national_tier", CITY_A)]["value"] is None  # a province-only figure

        # approved means locked
        r = submit(feed, str(YEAR), CITY_A, {"invention_patents_in_force": 17_020})
        assert r.status_code == 409 and r.json()["errors"][0]["rule"] == "approval.locked", r.text

        # re-open, correct, approve again: the indicators move to the new figures
        for org_unit in (CITY_A, PROVINCE):
            r = province.post("/api/v1/statistics/reopenings",
                              json={"period": str(YEAR), "org_unit": org_unit, "reason": "统计部门更正数据"})
            assert r.status_code == 200 and r.json()["state"] == "reopened", r.text
        r = submit(feed, str(YEAR), CITY_A, {**CITY_FIGURES, "invention_patents_in_force": 17_020,
                                             "population": 5_270_000})
        assert r.status_code == 200 and r.json()["counts"] == {"imported": 0, "updated": 2, "ignored": 3}, r.text
        r = submit(feed, str(YEAR), PROVINCE, {"invention_patents_in_force": 233_105})
        assert r.status_code == 200 and r.json()["counts"]["updated"] == 1, r.text
        time.sleep(2)  # a re-opened period keeps its last approved figures until approved again
        assert {k: indicator_values(platform, YEAR)[k] for k in expected} == expected
        for org_unit in (CITY_A, PROVINCE):
            r = province.post("/api/v1/statistics/approvals", json={"period": str(YEAR), "org_unit": org_unit})
            assert r.status_code == 200 and r.json()["version"] == 2, r.text

    corrected = {**expected,
                 ("invention_patents_in_force", CITY_A): "17020",  # not 16,283 + 17,020
                 ("invention_patents_in_force", PROVINCE): "233105",  # not 232,480 + 233,105
                 ("high_value_patents_per_10k", CITY_A): format(per_10k(5_471, 5_270_000).normalize(), "f"),
                 ("resident_population", CITY_A): "5270000"}
    assert corrected[("high_value_patents_per_10k", CITY_A)] == "10.38"
    stream.wait_values({k: v for k, v in corrected.items() if k[0] != "resident_population"})
    wait_for_values(platform, YEAR, corrected)
    time.sleep(2)  # anything folded twice would show by now
    assert {k: indicator_values(platform, YEAR)[k] for k in corrected} == corrected


# ---------------------------------------------------------------------------- b. monthly series

CITY_B = "421100"  # 黄冈市


def patent() -> str:
    digits = f"2021{random.choice('12')}{random.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def series(plat, indicator: str, city: str, granularity: str) -> dict[str, dict]:
    with api(plat) as http:
        r = http.get("/api/v1/indicators/series", params={"indicator": indicator, "city": city, "year": YEAR,
                                                          "period": granularity})
    assert r.status_code == 200, r.text
    return {p["period"]: p for p in r.json()["points"]}


def test_a_months_series_is_the_sum_of_that_months_pledge_loans(platform):
    officer = token("city-officer", city=CITY_B)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        uscc = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY_B), name="黄冈端到端大健康科技有限公司", industry="P4", size_class="small",
            ownership="private")).uscc
    with FinanceClient(url(platform, "finance"), ADMIN) as c:
        deadline = time.monotonic() + 60
        while True:
            try:
                c.known_enterprise(uscc)
                break
            except ApiError as exc:
                assert exc.status == 404 and time.monotonic() < deadline, exc.problem
                time.sleep(0.2)
    months_before = series(platform, "pledge_amount", CITY_B, "month")
    quarters_before = series(platform, "pledge_amount", CITY_B, "quarter")
    loans = [(date(YEAR, 2, 10), "1250000.50"), (date(YEAR, 2, 27), "800000"), (date(YEAR, 5, 6), "3000000"),
             (date(YEAR, 5, 20), "450000.25"), (date(YEAR, 5, 31), "99999.99")]
    tag = uuid.uuid4().hex[:8].upper()
    with FinanceClient(url(platform, "finance"), token("bank", org="HUBEI-BANK")) as bank:
        for i, (day, amount) in enumerate(loans):
            bank.register_pledge(PledgeCreate(
                uscc=uscc, contract_no=f"E2E-SERIES-{tag}-{i}", amount=Decimal(amount), registration_date=day,
                term_months=12, annual_rate=Decimal("3.2"), items=[PledgedItemIn(kind="patent", number=patent())]))
    by_month = {f"{YEAR}{m:02d}": sum((Decimal(a) for d, a in loans if d.month == m), Decimal(0)) for m in range(1, 13)}
    assert by_month[f"{YEAR}02"] == Decimal("2050000.50") and by_month[f"{YEAR}05"] == Decimal("3550000.24")
    want_months = {p: dec(months_before[p]["value"]) + by_month[p] for p in months_before}
    by_quarter = {f"{YEAR}Q{q}": sum((by_month[f"{YEAR}{m:02d}"] for m in range(3 * q - 2, 3 * q + 1)), Decimal(0))
                  for q in range(1, 5)}
    want_quarters = {p: dec(quarters_before[p]["value"]) + by_quarter[p] for p in quarters_before}

    deadline = time.monotonic() + 90
    while True:
        months = series(platform, "pledge_amount", CITY_B, "month")
        if {p: dec(x["value"]) for p, x in months.items()} == want_months or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert {p: dec(x["value"]) for p, x in months.items()} == want_months
    assert list(months) == [f"{YEAR}{m:02d}" for m in range(1, 13)]
    assert months[f"{YEAR}05"]["label"] == f"{YEAR}年5月"
    # the year to date runs through the months
    ytd = Decimal(0)
    for p, x in months.items():
        ytd += want_months[p]
        assert dec(x["ytd"]) == ytd, p
    quarters = series(platform, "pledge_amount", CITY_B, "quarter")
    assert {p: dec(x["value"]) for p, x in quarters.items()} == want_quarters
    assert want_quarters[f"{YEAR}Q1"] - dec(quarters_before[f"{YEAR}Q1"]["value"]) == Decimal("2050000.50")
    assert want_quarters[f"{YEAR}Q2"] - dec(quarters_before[f"{YEAR}Q2"]["value"]) == Decimal("3550000.24")
    # the year and the month read through /indicators agree with the series
    with api(platform) as http:
        year_row = {i["indicator"]: i for i in http.get("/api/v1/indicators", params={
            "year": YEAR, "city": CITY_B}).json()["items"]}["pledge_amount"]
        may = {i["indicator"]: i for i in http.get("/api/v1/indicators", params={
            "period": f"{YEAR}05", "city": CITY_B}).json()["items"]}["pledge_amount"]
    assert dec(year_row["value"]) == sum(want_months.values(), Decimal(0))
    assert dec(may["value"]) == want_months[f"{YEAR}05"] and dec(may["ytd"]) == dec(months[f"{YEAR}05"]["ytd"])


# --------------------------------------------------------------------------- c. a target change

CITY_C = "420900"  # 孝感市


def test_a_target_change_alone_reaches_the_stream(platform):
    stream = Stream(platform, year=YEAR, city=CITY_C)
    snap = {r["indicator"]: r for r in stream.snapshot}
    assert all(r["city"] == CITY_C for r in stream.snapshot)
    value = dec(snap["transfers_licences"]["value"])
    new_target = Decimal("2600") if snap["transfers_licences"]["target"] != "2600" else Decimal("2700")
    time.sleep(1)
    assert not [k for k in stream.kpis() if k["indicator"] == "transfers_licences"]

    with api(platform) as province:
        r = province.put(f"/api/v1/targets/{YEAR}", json={"source": "端到端测试：市州目标调整", "targets": [
            {"indicator": "transfers_licences", "city": CITY_C, "value": str(new_target)}]})
        assert r.status_code == 200, r.text
        assert {(t["indicator"], t["city"], t["value"]) for t in r.json()} >= {
            ("transfers_licences", CITY_C, str(new_target))}
        event = stream.wait(lambda k: k["indicator"] == "transfers_licences" and k["city"] == CITY_C
                            and k["target"] == str(new_target), f"with the new target {new_target}")
        row = {i["indicator"]: i for i in province.get("/api/v1/indicators", params={
            "year": YEAR, "city": CITY_C}).json()["items"]}["transfers_licences"]

    assert event["year"] == YEAR and dec(event["value"]) == value  # no programme event: same value
    progress = (value * 100 / new_target).quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert dec(event["progress"]) == progress
    assert event["status"] is not None and event["expected"] is not None
    # 2025 is over: a target not met is off track, and all of it was expected
    assert event["status"] == ("met" if value > new_target else "off_track")
    assert dec(event["expected"]) == new_target
    assert (row["target"], row["progress"], row["status"], row["expected"]) == \
           (event["target"], event["progress"], event["status"], event["expected"])
    # only the changed indicator of this city was published (the stream is filtered to the city)
    assert {(k["indicator"], k["city"]) for k in stream.kpis()} == {("transfers_licences", CITY_C)}
