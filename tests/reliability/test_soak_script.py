"""`bench/soak` stays runnable: a few seconds of it against its own server pass, and it refuses
to load a server that is not on this machine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.reliability.kept_server import ROOT

SOAK = [sys.executable, str(ROOT / "bench" / "soak")]


def test_a_short_soak_passes_and_reports_every_operation(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    done = subprocess.run(
        [*SOAK, "--minutes", "0.05", "--rate", "40", "--sample-seconds", "0.5",
         "--seed", "7", "--json", str(figures)],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("PASS")
    report = json.loads(figures.read_text())
    assert report["passed"] and report["errors"] == {}
    assert sum(op["count"] for op in report["latency_ms"].values()) == 120
    assert {"create", "read", "list"} <= set(report["latency_ms"])
    assert len(report["rss_bytes"]) >= 2


def test_it_only_loads_servers_on_this_machine() -> None:
    done = subprocess.run([*SOAK, "--url", "http://192.0.2.10:8000", "--key", "kept_x"],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--url must be on this machine" in done.stderr
