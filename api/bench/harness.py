"""`kept bench`: the floors and Kept's figures on SQLite (always) and PostgreSQL (when
`KEPT_BENCH_DATABASE_URL` is given), one database after the other, in one run.

Each server runs alone while it is measured (the floors' server, then Kept's), as a real
uvicorn process on 127.0.0.1 driven by an async httpx load generator in this process.
"""

from __future__ import annotations

import os
import platform
import secrets
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from api.bench import measures
from api.bench.report import evaluate
from api.bench.servers import FLOORS, KEPT, running, server_environment
from api.config import Settings
from api.db import Database
from api.migrations import ROOT, upgrade
from api.scratch_database import scratch_postgres
from api.tenancy import service as tenancy
from api.tenancy.keys import Scope

POSTGRES_VARIABLE = "KEPT_BENCH_DATABASE_URL"
OLIST_ORDERS = ROOT.parent / "shared" / "data" / "olist" / "olist_orders_dataset.csv"
WARM_UP = 200


@dataclass(frozen=True)
class BenchConfig:
    batch_promises: int = 20_000
    requests: int = 2_000
    concurrency: int = 32
    import_rows: int = 20_000
    executemany_rows: int = 50_000
    scorecard_promises: int = 100_000
    dashboard_promises: int | None = None  # None: as many as scorecard_promises
    postgres_url: str | None = None
    sqlite: bool = True
    olist: bool = True


Say = Callable[[str], None]


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform(), "load_average": [round(value, 2) for value in
                                                          os.getloadavg()],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_bench(config: BenchConfig, workdir: Path, say: Say) -> dict[str, Any]:
    """Every figure, per database, with the ratios and targets (see `api.bench.report`)."""
    results: dict[str, Any] = {"machine": machine(), "config": asdict(config) | {
        "postgres_url": bool(config.postgres_url)}, "databases": {}}
    if config.sqlite:
        url = f"sqlite:///{workdir / 'bench.db'}"
        results["databases"]["sqlite"] = bench_database("sqlite", url, config, workdir, say)
    if config.postgres_url:
        with scratch_postgres(config.postgres_url, "kept_bench") as scratch:
            results["databases"]["postgresql"] = bench_database(
                "postgresql", scratch or config.postgres_url, config, workdir, say)
    results["machine"]["load_average_after"] = [round(value, 2) for value in os.getloadavg()]
    return results


def bench_database(name: str, url: str, config: BenchConfig, workdir: Path,
                   say: Say) -> dict[str, Any]:
    upgrade(url)
    run = f"b{secrets.token_hex(3)}"
    database = Database(Settings(database_url=url))
    now = datetime.now(UTC)
    with database.session() as session:
        kept_tenant = tenancy.create_tenant(session, f"bench-{run}", "UTC", now)
        key = tenancy.create_key(session, kept_tenant.name,
                                 frozenset({Scope.PROMISES_READ, Scope.PROMISES_WRITE}), now).key
        floor_tenant = tenancy.create_tenant(session, f"floor-{run}", "UTC", now)
    floors: dict[str, float] = {}
    kept: dict[str, float] = {}
    log = workdir / f"servers-{name}.log"
    try:
        say(f"{name}: floor — executemany of {config.executemany_rows:,} promise rows "
            "(SQLAlchemy Core, then the driver's own)")
        floors["executemany_rows_per_s"], floor_ids = measures.executemany_floor(
            database, floor_tenant.id, config.executemany_rows)
        floors["raw_executemany_rows_per_s"] = measures.raw_executemany_floor(
            database, floor_tenant.id, config.executemany_rows)
        environment = server_environment(url, KEPT_BENCH_TENANT_ID=floor_tenant.id)
        with running(FLOORS, environment, log) as server:
            say(f"{name}: floor — {config.requests:,} inserts and reads at "
                f"{config.concurrency} connections")
            _http(floors, "create", measures.warmed_load(
                server, measures.creates("/floor/promises", f"{run}-f", config.requests),
                measures.creates("/floor/promises", f"{run}-fw", WARM_UP), config.concurrency))
            _http(floors, "get", measures.warmed_load(
                server, measures.reads("/floor/promises", floor_ids, config.requests),
                measures.reads("/floor/promises", floor_ids, WARM_UP), config.concurrency))
        headers = {"Authorization": f"Bearer {key}"}
        with running(KEPT, server_environment(url), log) as server:
            base = server.base
            say(f"{name}: Kept — batch ingest of {config.batch_promises:,} promises")
            kept["batch_ingest_promises_per_s"], _ = measures.batch_ingest(
                base, headers, f"{run}-k", config.batch_promises)
            say(f"{name}: Kept — {config.requests:,} creates and reads at "
                f"{config.concurrency} connections")
            _http(kept, "create", measures.warmed_load(
                server, measures.creates("/v1/promises", f"{run}-c", config.requests),
                measures.creates("/v1/promises", f"{run}-cw", WARM_UP), config.concurrency,
                headers))
            ids = measures.some_ids(base, headers, 1000)
            _http(kept, "get", measures.warmed_load(
                server, measures.reads("/v1/promises", ids, config.requests),
                measures.reads("/v1/promises", ids, WARM_UP), config.concurrency, headers))
        if config.import_rows:
            say(f"{name}: Kept — kept import of {config.import_rows:,} rows")
            source = workdir / f"import-{name}.csv"
            measures.write_import_file(source, config.import_rows, f"{run}-i")
            imported = measures.kept_import(url, kept_tenant.name, source, workdir)
            source.unlink()
            kept["import_rows_per_s"] = imported.rows_per_second
            kept["import_peak_rss_mb"] = imported.peak_rss_mb
        if config.olist and OLIST_ORDERS.is_file():
            say(f"{name}: Kept — kept import of the Olist orders (--preset olist)")
            olist = measures.kept_import(url, kept_tenant.name, OLIST_ORDERS, workdir,
                                         ["--preset", "olist"])
            kept["olist_import_rows_per_s"] = olist.rows_per_second
            kept["olist_import_peak_rss_mb"] = olist.peak_rss_mb
        if config.scorecard_promises:
            say(f"{name}: scorecard on {config.scorecard_promises:,} promises")
            _scorecard(url, config.scorecard_promises, floors, kept)
        _dashboard(name, url, config, workdir, kept, say)
    finally:
        database.dispose()
    return evaluate(name, floors, kept, config.import_rows)


def _http(figures: dict[str, float], name: str, measured: measures.Measured) -> None:
    result = measured.load
    if result.errors:
        raise RuntimeError(f"{name}: {result.errors} of {result.requests} requests failed "
                           f"(statuses {result.statuses})")
    figures[f"{name}_per_s"] = result.per_second
    figures[f"{name}_p50_ms"] = result.p50_ms
    figures[f"{name}_p99_ms"] = result.p99_ms
    if measured.cpu_ms_per_request is not None:
        figures[f"{name}_cpu_ms"] = measured.cpu_ms_per_request


def _scorecard(url: str, promises: int, floors: dict[str, float],
               kept: dict[str, float]) -> None:
    """The scorecard figures of `api.bench.scorecard` (when present): Kept's scorecard and the
    hand-written SQL of the same figures."""
    try:
        from api.bench.scorecard import run_scorecard_bench
    except ImportError:
        print("api.bench.scorecard is missing: no scorecard figures", file=sys.stderr)  # noqa: T201
        return
    figures = run_scorecard_bench(url, promises)
    names = {"history_hand_written_sql_ms": (floors, "scorecard_sql_ms"),
             "history_by_carrier_month_ms": (kept, "scorecard_ms"),
             "last_30_days_by_kind_day_ms": (kept, "scorecard_last_30_days_ms"),
             "last_30_days_counts_floor_ms": (floors, "scorecard_30_days_counts_ms")}
    for name, value in figures.items():
        target, renamed = names.get(name, (kept, f"scorecard_{name}"))
        target[renamed] = value


def _dashboard(name: str, url: str, config: BenchConfig, workdir: Path,
               kept: dict[str, float], say: Say) -> None:
    """Every dashboard page's median and p95 (`api.bench.dashboard`), and the slowest p95."""
    from api.bench.dashboard import run_dashboard_bench, slowest_p95_ms

    promises = (config.scorecard_promises if config.dashboard_promises is None
                else config.dashboard_promises)
    if not promises:
        return
    say(f"{name}: dashboard pages on {promises:,} promises")
    figures = run_dashboard_bench(url, workdir, promises)
    kept.update({f"dashboard_{name}": value for name, value in figures.items()})
    kept["dashboard_slowest_p95_ms"] = slowest_p95_ms(figures)
