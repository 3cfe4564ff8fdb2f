"""The dashboard benchmark: how long each page takes on a tenant of 100,000 promises.

Promises come from the benchmark's generator (`api/bench/promise_generator.py`), made over the
last 90 days by default so that the 90-day overview and breakdown cover every one of them, in
a fresh tenant with one objective. Kept runs as `kept serve` (a real uvicorn process); one
signed-in client asks for each page in turn, `--requests` times after two untimed warm-ups,
one request at a time. Per page: the median and p95 (nearest rank) of the response times in
ms, measured around the whole HTTP exchange, and the server's CPU time per request (from
/proc), which hardly moves when other work shares the machine. Target: every page ≤ 1 s.

    python -m api.bench.dashboard                       # a scratch SQLite database
    KEPT_BENCH_DATABASE_URL=postgresql+psycopg://… python -m api.bench.dashboard   # and PostgreSQL
    # options: --promises N (default 100,000), --days D (90), --requests N (20), --no-sqlite
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from api.bench.load import percentile
from api.bench.promise_generator import generate_promises
from api.bench.scorecard import settle
from api.bench.servers import KEPT, Server, running, server_environment
from api.config import Settings
from api.db import Database
from api.migrations import ROOT, upgrade
from api.objectives import service as objectives
from api.objectives.schemas import ObjectiveCreate
from api.scratch_database import scratch_postgres
from api.tenancy import service as tenancy
from api.tenancy.auth import Principal
from api.tenancy.keys import Scope

POSTGRES_VARIABLE = "KEPT_BENCH_DATABASE_URL"
TIMEZONE = "Europe/Berlin"
WARM_UP = 2
TARGET_MS = 1000.0
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def page_paths(promise_id: str) -> dict[str, str]:
    """The pages timed, by name: what a manager opens, with the heaviest choices offered."""
    return {
        "overview_30d": "/dashboard?days=30",
        "overview_90d": "/dashboard?days=90",
        "breakdown": "/dashboard/breakdown?by=label:carrier&days=90",
        "breakdown_by_customer": "/dashboard/breakdown?by=customer_id&days=90&sort=break_rate",
        "at_risk": "/dashboard/at-risk",
        "promises": "/dashboard/promises",
        "promises_filtered": "/dashboard/promises?status=broken&label=carrier%3Ddhl",
        "promise": f"/dashboard/promises/{promise_id}",
    }


PAGES = tuple(page_paths(""))


@dataclass(frozen=True)
class Shop:
    tenant_id: str
    key: str
    promise_id: str


def fill(database: Database, promises: int, days: int, now: datetime) -> Shop:
    """A new tenant with `promises` generated promises, a read key and a delivery objective."""
    name = f"dash-{secrets.token_hex(4)}"
    with database.session() as session:
        tenant = tenancy.create_tenant(session, name, TIMEZONE, now)
        issued = tenancy.create_key(session, name, frozenset({Scope.PROMISES_READ}), now)
    with database.engine.begin() as connection:
        generate_promises(connection, tenant.id, promises, now, days=days)
    principal = Principal(tenant.id, TIMEZONE, issued.record.id, frozenset({Scope.PROMISES_READ}))
    with database.session() as session:
        objectives.create_objective(session, principal, ObjectiveCreate.model_validate({
            "name": "Deliveries on time", "target": 0.95, "filter": {"kind": "delivery"},
            "window": {"type": "rolling", "days": 28}}), now)
    with database.engine.connect() as connection:
        middle = connection.execute(
            text("SELECT id FROM promise WHERE tenant_id = :tenant AND external_id = :name"),
            {"tenant": tenant.id, "name": f"bench-{promises // 2}"}).scalar_one()
    settle(database)
    return Shop(tenant.id, issued.key, str(middle))


def sign_in(client: httpx.Client, key: str) -> None:
    form = client.get("/dashboard/sign-in")
    found = CSRF.search(form.text)
    if found is None:
        raise RuntimeError("the sign-in form has no CSRF token")
    signed = client.post("/dashboard/sign-in", data={"key": key, "csrf_token": found.group(1)})
    if signed.status_code != 303 or signed.headers.get("location") != "/dashboard":
        raise RuntimeError(f"signing in failed: {signed.status_code} {signed.text[:200]}")


def time_page(client: httpx.Client, server: Server, path: str,
              requests: int) -> dict[str, float]:
    """Median and p95 in ms, the server's CPU ms per request, and the page's size in KB."""
    for _ in range(WARM_UP):
        _get(client, path)
    times: list[float] = []
    cpu_before = server.cpu_seconds()
    size = 0
    for _ in range(requests):
        began = time.perf_counter()
        size = len(_get(client, path))
        times.append((time.perf_counter() - began) * 1000)
    cpu_after = server.cpu_seconds()
    figures = {"p50_ms": round(statistics.median(times), 1),
               "p95_ms": round(percentile(times, 0.95), 1), "kb": round(size / 1024, 1)}
    if cpu_before is not None and cpu_after is not None:
        figures["cpu_ms"] = round((cpu_after - cpu_before) * 1000 / requests, 1)
    return figures


def _get(client: httpx.Client, path: str) -> bytes:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
    return response.content


def run_dashboard_bench(database_url: str, workdir: Path, promises: int = 100_000, *,
                        days: int = 90, requests: int = 20,
                        say: Callable[[str], None] = lambda _line: None) -> dict[str, float]:
    """Fill a new tenant of `database_url` (migrated first) and time every page on a Kept
    server. Figures are named `<page>_p50_ms`, `<page>_p95_ms`, `<page>_cpu_ms` and
    `<page>_kb`. The tenant stays: give a scratch database."""
    upgrade(database_url)
    database = Database(Settings(database_url=database_url))
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        began = time.perf_counter()
        say(f"dashboard: generating {promises:,} promises over {days} days")
        shop = fill(database, promises, days, now)
        figures: dict[str, float] = {"promises": float(promises), "days": float(days),
                                     "generate_seconds": round(time.perf_counter() - began, 1)}
    finally:
        database.dispose()
    with running(KEPT, server_environment(database_url), workdir / "dashboard-server.log") as \
            server, httpx.Client(base_url=server.base, timeout=120) as client:
        sign_in(client, shop.key)
        for name, path in page_paths(shop.promise_id).items():
            say(f"dashboard: {name} ({path})")
            for figure, value in time_page(client, server, path, requests).items():
                figures[f"{name}_{figure}"] = value
    return figures


def slowest_p95_ms(figures: dict[str, float]) -> float:
    return max(figures[f"{name}_p95_ms"] for name in PAGES)


def _machine() -> dict[str, Any]:
    return {"cores": os.cpu_count(), "load_average": [round(v, 2) for v in os.getloadavg()],
            "at": datetime.now(UTC).isoformat(timespec="seconds")}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time every dashboard page on many promises.")
    parser.add_argument("--promises", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90, help="made over this many days")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--postgres-url", default=os.environ.get(POSTGRES_VARIABLE),
                        help=f"also on PostgreSQL, in a scratch database beside this one "
                             f"(default ${POSTGRES_VARIABLE})")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    options = parser.parse_args()
    results: dict[str, Any] = {"machine": _machine(), "config": {
        "promises": options.promises, "days": options.days, "requests": options.requests},
        "databases": {}}

    def say(line: str) -> None:
        print(f"· {line}", flush=True)  # noqa: T201

    def measure(name: str, url: str, workdir: Path) -> None:
        results["databases"][name] = run_dashboard_bench(
            url, workdir, options.promises, days=options.days, requests=options.requests,
            say=lambda line: say(f"{name}: {line}"))

    with tempfile.TemporaryDirectory(prefix="kept-dashboard-") as scratch:
        if not options.no_sqlite:
            measure("sqlite", f"sqlite:///{Path(scratch) / 'dashboard.db'}", Path(scratch))
        if options.postgres_url:
            with scratch_postgres(options.postgres_url, "kept_dashboard") as database:
                measure("postgresql", database or options.postgres_url, Path(scratch))
    results["machine"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    options.output.mkdir(parents=True, exist_ok=True)
    path = options.output / f"dashboard-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name, figures in results["databases"].items():
        print(f"\n{name}: {options.promises:,} promises over {options.days} days "  # noqa: T201
              f"(generated in {figures['generate_seconds']} s)")
        print(f"{'page':24} {'p50 ms':>9} {'p95 ms':>9} {'CPU ms':>9} {'KB':>8}")  # noqa: T201
        for page in PAGES:
            print(f"{page:24} {figures[f'{page}_p50_ms']:>9,.1f} "  # noqa: T201
                  f"{figures[f'{page}_p95_ms']:>9,.1f} {figures.get(f'{page}_cpu_ms', 0):>9,.1f} "
                  f"{figures[f'{page}_kb']:>8,.1f}")
        verdict = "met" if slowest_p95_ms(figures) <= TARGET_MS else "NOT met"
        print(f"every page ≤ 1 s (p95): {verdict}")  # noqa: T201
    print(f"Results: {path}")  # noqa: T201


if __name__ == "__main__":
    main()
