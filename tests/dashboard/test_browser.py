"""The dashboard in a real headless Chromium on a live Kept server: sign in, every page on a
seeded tenant, figures checked against `GET /v1/scorecard`, no console errors, live refresh.
Screenshots go to test-artifacts/dashboard/."""

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

from api.db import Database
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.builders import now
from tests.conftest import ALL_SCOPES
from tests.dashboard.seed import seed

WAIT = 20


@dataclass
class Shop:
    base: str
    api: httpx.Client
    read_key: str


@pytest.fixture(scope="module")
def shop(live_server: str, database: Database) -> Iterator[Shop]:
    name = f"dash-{secrets.token_hex(4)}"
    at = datetime.now(UTC)
    with database.session() as session:
        tenancy.create_tenant(session, name, "Europe/Rome", at)
        key = tenancy.create_key(session, name, ALL_SCOPES, at).key
        read_key = tenancy.create_key(session, name, frozenset({Scope.PROMISES_READ}), at).key
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {key}"}) as api:
        seed(api, now())
        yield Shop(live_server, api, read_key)


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "dashboard"
    folder.mkdir(exist_ok=True)
    return folder


def console_errors(browser: WebDriver) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return [entry for entry in entries if entry.get("level") == "SEVERE"]


def text_of(browser: WebDriver, selector: str) -> str:
    return str(browser.find_element(By.CSS_SELECTOR, selector).text)


def sign_in(browser: WebDriver, shop: Shop) -> None:
    browser.get(f"{shop.base}/dashboard")
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/dashboard/sign-in"))
    browser.find_element(By.ID, "key").send_keys(shop.read_key)
    browser.find_element(By.CSS_SELECTOR, ".sign-in button[type=submit]").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.current_url.endswith("/dashboard"))


def test_every_page_in_a_browser(dashboard_browser: WebDriver, shop: Shop, shots: Path) -> None:
    browser = dashboard_browser
    browser.get(f"{shop.base}/dashboard/sign-in")
    browser.save_screenshot(str(shots / "sign-in.png"))
    sign_in(browser, shop)

    # Overview: the tiles show the scorecard of the same period.
    period = browser.find_element(By.ID, "period")
    card = shop.api.get("/v1/scorecard", params={
        "from": period.get_attribute("data-from"), "to": period.get_attribute("data-to"),
        "time_field": "resolved"}).json()["totals"]
    for name in ("keep_rate", "exceed_rate", "break_rate"):
        shown = text_of(browser, f'[data-figure="{name}"] .big')
        assert shown == f"{card[name] * 100:.1f}%"
    assert text_of(browser, '[data-figure="decided"] .big') == str(
        card["exceeded"] + card["met"] + card["broken"])
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart g.day")) > 0
    assert "Deliveries kept" in text_of(browser, "#objectives")
    browser.save_screenshot(str(shots / "overview.png"))

    # Breakdown by carrier: each group's keep rate is the scorecard's.
    browser.get(f"{shop.base}/dashboard/breakdown?by=label:carrier&sort=keep_rate")
    period = browser.find_element(By.ID, "period")
    groups = shop.api.get("/v1/scorecard", params={
        "from": period.get_attribute("data-from"), "to": period.get_attribute("data-to"),
        "time_field": "resolved", "group_by": "label:carrier"}).json()["groups"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#breakdown tbody tr")
    assert len(rows) == len(groups) == 3
    for group in groups:
        row = browser.find_element(
            By.CSS_SELECTOR, f'#breakdown tr[data-group="{group["key"]["label:carrier"]}"]')
        assert row.find_element(By.CSS_SELECTOR, "[data-keep-rate]").text == (
            f"{group['keep_rate'] * 100:.1f}%")
    browser.save_screenshot(str(shots / "breakdown.png"))
    browser.find_element(By.LINK_TEXT, "dhl").click()
    WebDriverWait(browser, WAIT).until(lambda d: "label=carrier" in d.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#promises tbody tr")) == 15
    browser.save_screenshot(str(shots / "promises.png"))

    # At risk now, with its live refresh run now rather than waited for.
    browser.get(f"{shop.base}/dashboard/at-risk")
    assert len(browser.find_elements(By.CSS_SELECTOR, "#at-risk tbody tr")) == 6
    assert browser.execute_script("return window.KeptDashboard.refreshSeconds") == 60
    browser.execute_script("window.KeptDashboard.refresh()")
    WebDriverWait(browser, WAIT).until(
        lambda d: text_of(d, "#refresh-state").startswith("Updated"))
    browser.save_screenshot(str(shots / "at-risk.png"))

    # One promise's story.
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
