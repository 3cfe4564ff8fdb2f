"""Fixtures: one migrated database per run (SQLite, or KEPT_TEST_DATABASE_URL), a Kept app on
it, and a fresh tenant per test so tests never see each other's rows."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import create_engine, inspect, text

from api.config import Settings
from api.db import Database
from api.main import create_app
from api.migrations import upgrade
from api.scratch_database import scratch_postgres
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope

ALL_SCOPES = frozenset({Scope.PROMISES_READ, Scope.PROMISES_WRITE})


def _reset_postgres(url: str) -> None:
    """Drop every table so the migrations run from scratch, as on a new database."""
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("KEPT_TEST_DATABASE_URL")
    if given:
        with scratch_postgres(given, f"kept_test_{os.getpid()}") as scratch:
            url = scratch or given
            if scratch is None:
                _reset_postgres(given)
            upgrade(url)
            yield url
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'kept.db'}"
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def database(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


@dataclass
class Tenant:
    name: str
    id: str
    timezone: str
    keys: dict[str, str]


TenantFactory = Callable[..., Tenant]


@pytest.fixture
def make_tenant(database: Database) -> TenantFactory:
    def make(timezone: str = "UTC") -> Tenant:
        name = f"t-{secrets.token_hex(6)}"
        now = datetime.now(UTC)
        with database.session() as session:
            tenant = tenancy.create_tenant(session, name, timezone, now)
            keys = {
                "rw": tenancy.create_key(session, name, ALL_SCOPES, now).key,
                "read": tenancy.create_key(session, name, frozenset({Scope.PROMISES_READ}),
                                           now).key,
                "write": tenancy.create_key(session, name, frozenset({Scope.PROMISES_WRITE}),
                                            now).key,
                "admin": tenancy.create_key(session, name, frozenset({Scope.ADMIN}), now).key,
            }
        return Tenant(name, tenant.id, timezone, keys)

    return make


class Api:
    """A client for one tenant's key: `api.post("/v1/promises", json=...)`."""

    def __init__(self, client: TestClient, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def _merge(self, headers: dict[str, str] | None) -> dict[str, str]:
        return {**self.headers, **(headers or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
        response: Response = self.client.get(url, headers=self._merge(headers), **kwargs)
        return response

    def post(self, url: str, headers: dict[str, str] | None = None, **kwargs: Any) -> Response:
        response: Response = self.client.post(url, headers=self._merge(headers), **kwargs)
        return response


@pytest.fixture
def tenant(make_tenant: TenantFactory) -> Tenant:
    return make_tenant()


@pytest.fixture
def api(app_client: TestClient, tenant: Tenant) -> Api:
    return Api(app_client, tenant.keys["rw"])


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
