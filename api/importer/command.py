"""`kept import`: options → mapping and sink, a progress bar with rate and ETA, a summary."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import SQLAlchemyError

from api.config import Settings
from api.db import Database
from api.domain.import_mapping import ImportMapping, MappingError, build_mapping
from api.importer import run
from api.importer.error_file import ErrorFile, default_path
from api.importer.presets import PRESETS
from api.importer.readers import FileFormat, RowSource
from api.importer.sinks import DatabaseSink, HttpSink, Sink
from api.problems import ProblemError
from api.tenancy import service as tenancy
from api.tenancy.auth import Principal
from api.tenancy.keys import Scope


class ImportFailed(Exception):
    """The import could not start (bad options, unknown tenant…); the message says why."""


@dataclass(frozen=True)
class ImportOptions:
    file: Path
    file_format: FileFormat | None = None
    maps: list[str] = field(default_factory=list)
    values: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    date_fields: list[str] = field(default_factory=list)
    timezone: str | None = None
    preset: str | None = None
    tenant: str | None = None
    api_url: str | None = None
    api_key: str | None = None
    errors: Path | None = None
    chunk_size: int = run.DEFAULT_CHUNK
    limit: int | None = None
    progress: bool = True


def utc_now() -> datetime:
    return datetime.now(UTC)


def _mapping(options: ImportOptions, tenant_zone: str | None) -> ImportMapping:
    base = None
    if options.preset is not None:
        if options.preset not in PRESETS:
            raise ImportFailed(f"unknown preset {options.preset!r} (known: {', '.join(PRESETS)})")
        base = PRESETS[options.preset]
    zone = options.timezone or (base.zone if base else tenant_zone)
    if zone is None:
        raise ImportFailed("give --timezone: naive timestamps in the file are read in it")
    try:
        return build_mapping(options.maps, zone, values=options.values,
                             statuses=options.statuses, date_fields=options.date_fields,
                             base=base)
    except MappingError as error:
        raise ImportFailed(str(error)) from None


@contextmanager
def _sink(options: ImportOptions, settings: Settings) -> Iterator[tuple[Sink, str | None]]:
    """The sink, and the tenant's time zone when it is known here."""
    if options.api_url is not None:
        if options.tenant is not None:
            raise ImportFailed("give either --tenant (this database) or --api-url (a server)")
        if not options.api_key:
            raise ImportFailed("--api-url needs --api-key (or KEPT_API_KEY)")
        headers = {"Authorization": f"Bearer {options.api_key}"}
        with httpx.Client(base_url=options.api_url, headers=headers, timeout=120) as client:
            yield HttpSink(client), None
        return
    if options.tenant is None:
        raise ImportFailed("name the tenant (--tenant NAME) or a server (--api-url, --api-key)")
    database = Database(settings)
    try:
        with database.session() as session:
            try:
                tenant = tenancy.get_tenant(session, options.tenant)
            except tenancy.TenancyError as error:
                raise ImportFailed(str(error)) from None
        principal = Principal(tenant.id, tenant.timezone, "cli:import",
                              frozenset({Scope.PROMISES_WRITE}))
        yield DatabaseSink(database, principal, utc_now), tenant.timezone
    finally:
        database.dispose()


def import_file(
    options: ImportOptions, settings: Settings, console: Console,
    clock: Callable[[], datetime] = utc_now,
) -> run.ImportSummary:
    if not options.file.is_file():
        raise ImportFailed(f"no file {str(options.file)!r}")
    if not 1 <= options.chunk_size <= run.DEFAULT_CHUNK:
        raise ImportFailed(f"--chunk-size must be between 1 and {run.DEFAULT_CHUNK}")
    file_format = options.file_format or FileFormat.of(options.file)
    with _sink(options, settings) as (sink, tenant_zone):
        mapping = _mapping(options, tenant_zone)
        with RowSource(options.file, file_format) as source, _bar(console, options) as tick:
            errors = ErrorFile(options.errors or default_path(options.file, file_format),
                               file_format, [])
            try:
                return run.run_import(source, mapping, sink, errors, clock,
                                      chunk_size=options.chunk_size, limit=options.limit,
                                      on_progress=tick)
            except MappingError as error:
                raise ImportFailed(str(error)) from None
            except (ProblemError, SQLAlchemyError, httpx.HTTPError, RuntimeError) as error:
                # Chunks already stored stay stored; a rerun skips them.
                raise ImportFailed(f"the import stopped: {str(error)[:500]}\nThe rows before "
                                   "this point are stored: run the same command again to "
                                   "resume.") from error


@contextmanager
def _bar(console: Console, options: ImportOptions) -> Iterator[Callable[[run.Progress], None]]:
    if not options.progress:
        yield lambda _progress: None
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), TaskProgressColumn(),
               DownloadColumn(), TextColumn("{task.fields[rows]:,} rows · {task.fields[rate]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(options.file.name, total=options.file.stat().st_size, rows=0,
                            rate="")
        started = datetime.now(UTC)

        def tick(progress: run.Progress) -> None:
            elapsed = (datetime.now(UTC) - started).total_seconds()
            rate = f"{progress.rows / elapsed:,.0f} rows/s" if elapsed > 0 else ""
            bar.update(task, completed=progress.bytes_read, rows=progress.rows, rate=rate)

        yield tick


def print_summary(console: Console, summary: run.ImportSummary) -> None:
    console.print(
        f"{summary.rows:,} rows in {summary.seconds:,.1f} s ({summary.rows_per_second:,.0f} "
        f"rows/s): {summary.created:,} promises created, {summary.present:,} already there, "
        f"{summary.events:,} events recorded, {summary.rejected:,} rows rejected"
        + (f", {summary.events_refused:,} events refused" if summary.events_refused else "")
        + "."
    )
    if summary.error_file is not None:
        console.print(f"Rejected rows and their reasons: {summary.error_file}")
