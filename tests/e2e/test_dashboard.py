"""The officers' dashboard in a real browser (Debian's Chromium driven by Playwright) against the real
platform: sign in, tiles with the API's values, the league table and a city page, a record written
through a service client changing the page without a reload, sign-out, a city officer's link, bad
tokens, and a broker cut while the page is open.

Screenshots (overview, a city page, a phone-width page) go to the test's output folder; their paths
are printed (``pytest -s``).
"""
from __future__ import annotations

import re
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from libs.common.auth import issue_token
from libs.common.config import DEV_JWT_SECRET
from libs.common.testing import random_uscc, token
from services.enterprise.client import EnterpriseClient
from services.enterprise.schemas import EnterpriseCreate
from services.finance.client import ApiError, FinanceClient
from services.finance.schemas import PledgeCreate, PledgedItemIn
from tests.e2e.conftest import ADMIN, url

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.e2e
CHROMIUM = Path("/usr/bin/chromium")
YEAR = 2025
CITY, CITY_NAME = "421300", "随州市"
PROVINCE = "420000"
AMOUNT = Decimal("25000000")  # 2500万元
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make system)")
    with playwright_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path):
    """Save a screenshot under the test's output folder and print where."""
    def save(page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path
    return save


def base(platform) -> str:
    return url(platform, "reporting")


def api_kpis(platform, city: str) -> dict[str, str | None]:
    r = httpx.get(f"{base(platform)}/api/v1/indicators", params={"year": YEAR, "city": city},
                  headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    r.raise_for_status()
    return {i["indicator"]: i["value"] for i in r.json()["items"]}


def catalogue(platform) -> list[dict]:
    r = httpx.get(f"{base(platform)}/api/v1/indicators/catalogue", headers={"Authorization": f"Bearer {ADMIN}"},
                  timeout=10)
    r.raise_for_status()
    return r.json()


def sign_in(page, platform, bearer: str, query: str = "") -> None:
    page.goto(f"{base(platform)}/{query}")
    expect(page.locator("#signin")).to_be_visible()
    page.fill("#token", bearer)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin")).to_be_hidden()


def plus(value: str | None, amount: Decimal) -> str:
    return format((Decimal(value or "0") + amount).normalize(), "f")


@pytest.fixture(scope="module")
def borrower(platform) -> str:
    """An enterprise of the city the finance service knows (so a pledge for it is accepted)."""
    officer = token("city-officer", city=CITY)
    with EnterpriseClient(url(platform, "enterprise"), officer) as ent:
        uscc = ent.create_enterprise(EnterpriseCreate(
            uscc=random_uscc(CITY), name="随州看板测试科技有限公司", industry="P2", size_class="small",
            ownership="private")).uscc
    with FinanceClient(url(platform, "finance"), ADMIN) as fin:
        deadline = time.monotonic() + 60
        while True:
            try:
                fin.known_enterprise(uscc)
                return uscc
            except ApiError as exc:
                assert exc.status == 404, exc.problem
                assert time.monotonic() < deadline, f"finance never learned of {uscc}"
                time.sleep(0.2)


def test_sign_in_see_the_api_values_follow_a_new_loan_live_and_sign_out(platform, browser, borrower, shots):
    headline = [c["code"] for c in catalogue(platform) if c["headline"]]
    overview = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(overview, platform, ADMIN, f"?view=overview&year={YEAR}")
    assert re.search(rf"/dashboard\?view=overview&year={YEAR}$", overview.url)

    # A tile per headline target, with the value the API returns, a target, a status in words.
    province = api_kpis(platform, PROVINCE)
    tiles = overview.locator("#tiles .tile")
    expect(tiles).to_have_count(len(headline))
    for code in headline:
        tile = overview.locator(f'#tiles .tile[data-indicator="{code}"]')
        expect(tile.locator(".value")).to_have_attribute("data-value", province[code] or "")
        expect(tile.locator(".status .badge")).not_to_be_empty()
        assert tile.get_attribute("title"), f"{code}: the seed clause is shown on hover"
    expect(overview.locator('#tiles .tile[data-indicator="pledge_amount"] .target')).not_to_have_text("—")
    assert overview.locator("#groups section.group").count() >= 5, "the other indicators, grouped by programme"
    shots(overview, "overview")

    # The league table: 17 cities; a click opens the city (the address says which).
    cities = browser.new_page(viewport={"width": 1366, "height": 768})
    cities.goto(f"{base(platform)}/dashboard?view=cities&year={YEAR}&indicator=pledge_amount")
    expect(cities.locator("#signin")).to_be_visible()  # a new tab has its own session: sign in there too
    cities.fill("#token", ADMIN)
    cities.click("#signin-form button[type=submit]")
    expect(cities.locator("#league tbody tr")).to_have_count(17)
    expect(cities.locator("#cities-title")).to_contain_text("知识产权质押融资金额")
    cities.click('#league th button[data-sort="city"]')
    expect(cities.locator('#league th[aria-sort="ascending"]')).to_have_count(1)
    cities.click(f'#league tbody tr[data-city="{CITY}"]')
    expect(cities.locator("#city-title")).to_contain_text(CITY_NAME)
    assert f"city={CITY}" in cities.url and "view=city" in cities.url
    expect(cities.locator("#city-groups tbody tr")).to_have_count(len(catalogue(platform)))
    expect(cities.locator("#chart canvas")).to_have_count(1)
    city_before = api_kpis(platform, CITY)["pledge_amount"]
    city_cell = cities.locator('#city-groups tr[data-indicator="pledge_amount"] td.value')
    expect(city_cell).to_have_attribute("data-value", city_before or "")
    shots(cities, "city")

    # A loan registered through the finance client moves the tile and the city's row, no reload.
    for page in (overview, cities):
        page.evaluate("window.__notReloaded = true")
    province_before = api_kpis(platform, PROVINCE)["pledge_amount"]
    with FinanceClient(url(platform, "finance"), token("bank", org="HUBEI-BANK")) as bank:
        bank.register_pledge(PledgeCreate(
            uscc=borrower, contract_no=f"DASH-{random_uscc(CITY)[-6:]}", amount=AMOUNT,
            registration_date=date(YEAR, 6, 18), term_months=12, annual_rate=Decimal("3.45"),
            risk_sharing=["risk_compensation"], items=[PledgedItemIn(kind="patent", number="200710308494.X")]))
    tile_value = overview.locator('#tiles .tile[data-indicator="pledge_amount"] .value')
    expect(tile_value).to_have_attribute("data-value", plus(province_before, AMOUNT), timeout=WAIT_MS)
    expect(city_cell).to_have_attribute("data-value", plus(city_before, AMOUNT), timeout=WAIT_MS)
    if city_before is None or Decimal(city_before) == 0:
        expect(city_cell).to_have_text("2500万元")  # the Chinese way
    for page in (overview, cities):
        assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    expect(overview.locator("#live")).to_have_text("实时更新中")

    # The Excel report of what is on screen.
    with cities.expect_download() as download:
        cities.click("#download")
    assert download.value.suggested_filename.endswith(".xlsx") and CITY_NAME in download.value.suggested_filename

    # Sign out: back to the form, and the token is gone from the session.
    overview.click("#signout")
    expect(overview.locator("#signin")).to_be_visible()
    expect(overview.locator("#signin-message")).to_have_text("已退出登录。")
    overview.reload()
    expect(overview.locator("#signin")).to_be_visible()
    for page in (overview, cities):
        page.close()


def test_a_city_officer_link_takes_the_token_once_and_shows_their_city(platform, browser, shots):
    officer = token("city-officer", city=CITY)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{base(platform)}/dashboard?access_token={officer}&year={YEAR}")
    expect(page.locator("#city-title")).to_contain_text(CITY_NAME)
    assert "access_token" not in page.url and f"city={CITY}" in page.url and "view=city" in page.url
    expect(page.locator("#who")).to_contain_text(CITY_NAME)
    # No wider than the phone: nothing forces a horizontal scroll of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    expect(page.locator("#chart canvas")).to_have_count(1)
    expect(page.locator("#live")).to_have_text("实时更新中", timeout=WAIT_MS)
    shots(page, "city-officer-phone")
    page.reload()  # kept for the session, not in the address
    expect(page.locator("#city-title")).to_contain_text(CITY_NAME)
    page.select_option("#year", str(YEAR + 1))  # the year selector: the address follows, a link can be shared
    expect(page.locator("#city-title")).to_have_text(f"{YEAR + 1}年 {CITY_NAME}")
    assert f"year={YEAR + 1}" in page.url and f"city={CITY}" in page.url
    page.go_back()
    expect(page.locator("#city-title")).to_have_text(f"{YEAR}年 {CITY_NAME}")
    page.close()


def test_no_token_a_wrong_one_or_an_expired_one_lands_on_the_sign_in_form_with_a_message(platform, browser):
    page = browser.new_page()
    page.goto(base(platform))
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#overview")).to_be_hidden()
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-message")).to_have_text("请输入访问令牌。")
    page.fill("#token", "not-a-token")
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-message")).to_contain_text("登录失败")
    expired = issue_token(DEV_JWT_SECRET, role="province-admin", sub="expired", ttl_seconds=-60)
    page.goto(f"{base(platform)}/dashboard?access_token={expired}")
    expect(page.locator("#signin-message")).to_have_text("登录已过期，请重新登录。")
    assert "access_token" not in page.url
    bank = token("bank", org="HUBEI-BANK")
    page.fill("#token", bank)
    page.click("#signin-form button[type=submit]")
    expect(page.locator("#signin-message")).to_contain_text("不能使用指标看板")
    page.close()


def test_a_broker_cut_while_the_page_is_open_says_the_data_may_be_stale_and_recovers(platform, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, platform, ADMIN, f"?year={YEAR}")
    expect(page.locator("#live")).to_have_text("实时更新中", timeout=WAIT_MS)
    expect(page.locator("#banner")).to_be_hidden()
    platform.link.cut()
    try:
        expect(page.locator("#banner")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#banner")).to_contain_text("数据可能不是最新")
        expect(page.locator("#live")).to_have_text("实时更新已中断")
    finally:
        platform.link.restore()
    expect(page.locator("#banner")).to_be_hidden(timeout=WAIT_MS)
    expect(page.locator("#live")).to_have_text("实时更新中")
    page.close()


def test_a_lost_connection_to_the_api_says_so_reconnects_and_clears_the_banner(platform, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, platform, ADMIN, f"?year={YEAR}")
    expect(page.locator("#live")).to_have_text("实时更新中", timeout=WAIT_MS)
    page.evaluate("window.__notReloaded = true")
    platform.restart("reporting")
    expect(page.locator("#banner")).to_contain_text("连接中断，数据可能不是最新", timeout=WAIT_MS)
    assert platform.wait_ready(names=["reporting"], timeout=90)["reporting"]
    expect(page.locator("#banner")).to_be_hidden(timeout=WAIT_MS)
    expect(page.locator("#live")).to_have_text("实时更新中")
    expect(page.locator("#tiles .tile")).to_have_count(8)
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    page.close()
