"""The scorecard in SQL: one statement, one pass over the matching promises, groups and totals.

`scored` computes each promise's group keys, bucket, status and seconds at `now`. Then, per
group and in total: counts, means, maxima and percentiles. The statement returns one row per
group (`is_total` 0) and one totals row (`is_total` 1).

Percentiles: PostgreSQL's `percentile_cont`, with `GROUPING SETS ((keys), ())` so that groups
and totals come from one sort. SQLite has no percentile function; there the same definition is
computed by hand (`api.domain.scorecard_rules.percentile_cont`): with n values in order and
h = p·(n − 1), the value at position ⌊h⌋ plus (h − ⌊h⌋) times the step to the value at ⌈h⌉,
positions numbered by `row_number()` per group, and once more over all rows for the totals.
A promise has a lateness or an earliness, never both (scoring sets exactly one), so one
numbering per level serves both measures. The numbering carries only (keys, measure, value)
of the promises that have one; n comes from the grouped counts (`lateness_count`,
`earliness_count`, summed for the totals), counts come straight from the grouped rows, and the
totals' counts are sums of the groups'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    func,
    label,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlmodel import Session, col

from api.domain.outcomes import Status
from api.domain.scorecard_rules import Boundary, Bucket, GroupKey, TimeField
from api.models import Promise, PromiseLabel
from api.promises.queries import PromiseFilters, status_case
from api.scorecards.expressions import (
    DECIDED,
    Dialect,
    bucket_case,
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

    `boundaries` are the buckets over the range (for `bucket`).
    """

    filters: PromiseFilters = field(default_factory=PromiseFilters)
    time_field: TimeField = TimeField.DUE
    start: datetime | None = None
    end: datetime | None = None
    group_by: tuple[GroupKey, ...] = ()
    bucket: Bucket | None = None
    boundaries: tuple[Boundary, ...] = ()


def key_column(index: int) -> str:
    return f"k{index}"


def _key_names(spec: ScorecardSpec) -> list[str]:
    names = [key_column(i) for i in range(len(spec.group_by))]
    return names + (["bucket"] if spec.bucket is not None else [])


def _scored(spec: ScorecardSpec, tenant_id: str, now: datetime, dialect: Dialect) -> Select[Any]:
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
        columns.append(label("bucket", bucket_case(time_of(spec.time_field, now),
                                                   list(spec.boundaries))))
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
    return query.where(*spec.filters.conditions(tenant_id, now),
                       *time_conditions(spec.time_field, now, spec.start, spec.end))


def _count_if(condition: ColumnElement[bool], amount: Any = 1) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)


def status_counts(source: Any) -> list[ColumnElement[Any]]:
    """Every count of a scorecard (`COUNT_NAMES`), over rows with `status`, `first_status`,
    `revisions` and `proactive`."""
    status, first = source.c.status, source.c.first_status
    figures: list[ColumnElement[Any]] = [func.count().label("total")]
    figures += [_count_if(status == s.value).label(s.value) for s in COUNTED]
    return [*figures,
            _count_if(first == Status.EXCEEDED.value).label("first_exceeded"),
            _count_if(first == Status.MET.value).label("first_met"),
            _count_if(first == Status.BROKEN.value).label("first_broken"),
            _count_if(status.in_(DECIDED), source.c.revisions).label("revisions"),
            _count_if(status.in_(DECIDED), source.c.proactive).label("proactive_revisions")]


COUNT_NAMES = ("total", *(s.value for s in COUNTED), "first_exceeded", "first_met",
               "first_broken", "revisions", "proactive_revisions")


def _native(spec: ScorecardSpec, scored: Any) -> Select[Any]:
    keys = [scored.c[name] for name in _key_names(spec)]
    figures = status_counts(scored)
    for measure in MEASURES:
        figures += [func.avg(scored.c[measure]).label(f"{measure}_mean"),
                    func.max(scored.c[measure]).label(f"{measure}_max")]
        figures += [func.percentile_cont(literal(fraction, Float))
                    .within_group(scored.c[measure]).label(f"{measure}_{name}")
                    for name, fraction in PERCENTILES]
    if not keys:
        return select(literal(1).label("is_total"), *figures)
    is_total = case((func.grouping(*keys) > 0, 1), else_=0).label("is_total")
    return select(is_total, *keys, *figures).group_by(
        func.grouping_sets(tuple_(*keys), tuple_()))


def _position(fraction: float, count: Any, dialect: Dialect) -> tuple[Any, Any, Any]:
    """Where percentile `fraction` lies among `count` ordered values: h = fraction·(n − 1),
    and the 1-based positions of the values at ⌊h⌋ and ⌈h⌉."""
    position = literal(fraction, Float) * (count - 1)
    lower = func.floor(position) if dialect == "postgresql" else cast(position, Integer)
    upper = lower + case((position > lower, 1), else_=0)
    return position, lower, upper


def _picks(source: Any, dialect: Dialect) -> list[ColumnElement[Any]]:
    """The percentiles of each measure, from the rows' positions `rank` among `n`."""
    figures: list[ColumnElement[Any]] = []
    for code, measure in enumerate(MEASURES, start=1):
        ours = source.c.measure == code
        for name, fraction in PERCENTILES:
            position, lower, upper = _position(fraction, source.c.n, dialect)
            first = func.max(case((and_(ours, source.c.rank == lower + 1), source.c.value)))
            second = func.max(case((and_(ours, source.c.rank == upper + 1), source.c.value)))
            step = func.max(case((ours, position - lower)))
            figures.append((first + (second - first) * step).label(f"{measure}_{name}"))
    return figures


def _numbered(measured: Any, sizes: Any, keys: list[str], name: str,
              dialect: Dialect) -> Any:
    """The rows of `measured` that a percentile reads: each value's position (`rank`) among
    the `n` of its group and measure, kept only at the positions `_picks` needs.

    `n` is looked up in `sizes` (the groups' `lateness_count` and `earliness_count`, joined
    on `keys`) rather than counted over the window: a count over the whole partition makes
    SQLite hold each partition back, where `row_number()` alone streams through the sort."""
    same_group = and_(literal(True), *(measured.c[key].is_not_distinct_from(sizes.c[key])
                                       for key in keys))
    size = case((measured.c.measure == 1, sizes.c.lateness_count),
                else_=sizes.c.earliness_count).label("n")
    sized = select(measured, size).select_from(
        measured.join(sizes, same_group)).subquery(f"{name}_sized")
    partition = [*(sized.c[key] for key in keys), sized.c.measure]
    numbered = select(
        sized,
        func.row_number().over(partition_by=partition, order_by=sized.c.value.asc())
        .label("rank"),
    ).subquery(f"{name}_all")
    wanted = [bound + 1 for _, fraction in PERCENTILES
              for bound in _position(fraction, numbered.c.n, dialect)[1:]]
    return select(numbered).where(numbered.c.rank.in_(wanted)).subquery(name)


def _by_hand(spec: ScorecardSpec, scored: Any, dialect: Dialect) -> Executable:
    """Counts straight from `scored`; percentiles from a narrow numbering of (keys, measure,
    value) per group and over all rows; totals summed from the groups."""
    names = _key_names(spec)
    per_group = select(*(scored.c[name] for name in names), *status_counts(scored),
                       *(figure for measure in MEASURES for figure in (
                           func.sum(scored.c[measure]).label(f"{measure}_sum"),
                           func.count(scored.c[measure]).label(f"{measure}_count"),
                           func.max(scored.c[measure]).label(f"{measure}_max"))))
    counts = (per_group.group_by(*(scored.c[name] for name in names)) if names
              else per_group).cte("counts").prefix_with("MATERIALIZED")
    measured = select(
        *(scored.c[name] for name in names),
        case((scored.c.lateness.is_not(None), 1), else_=2).label("measure"),
        func.coalesce(scored.c.lateness, scored.c.earliness).label("value"),
    ).where(or_(scored.c.lateness.is_not(None), scored.c.earliness.is_not(None))
            ).subquery("measured")
    every = select(*(func.sum(counts.c[f"{measure}_count"]).label(f"{measure}_count")
                     for measure in MEASURES)).subquery("every")
    overall = _numbered(measured, every, [], "overall", dialect)
    total_picks = select(*_picks(overall, dialect)).subquery("total_picks")

    def mean(measure: str, total: bool) -> ColumnElement[Any]:
        sums: ColumnElement[Any] = counts.c[f"{measure}_sum"]
        numbers: ColumnElement[Any] = counts.c[f"{measure}_count"]
        if total:
            sums, numbers = func.sum(sums), func.sum(numbers)
        return (sums / func.nullif(numbers, 0)).label(f"{measure}_mean")

    stats = [name for measure in MEASURES for name in (f"{measure}_p50", f"{measure}_p90")]
    totals = select(
        literal(1).label("is_total"), *(null().label(name) for name in names),
        *(func.coalesce(func.sum(counts.c[name]), 0).label(name) for name in COUNT_NAMES),
        *(mean(measure, total=True) for measure in MEASURES),
        *(func.max(counts.c[f"{measure}_max"]).label(f"{measure}_max") for measure in MEASURES),
        *(func.max(total_picks.c[name]).label(name) for name in stats),
    ).select_from(counts.join(total_picks, literal(True)))
    if not names:
        return totals
    grouped = _numbered(measured, counts, names, "grouped", dialect)
    group_picks = select(*(grouped.c[name] for name in names),
                         *_picks(grouped, dialect)
                         ).group_by(*(grouped.c[name] for name in names)).subquery("picks")
    same_group = and_(*(counts.c[name].is_not_distinct_from(group_picks.c[name])
                        for name in names))
    groups = select(
        literal(0).label("is_total"), *(counts.c[name] for name in names),
        *(counts.c[name] for name in COUNT_NAMES),
        *(mean(measure, total=False) for measure in MEASURES),
        *(counts.c[f"{measure}_max"] for measure in MEASURES),
        *(group_picks.c[name] for name in stats),
    ).select_from(counts.join(group_picks, same_group, isouter=True))
    return union_all(groups, totals)


def scorecard_select(
    spec: ScorecardSpec, tenant_id: str, now: datetime, dialect: Dialect,
    percentiles: Percentiles | None = None,
) -> Executable:
    """Rows: `is_total`, keys `k0…` and `bucket`, then the figures (counts, `*_mean`,
    `*_max`, `*_p50`, `*_p90`)."""
    method = percentiles or ("native" if dialect == "postgresql" else "window")
    scored = _scored(spec, tenant_id, now, dialect)
    if method == "native":
        return _native(spec, scored.subquery("scored"))
    return _by_hand(spec, scored.cte("scored").prefix_with("MATERIALIZED"), dialect)


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
