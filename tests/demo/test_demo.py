"""The demo data set: its plan (pure) and a real load into an enterprise service served in-process.

The loader uses the sync HTTP client, so the integration test runs the enterprise app under uvicorn
in a background thread on a free port, with a fresh SQLite database and Kafka disabled.
"""
from __future__ import annotations

import contextlib
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import uvicorn

from ipp.demo import CITY_WEIGHTS, allocate_cities, build_plan, load_demo
from libs.common.auth import issue_token
from libs.common.config import CommonSettings
from libs.common.divisions import CITIES, city_of
from libs.common.identifiers import validate_uscc
from libs.common.migrations import upgrade
from services.enterprise.client import EnterpriseClient
from services.enterprise.domain import Tier, TierChange, TierState, check_recommendation, decide

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "services" / "enterprise" / "migrations"
TODAY = date(2026, 11, 21)


# ------------------------------------------------------------------------------------ the plan

@pytest.mark.parametrize("n", [17, 18, 60, 300, 1000])
def test_every_city_gets_enterprises_in_proportion(n: int) -> None:
    counts = allocate_cities(n)
    assert sum(counts.values()) == n
    assert set(counts) == set(CITIES) and all(v >= 1 for v in counts.values())
    assert max(counts, key=lambda c: counts[c]) == "420100"
    if n == 300:
        assert 1 <= counts["429021"] <= 2
        assert 90 <= counts["420100"] <= 120


def test_fewer_enterprises_than_cities_go_to_the_biggest() -> None:
    counts = allocate_cities(5)
    assert sum(counts.values()) == 5 and counts["420100"] == 1 and counts["429021"] == 0


def test_plan_is_deterministic_and_identities_do_not_depend_on_the_date() -> None:
    def dump(plan):
        return [(p.create.model_dump(), {y: f.model_dump() for y, f in p.figures.items()}, p.actions) for p in plan]

    assert dump(build_plan(60, 7, TODAY)) == dump(build_plan(60, 7, TODAY))
    ids = lambda plan: [(p.create.uscc, p.create.name, p.create.city) for p in plan]  # noqa: E731
    assert ids(build_plan(60, 7, date(2025, 12, 31))) == ids(build_plan(60, 7, TODAY))
    assert ids(build_plan(60, 8, TODAY)) != ids(build_plan(60, 7, TODAY))


@pytest.mark.parametrize("today", [TODAY, date(2025, 3, 1), date(2027, 1, 5)])
def test_plan_is_valid_and_follows_the_tier_rules(today: date) -> None:
    plan = build_plan(300, 20251, today)
    assert len({p.create.uscc for p in plan}) == 300 and len({p.create.name for p in plan}) == 300
    tiers: Counter[Tier | None] = Counter()
    kinds: Counter[TierChange] = Counter()
    for p in plan:
        e = p.create
        assert validate_uscc(e.uscc) == e.uscc and e.uscc.startswith("91")
        assert e.city is not None and city_of(e.uscc[2:8]) == e.city
        assert e.county is None if e.city.startswith("429") else e.county is not None and city_of(e.county) == e.city
        assert e.name.endswith("有限公司")
        assert sorted(p.figures) == [2024, 2025]
        for f in p.figures.values():
            assert f.rd_staff is not None and f.staff is not None and f.rd_spend is not None
            assert f.revenue is not None and f.industrialisation_rate is not None
            assert 0 < f.rd_staff <= f.staff
            assert Decimal(0) < f.rd_spend < f.revenue
            assert f.revenue.as_tuple().exponent == -2 and f.industrialisation_rate.as_tuple().exponent == -2
            assert Decimal(0) <= f.industrialisation_rate <= Decimal(100)
        # Walk the steps through the service's own rules.
        state, pending = TierState(None, None), None
        for a in p.actions:
            if a.kind == "recommend":
                assert a.tier is not None
                check_recommendation(state, Tier(a.tier), pending is not None)
                pending = Tier(a.tier)
            elif a.kind == "reject":
                pending = None
            else:
                target = {"approve": pending, "revoke": None}.get(a.kind, Tier(a.tier) if a.tier else None)
                expected = {"promote": TierChange.PROMOTED, "demote": TierChange.DEMOTED,
                            "revoke": TierChange.REVOKED}.get(a.kind)
                assert a.effective_date is not None
                kinds[decide(state, target, a.effective_date, today, expected)] += 1
                assert date(2023, 1, 1) <= a.effective_date <= today
                state, pending = TierState(target, a.effective_date), None
        tiers[state.tier] += 1
        assert (state.tier.value if state.tier else None) == p.final_tier
    assert tiers[Tier.GROWTH] == 180 and tiers[Tier.SEED] == 75 and tiers[Tier.ADVANTAGE] == 18
    assert kinds[TierChange.PROMOTED] >= 3 and 1 <= kinds[TierChange.DEMOTED] <= 2
    assert 1 <= kinds[TierChange.REVOKED] <= 2
    years = {a.effective_date.year for p in plan for a in p.actions if a.effective_date}
    assert {2023, 2024} <= years <= set(range(2023, today.year + 1))
    if today == TODAY:
        assert years == {2023, 2024, 2025, 2026}


def test_plan_mix_is_realistic() -> None:
    plan = build_plan(300, 20251, TODAY)
    n = len(plan)
    industries = Counter(p.create.industry for p in plan)
    assert sum(industries[c] for c in ("P1", "P2", "P4", "A01", "A02")) > 0.6 * n
    sizes = Counter(p.create.size_class.value for p in plan)
    assert sizes["small"] + sizes["medium"] + sizes["micro"] > 0.85 * n and sizes["large"] >= 5
    assert 0.7 * n <= Counter(p.create.ownership.value for p in plan)["private"] <= 0.9 * n
    quals = Counter(q.value for p in plan for q in p.create.qualifications)
    assert 0.3 * n <= quals["high_tech"] <= 0.5 * n
    assert 0.12 * n <= quals["srdi_provincial"] <= 0.28 * n
    assert 0.02 * n <= quals["srdi_national"] <= 0.09 * n
    stories = Counter(p.story for p in plan)
    assert stories["pending"] + stories["growth+pending"] >= 2 and stories["rejected"] >= 2
    assert len(set(CITY_WEIGHTS)) == 17


# ---------------------------------------------------------------------- a real load, over HTTP

@contextlib.contextmanager
def serve(app) -> Iterator[str]:
    """Run ``app`` under uvicorn in a background thread on a free port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="uvicorn-test")
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the enterprise app did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()


@pytest.fixture
def enterprise_service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from services.enterprise.app import create_app
    from services.enterprise.config import EnterpriseSettings

    db = tmp_path / "enterprise.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade(MIGRATIONS, url)
    app = create_app(EnterpriseSettings(database_url=url, kafka_enabled=False, env="test"))
    with serve(app) as base_url:
        yield base_url, db


def _counts(db: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("enterprises", "enterprise_year_figures", "tier_recommendations", "tier_decisions",
                          "tier_list_versions", "tier_list_entries")}


def test_load_demo_through_the_api_and_again(enterprise_service: tuple[str, Path]) -> None:
    url, db = enterprise_service
    summary = load_demo(url, enterprises=60, seed=7)
    assert "新建企业 60 家" in summary and "17/17 个市州" in summary

    settings = CommonSettings()
    admin = issue_token(settings.jwt_secret.get_secret_value(), role="province-admin", sub="test-admin",
                        issuer=settings.jwt_issuer)
    with EnterpriseClient(url, admin) as client:
        assert client.list_enterprises(limit=1).total == 60
        for city in CITIES:
            assert client.list_enterprises(city=city, limit=1).total >= 1, city
        for tier in ("growth", "seed", "advantage"):
            assert client.list_enterprises(tier=tier, limit=1).total >= 1, tier
        page = client.list_enterprises(limit=500)
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        assert all(e.tier_since is None or e.tier_since <= today for e in page.items)

    with contextlib.closing(sqlite3.connect(db)) as conn:
        changes = {row[0] for row in conn.execute("SELECT DISTINCT change FROM tier_decisions")}
        statuses = {row[0] for row in conn.execute("SELECT DISTINCT status FROM tier_recommendations")}
        years = conn.execute("SELECT year, count(*) FROM enterprise_year_figures GROUP BY year").fetchall()
        bad = conn.execute("SELECT count(*) FROM enterprise_year_figures WHERE rd_staff > staff").fetchone()[0]
        span = conn.execute("SELECT min(effective_date), max(effective_date) FROM tier_decisions").fetchone()
        lists = conn.execute(
            "SELECT number, published_on, entry_count FROM tier_list_versions ORDER BY number").fetchall()
        holders = conn.execute("SELECT count(*) FROM enterprises WHERE tier IS NOT NULL").fetchone()[0]
        decided_years = {row[0][:4] for row in conn.execute("SELECT effective_date FROM tier_decisions")}
    # one published tier list per year of decisions, each after that year's decisions, the last = today's holders
    assert [n for n, _, _ in lists] == list(range(1, len(lists) + 1))
    assert [on[:4] for _, on, _ in lists] == sorted(decided_years)
    assert lists[-1][2] == holders and all(count > 0 for _, _, count in lists)
    assert summary.count("发布梯队名单") == 1 and f"发布梯队名单 {len(lists)} 版" in summary
    assert {"designated", "promoted", "revoked"} <= changes
    assert statuses == {"approved", "pending", "rejected"}
    assert dict(years) == {2024: 60, 2025: 60} and bad == 0
    assert span[0] >= "2023-01-01"

    before = _counts(db)
    again = load_demo(url, enterprises=60, seed=7)
    assert "新建企业 0 家" in again and "跳过 60 家" in again and "发布梯队名单 0 版" in again
    assert _counts(db) == before


def test_load_demo_with_the_pool_step_and_again(enterprise_service: tuple[str, Path]) -> None:
    """With a service map, the programme loaders whose service is given run too (here the pool,
    which lives in the enterprise service); a second run adds nothing."""
    url, db = enterprise_service
    summary = load_demo({"enterprise": url}, enterprises=60, seed=11)
    assert "样板企业培育库" in summary, summary

    def pool_counts() -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            statuses = dict(conn.execute("SELECT status, count(*) FROM pool_memberships GROUP BY status").fetchall())
            statuses["history"] = conn.execute("SELECT count(*) FROM pool_history").fetchone()[0]
        return statuses

    first = pool_counts()
    assert first.get("admitted", 0) + first.get("graduated", 0) >= 1 and first["history"] > 0, first
    load_demo({"enterprise": url}, enterprises=60, seed=11)
    assert pool_counts() == first


# ------------------------------------------------------------- official statistics and targets

def test_statistics_plan_is_consistent_and_realistic() -> None:
    from ipp.demo import PROGRAMMES
    from ipp.demo.statistics import PROVINCE, build_plan
    from services.reporting.statistics.domain import check_org_unit, check_period, check_value

    assert PROGRAMMES[-1] == "statistics"
    plan = build_plan(20251, TODAY)
    assert [(s.period, s.org_unit, s.values) for s in plan.sets] == \
           [(s.period, s.org_unit, s.values) for s in build_plan(20251, TODAY).sets]
    province: dict[tuple[str, str], Decimal] = {}
    cities: dict[tuple[str, str], Decimal] = {}
    places: dict[str, set[str]] = {}
    for s in plan.sets:
        check_period(s.period), check_org_unit(s.org_unit)
        places.setdefault(s.period, set()).add(s.org_unit)
        for element, value in s.values.items():
            check_value(element, str(value))  # every figure passes the service's own rules
            if s.org_unit == PROVINCE:
                province[(s.period, element)] = value
            else:
                cities[(s.period, element)] = cities.get((s.period, element), Decimal(0)) + value
    # the province and all 17 cities in every period; the year's stocks, flows and population
    assert all(units == {PROVINCE, *CITIES} for units in places.values())
    assert {"2024", "2025", "2025Q1", "2025Q4", "202601", "202610"} <= set(places)
    assert "202611" not in places and "202612" not in places  # only months before today's
    for (period, element), value in province.items():
        if element not in ("protection_national_tier", "prefecture_public_service_coverage"):
            assert cities.get((period, element), 0) == value, (period, element)
    assert province[("2025", "protection_national_tier")] == 1 and ("2025", "protection_national_tier") not in cities
    assert (sum(province[(f"2025Q{q}", "pct_applications")] for q in range(1, 5))
            == province[("2025", "pct_applications")])
    p = {e: province[("2025", e)] for e in ("invention_patents_in_force", "high_value_invention_patents",
                                            "trademark_registrations", "pct_applications", "population")}
    assert 200_000 <= p["invention_patents_in_force"] <= 240_000
    assert 1_200_000 <= p["trademark_registrations"] <= 1_350_000
    assert 1_800 <= p["pct_applications"] <= 2_200
    assert 57_000_000 <= p["population"] <= 59_000_000
    assert 14 <= p["high_value_invention_patents"] * 10_000 / p["population"] <= 15.5
    wuhan = plan.city_figures[("invention_patents_in_force", 2025)]["420100"]
    assert 0.55 <= wuhan / p["invention_patents_in_force"] <= 0.60
    assert 13_500_000 <= plan.city_figures[("population", 2025)]["420100"] <= 14_000_000
    # stocks rise month by month in 2026
    assert province[("202601", "invention_patents_in_force")] < province[("202610", "invention_patents_in_force")]


@pytest.fixture
def reporting_service(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    from services.reporting.app import create_app
    from services.reporting.config import ReportingSettings

    db = tmp_path / "reporting.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade(ROOT / "services" / "reporting" / "migrations", url)
    app = create_app(ReportingSettings(database_url=url, kafka_enabled=False, env="test"))
    with serve(app) as base_url:
        yield base_url, db


def _reporting_counts(db: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("stat_values", "stat_approvals", "targets", "audit_log", "outbox")}


def test_load_demo_statistics_through_the_api_and_again(enterprise_service: tuple[str, Path],
                                                        reporting_service: tuple[str, Path]) -> None:
    """The statistics loader runs after the enterprises without waiting for a read model the
    reporting service does not have; it submits and approves every (period, org unit), splits the
    province targets to the cities; a second run writes nothing."""
    from ipp.demo.statistics import build_plan

    (e_url, _), (r_url, db) = enterprise_service, reporting_service
    summary = load_demo({"enterprise": e_url, "reporting": r_url}, enterprises=20, seed=5, programmes=("statistics",))
    assert "统计：" in summary and "发明专利有效量 232,480 件" in summary, summary
    keys = build_plan(5, datetime.now(ZoneInfo("Asia/Shanghai")).date()).keys
    first = _reporting_counts(db)
    assert first["stat_approvals"] == len(keys)

    settings = CommonSettings()
    admin = issue_token(settings.jwt_secret.get_secret_value(), role="province-admin", sub="test-admin",
                        issuer=settings.jwt_issuer)
    import httpx

    with httpx.Client(base_url=r_url, headers={"Authorization": f"Bearer {admin}"}) as http:
        approvals = http.get("/api/v1/statistics/approvals").json()
        assert {a["state"] for a in approvals} == {"approved"}
        for year in (2025, 2026):
            targets = http.get("/api/v1/targets", params={"year": year}).json()
            by: dict[str, dict[str, Decimal]] = {}
            for t in targets:
                by.setdefault(t["indicator"], {})[t["city"]] = Decimal(t["value"])
            for code in ("invention_patents_in_force", "trademark_registrations", "pct_applications",
                         "tier_seed"):
                assert set(by[code]) == {"420000", *CITIES}, (year, code)
                assert sum(v for c, v in by[code].items() if c != "420000") == by[code]["420000"], (year, code)
            for code in ("high_value_patents_per_10k", "protection_national_tier", "pledge_private_share",
                         "matching_events"):
                assert set(by[code]) == {"420000"}, (year, code)  # not split
        assert "pledge_amount" in {t["indicator"] for t in http.get("/api/v1/targets", params={"year": 2025}).json()
                                   if t["city"] == "420100"}

    again = load_demo({"enterprise": e_url, "reporting": r_url}, enterprises=20, seed=5, programmes=("statistics",))
    assert "本次新写入 0 个数值、新审核 0 组" in again and "本次新分解 0 项" in again, again
    assert _reporting_counts(db) == first
