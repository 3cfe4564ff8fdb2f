"""The scorecard benchmark: generated promises in a fresh tenant, then timed scorecards.

(a) the last 30 days grouped by `kind` and `day` (in Europe/Berlin, the tenant's zone) —
target ≤ 100 ms — beside its floor: the same rows read and counted by kind and UTC day in
hand-written SQL, without lateness, earliness or percentiles (where the floor itself takes
longer than the target, no scorecard can meet it on that machine); (b) the full history grouped
by `label:carrier` and `month` (UTC), against the same figures from a hand-written SQL GROUP BY
in the same run — target ≤ 2×.

Each figure is the median of `repeat` runs after one warm-up run, in milliseconds, measured
around the service call (SQL building, both queries, shaping). Also part of `kept bench`:

    python -m api.bench.scorecard [--promises N] [--database-url URL] [--keep]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, text

from api.bench.hand_written import hand_written_scorecard, recent_counts_floor
from api.bench.promise_generator import generate_promises
from api.config import Settings
from api.db import Database
from api.domain.scorecard_rules import Bucket, GroupKey
from api.migrations import upgrade
from api.models import Promise, PromiseLabel, Tenant
from api.promises.queries import PromiseFilters
from api.scorecards.service import ScorecardQuery, run_scorecard
from api.tenancy import service as tenancy

TIMEZONE = "Europe/Berlin"


def _median_ms(run: Callable[[], Any], repeat: int) -> float:
    run()  # warm-up: caches, plans
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return round(statistics.median(times), 1)


def settle(database: Database) -> None:
    """Steady state after the bulk insert: planner statistics, and on SQLite the write-ahead
    log folded back into the database file."""
    with database.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    if database.settings.is_sqlite:
        with database.engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def _forget(database: Database, tenant_id: str) -> None:
    with database.engine.begin() as connection:
        for table in (PromiseLabel, Promise):
            connection.execute(delete(table).where(table.tenant_id == tenant_id))  # type: ignore[arg-type]
        connection.execute(delete(Tenant).where(Tenant.id == tenant_id))  # type: ignore[arg-type]


def run_scorecard_bench(
    database_url: str, promises: int = 1_000_000, *, repeat: int = 5, keep: bool = False,
) -> dict[str, float]:
    """Generate `promises` in a fresh tenant of `database_url` (migrated first), time the
    scorecards, and remove the tenant again unless `keep`. Figures in ms (and a ratio)."""
    upgrade(database_url)
    database = Database(Settings(database_url=database_url))
    now = datetime.now(UTC).replace(microsecond=0)
    with database.session() as session:
        tenant = tenancy.create_tenant(session, f"bench-{secrets.token_hex(4)}", TIMEZONE, now)
    figures: dict[str, float] = {"promises": float(promises)}
    try:
        began = time.perf_counter()
        with database.engine.begin() as connection:
            generated = generate_promises(connection, tenant.id, promises, now)
        figures["generate_seconds"] = round(time.perf_counter() - began, 1)
        figures["labels"] = float(generated.labels)
        settle(database)
        since = now - timedelta(days=30)
        recent = ScorecardQuery(filters=PromiseFilters(), start=since,
                                end=now, group_by=(GroupKey("kind"),), bucket=Bucket.DAY,
                                timezone=TIMEZONE)
        history = ScorecardQuery(filters=PromiseFilters(), group_by=(GroupKey(
            "label:carrier", "carrier"),), bucket=Bucket.MONTH, timezone="UTC")
        with database.session() as session:
            figures["last_30_days_by_kind_day_ms"] = _median_ms(
                lambda: run_scorecard(session, tenant.id, recent, now), repeat)
            figures["last_30_days_counts_floor_ms"] = _median_ms(
                lambda: recent_counts_floor(session, tenant.id, since, now, now), repeat)
            figures["history_by_carrier_month_ms"] = _median_ms(
                lambda: run_scorecard(session, tenant.id, history, now), repeat)
            figures["history_hand_written_sql_ms"] = _median_ms(
                lambda: hand_written_scorecard(session, tenant.id, now), repeat)
        figures["last_30_days_ratio"] = round(
            figures["last_30_days_by_kind_day_ms"] / figures["last_30_days_counts_floor_ms"], 2)
        figures["history_ratio"] = round(
            figures["history_by_carrier_month_ms"] / figures["history_hand_written_sql_ms"], 2)
    finally:
        if not keep:
            _forget(database, tenant.id)
        database.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the scorecard on generated promises.")
    parser.add_argument("--promises", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None,
                        help="default: a new SQLite file in a temporary directory")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the generated tenant")
    options = parser.parse_args()
    url = options.database_url
    with tempfile.TemporaryDirectory() as scratch:
        url = url or f"sqlite:///{Path(scratch) / 'bench.db'}"
        figures = run_scorecard_bench(url, options.promises, repeat=options.repeat,
                                      keep=options.keep)
    for name, value in figures.items():
        print(f"{name:32} {value:>12,.1f}")  # noqa: T201


if __name__ == "__main__":
    main()
