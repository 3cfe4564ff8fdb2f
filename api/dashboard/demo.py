"""`kept demo`: a realistic generated data set in a (fresh) database, so a new user sees the
dashboard full in one step. Promises come from the benchmark's generator (api/bench); an
objective is created through the objectives service."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text

from api.bench.promise_generator import generate_promises
from api.config import Settings
from api.db import Database
from api.migrations import upgrade
from api.objectives import service as objectives
from api.objectives.schemas import ObjectiveCreate
from api.tenancy import service as tenancy
from api.tenancy.auth import Principal
from api.tenancy.keys import Scope

TIMEZONE = "Europe/Rome"


@dataclass(frozen=True)
class Demo:
    tenant: str
    key: str
    promises: int


def load_demo(database_url: str, promises: int, days: int, now: datetime) -> Demo:
    """Migrate, then add a demo tenant with `promises` made over the last `days` days, a
    read+write key and a delivery objective."""
    upgrade(database_url)
    database = Database(Settings(database_url=database_url))
    try:
        name = f"demo-{secrets.token_hex(3)}"
        with database.session() as session:
            tenant = tenancy.create_tenant(session, name, TIMEZONE, now)
            issued = tenancy.create_key(
                session, name, frozenset({Scope.PROMISES_READ, Scope.PROMISES_WRITE}), now)
        with database.engine.begin() as connection:
            generated = generate_promises(connection, tenant.id, promises, now, days=days)
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # planner statistics after the bulk insert
        principal = Principal(tenant.id, TIMEZONE, issued.record.id,
                              frozenset({Scope.PROMISES_READ}))
        with database.session() as session:
            objectives.create_objective(session, principal, ObjectiveCreate.model_validate({
                "name": "Deliveries on time", "target": 0.95, "filter": {"kind": "delivery"},
                "window": {"type": "rolling", "days": 28}}), now)
        return Demo(name, issued.key, generated.promises)
    finally:
        database.dispose()
