"""A tenant's ledger on an app whose clock stands still, for hand-computed fixtures.

Each ledger is its own tenant on a dedicated app built with `create_app(settings, clock=...)`:
the shared session app is never touched.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.config import Settings
from api.db import Database
from api.main import create_app
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope
from tests.conftest import Api


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


class Ledger(Api):
    """An `Api` for one tenant, with shorthands that assert each write succeeded."""

    def __init__(self, client: TestClient, key: str, tenant_id: str, clock: Clock) -> None:
        super().__init__(client, key)
        self.tenant_id = tenant_id
        self.clock = clock

    def promise(self, external_id: str, made_at: str, due_at: str, *, kind: str = "delivery",
                **fields: Any) -> dict[str, Any]:
        body = {"external_id": external_id, "kind": kind, "made_at": made_at,
                "due_at": due_at, **fields}
        response = self.post("/v1/promises", json=body)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def event(self, external_id: str, type_: str, occurred_at: str,
              **fields: Any) -> dict[str, Any]:
        response = self.post("/v1/events", json={"external_id": external_id, "type": type_,
                                                 "occurred_at": occurred_at, **fields})
        assert response.status_code in (200, 201), response.text
        recorded: dict[str, Any] = response.json()
        return recorded

    def fulfil(self, external_id: str, at: str) -> None:
        self.event(external_id, "fulfilled", at)

    def cancel(self, external_id: str, at: str, by: str) -> None:
        self.event(external_id, "cancelled", at, by=by)

    def revise(self, external_id: str, at: str, due_at: str, by: str) -> None:
        self.event(external_id, "revised", at, due_at=due_at, requested_by=by)


@contextmanager
def open_ledger(settings: Settings, database: Database, now: datetime,
                timezone: str = "UTC") -> Iterator[Ledger]:
    """A fresh tenant (read+write key) on an app whose clock reads `now`."""
    name = f"t-{secrets.token_hex(6)}"
    with database.session() as session:
        tenant = tenancy.create_tenant(session, name, timezone, now)
        key = tenancy.create_key(session, name, frozenset({Scope.PROMISES_READ,
                                                            Scope.PROMISES_WRITE}), now).key
    clock = Clock(now)
    with TestClient(create_app(settings, clock=clock), raise_server_exceptions=False) as client:
        yield Ledger(client, key, tenant.id, clock)
