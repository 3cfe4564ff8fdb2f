"""`kept demo`: a realistic data set in a (fresh) database, so a new user sees the dashboard full
in one step: generated promises (the benchmark's generator, api/bench), or the real Olist
sample moved forward to today and loaded by the importer's `olist` preset. An objective is
created through the objectives service."""

from __future__ import annotations

import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from sqlalchemy import text

from api.bench.promise_generator import generate_promises
from api.config import Settings
from api.dashboard.olist_sample import moved_copy, orders_path, taken_at, whole_weeks_since
from api.db import Database
from api.importer.command import ImportOptions, import_file
from api.importer.presets import OLIST_ZONE
from api.migrations import upgrade
from api.objectives import service as objectives
from api.objectives.schemas import ObjectiveCreate
from api.tenancy import service as tenancy
from api.tenancy.auth import Principal
from api.tenancy.keys import Scope

TIMEZONE = "Europe/Rome"


OBJECTIVE = {"name": "Deliveries on time", "target": 0.95, "filter": {"kind": "delivery"},
             "window": {"type": "rolling", "days": 28}}


@dataclass(frozen=True)
class Demo:
    tenant: str
    key: str
    promises: int
    weeks_moved: int = 0  # the Olist sample's dates moved forward by this many weeks
    rejected: int = 0  # Olist rows the importer refused (see the error file it names)


def _tenant(database: Database, zone: str, now: datetime) -> tuple[str, str, Principal]:
    """A new demo tenant: its name, a read+write key, and a principal to act for it."""
    name = f"demo-{secrets.token_hex(3)}"
    with database.session() as session:
        tenant = tenancy.create_tenant(session, name, zone, now)
        issued = tenancy.create_key(
            session, name, frozenset({Scope.PROMISES_READ, Scope.PROMISES_WRITE}), now)
    return name, issued.key, Principal(tenant.id, zone, issued.record.id,
                                       frozenset({Scope.PROMISES_READ}))


def _objective(database: Database, principal: Principal, now: datetime) -> None:
    with database.session() as session:
        objectives.create_objective(session, principal,
                                    ObjectiveCreate.model_validate(OBJECTIVE), now)


def load_demo(database_url: str, promises: int, days: int, now: datetime) -> Demo:
    """Migrate, then add a demo tenant with `promises` made over the last `days` days, a
    read+write key and a delivery objective."""
    upgrade(database_url)
    database = Database(Settings(database_url=database_url))
    try:
        name, key, principal = _tenant(database, TIMEZONE, now)
        with database.engine.begin() as connection:
            generated = generate_promises(connection, principal.tenant_id, promises, now,
                                          days=days)
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # planner statistics after the bulk insert
        _objective(database, principal, now)
        return Demo(name, key, generated.promises)
    finally:
        database.dispose()


def load_olist_demo(database_url: str, given: Path, now: datetime,
                    rows: int | None = None) -> Demo:
    """Migrate, then load the Olist orders (`given`: the orders CSV or its folder; the first
    `rows` of them) into a demo tenant in São Paulo, moved forward by whole weeks so that the
    sample's last day is this week, with a read+write key and a delivery objective."""
    orders = orders_path(given)
    if not orders.is_file():
        raise FileNotFoundError(f"no Olist orders file at {orders}")
    upgrade(database_url)
    settings = Settings(database_url=database_url)
    database = Database(settings)
    try:
        name, key, principal = _tenant(database, OLIST_ZONE, now)
        weeks = whole_weeks_since(taken_at(orders, rows), now)
        with tempfile.TemporaryDirectory(prefix="kept-demo-") as scratch:
            moved = moved_copy(orders, Path(scratch) / orders.name, weeks)
            # Rows the file dates after its last delivery (a few cancellations) land in the
            # future and are refused; their error file goes with the temporary copy.
            summary = import_file(ImportOptions(
                file=moved, preset="olist", tenant=name, limit=rows, progress=False,
                errors=Path(scratch) / "errors.csv"), settings, Console(quiet=True), lambda: now)
        _objective(database, principal, now)
        return Demo(name, key, summary.created, weeks, summary.rejected)
    finally:
        database.dispose()
