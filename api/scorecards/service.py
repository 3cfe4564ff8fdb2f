"""The scorecard use case: build the query, let SQL aggregate, shape the figures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping
from sqlmodel import Session

from api.domain.scorecard_rules import (
    Bucket,
    GroupKey,
    Tally,
    TimeField,
    offset_periods,
    rates_of,
)
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


@dataclass(frozen=True)
class ScorecardQuery:
    filters: PromiseFilters
    time_field: TimeField = TimeField.DUE
    start: datetime | None = None
    end: datetime | None = None
    group_by: tuple[GroupKey, ...] = ()
    bucket: Bucket | None = None
    timezone: str = "UTC"


def _seconds(row: RowMapping, measure: str) -> SecondsSummary:
    def rounded(name: str) -> float | None:
        value = row[f"{measure}_{name}"]
        return None if value is None else round(float(value), SECONDS_DIGITS)

    return SecondsSummary(mean=rounded("mean"), max=rounded("max"),
                          **{name: rounded(name) for name, _ in PERCENTILES})


def figures_of(row: RowMapping) -> dict[str, Any]:
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


def _periods(session: Session, tenant_id: str, query: ScorecardQuery,
             now: datetime) -> tuple[Any, ...]:
    """The zone's UTC offsets over the instants the query can meet."""
    start, end = query.start, query.end
    if start is None or end is None:
        span = time_span(session, tenant_id, query.time_field, now)
        if span is None:
            return tuple(offset_periods(query.timezone, now, now))
        start, end = start or span[0], end or span[1]
    return tuple(offset_periods(query.timezone, start, max(start, end)))


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
        spec = replace(spec, periods=_periods(session, tenant_id, query, now))
    totals_spec = replace(spec, group_by=(), bucket=None, periods=())
    total_row = session.execute(
        scorecard_select(totals_spec, tenant_id, now, dialect, percentiles)).mappings().one()
    totals = Figures(**figures_of(total_row))
    if not spec.group_by and spec.bucket is None:
        groups = [ScorecardGroup(key={}, **totals.model_dump())] if totals.total else []
    else:
        rows = session.execute(scorecard_select(spec, tenant_id, now, dialect, percentiles))
        groups = []
        for row in rows.mappings():
            key: dict[str, str | None] = {
                group.name: row[key_column(i)] for i, group in enumerate(spec.group_by)}
            if spec.bucket is not None:
                key["bucket"] = row["bucket"]
            groups.append(ScorecardGroup(key=key, **figures_of(row)))
        groups.sort(key=_sort_key)
    return Scorecard(as_of=now, timezone=query.timezone, groups=groups, totals=totals)


def scorecard(
    session: Session, principal: Principal, query: ScorecardQuery, now: datetime
) -> Scorecard:
    return run_scorecard(session, principal.tenant_id, query, now)
