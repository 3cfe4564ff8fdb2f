"""`kept bench` on tiny sizes: the harness runs end to end (real uvicorn servers, the load
generator, `kept import` in its own process, the scorecard timings) and writes its JSON and
table. Nothing here asserts how fast anything is."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.bench.load import percentile
from api.bench.report import ratios, targets
from api.cli import app

TINY = ["--batch-promises", "1500", "--requests", "40", "--concurrency", "4",
        "--import-rows", "300", "--executemany-rows", "500", "--scorecard-promises", "300",
        "--no-olist"]


def test_percentiles_are_nearest_rank() -> None:
    values = [float(n) for n in range(100, 0, -1)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_ratios_read_as_a_share_of_the_floor() -> None:
    floors = {"executemany_rows_per_s": 50_000.0, "raw_executemany_rows_per_s": 100_000.0,
              "create_per_s": 800.0, "get_per_s": 2000.0,
              "scorecard_sql_ms": 100.0, "scorecard_30_days_counts_ms": 60.0}
    kept = {"batch_ingest_promises_per_s": 30_000.0, "create_per_s": 600.0,
            "get_per_s": 1000.0, "scorecard_ms": 150.0, "create_p99_ms": 80.0,
            "import_peak_rss_mb": 120.0, "scorecard_last_30_days_ms": 240.0,
            "scorecard_promises": 1_000_000.0}
    shares = ratios(floors, kept)
    assert shares == pytest.approx({"batch_ingest_vs_executemany": 0.6,
                                    "batch_ingest_vs_raw_executemany": 0.3,
                                    "create_vs_floor": 0.75, "get_vs_floor": 0.5,
                                    "scorecard_vs_sql": 100 / 150,
                                    "scorecard_30_days_vs_counts": 0.25})
    verdicts = {name: verdict["met"] for name, verdict in
                targets("sqlite", kept, shares, 1_000_000).items()}
    assert verdicts == {
        "batch ingest ≥ 25,000 promises/s": True,
        "batch ingest ≥ 40% of the driver's raw executemany": False,
        "batch ingest ≥ 40% of SQLAlchemy Core executemany": True,
        "single create ≥ 70% of its floor": True, "single create p99 ≤ 100 ms": True,
        "single GET ≥ 70% of its floor": False, "import peak RSS < 300 MB (1,000,000 rows)": True,
        "scorecard of 30 days by kind and day ≤ 100 ms (1,000,000 promises)": False,
        "history scorecard ≤ 2× its hand-written SQL (1,000,000 promises)": True,
    }
    assert "batch ingest ≥ 25,000 promises/s" not in targets("postgresql", kept, shares, 10)


def test_the_bench_command_on_tiny_sizes(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    postgres = os.environ.get("KEPT_TEST_DATABASE_URL")
    monkeypatch.delenv("KEPT_BENCH_DATABASE_URL", raising=False)
    extra = ["--postgres-url", postgres] if postgres else []
    result = CliRunner().invoke(app, ["bench", *TINY, "--output", str(tmp_path), *extra])
    assert result.exit_code == 0, result.output
    [written] = tmp_path.glob("bench-*.json")
    results = json.loads(written.read_text())
    assert results["machine"]["cores"] == os.cpu_count()
    databases = results["databases"]
    assert set(databases) == ({"sqlite", "postgresql"} if postgres else {"sqlite"})
    for figures in databases.values():
        assert set(figures["floors"]) >= {"executemany_rows_per_s",
                                          "raw_executemany_rows_per_s", "create_per_s",
                                          "create_p99_ms", "get_per_s", "scorecard_sql_ms",
                                          "scorecard_30_days_counts_ms"}
        assert set(figures["kept"]) >= {"batch_ingest_promises_per_s", "create_per_s",
                                        "create_p50_ms", "create_p99_ms", "get_per_s",
                                        "import_rows_per_s", "import_peak_rss_mb",
                                        "scorecard_ms"}
        assert all(figures["kept"][name] > 0 for name in (
            "batch_ingest_promises_per_s", "create_per_s", "get_per_s", "import_rows_per_s",
            "import_peak_rss_mb", "scorecard_ms"))
        assert figures["floors"]["raw_executemany_rows_per_s"] > 0
        assert set(figures["ratios"]) >= {"batch_ingest_vs_executemany",
                                          "batch_ingest_vs_raw_executemany", "create_vs_floor",
                                          "get_vs_floor", "scorecard_vs_sql",
                                          "scorecard_30_days_vs_counts"}
        if Path("/proc/self/stat").exists():
            assert figures["kept"]["create_cpu_ms"] > 0 < figures["floors"]["get_cpu_ms"]
        assert all(verdict["met"] in (True, False) for verdict in figures["targets"].values())
    assert "single create, requests/s" in result.output
    assert written.name in "".join(result.output.split())
