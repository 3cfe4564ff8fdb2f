"""The benchmark's ratios to the floors, its targets, the JSON file and the printed table.

Every ratio reads "Kept as a share of its floor's speed": requests/s ÷ the floor's, or the
floor's latency ÷ Kept's. 1.0 would be as fast as the floor.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.table import Table

RATIOS = {
    # ratio: (Kept figure, floor figure, higher is better)
    "batch_ingest_vs_executemany": ("batch_ingest_promises_per_s", "executemany_rows_per_s",
                                    True),
    "batch_ingest_vs_raw_executemany": ("batch_ingest_promises_per_s",
                                        "raw_executemany_rows_per_s", True),
    "create_vs_floor": ("create_per_s", "create_per_s", True),
    "get_vs_floor": ("get_per_s", "get_per_s", True),
    "scorecard_vs_sql": ("scorecard_ms", "scorecard_sql_ms", False),
    "scorecard_30_days_vs_counts": ("scorecard_last_30_days_ms", "scorecard_30_days_counts_ms",
                                    False),
    # The server's CPU time per request: steadier than requests/s on a shared machine.
    "create_cpu_vs_floor": ("create_cpu_ms", "create_cpu_ms", False),
    "get_cpu_vs_floor": ("get_cpu_ms", "get_cpu_ms", False),
}

IMPORT_TARGET_ROWS = 1_000_000
SCORECARD_TARGET_PROMISES = 1_000_000


def ratios(floors: dict[str, float], kept: dict[str, float]) -> dict[str, float]:
    found: dict[str, float] = {}
    for name, (mine, floor, higher) in RATIOS.items():
        if kept.get(mine) and floors.get(floor):
            found[name] = kept[mine] / floors[floor] if higher else floors[floor] / kept[mine]
    return found


def targets(name: str, kept: dict[str, float], shares: dict[str, float],
            import_rows: int) -> dict[str, dict[str, Any]]:
    """The issue's targets, each with whether this run met it (None: not measured here)."""

    def check(value: float | None, ok: bool) -> bool | None:
        return None if value is None else ok

    found: dict[str, dict[str, Any]] = {}
    if name == "sqlite":
        ingest = kept.get("batch_ingest_promises_per_s")
        found["batch ingest ≥ 25,000 promises/s"] = {
            "met": check(ingest, (ingest or 0) >= 25_000), "value": ingest}
        share = shares.get("batch_ingest_vs_raw_executemany")
        found["batch ingest ≥ 40% of the driver's raw executemany"] = {
            "met": check(share, (share or 0) >= 0.40), "value": share}
        share = shares.get("batch_ingest_vs_executemany")
        found["batch ingest ≥ 40% of SQLAlchemy Core executemany"] = {
            "met": check(share, (share or 0) >= 0.40), "value": share}
    share = shares.get("create_vs_floor")
    found["single create ≥ 70% of its floor"] = {"met": check(share, (share or 0) >= 0.70),
                                                 "value": share}
    p99 = kept.get("create_p99_ms")
    found["single create p99 ≤ 100 ms"] = {"met": check(p99, (p99 or 1e9) <= 100),
                                           "value": p99}
    share = shares.get("get_vs_floor")
    found["single GET ≥ 70% of its floor"] = {"met": check(share, (share or 0) >= 0.70),
                                              "value": share}
    rss = kept.get("import_peak_rss_mb")
    found[f"import peak RSS < 300 MB ({import_rows:,} rows"
          + ("" if import_rows >= IMPORT_TARGET_ROWS else "; the target is for 1,000,000")
          + ")"] = {"met": check(rss, (rss or 1e9) < 300), "value": rss}
    promises = int(kept.get("scorecard_promises") or 0)
    at = (f" ({promises:,} promises"
          + ("" if promises >= SCORECARD_TARGET_PROMISES else "; the target is for 1,000,000")
          + ")")
    recent = kept.get("scorecard_last_30_days_ms")
    found["scorecard of 30 days by kind and day ≤ 100 ms" + at] = {
        "met": check(recent, (recent or 1e9) <= 100), "value": recent}
    share = shares.get("scorecard_vs_sql")
    found["history scorecard ≤ 2× its hand-written SQL" + at] = {
        "met": check(share, (share or 0) >= 0.5), "value": share}
    slowest = kept.get("dashboard_slowest_p95_ms")
    if slowest is not None:
        found["every dashboard page ≤ 1 s (p95)"] = {"met": slowest <= 1000, "value": slowest}
    return found


def evaluate(name: str, floors: dict[str, float], kept: dict[str, float],
             import_rows: int) -> dict[str, Any]:
    shares = ratios(floors, kept)
    return {"floors": floors, "kept": kept, "ratios": shares,
            "targets": targets(name, kept, shares, import_rows)}


def write_json(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"bench-{stamp}.json"
    path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return path


_ROWS = [
    # (label, Kept figure, floor figure, ratio, unit)
    ("batch ingest (promises/s) vs the driver's raw executemany (rows/s)",
     "batch_ingest_promises_per_s", "raw_executemany_rows_per_s",
     "batch_ingest_vs_raw_executemany", ""),
    ("batch ingest (promises/s) vs Core executemany (rows/s)", "batch_ingest_promises_per_s",
     "executemany_rows_per_s", "batch_ingest_vs_executemany", ""),
    ("single create, requests/s", "create_per_s", "create_per_s", "create_vs_floor", ""),
    ("single create p50, ms", "create_p50_ms", "create_p50_ms", None, ""),
    ("single create p99, ms", "create_p99_ms", "create_p99_ms", None, ""),
    ("single create, server CPU ms/request", "create_cpu_ms", "create_cpu_ms",
     "create_cpu_vs_floor", ""),
    ("single GET, requests/s", "get_per_s", "get_per_s", "get_vs_floor", ""),
    ("single GET p50, ms", "get_p50_ms", "get_p50_ms", None, ""),
    ("single GET p99, ms", "get_p99_ms", "get_p99_ms", None, ""),
    ("single GET, server CPU ms/request", "get_cpu_ms", "get_cpu_ms", "get_cpu_vs_floor", ""),
    ("import, rows/s", "import_rows_per_s", None, None, ""),
    ("import peak RSS, MB", "import_peak_rss_mb", None, None, ""),
    ("import of the Olist orders, rows/s", "olist_import_rows_per_s", None, None, ""),
    ("scorecard (history by carrier, month), ms", "scorecard_ms", "scorecard_sql_ms",
     "scorecard_vs_sql", ""),
    ("scorecard (30 days by kind, day), ms", "scorecard_last_30_days_ms",
     "scorecard_30_days_counts_ms", "scorecard_30_days_vs_counts", ""),
    ("dashboard overview (90 days) p95, ms", "dashboard_overview_90d_p95_ms", None, None, ""),
    ("dashboard breakdown p95, ms", "dashboard_breakdown_p95_ms", None, None, ""),
    ("dashboard at risk p95, ms", "dashboard_at_risk_p95_ms", None, None, ""),
    ("dashboard, slowest page p95, ms", "dashboard_slowest_p95_ms", None, None, ""),
]


def _number(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def table(results: dict[str, Any]) -> Table:
    machine = results["machine"]
    out = Table("database", "figure", "Kept", "floor", "Kept ÷ floor",
                title=f"kept bench — {machine['cores']} cores, load {machine['load_average']}")
    for name, figures in results["databases"].items():
        kept, floors, shares = figures["kept"], figures["floors"], figures["ratios"]
        for label, mine, floor, ratio, _unit in _ROWS:
            if mine not in kept:
                continue
            out.add_row(name, label, _number(kept.get(mine)),
                        _number(floors.get(floor)) if floor else "",
                        f"{shares[ratio]:.0%}" if ratio and ratio in shares else "")
        out.add_section()
    return out


def target_lines(results: dict[str, Any]) -> list[str]:
    lines = []
    for name, figures in results["databases"].items():
        for target, verdict in figures["targets"].items():
            mark = {True: "met", False: "NOT met", None: "not measured"}[verdict["met"]]
            lines.append(f"{name}: {target}: {mark}")
    return lines
