"""The benchmark's measurements, each on a running server or straight on the database."""

from __future__ import annotations

import csv
import itertools
import os
import random
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from api.bench.load import LoadResult, Request, run_load
from api.bench.rows import body_bytes, create_body, promise_row
from api.bench.servers import Server
from api.db import Database
from api.models import Promise

BATCH = 1000


def _made() -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)


def executemany_floor(database: Database, tenant_id: str, rows: int,
                      chunk: int = BATCH) -> tuple[float, list[str]]:
    """Promise rows/s inserted with SQLAlchemy Core `executemany`, one transaction per
    `chunk` rows (as a batch request), rows built beforehand (outside the timing). Returns
    the rate and some of the ids."""
    table = Promise.__table__  # type: ignore[attr-defined]
    made, now = _made(), datetime.now(UTC)
    seconds, ids = 0.0, list[str]()
    for start in range(0, rows, chunk):
        batch = [promise_row(tenant_id, f"floor-{index}", "delivery", made, made + timedelta(
            days=5), f"order-{index}", now) for index in range(start, min(rows, start + chunk))]
        ids.extend(row["id"] for row in batch[:: max(1, chunk // 50)])
        began = time.perf_counter()
        with database.engine.begin() as connection:
            connection.execute(insert(table), batch)
        seconds += time.perf_counter() - began
    return rows / seconds, ids


def raw_executemany_floor(database: Database, tenant_id: str, rows: int,
                          chunk: int = BATCH) -> float:
    """Promise rows/s through the driver's own `cursor.executemany`, one transaction per
    `chunk` rows: the statement compiled once and every value already converted for the
    driver (by the columns' own bind processors) outside the timing, so only the driver and
    the database are timed — the "raw executemany" the issue names. The Core floor above
    adds SQLAlchemy's per-value conversion to it."""
    table = Promise.__table__  # type: ignore[attr-defined]
    dialect = database.engine.dialect
    compiled = insert(table).compile(dialect=dialect)
    processors = {column.key: column.type.dialect_impl(dialect).bind_processor(dialect)
                  for column in table.columns}
    positional = compiled.positiontup

    def converted(row: dict[str, Any]) -> dict[str, Any]:
        return {key: processor(row[key]) if processor else row[key]
                for key, processor in processors.items()}

    made, now = _made(), datetime.now(UTC)
    seconds = 0.0
    for start in range(0, rows, chunk):
        named = [converted(promise_row(tenant_id, f"raw-{index}", "delivery", made,
                                       made + timedelta(days=5), f"order-{index}", now))
                 for index in range(start, min(rows, start + chunk))]
        batch: list[tuple[Any, ...]] | list[dict[str, Any]] = (
            [tuple(values[key] for key in positional) for values in named] if positional
            else named)
        connection = database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            began = time.perf_counter()
            cursor.executemany(compiled.string, batch)
            connection.commit()
            seconds += time.perf_counter() - began
        finally:
            connection.close()
    return rows / seconds


def creates(path: str, run: str, count: int, *, start: int = 0) -> list[Request]:
    made = _made()
    return [Request("POST", path, body_bytes(create_body(run, index, made)))
            for index in range(start, start + count)]


def reads(path: str, ids: Sequence[str], count: int) -> list[Request]:
    return [Request("GET", f"{path}/{promise_id}")
            for promise_id in itertools.islice(itertools.cycle(ids), count)]


@dataclass(frozen=True)
class Measured:
    load: LoadResult
    cpu_ms_per_request: float | None  # the server's CPU time per request


def warmed_load(server: Server, requests: list[Request], warm_up: list[Request],
                concurrency: int, headers: dict[str, str] | None = None) -> Measured:
    """Send `warm_up` (untimed: connections, caches), then time `requests`."""
    run_load(server.base, warm_up, concurrency, headers)
    before = server.cpu_seconds()
    result = run_load(server.base, requests, concurrency, headers)
    after = server.cpu_seconds()
    cpu = None if before is None or after is None else (after - before) * 1000 / len(requests)
    return Measured(result, cpu)


def batch_ingest(base: str, headers: dict[str, str], run: str, promises: int,
                 concurrency: int = 2) -> tuple[float, LoadResult]:
    """Promises/s through `POST /v1/promises/batch`, 1,000 a request (bodies encoded
    beforehand)."""
    made = _made()
    requests = [
        Request("POST", "/v1/promises/batch", body_bytes({"items": [
            create_body(run, index, made) for index in range(start, min(promises, start + BATCH))
        ]}))
        for start in range(0, promises, BATCH)
    ]
    result = run_load(base, requests, concurrency, headers)
    return promises / result.seconds, result


def some_ids(base: str, headers: dict[str, str], count: int) -> list[str]:
    """Ids of the tenant's promises, for the reads."""
    ids: list[str] = []
    cursor: str | None = None
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        while len(ids) < count:
            params: dict[str, str | int] = {"limit": 500, **({"cursor": cursor} if cursor
                                                              else {})}
            page = client.get("/v1/promises", params=params).json()
            ids.extend(item["id"] for item in page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    return ids[:count]


IMPORT_COLUMNS = ["order", "bought", "promised", "delivered", "state", "carrier"]
IMPORT_OPTIONS = [
    "--map", "external_id=order", "--map", "order_id=order", "--map", "made_at=bought",
    "--map", "due_at=promised", "--map", "fulfilled_at=delivered", "--map", "status=state",
    "--map", "label.carrier=carrier", "--status", "canceled=cancelled:customer",
    "--value", "kind=delivery", "--timezone", "America/Sao_Paulo",
]


def write_import_file(path: Path, rows: int, run: str, seed: int = 8) -> None:
    """An orders file like a shop's export: a year of orders, 70 % delivered, 5 % cancelled,
    the rest on their way; naive local timestamps, due dates as dates."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    start = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(days=400)
    step = timedelta(days=365) / max(rows, 1)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(IMPORT_COLUMNS)
        for index in range(rows):
            bought = (start + step * index).replace(microsecond=0)
            promised = (bought + timedelta(days=rng.randint(2, 10))).date()
            draw = rng.random()
            delivered, state = "", "shipped"
            if draw < 0.70:
                late = timedelta(hours=rng.uniform(-120, 48))
                delivered = str(datetime.combine(promised, datetime.min.time()) + late)[:19]
                delivered, state = max(delivered, str(bought + timedelta(hours=1))), "delivered"
            elif draw < 0.75:
                state = "canceled"
            writer.writerow([f"{run}-{index}", str(bought), promised.isoformat(), delivered,
                             state, rng.choice(("ups", "dhl", "dpd"))])


@dataclass(frozen=True)
class ImportRun:
    rows_per_second: float
    peak_rss_mb: float
    output: str


_RATE = re.compile(r"\(([\d,.]+) rows/s\)")


def kept_import(database_url: str, tenant: str, source: Path, workdir: Path,
                options: Sequence[str] = IMPORT_OPTIONS) -> ImportRun:
    """Run `kept import` as its own process: its rows/s (as it reports them) and its peak
    resident memory (VmHWM, the high-water mark of the process's own memory)."""
    command = [sys.executable, "-m", "api.cli", "import", str(source), "--tenant", tenant,
               *options, "--no-progress", "--errors", str(workdir / "import.errors.csv")]
    environment = {**os.environ, "KEPT_DATABASE_URL": database_url, "COLUMNS": "200"}
    process = subprocess.Popen(  # noqa: S603 - our own command
        command, env=environment, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watcher = PeakMemory(process.pid)
    watcher.start()
    assert process.stdout is not None
    output = process.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(process.pid, 0)
    watcher.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"kept import failed ({process.returncode}):\n{output[-2000:]}")
    match = _RATE.search(output)
    rate = float(match.group(1).replace(",", "")) if match else 0.0
    # ru_maxrss is the fallback only: Linux keeps it across exec, so it starts at the RSS of
    # this (larger) process at the fork.
    peak = watcher.peak_kb or usage.ru_maxrss
    return ImportRun(rate, peak / 1024, " ".join(output.split()))


class PeakMemory(threading.Thread):
    """Reads a process's VmHWM from /proc until stopped (its last reading is the peak)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.path = Path(f"/proc/{pid}/status")
        self.peak_kb = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.05):
            try:
                text = self.path.read_text()
            except OSError:
                continue
            for line in text.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
