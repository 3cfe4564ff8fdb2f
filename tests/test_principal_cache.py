"""The principal cache: a key is looked up once per moment; a revoked key stops working when
its moment ends."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from api.config import Settings
from api.db import Database
from api.main import create_app
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from api.tenancy.principal_cache import PrincipalCache
from tests.conftest import TenantFactory


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_and_zero_seconds_keeps_nothing() -> None:
    ticks = Ticks()
    cache = PrincipalCache(1.0, clock=ticks)
    principal = object()
    cache.put("digest", principal)  # type: ignore[arg-type]
    assert cache.get("digest") is principal
    ticks.now += 0.999
    assert cache.get("digest") is principal
    ticks.now += 0.001
    assert cache.get("digest") is None
    off = PrincipalCache(0, clock=ticks)
    off.put("digest", principal)  # type: ignore[arg-type]
    assert off.get("digest") is None


def test_a_revoked_key_is_refused_once_its_moment_has_passed(
    settings: Settings, database: Database, make_tenant: TenantFactory,
) -> None:
    tenant = make_tenant()
    now = datetime.now(UTC)
    with database.session() as session:
        issued = tenancy.create_key(session, tenant.name, frozenset({Scope.PROMISES_READ}), now)
    app = create_app(settings)
    ticks = Ticks()
    app.state.principals = PrincipalCache(1.0, clock=ticks)
    headers = {"Authorization": f"Bearer {issued.key}"}
    with TestClient(app) as client:
        assert client.get("/v1/promises", headers=headers).status_code == 200
        with database.session() as session:
            tenancy.revoke_key(session, issued.record.prefix, now)
        assert client.get("/v1/promises", headers=headers).status_code == 200  # remembered
        ticks.now += 1.0
        assert client.get("/v1/promises", headers=headers).status_code == 401
        forged = {"Authorization": "Bearer kept_" + "x" * 40}
        assert client.get("/v1/promises", headers=forged).status_code == 401
