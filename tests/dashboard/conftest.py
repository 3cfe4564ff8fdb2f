"""Fixtures of the dashboard: an app with a fixed session secret, a signed-in browser-like
client, and a tenant seeded with a small varied data set. Headless Chromium is set up as the
public status's fixtures set it up; the browser tests start their own live servers
(tests/live_server.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from selenium.webdriver.chrome.webdriver import WebDriver

from api.config import Settings
from api.main import create_app
from tests.builders import now
from tests.conftest import Api, Tenant, TenantFactory
from tests.dashboard.seed import seed
from tests.public.conftest import headless_chromium  # the public status's browser set-up

SECRET = "test-dashboard-secret"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="session")
def dashboard_app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"session_secret": SECRET}))


@pytest.fixture
def visitor(dashboard_app: FastAPI) -> Iterator[TestClient]:
    """A client with its own cookie jar, like one browser."""
    with TestClient(dashboard_app, raise_server_exceptions=False,
                    follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def sign_in(client: TestClient, key: str) -> None:
    form = client.get("/dashboard/sign-in")
    signed = client.post("/dashboard/sign-in",
                         data={"key": key, "csrf_token": csrf_of(form.text)})
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/dashboard"


@pytest.fixture
def seeded(make_tenant: TenantFactory, app_client: TestClient) -> Tenant:
    tenant = make_tenant()
    seed(Api(app_client, tenant.keys["rw"]), now())
    return tenant


@pytest.fixture(scope="module")
def dashboard_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium as the public status's tests set it up, wider, keeping the console
    log so tests can assert there were no errors."""
    yield from headless_chromium(tmp_path_factory.mktemp("chromium-dashboard"),
                                 window_size="1200,1000", console_log=True)
