"""The scorecard benchmark runs end to end on a small volume (a check that it works, not a
timing: the figures themselves are measured with `python -m api.bench.scorecard`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from api.bench.scorecard import run_scorecard_bench
from api.db import Database
from api.models import Tenant


def test_the_benchmark_reports_its_figures_and_cleans_up(database_url: str,
                                                         database: Database) -> None:
    def bench_tenants() -> int:
        with database.session() as session:
            return int(session.execute(select(func.count()).select_from(Tenant).where(
                col(Tenant.name).startswith("bench-"))).scalar_one())

    before = bench_tenants()
    figures = run_scorecard_bench(database_url, promises=1500, repeat=1)
    assert set(figures) == {
        "promises", "generate_seconds", "labels", "last_30_days_by_kind_day_ms",
        "history_by_carrier_month_ms", "history_hand_written_sql_ms", "history_ratio",
        "last_30_days_counts_floor_ms", "last_30_days_ratio"}
    assert figures["promises"] == 1500
    assert 1500 < figures["labels"] < 3000   # a region on each, a carrier on most deliveries
    assert all(value >= 0 for value in figures.values())
    assert bench_tenants() == before
