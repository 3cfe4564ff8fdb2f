"""`python -m api.bench.dashboard` on a small tenant: it generates the promises, signs in to a
real Kept server, times every page and writes a figure per page to its JSON file. Nothing here
asserts how fast a page is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from api.bench.dashboard import PAGES, page_paths

PROMISES = 500


def test_the_dashboard_bench_times_every_page(tmp_path: Path) -> None:
    postgres = os.environ.get("KEPT_TEST_DATABASE_URL")
    environment = {name: value for name, value in os.environ.items()
                   if name != "KEPT_BENCH_DATABASE_URL"}
    command = [sys.executable, "-m", "api.bench.dashboard", "--promises", str(PROMISES),
               "--requests", "3", "--output", str(tmp_path),
               *(["--postgres-url", postgres] if postgres else [])]
    done = subprocess.run(command, env=environment, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    [written] = tmp_path.glob("dashboard-*.json")
    results = json.loads(written.read_text())
    assert results["machine"]["cores"] == os.cpu_count()
    assert set(results["databases"]) == ({"sqlite", "postgresql"} if postgres else {"sqlite"})
    assert set(PAGES) == set(page_paths("prm_x")) >= {
        "overview_30d", "overview_90d", "breakdown", "at_risk", "promises", "promise"}
    for figures in results["databases"].values():
        assert figures["promises"] == PROMISES
        for page in PAGES:
            assert figures[f"{page}_p95_ms"] >= figures[f"{page}_p50_ms"] > 0
            assert figures[f"{page}_kb"] > 0
            if Path("/proc/self/stat").exists():
                assert figures[f"{page}_cpu_ms"] >= 0
    for page in PAGES:
        assert page in done.stdout
    assert written.name in done.stdout
