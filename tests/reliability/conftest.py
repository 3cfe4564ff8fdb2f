"""Fixtures of the reliability tests: a database of the test's own, on the suite's database
(a new SQLite file, or a new database on KEPT_TEST_DATABASE_URL's PostgreSQL server), so a
killed server or a cut connection never touches the database other tests use."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.config import Settings
from api.db import Database
from api.scratch_database import scratch_postgres
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.reliability.kept_server import kept_migrate


@pytest.fixture
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database migrated by `kept migrate`.

    Where the PostgreSQL role may not create databases, the suite's shared database (already
    migrated) is used instead; the tests only look at their own tenant's rows.
    """
    given = os.environ.get("KEPT_TEST_DATABASE_URL")
    if not given:
        url = f"sqlite:///{tmp_path / 'kept.db'}"
        kept_migrate(url)
        yield url
        return
    with scratch_postgres(given, f"kept_reliability_{os.getpid()}") as scratch:
        if scratch is None:
            yield request.getfixturevalue("database_url")
            return
        kept_migrate(scratch)
        yield scratch


@dataclass(frozen=True)
class ServerTenant:
    id: str
    rw_key: str  # promises:read and promises:write
    admin_key: str


@pytest.fixture
def server_tenant(fresh_database_url: str) -> ServerTenant:
    """A tenant with a read-write and an admin key, created as `kept tenants create` and
    `kept keys create` do, before any server starts."""
    name = f"t-{secrets.token_hex(6)}"
    now = datetime.now(UTC)
    database = Database(Settings(database_url=fresh_database_url))
    try:
        with database.session() as session:
            tenant = tenancy.create_tenant(session, name, "UTC", now)
            rw = tenancy.create_key(
                session, name, frozenset({Scope.PROMISES_READ, Scope.PROMISES_WRITE}), now)
            admin = tenancy.create_key(session, name, frozenset({Scope.ADMIN}), now)
    finally:
        database.dispose()
    return ServerTenant(tenant.id, rw.key, admin.key)
