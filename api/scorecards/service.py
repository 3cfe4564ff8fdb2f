"""The scorecard use case: build the query, let SQL aggregate, shape the figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, text
from sqlmodel import Session

from api.domain.scorecard_rules import (
    Boundary,
    Bucket,
    GroupKey,
    Tally,
    TimeField,
    bucket_boundaries,
    rates_of,
)
from api.problems import Unprocessable
from api.promises.queries import PromiseFilters
from api.scorecards.expressions import dialect_of
from api.scorecards.queries import (
    PERCENTILES,
    Percentiles,
    ScorecardSpec,
    key_column,
    scorecard_select,
    time_span,
)
from api.scorecards.schemas import Figures, Scorecard, ScorecardGroup, SecondsSummary
from api.tenancy.auth import Principal

SECONDS_DIGITS = 3  # milliseconds: both databases agree to this precision
WORK_MEM = "64MB"
_COUNTS = ("total", "pending", "at_risk", "exceeded", "met", "broken", "void",
           "first_exceeded", "first_met", "first_broken", "revisions", "proactive_revisions")
_STATS = ("mean", "max", *(name for name, _ in PERCENTILES))
# The figures of no promises at all.
_NOTHING: dict[str, Any] = dict.fromkeys(_COUNTS, 0) | dict.fromkeys(
    (f"{measure}_{stat}" for measure in ("lateness", "earliness") for stat in _STATS), None)


@dataclass(frozen=True)
class ScorecardQuery:
    filters: PromiseFilters
    time_field: TimeField = TimeField.DUE
    start: datetime | None = None
    end: datetime | None = None
    group_by: tuple[GroupKey, ...] = ()
    bucket: Bucket | None = None
    timezone: str = "UTC"


def _seconds(row: RowMapping | Mapping[str, Any], measure: str) -> SecondsSummary:
    def rounded(name: str) -> float | None:
        value = row[f"{measure}_{name}"]
        return None if value is None else round(float(value), SECONDS_DIGITS)

    return SecondsSummary(mean=rounded("mean"), max=rounded("max"),
                          **{name: rounded(name) for name, _ in PERCENTILES})


def figures_of(row: RowMapping | Mapping[str, Any] | None) -> dict[str, Any]:
    """The figures of a result row; `None` for no promises at all."""
    row = row or _NOTHING
    tally = Tally(
        exceeded=row["exceeded"], met=row["met"], broken=row["broken"],
        first_exceeded=row["first_exceeded"], first_met=row["first_met"],
        first_broken=row["first_broken"], revisions=int(row["revisions"]),
        proactive_revisions=int(row["proactive_revisions"]),
    )
    rates = rates_of(tally)
    return {
        "total": row["total"], "pending": row["pending"], "at_risk": row["at_risk"],
        "exceeded": row["exceeded"], "met": row["met"], "broken": row["broken"],
        "void": row["void"],
        "keep_rate": rates.keep_rate, "exceed_rate": rates.exceed_rate,
        "break_rate": rates.break_rate,
        "first_promise_keep_rate": rates.first_promise_keep_rate,
        "proactive_revision_rate": rates.proactive_revision_rate,
        "lateness_seconds": _seconds(row, "lateness"),
        "earliness_seconds": _seconds(row, "earliness"),
    }


def _boundaries(session: Session, tenant_id: str, query: ScorecardQuery,
                now: datetime) -> tuple[Boundary, ...]:
    """The buckets over the instants the query can meet (from the data where `from` or `to`
    is open)."""
    assert query.bucket is not None
    start, end = query.start, query.end
    if start is None or end is None:
        span = time_span(session, tenant_id, query.time_field, now)
        if span is None:
            return ()
        start, end = start or span[0], end or span[1]
    try:
        return tuple(bucket_boundaries(query.timezone, query.bucket, start, end))
    except ValueError as error:
        raise Unprocessable.for_field("query.bucket", str(error)) from None


def _sort_key(group: ScorecardGroup) -> tuple[tuple[bool, str], ...]:
    return tuple((value is None, value or "") for value in group.key.values())


def run_scorecard(
    session: Session, tenant_id: str, query: ScorecardQuery, now: datetime,
    percentiles: Percentiles | None = None,
) -> Scorecard:
    """Groups ordered by key (nulls last), and the totals over every matching promise."""
    dialect = dialect_of(session)
    spec = ScorecardSpec(filters=query.filters, time_field=query.time_field,
                         start=query.start, end=query.end, group_by=query.group_by,
                         bucket=query.bucket)
    if query.bucket is not None:
        boundaries = _boundaries(session, tenant_id, query, now)
        if not boundaries:   # no promise has that time at all
            return Scorecard(as_of=now, timezone=query.timezone, groups=[],
                             totals=Figures(**figures_of(None)))
        spec = replace(spec, boundaries=boundaries)
    if dialect == "postgresql":
        # Sorts for percentiles and groups stay in memory (the default is 4 MB).
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    rows = session.execute(scorecard_select(spec, tenant_id, now, dialect, percentiles))
    groups: list[ScorecardGroup] = []
    totals = Figures(**figures_of(None))
    for row in rows.mappings():
        if row["is_total"]:
            totals = Figures(**figures_of(row))
            continue
        key: dict[str, str | None] = {
            group.name: row[key_column(i)] for i, group in enumerate(spec.group_by)}
        if spec.bucket is not None:
            key["bucket"] = row["bucket"]
        groups.append(ScorecardGroup(key=key, **figures_of(row)))
    if not spec.group_by and spec.bucket is None and totals.total:
        groups = [ScorecardGroup(key={}, **totals.model_dump())]
    groups.sort(key=_sort_key)
    return Scorecard(as_of=now, timezone=query.timezone, groups=groups, totals=totals)


def scorecard(
    session: Session, principal: Principal, query: ScorecardQuery, now: datetime
) -> Scorecard:
    return run_scorecard(session, principal.tenant_id, query, now)
