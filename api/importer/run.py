"""The import use case: read rows, convert them, store them in chunks, report every rejection.

Nothing is dropped silently: each row is either stored (or found already stored) or written
to the error file with its reason. Rerunning the same file loads nothing twice (promises are
known by `external_id`, events by their content), so an interrupted run resumes by running it
again.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from api.domain.import_mapping import (
    ConvertedRow,
    ImportMapping,
    MappingError,
    RowError,
    convert_row,
    missing_columns,
)
from api.events.service import FUTURE_TOLERANCE
from api.importer.error_file import ErrorFile
from api.importer.readers import FileFormat, RowSource, SourceRow
from api.importer.sinks import Sink, Stored

DEFAULT_CHUNK = 1000  # the batch endpoints' limit


@dataclass
class ImportSummary:
    rows: int = 0
    created: int = 0
    present: int = 0
    events: int = 0
    rejected: int = 0
    events_refused: int = 0  # the promise stored, its event refused (in the error file too)
    seconds: float = 0.0
    error_file: Path | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Progress:
    rows: int
    bytes_read: int
    total_bytes: int


def check_header(source: RowSource, mapping: ImportMapping) -> None:
    """Refuse a CSV file that lacks a mapped column before anything is stored. (JSON Lines
    objects may leave out keys whose value is null.)"""
    if source.format is not FileFormat.CSV:
        return
    missing = missing_columns(mapping, source.header)
    if missing:
        raise MappingError(f"{source.path.name} has no column {', '.join(map(repr, missing))} "
                           f"(columns: {', '.join(source.header)})")


def run_import(
    source: RowSource, mapping: ImportMapping, sink: Sink, errors: ErrorFile,
    clock: Callable[[], datetime], *, chunk_size: int = DEFAULT_CHUNK, limit: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> ImportSummary:
    started = time.perf_counter()
    summary = ImportSummary()
    chunk: list[tuple[SourceRow, ConvertedRow]] = []
    rows = iter(source)
    first = next(rows, None)  # reading the first row reads the header
    check_header(source, mapping)
    errors.header = source.header

    def flush() -> None:
        results = sink.store([converted for _, converted in chunk])
        for (row, _), result in zip(chunk, results, strict=True):
            summary.events += result.events
            if result.stored is Stored.CREATED:
                summary.created += 1
            elif result.stored is Stored.PRESENT:
                summary.present += 1
            if result.stored is Stored.REJECTED:
                summary.rejected += 1
            elif result.reason:
                summary.events_refused += 1
            if result.reason:
                errors.write(row, result.field, result.reason)
        chunk.clear()
        if on_progress is not None:
            on_progress(Progress(summary.rows, source.bytes_read, source.total_bytes))

    now = clock()
    try:
        for row in itertools.chain([first] if first is not None else [], rows):
            if limit is not None and summary.rows >= limit:
                break
            summary.rows += 1
            if row.error is not None:
                errors.write(row, "", row.error)
                summary.rejected += 1
                continue
            try:
                chunk.append((row, convert_row(row.values, mapping, now, FUTURE_TOLERANCE)))
            except RowError as error:
                errors.write(row, error.field, error.message)
                summary.rejected += 1
                continue
            if len(chunk) >= chunk_size:
                flush()
                now = clock()
        if chunk:
            flush()
    finally:
        errors.close()
    summary.seconds = time.perf_counter() - started
    summary.error_file = errors.path if errors.count else None
    if on_progress is not None:
        on_progress(Progress(summary.rows, source.bytes_read, source.total_bytes))
    return summary

