"""The dashboard in a real headless Chromium on a live Kept server: sign in, every page, the
figures shown checked against the API (`GET /v1/scorecard`, `GET /v1/promises`) of the same
server, no console errors, the live refresh, sign out. Screenshots go to
test-artifacts/dashboard/<data set>/.

Two data sets: `generated`, a small varied tenant made through the API (seed.py), and
`olist`, the real Olist sample loaded with the importer's `olist` preset (all of it on SQLite,
the first 3,000 orders on PostgreSQL; olist.py), served as of the day after its last delivery
(`api/dashboard/olist_sample.py`); skipped when the sample is not there.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.config import Settings
from api.dashboard.olist_sample import taken_at
from api.dashboard.open_promises import SHOWN
from api.db import Database
from api.importer.presets import OLIST_ZONE
from api.main import create_app
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.builders import now
from tests.conftest import ALL_SCOPES
from tests.dashboard.olist import load_olist, olist_directory, orders_file, rows_to_load
from tests.dashboard.seed import seed
from tests.live_server import serving
from tests.public.conftest import unlimited

WAIT = 20
OBJECTIVE_NAME = "Deliveries kept"  # seed.py's objective, made for the Olist tenant too
OBJECTIVE = {"name": OBJECTIVE_NAME, "target": 0.9, "filter": {"kind": "delivery"},
             "window": {"type": "rolling", "days": 28}}


@dataclass
class Shop:
    source: str
    base: str
    api: httpx.Client
    read_key: str
    group_by: str  # the breakdown's grouping checked


def _tenant(database: Database, zone: str) -> tuple[str, str, str]:
    """A new tenant's name, a read-write key and a read-only key."""
    name = f"dash-{secrets.token_hex(4)}"
    at = datetime.now(UTC)
    with database.session() as session:
        tenancy.create_tenant(session, name, zone, at)
        key = tenancy.create_key(session, name, ALL_SCOPES, at).key
        read_key = tenancy.create_key(session, name, frozenset({Scope.PROMISES_READ}), at).key
    return name, key, read_key


@pytest.fixture(scope="module", params=["generated", "olist"])
def shop(request: pytest.FixtureRequest, settings: Settings, database: Database,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    source: str = request.param
    if source == "olist":
        orders = orders_file()
        if not orders.is_file():
            pytest.skip(f"the Olist sample is not at {olist_directory()} (KEPT_OLIST_DIR)")
        name, key, read_key = _tenant(database, OLIST_ZONE)
        rows = rows_to_load(settings)
        loaded = load_olist(settings, name, orders, rows,
                            tmp_path_factory.mktemp("olist") / "errors.csv")
        assert loaded.created > 0 and loaded.created + loaded.rejected == loaded.rows
        moment = taken_at(orders, rows)
        app = create_app(unlimited(settings), clock=lambda: moment)
        group_by = "label:order_status"
    else:
        name, key, read_key = _tenant(database, "Europe/Rome")
        app = create_app(unlimited(settings))
        group_by = "label:carrier"
    with serving(app) as base, httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {key}"}) as api:
        if source == "generated":
            seed(api, now())
        else:
            made = api.post("/v1/objectives", json=OBJECTIVE)
            assert made.status_code == 201, made.text
        yield Shop(source, base, api, read_key, group_by)


@pytest.fixture
def shots(artifacts_dir: Path, shop: Shop) -> Path:
    folder = artifacts_dir / "dashboard" / shop.source
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def console_errors(browser: WebDriver) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry for entry in entries if entry.get("level") == "SEVERE"]


def text_of(browser: WebDriver, selector: str) -> str:
    return str(browser.find_element(By.CSS_SELECTOR, selector).text)


def rate_text(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def sign_in(browser: WebDriver, shop: Shop) -> None:
    browser.get(f"{shop.base}/dashboard")
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/dashboard/sign-in"))
    browser.find_element(By.ID, "key").send_keys(shop.read_key)
    browser.find_element(By.CSS_SELECTOR, ".sign-in button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/dashboard"))


def scorecard_of_period(browser: WebDriver, shop: Shop, **params: str) -> dict[str, Any]:
    """The API's scorecard of the promises decided in the period the page shows."""
    period = browser.find_element(By.ID, "period")
    response = shop.api.get("/v1/scorecard", params={
        "from": period.get_attribute("data-from"), "to": period.get_attribute("data-to"),
        "time_field": "resolved", **params})
    assert response.status_code == 200, response.text
    card: dict[str, Any] = response.json()
    return card


def check_overview(browser: WebDriver, shop: Shop, days: int) -> None:
    browser.get(f"{shop.base}/dashboard?days={days}")
    card = scorecard_of_period(browser, shop)["totals"]
    decided = card["exceeded"] + card["met"] + card["broken"]
    assert decided > 0
    for name in ("keep_rate", "exceed_rate", "break_rate"):
        assert text_of(browser, f'[data-figure="{name}"] .big') == rate_text(card[name])
    assert text_of(browser, '[data-figure="decided"] .big') == str(decided)
    daily = scorecard_of_period(browser, shop, bucket="day")["groups"]
    drawn = browser.find_elements(By.CSS_SELECTOR, "svg.chart g.day")
    assert [day.get_attribute("data-day") for day in drawn] == [
        group["key"]["bucket"] for group in daily]
    assert OBJECTIVE_NAME in text_of(browser, "#objectives")


def check_breakdown(browser: WebDriver, shop: Shop) -> None:
    browser.get(f"{shop.base}/dashboard/breakdown?by={shop.group_by}&sort=keep_rate&days=90")
    groups = scorecard_of_period(browser, shop, group_by=shop.group_by)["groups"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#breakdown tbody tr")
    assert len(rows) == len(groups) > 0
    for group in groups:
        value = group["key"][shop.group_by]
        row = browser.find_element(By.CSS_SELECTOR, f'#breakdown tr[data-group="{value}"]')
        assert row.find_element(By.CSS_SELECTOR, "[data-decided]").text == str(
            group["exceeded"] + group["met"] + group["broken"])
        assert row.find_element(By.CSS_SELECTOR, "[data-keep-rate]").text == rate_text(
            group["keep_rate"])


def check_group_link(browser: WebDriver, shop: Shop) -> None:
    """The first group's link lists that group's promises, 50 a page."""
    link = browser.find_element(By.CSS_SELECTOR, "#breakdown tbody th a")
    label = shop.group_by.removeprefix("label:")
    value = link.text
    link.click()
    WebDriverWait(browser, WAIT).until(lambda d: f"label={label}" in d.current_url)
    listed = shop.api.get("/v1/promises", params={f"label.{label}": value, "limit": 50})
    shown = browser.find_elements(By.CSS_SELECTOR, "#promises tbody tr")
    assert len(shown) == len(listed.json()["data"]) > 0


def check_at_risk(browser: WebDriver, shop: Shop) -> None:
    """Every open promise counted, the ones with the least time remaining listed first."""
    browser.get(f"{shop.base}/dashboard/at-risk")
    card = shop.api.get("/v1/scorecard").json()["totals"]
    counted = browser.find_element(By.ID, "open-count")
    assert counted.get_attribute("data-open") == str(card["pending"] + card["at_risk"])
    assert counted.get_attribute("data-at-risk") == str(card["at_risk"])
    cells = browser.find_elements(By.CSS_SELECTOR, "#at-risk tbody td[data-seconds]")
    assert len(cells) == min(SHOWN, card["pending"] + card["at_risk"]) > 0
    seconds = [float(cell.get_attribute("data-seconds") or "nan") for cell in cells]
    assert seconds == sorted(seconds)
    assert browser.execute_script("return window.KeptDashboard.refreshSeconds") == 60
    browser.execute_script("window.KeptDashboard.refresh()")
    WebDriverWait(browser, WAIT).until(
        lambda d: text_of(d, "#refresh-state").startswith("Updated"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#at-risk tbody td[data-seconds]")) == (
        len(cells))


def test_every_page_in_a_browser(dashboard_browser: WebDriver, shop: Shop, shots: Path) -> None:
    browser = dashboard_browser
    browser.get(f"{shop.base}/dashboard/sign-in")
    browser.save_screenshot(str(shots / "sign-in.png"))
    sign_in(browser, shop)

    for days in (30, 90):  # the tiles, the chart's days and the objective, against the API
        check_overview(browser, shop, days)
        browser.save_screenshot(str(shots / f"overview-{days}d.png"))

    check_breakdown(browser, shop)
    browser.save_screenshot(str(shots / "breakdown.png"))
    check_group_link(browser, shop)
    browser.save_screenshot(str(shots / "promises.png"))

    check_at_risk(browser, shop)  # with its live refresh run now rather than waited for
    browser.save_screenshot(str(shots / "at-risk.png"))

    # One promise's story: an open one from the list, then a broken one.
    browser.find_element(By.CSS_SELECTOR, "#at-risk tbody tr a").click()
    WebDriverWait(browser, WAIT).until(lambda d: "/dashboard/promises/prm_" in d.current_url)
    assert browser.find_elements(By.CSS_SELECTOR, "svg.timeline g.event")
    listed = shop.api.get("/v1/promises", params={"status": "broken", "limit": 1}).json()
    browser.get(f"{shop.base}/dashboard/promises/{listed['data'][0]['id']}")
    assert "broken" in text_of(browser, "h1")
    browser.save_screenshot(str(shots / "promise.png"))

    assert console_errors(browser) == []

    # Sign out through the form (its CSRF token included); pages then need signing in.
    browser.find_element(By.CSS_SELECTOR, ".sign-out button").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/dashboard/sign-in"))
    browser.get(f"{shop.base}/dashboard/promises")
    assert browser.current_url.endswith("/dashboard/sign-in")
    assert console_errors(browser) == []
