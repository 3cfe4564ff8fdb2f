"""Percentiles and means in SQL against the pure definition, on generated promises.

Thousands of generated promises (random seconds, ties, groups with one value or none): the
database's figures must equal `percentile_cont` of the values read back row by row. On
PostgreSQL, the hand-made SQL used on SQLite must give the very numbers of its own
`percentile_cont`. The benchmark's hand-written SQL must agree with the scorecard too.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from api.bench.hand_written import hand_written_scorecard, recent_counts_floor
from api.bench.promise_generator import generate_promises
from api.db import Database
from api.domain.scorecard_rules import Bucket, GroupKey, percentile_cont
from api.models import Promise, PromiseLabel
from api.promises.queries import PromiseFilters
from api.scorecards.expressions import dialect_of
from api.scorecards.schemas import Scorecard
from api.scorecards.service import ScorecardQuery, run_scorecard
from api.tenancy import service as tenancy

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
BY_KIND_AND_MONTH = ScorecardQuery(filters=PromiseFilters(), group_by=(GroupKey("kind"),),
                                   bucket=Bucket.MONTH, timezone="UTC")


@pytest.fixture(scope="module")
def generated(database: Database) -> Iterator[str]:
    with database.session() as session:
        tenant = tenancy.create_tenant(session, f"gen-{secrets.token_hex(4)}", "UTC", NOW)
    with database.engine.begin() as connection:
        generate_promises(connection, tenant.id, 3000, NOW, days=120, seed=11)
    yield tenant.id


def _seconds_by_group(
    session: Session, tenant_id: str
) -> dict[tuple[str, str], dict[str, list[float]]]:
    """(kind, UTC month) → lateness and earliness values, read row by row (the test's
    reference; the service never does this)."""
    rows = session.execute(select(Promise).where(col(Promise.tenant_id) == tenant_id))
    found: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(
        lambda: {"lateness": [], "earliness": []})
    for (promise,) in rows:
        month = promise.due_at.strftime("%Y-%m-01")
        values = found[(promise.kind, month)]
        if promise.resolved_status is not None:
            if promise.lateness_seconds is not None:
                values["lateness"].append(promise.lateness_seconds)
        elif promise.breach_at < NOW:
            values["lateness"].append((NOW - promise.due_at).total_seconds())
        if promise.earliness_seconds is not None:
            values["earliness"].append(promise.earliness_seconds)
    return found


def test_percentiles_and_means_match_the_definition(database: Database, generated: str) -> None:
    with database.session() as session:
        scorecard = run_scorecard(session, generated, BY_KIND_AND_MONTH, NOW)
        reference = _seconds_by_group(session, generated)
    assert len(scorecard.groups) == len(reference) >= 12
    for group in scorecard.groups:
        kind, month = group.key["kind"], group.key["bucket"]
        assert kind is not None and month is not None
        for measure in ("lateness", "earliness"):
            values = reference[(kind, month)][measure]
            summary = getattr(group, f"{measure}_seconds")
            expected = {
                "p50": percentile_cont(values, 0.5), "p90": percentile_cont(values, 0.9),
                "max": max(values) if values else None,
                "mean": sum(values) / len(values) if values else None,
            }
            for stat, value in expected.items():
                got = getattr(summary, stat)
                if value is None:
                    assert got is None
                else:
                    assert got == pytest.approx(value, abs=0.0015), (kind, month, stat)


def _figures(scorecard: Scorecard) -> list[dict[str, Any]]:
    return [group.model_dump() for group in scorecard.groups] + [scorecard.totals.model_dump()]


def test_postgresql_percentile_cont_and_the_sqlite_formula_agree(database: Database,
                                                                  generated: str) -> None:
    with database.session() as session:
        if dialect_of(session) != "postgresql":
            pytest.skip("percentile_cont exists on PostgreSQL only")
        native = run_scorecard(session, generated, BY_KIND_AND_MONTH, NOW, "native")
        by_hand = run_scorecard(session, generated, BY_KIND_AND_MONTH, NOW, "window")
    assert _figures(by_hand) == _figures(native)


def test_the_benchmarks_hand_written_sql_computes_the_same_figures(database: Database,
                                                                   generated: str) -> None:
    query = ScorecardQuery(filters=PromiseFilters(),
                           group_by=(GroupKey("label:carrier", "carrier"),),
                           bucket=Bucket.MONTH, timezone="UTC")
    with database.session() as session:
        ours = run_scorecard(session, generated, query, NOW)
        theirs = hand_written_scorecard(session, generated, NOW)
        labels = session.execute(select(col(PromiseLabel.key)).where(
            col(PromiseLabel.tenant_id) == generated)).all()
    assert {key for (key,) in labels} == {"carrier", "region"}
    by_key = {(row["carrier"], row["month"]): row for row in theirs}
    assert len(by_key) == len(ours.groups)
    for group in ours.groups:
        row = by_key[(group.key["label:carrier"], group.key["bucket"])]
        assert (group.total, group.pending, group.at_risk, group.exceeded, group.met,
                group.broken, group.void) == (row["total"], row["pending"], row["at_risk"],
                                              row["exceeded"], row["met"], row["broken"],
                                              row["void"])
        for stat in ("mean", "p50", "p90", "max"):
            for measure in ("lateness", "earliness"):
                value = row[f"{measure}_{stat}"]
                got = getattr(getattr(group, f"{measure}_seconds"), stat)
                assert got == (None if value is None else pytest.approx(float(value),
                                                                         abs=0.0015))


def test_the_benchmarks_counts_floor_reads_the_same_promises(database: Database,
                                                             generated: str) -> None:
    """The 30-day floor counts by UTC day where the scorecard buckets by local day: per kind,
    summed over the days, both count the very same promises."""
    start = NOW - timedelta(days=30)
    query = ScorecardQuery(filters=PromiseFilters(), start=start, end=NOW,
                           group_by=(GroupKey("kind"),), timezone="UTC")
    with database.session() as session:
        ours = run_scorecard(session, generated, query, NOW)
        floor = recent_counts_floor(session, generated, start, NOW, NOW)
    statuses = ("total", "pending", "at_risk", "exceeded", "met", "broken", "void")
    theirs: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(statuses, 0))
    for row in floor:
        for status in statuses:
            theirs[row["kind"]][status] += row[status]
    assert len({row["day"] for row in floor}) in (30, 31)
    assert ours.totals.total > 500
    assert {group.key["kind"]: {status: getattr(group, status) for status in statuses}
            for group in ours.groups} == theirs
