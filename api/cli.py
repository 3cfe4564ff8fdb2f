"""The `kept` command: serve, migrate, tenants and keys."""

from __future__ import annotations

from datetime import UTC, datetime
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
) -> None:
    """Serve the API. On a database without API keys, create tenant `default` and its key."""
    import uvicorn

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
    uvicorn.run("api.main:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers, log_level="warning",
                proxy_headers=True)


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


if __name__ == "__main__":
    app()
