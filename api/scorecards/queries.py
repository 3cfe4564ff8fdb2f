"""The scorecard in SQL: one pass over the matching promises, grouped, on SQLite and PostgreSQL.

Three layers: `scored` computes each promise's group keys, bucket, status and seconds at `now`;
`ranked` (only where percentiles are computed by hand) numbers the lateness and earliness of
each group in order; the outer select counts, averages and interpolates per group.

Percentiles: PostgreSQL's `percentile_cont`, or — on SQLite, which has none — the same
definition by hand: with n values in order and h = p·(n − 1), the value at position ⌊h⌋ plus
(h − ⌊h⌋) times the step to the value at ⌈h⌉ (`api.domain.scorecard_rules.percentile_cont`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Float, Integer, Select, and_, case, cast, func, label, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from api.domain.outcomes import Status
from api.domain.scorecard_rules import Bucket, GroupKey, OffsetPeriod, TimeField
from api.models import Promise, PromiseLabel
from api.promises.queries import PromiseFilters, status_case
from api.scorecards.expressions import (
    DECIDED,
    Dialect,
    bucket_label,
    earliness,
    lateness,
    time_conditions,
    time_of,
)

PERCENTILES = (("p50", 0.5), ("p90", 0.9))
MEASURES = ("lateness", "earliness")
COUNTED = (Status.PENDING, Status.AT_RISK, Status.EXCEEDED, Status.MET, Status.BROKEN,
           Status.VOID)
Percentiles = Literal["native", "window"]


@dataclass(frozen=True)
class ScorecardSpec:
    """What to count: the list filters, a time range on one time field, groups, buckets.

    `periods` are the UTC offsets of the bucket's zone over the range (for `bucket`).
    """

    filters: PromiseFilters = field(default_factory=PromiseFilters)
    time_field: TimeField = TimeField.DUE
    start: datetime | None = None
    end: datetime | None = None
    group_by: tuple[GroupKey, ...] = ()
    bucket: Bucket | None = None
    periods: tuple[OffsetPeriod, ...] = ()
    extra_conditions: tuple[ColumnElement[bool], ...] = ()


def key_column(index: int) -> str:
    return f"k{index}"


def _scored(spec: ScorecardSpec, tenant_id: str, now: datetime, dialect: Dialect) -> Any:
    columns: list[ColumnElement[Any]] = []
    joins: list[tuple[Any, ColumnElement[bool]]] = []
    plain = {"kind": col(Promise.kind), "policy": col(Promise.policy_key),
             "customer_id": col(Promise.customer_id)}
    for index, key in enumerate(spec.group_by):
        if key.label is None:
            columns.append(plain[key.name].label(key_column(index)))
            continue
        row = aliased(PromiseLabel, name=f"label_{index}")
        joins.append((row, and_(col(row.tenant_id) == col(Promise.tenant_id),
                                col(row.promise_id) == col(Promise.id),
                                col(row.key) == key.label)))
        columns.append(col(row.value).label(key_column(index)))
    if spec.bucket is not None:
        columns.append(label("bucket", bucket_label(time_of(spec.time_field, now), spec.bucket,
                                                    list(spec.periods), dialect)))
    columns += [
        status_case(now).label("status"),
        status_case(now, first=True).label("first_status"),
        col(Promise.revision_count).label("revisions"),
        col(Promise.proactive_revision_count).label("proactive"),
        label("lateness", lateness(now, dialect)),
        label("earliness", earliness()),
    ]
    query = select(*columns).select_from(Promise)
    for target, on in joins:
        query = query.outerjoin(target, on)
    conditions = [*spec.filters.conditions(tenant_id, now),
                  *time_conditions(spec.time_field, now, spec.start, spec.end),
                  *spec.extra_conditions]
    return query.where(*conditions).subquery("scored")


def _keys(spec: ScorecardSpec, source: Any) -> list[Any]:
    keys = [source.c[key_column(i)] for i in range(len(spec.group_by))]
    if spec.bucket is not None:
        keys.append(source.c.bucket)
    return keys


def _ranked(spec: ScorecardSpec, scored: Any) -> Any:
    partition = _keys(spec, scored) or None
    extra = []
    for measure in MEASURES:
        value = scored.c[measure]
        extra += [
            func.row_number().over(partition_by=partition, order_by=value.asc().nulls_last())
            .label(f"{measure}_rank"),
            func.count(value).over(partition_by=partition).label(f"{measure}_n"),
        ]
    return select(*scored.c, *extra).subquery("ranked")


def _count_if(condition: ColumnElement[bool], amount: Any = 1) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)


def _percentile_by_hand(source: Any, measure: str, fraction: float,
                        dialect: Dialect) -> ColumnElement[float]:
    value, rank = source.c[measure], source.c[f"{measure}_rank"]
    position = literal(fraction, Float) * (source.c[f"{measure}_n"] - 1)
    lower = func.floor(position) if dialect == "postgresql" else cast(position, Integer)
    upper = lower + case((position > lower, 1), else_=0)
    first = func.max(case((rank == lower + 1, value)))
    second = func.max(case((rank == upper + 1, value)))
    return first + (second - first) * func.max(position - lower)


def scorecard_select(
    spec: ScorecardSpec, tenant_id: str, now: datetime, dialect: Dialect,
    percentiles: Percentiles | None = None,
) -> Select[Any]:
    """One row per group: keys `k0…`, `bucket`, counts and seconds (see `FIGURES`)."""
    method = percentiles or ("native" if dialect == "postgresql" else "window")
    scored = _scored(spec, tenant_id, now, dialect)
    source = _ranked(spec, scored) if method == "window" else scored
    status, first = source.c.status, source.c.first_status
    figures: list[ColumnElement[Any]] = [func.count().label("total")]
    figures += [_count_if(status == s.value).label(s.value) for s in COUNTED]
    figures += [
        _count_if(first == Status.EXCEEDED.value).label("first_exceeded"),
        _count_if(first == Status.MET.value).label("first_met"),
        _count_if(first == Status.BROKEN.value).label("first_broken"),
        _count_if(status.in_(DECIDED), source.c.revisions).label("revisions"),
        _count_if(status.in_(DECIDED), source.c.proactive).label("proactive_revisions"),
    ]
    for measure in MEASURES:
        value = source.c[measure]
        figures += [func.avg(value).label(f"{measure}_mean"),
                    func.max(value).label(f"{measure}_max")]
        for name, fraction in PERCENTILES:
            figure: ColumnElement[Any] = (
                func.percentile_cont(literal(fraction, Float)).within_group(value)
                if method == "native" else _percentile_by_hand(source, measure, fraction, dialect))
            figures.append(figure.label(f"{measure}_{name}"))
    keys = _keys(spec, source)
    return select(*keys, *figures).group_by(*keys)


def time_span(
    session: Session, tenant_id: str, time_field: TimeField, now: datetime
) -> tuple[datetime, datetime] | None:
    """The earliest and latest instant of `time_field` among the tenant's promises.

    Each MIN and MAX is its own query so that both databases answer it from an index.
    """
    tenant = col(Promise.tenant_id) == tenant_id
    if time_field is TimeField.RESOLVED:
        sources: list[tuple[Any, list[ColumnElement[bool]]]] = [
            (col(Promise.resolved_at), [tenant]),
            (col(Promise.breach_at), [tenant, col(Promise.resolved_status).is_(None),
                                      col(Promise.breach_at) < now]),
        ]
    else:
        sources = [(time_of(time_field, now), [tenant])]
    found: list[datetime] = []
    for column, conditions in sources:
        for aggregate in (func.min, func.max):
            value = session.execute(select(aggregate(column)).where(*conditions)).scalar()
            if value is not None:
                found.append(value)
    return (min(found), max(found)) if found else None
