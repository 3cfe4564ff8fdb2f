"""SQL expressions of a promise's figures at `now`, the same on SQLite and PostgreSQL.

Status comes from `api.promises.queries.status_case` (the rule the list filters use). Here:
seconds since the epoch, lateness (overdue open promises are late by `now − due_at`), the
instant a promise was decided, the instant that places it in a scorecard, and its bucket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations
from sqlmodel import Session, col

from api.domain.outcomes import Status
from api.domain.scorecard_rules import Boundary, TimeField
from api.models import Promise
from api.promises.queries import status_case

Dialect = Literal["sqlite", "postgresql"]
# A column or an expression (SQLModel's `col()` types columns as `Mapped`).
Sql = SQLCoreOperations[Any]
DECIDED = (Status.EXCEEDED.value, Status.MET.value, Status.BROKEN.value)
KEPT = (Status.EXCEEDED.value, Status.MET.value)


def dialect_of(session: Session) -> Dialect:
    name = session.get_bind().dialect.name
    if name not in ("sqlite", "postgresql"):
        raise RuntimeError(f"unsupported database {name!r}")
    return "sqlite" if name == "sqlite" else "postgresql"


def epoch_seconds(value: Sql, dialect: Dialect) -> Sql:
    """Seconds since 1970 of a stored timestamp, to the microsecond."""
    if dialect == "postgresql":
        return cast(func.date_part("epoch", value), Float)
    # SQLite stores `YYYY-MM-DD HH:MM:SS.ffffff` (naive UTC): whole seconds plus the fraction.
    whole = cast(func.strftime("%s", func.substr(value, 1, 19)), Integer)
    return whole + cast(func.substr(value, 20), Float)


def lateness(now: datetime, dialect: Dialect) -> Sql:
    """Stored lateness once resolved; for an open promise past its deadline, the time since
    due (up to the start of a pause, as `read_status` reads it); otherwise NULL."""
    paused_since = col(Promise.paused_since)
    stopped = case(
        (and_(paused_since.is_not(None), paused_since < now),
         epoch_seconds(paused_since, dialect)),
        else_=literal(now.timestamp(), Float),
    )
    return case(
        (col(Promise.resolved_status).is_not(None), col(Promise.lateness_seconds)),
        (col(Promise.breach_at) < now, stopped - epoch_seconds(col(Promise.due_at), dialect)),
        else_=literal(None, Float),
    )


def earliness() -> Sql:
    return col(Promise.earliness_seconds)


def decided_at(now: datetime) -> Sql:
    """When a decided promise was decided: a break when it broke (its breach time, for late
    and overdue promises), anything else when it was resolved."""
    breach_at, resolved_at = col(Promise.breach_at), col(Promise.resolved_at)
    return case(
        (and_(status_case(now) == Status.BROKEN.value,
              or_(resolved_at.is_(None), breach_at < resolved_at)), breach_at),
        else_=resolved_at,
    )


def time_of(field: TimeField, now: datetime) -> Sql:
    """The instant that places a promise in `from`/`to` and in a bucket."""
    if field is TimeField.DUE:
        return col(Promise.due_at)
    if field is TimeField.MADE:
        return col(Promise.made_at)
    return case(
        (col(Promise.resolved_status).is_not(None), col(Promise.resolved_at)),
        (col(Promise.breach_at) < now, col(Promise.breach_at)),
    )


def time_conditions(
    field: TimeField, now: datetime, start: datetime | None, end: datetime | None
) -> list[ColumnElement[bool]]:
    """`start ≤ time < end`, written so that the database can use its indexes."""
    if field is not TimeField.RESOLVED:
        value = time_of(field, now)
        return [c for c in (value >= start if start else None,
                            value < end if end else None) if c is not None]

    def within(column: Sql) -> list[ColumnElement[bool]]:
        return [c for c in (column >= start if start else None,
                            column < end if end else None) if c is not None]

    resolved = col(Promise.resolved_status)
    return [or_(
        and_(resolved.is_not(None), *within(col(Promise.resolved_at))),
        and_(resolved.is_(None), col(Promise.breach_at) < now, *within(col(Promise.breach_at))),
    )]


def bucket_case(value: Sql, boundaries: list[Boundary]) -> ColumnElement[str]:
    """`YYYY-MM-DD` of the bucket holding `value`: a balanced CASE over the bucket boundaries
    (computed in zoneinfo), so each row costs a handful of comparisons on either database."""

    def tree(low: int, high: int) -> ColumnElement[str]:
        if high - low == 1:
            return literal_column(f"'{boundaries[low].label.isoformat()}'", String)
        middle = (low + high) // 2
        return case((value < boundaries[middle].starts_at, tree(low, middle)),
                    else_=tree(middle, high))

    return tree(0, len(boundaries))
