"""Fixtures of the public status: an app without the per-IP limit, a live Kept server on
127.0.0.1, and headless Chromium (Debian's `chromium` and `chromium-driver`, nothing downloaded).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.chrome.webdriver import WebDriver

from api.config import Settings
from api.main import create_app
from tests.live_server import serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run")


def unlimited(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_rate_limit_per_minute": 0})


@pytest.fixture(scope="session")
def public_client(settings: Settings) -> Iterator[TestClient]:
    """A client of an app without the per-IP limit, so tests never wait on each other."""
    with TestClient(create_app(unlimited(settings)), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="session")
def live_server(settings: Settings) -> Iterator[str]:
    """A real Kept server (uvicorn, in a thread) on the test database; yields its base URL."""
    with serving(create_app(unlimited(settings))) as base:
        yield base


def _browser_missing() -> str | None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return None
    return (f"{', '.join(missing)} missing: `make test` installs Debian's chromium and "
            "chromium-driver")


def headless_chromium(profile: Path, window_size: str = "760,560",
                      console_log: bool = False) -> Iterator[WebDriver]:
    """Headless Chromium driven by Selenium with a fresh profile in `profile` (skipped, or a
    failure under KEPT_REQUIRE_BROWSER, when chromium is missing); quit afterwards."""
    problem = _browser_missing()
    if problem:
        if os.environ.get("KEPT_REQUIRE_BROWSER"):
            pytest.fail(problem)
        pytest.skip(problem)
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={window_size}")
    options.add_argument(f"--user-data-dir={profile}")
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium driven by Selenium, with a fresh profile."""
    yield from headless_chromium(tmp_path_factory.mktemp("chromium-profile"))
