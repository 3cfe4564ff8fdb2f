"""`bench/soak` stays runnable: a few seconds of it against its own server, with a tiny fuzz,
pass; it refuses to load a server that is not on this machine; and its memory verdict tells a
flat server from a growing one."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.reliability.kept_server import ROOT

SOAK_PATH = ROOT / "bench" / "soak"
SOAK = [sys.executable, str(SOAK_PATH)]
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def soak_module() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("bench_soak", str(SOAK_PATH))
    spec = importlib.util.spec_from_loader("bench_soak", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_soak"] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module


def test_a_short_soak_and_a_tiny_fuzz_pass_and_report_everything(tmp_path: Path) -> None:
    figures = tmp_path / "soak.json"
    # On the suite's PostgreSQL when it runs there: the soak's server and the fuzz both use a
    # scratch database beside it.
    database = os.environ.get("KEPT_TEST_DATABASE_URL")
    done = subprocess.run(
        [*SOAK, "--minutes", "0.05", "--rate", "40", "--sample-seconds", "0.5",
         "--prefill", "1500", "--seed", "7", "--fuzz-examples", "1", "--json", str(figures),
         "--mix", "create=30,event=20,read=30,list=15,scorecard=10,history=10",
         *(["--database-url", database] if database else [])],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.rstrip().endswith("PASS")
    assert "prefilled 1,500 promises" in done.stdout
    report = json.loads(figures.read_text())
    assert report["passed"] and report["errors"] == {}
    assert sum(op["count"] for op in report["latency_ms"].values()) == 120
    assert {"create", "read", "list", "scorecard", "history"} <= set(report["latency_ms"])
    assert len(report["rss_bytes"]) >= 2
    assert report["memory"]["judged"] is False  # 3 s say nothing about a trend
    assert "not judged" in done.stdout
    fuzz = report["fuzz"]
    assert fuzz["operations"] >= 10 and fuzz["examples"] >= fuzz["operations"]
    assert fuzz["failures"] == [] and fuzz["passed"]


def test_it_only_loads_servers_on_this_machine() -> None:
    done = subprocess.run([*SOAK, "--url", "http://192.0.2.10:8000", "--key", "kept_x"],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "--url must be on this machine" in done.stderr


def _samples(minutes: float, rss_mib: float, growth_per_minute: float,
             warm_up_growth: float = 30.0) -> list[tuple[float, int]]:
    """One sample a second: RSS rising by `warm_up_growth` MiB over the first half, then by
    `growth_per_minute`, with a few MiB of noise from requests' working memory."""
    noise = random.Random(3)
    half = minutes * 30
    samples = []
    for second in range(int(minutes * 60) + 1):
        level = rss_mib + warm_up_growth * min(second, half) / half
        level += growth_per_minute * max(0, second - half) / 60
        samples.append((float(second), int((level + noise.uniform(-3, 3)) * MIB)))
    return samples


def test_memory_that_only_grows_in_the_warm_up_is_flat(soak_module: ModuleType) -> None:
    report = soak_module.memory_report(_samples(10, 100, 0.0), 600.0, 0.5, 1.0)
    assert report.judged and report.flat
    assert len(report.by_minute) == 10
    assert report.by_minute[0] < report.by_minute[4] - 20  # the warm-up is reported, not judged


def test_memory_still_growing_after_the_warm_up_fails(soak_module: ModuleType) -> None:
    report = soak_module.memory_report(_samples(10, 100, 2.0), 600.0, 0.5, 1.0)
    assert report.judged and not report.flat
    assert 1.5 < report.slope < 2.5
    assert report.steady_end - report.steady_start > 8


def test_peaks_of_requests_in_flight_do_not_make_a_flat_floor_grow(
        soak_module: ModuleType) -> None:
    """Bursts of working memory, larger and more frequent as the run goes on, over a floor
    that stays put: memory in use, not a leak."""
    samples = []
    for second in range(601):
        burst = second % 7 == 0 or (second > 300 and second % 3 == 0)
        samples.append((float(second), int((150 + (10 + second / 10 if burst else 0)) * MIB)))
    report = soak_module.memory_report(samples, 600.0, 0.5, 1.0)
    assert report.median_slope > 1.0
    assert report.judged and report.flat and report.slope == 0.0
    assert report.floor_by_minute == [150.0] * 10


def test_a_steady_state_under_two_minutes_is_not_judged(soak_module: ModuleType) -> None:
    report = soak_module.memory_report(_samples(3, 100, 5.0), 180.0, 0.5, 1.0)
    assert not report.judged and not report.flat
