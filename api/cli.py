"""The `kept` command: serve, migrate, tenants and keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.config import Settings
from api.db import Database
from api.migrations import upgrade
from api.tenancy import service as tenancy
from api.tenancy.keys import parse_scopes

app = typer.Typer(help="Kept: the ledger of the promises a business makes.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
tenants = typer.Typer(help="Manage tenants.", no_args_is_help=True)
keys = typer.Typer(help="Manage API keys.", no_args_is_help=True)
app.add_typer(tenants, name="tenants")
app.add_typer(keys, name="keys")
console = Console()


def _now() -> datetime:
    return datetime.now(UTC)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]Error:[/red] {message}")
    return typer.Exit(code=1)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    settings = Settings()
    upgrade(settings.database_url)
    console.print("Database is up to date.")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (KEPT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (KEPT_PORT)")] = None,
    workers: Annotated[int, typer.Option(help="Processes (keep 1 on SQLite)")] = 1,
    with_worker: Annotated[bool, typer.Option(
        "--with-worker", help="Also run the worker (transitions, webhooks) in this process")]
    = False,
) -> None:
    """Serve the API. On a database without API keys, create tenant `default` and its key."""
    import os

    import uvicorn

    if with_worker:
        os.environ["KEPT_RUN_WORKER"] = "true"  # read by create_app's Settings()

    from api.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    database = Database(settings)
    try:
        with database.session() as session:
            issued = tenancy.bootstrap(session, settings.default_timezone, _now())
    finally:
        database.dispose()
    if issued is not None:
        print(f"Admin API key (shown once): {issued.key}", flush=True)  # noqa: T201
    if settings.is_sqlite and workers > 1:
        raise _fail("SQLite allows one writer: run one process, or use PostgreSQL.")
    # log_config=None: uvicorn's own records go through Kept's JSON logging.
    uvicorn.run("api.server_process:create_server_app", factory=True,
                host=host or settings.host, port=port or settings.port, workers=workers,
                log_level="warning", log_config=None, proxy_headers=True)


@tenants.command("create")
def create_tenant(
    name: str,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Berlin")] = "UTC",
) -> None:
    """Create a tenant."""
    database = Database(Settings())
    with database.session() as session:
        try:
            tenant = tenancy.create_tenant(session, name, timezone, _now())
        except tenancy.TenancyError as error:
            raise _fail(str(error)) from None
    console.print(f"Tenant {tenant.name} ({tenant.id}, {tenant.timezone}) created.")


@keys.command("create")
def create_key(
    tenant: Annotated[str, typer.Option(help="Tenant name")],
    scopes: Annotated[str, typer.Option(help="Comma list: promises:write,promises:read,admin")]
    = "promises:write,promises:read",
) -> None:
    """Create an API key; it is printed once and never stored."""
    try:
        parsed = parse_scopes(scopes)
    except ValueError as error:
        raise _fail(str(error)) from None
    database = Database(Settings())
    with database.session() as session:
        try:
            issued = tenancy.create_key(session, tenant, parsed, _now())
        except tenancy.TenancyError as error:
            raise _fail(str(error)) from None
    console.print(f"API key for {tenant} ({issued.record.scopes}), shown once:")
    print(issued.key)  # noqa: T201


@keys.command("list")
def list_keys() -> None:
    """List API keys by their display prefix (the keys themselves are not stored)."""
    database = Database(Settings())
    with database.session() as session:
        rows = tenancy.list_keys(session)
    table = Table("prefix", "tenant", "scopes", "created", "revoked")
    for record, tenant in rows:
        table.add_row(record.prefix, tenant.name, record.scopes,
                      record.created_at.isoformat(timespec="seconds"),
                      record.revoked_at.isoformat(timespec="seconds") if record.revoked_at
                      else "")
    console.print(table)


@keys.command("revoke")
def revoke_key(prefix: str) -> None:
    """Revoke an API key by its display prefix."""
    database = Database(Settings())
    with database.session() as session:
        try:
            record = tenancy.revoke_key(session, prefix, _now())
        except tenancy.TenancyError as error:
            raise _fail(str(error)) from None
    console.print(f"Key {record.prefix} revoked.")


@app.command()
def worker(
    metrics_port: Annotated[int | None, typer.Option(
        help="Serve this worker's Prometheus metrics on this port")] = None,
) -> None:
    """Run the worker: time-driven transitions and webhook delivery, until SIGTERM.

    Several may run against PostgreSQL; on SQLite one runs at a time (others wait).
    """
    import signal

    from prometheus_client import start_http_server

    from api.logs import configure_logging
    from api.metrics import Metrics
    from api.worker.runner import Worker, utc_now

    settings = Settings()
    configure_logging(settings.log_level)
    database = Database(settings)
    metrics = Metrics(database, utc_now)
    if metrics_port is not None:
        start_http_server(metrics_port, registry=metrics.registry)
    running = Worker(database, metrics=metrics)
    signal.signal(signal.SIGTERM, lambda *_: running.request_stop())
    signal.signal(signal.SIGINT, lambda *_: running.request_stop())
    try:
        running.run()
    finally:
        database.dispose()


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV file with a header, or JSON Lines")],
    file_format: Annotated[str | None, typer.Option(
        "--format", help="csv or jsonl (default: from the file name)")] = None,
    maps: Annotated[list[str] | None, typer.Option(
        "--map", help="FIELD=COLUMN, repeatable: external_id, kind, order_id, customer_id, "
        "made_at, due_at, window_start, timezone, fulfilled_at, cancelled_at, status, "
        "label.<key>")] = None,
    values: Annotated[list[str] | None, typer.Option(
        "--value", help="FIELD=VALUE for every row, e.g. kind=delivery")] = None,
    statuses: Annotated[list[str] | None, typer.Option(
        "--status", help="VALUE=cancelled[:customer|:business]: a status value that means the "
        "promise was cancelled (default by the business)")] = None,
    date_fields: Annotated[list[str] | None, typer.Option(
        "--date-field", help="due_at or window_start: read as a date (day precision) even "
        "when written with a midnight time")] = None,
    timezone: Annotated[str | None, typer.Option(
        help="IANA zone of naive timestamps (default: the preset's, else the tenant's)")] = None,
    preset: Annotated[str | None, typer.Option(help="A known mapping: olist")] = None,
    tenant: Annotated[str | None, typer.Option(help="Tenant name (this database)")] = None,
    api_url: Annotated[str | None, typer.Option(
        help="Import through a Kept server instead, e.g. http://127.0.0.1:8000")] = None,
    api_key: Annotated[str | None, typer.Option(
        envvar="KEPT_API_KEY", help="API key for --api-url (promises:write)")] = None,
    errors: Annotated[Path | None, typer.Option(
        help="Where rejected rows go (default ./<file>.errors.<format>)")] = None,
    chunk_size: Annotated[int, typer.Option(help="Rows per transaction (1-1000)")] = 1000,
    limit: Annotated[int | None, typer.Option(help="Read at most this many rows")] = None,
    progress: Annotated[bool, typer.Option(help="Show the progress bar")] = True,
) -> None:
    """Import promises and their events from a file; rerunning it loads nothing twice."""
    from api.importer.command import ImportFailed, ImportOptions, import_file, print_summary
    from api.importer.readers import FileFormat

    if file_format is not None and file_format not in {f.value for f in FileFormat}:
        raise _fail(f"--format must be one of {', '.join(f.value for f in FileFormat)}")
    options = ImportOptions(
        file=file, file_format=FileFormat(file_format) if file_format else None,
        maps=maps or [], values=values or [], statuses=statuses or [],
        date_fields=date_fields or [], timezone=timezone, preset=preset, tenant=tenant,
        api_url=api_url, api_key=api_key, errors=errors, chunk_size=chunk_size, limit=limit,
        progress=progress)
    try:
        summary = import_file(options, Settings(), console)
    except ImportFailed as error:
        raise _fail(str(error)) from None
    print_summary(console, summary)


@app.command()
def bench(
    batch_promises: Annotated[int, typer.Option(
        help="Promises sent through POST /v1/promises/batch")] = 20_000,
    requests: Annotated[int, typer.Option(
        help="Single creates, and single reads, per server")] = 2_000,
    concurrency: Annotated[int, typer.Option(help="Connections for single requests")] = 32,
    import_rows: Annotated[int, typer.Option(help="Rows for `kept import` (0: skip)")] = 20_000,
    executemany_rows: Annotated[int, typer.Option(
        help="Rows for the executemany floor")] = 50_000,
    scorecard_promises: Annotated[int, typer.Option(
        help="Promises for the scorecard timing (0: skip)")] = 100_000,
    dashboard_promises: Annotated[int | None, typer.Option(
        help="Promises for the dashboard page timings (default: --scorecard-promises; "
             "0: skip)")] = None,
    sqlite: Annotated[bool, typer.Option(help="Measure on SQLite")] = True,
    olist: Annotated[bool, typer.Option(
        help="Also import the Olist orders (../shared/data/olist/) when present")] = True,
    postgres_url: Annotated[str | None, typer.Option(
        envvar="KEPT_BENCH_DATABASE_URL",
        help="Also measure on PostgreSQL (a scratch database is created beside it)")] = None,
    output: Annotated[Path | None, typer.Option(
        help="Folder of the JSON results (default bench/results)")] = None,
) -> None:
    """Measure Kept against its floors on SQLite (and PostgreSQL); write JSON, print a table."""
    import tempfile

    from api.bench.harness import BenchConfig, run_bench
    from api.bench.report import table, target_lines, write_json
    from api.migrations import ROOT

    config = BenchConfig(batch_promises=batch_promises, requests=requests,
                         concurrency=concurrency, import_rows=import_rows,
                         executemany_rows=executemany_rows,
                         scorecard_promises=scorecard_promises,
                         dashboard_promises=dashboard_promises, postgres_url=postgres_url,
                         sqlite=sqlite, olist=olist)
    with tempfile.TemporaryDirectory(prefix="kept-bench-") as workdir:
        results = run_bench(config, Path(workdir), lambda line: console.print(f"· {line}"))
    path = write_json(results, output or ROOT / "bench" / "results")
    console.print(table(results))
    for line in target_lines(results):
        console.print(line)
    console.print(f"Results: {path}")


@app.command()
def demo(
    database_url: Annotated[str, typer.Option(help="Database to fill (migrated first)")]
    = "sqlite:///./kept-demo.db",
    promises: Annotated[int, typer.Option(min=1, max=2_000_000, help="Promises to generate")]
    = 20_000,
    days: Annotated[int, typer.Option(min=1, max=3650, help="Made over this many days")] = 90,
    olist: Annotated[Path | None, typer.Option(
        help="Load the Olist sample instead (its folder or olist_orders_dataset.csv), moved "
             "forward to this week")] = None,
) -> None:
    """Load a realistic data set and print a key and the dashboard's address."""
    from api.dashboard.demo import load_demo, load_olist_demo

    if olist is None:
        loaded = load_demo(database_url, promises, days, _now())
        console.print(f"Loaded {loaded.promises} promises into tenant {loaded.tenant}.")
    else:
        try:
            loaded = load_olist_demo(database_url, olist, _now())
        except FileNotFoundError as error:
            raise _fail(str(error)) from None
        console.print(f"Loaded {loaded.promises} Olist orders into tenant {loaded.tenant}, "
                      f"their dates moved forward by {loaded.weeks_moved} weeks "
                      f"({loaded.rejected} rows refused).")
    settings = Settings()
    console.print(f"Serve it:  KEPT_DATABASE_URL={database_url} kept serve")
    console.print(f"Then open: http://{settings.host}:{settings.port}/dashboard and sign in "
                  "with this API key (shown once):")
    print(loaded.key)  # noqa: T201


if __name__ == "__main__":
    app()
