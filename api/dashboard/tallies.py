"""The overview's and breakdown's counts and rates: the scorecard's rules, without the
percentiles the pages do not show.

One GROUP BY over the promises decided in a period, with the scorecard's own status rule
(`status_case`), time range (`time_conditions`), buckets (`bucket_case`) and group keys, shaped
by the scorecard's `figures_of`: the counts and rates of `GET /v1/scorecard` for the same
query (the browser tests compare them). Left out are the lateness and earliness summaries,
whose percentiles need a sort per group — most of a scorecard's time at 100,000 promises on
SQLite — and which no page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, label, null, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from api.domain.scorecard_rules import (
    Bucket,
    GroupKey,
    TimeField,
    bucket_boundaries,
    keep_rate,
    ratio,
)
from api.models import Promise, PromiseLabel
from api.promises.queries import PromiseFilters, status_case
from api.scorecards.expressions import Sql, bucket_case, time_conditions, time_of
from api.scorecards.queries import COUNT_NAMES, MEASURES, PERCENTILES, status_counts
from api.scorecards.schemas import Figures
from api.scorecards.service import figures_of

# The seconds summaries are not computed here: shaped as "no values".
NO_SECONDS: dict[str, None] = {f"{measure}_{stat}": None for measure in MEASURES
                               for stat in ("mean", "max", *(name for name, _ in PERCENTILES))}


@dataclass(frozen=True)
class Counted:
    """One group's decided promises, with the rates the pages sort and draw by."""

    value: str | None
    exceeded: int
    met: int
    broken: int

    @property
    def decided(self) -> int:
        return self.exceeded + self.met + self.broken

    @property
    def keep_rate(self) -> float | None:
        return keep_rate(self.exceeded, self.met, self.broken)

    @property
    def break_rate(self) -> float | None:
        return ratio(self.broken, self.decided)


@dataclass(frozen=True)
class Tallies:
    groups: list[Counted]  # ordered by value, the group without a value last
    totals: Figures  # as the scorecard shapes them, without the seconds summaries


def _key_column(key: GroupKey) -> tuple[Sql, Any]:
    """The key's value, and the label row to join for a label key."""
    if key.label is None:
        plain = {"kind": col(Promise.kind), "policy": col(Promise.policy_key),
                 "customer_id": col(Promise.customer_id)}
        return plain[key.name], None
    row = aliased(PromiseLabel, name="label_row")
    return col(row.value), (row, and_(
        col(row.tenant_id) == col(Promise.tenant_id), col(row.promise_id) == col(Promise.id),
        col(row.key) == key.label))


def tally_select(tenant_id: str, now: datetime, start: datetime, end: datetime, *,
                 key: GroupKey | None = None, bucket_of: ColumnElement[str] | None = None
                 ) -> Select[Any]:
    """Rows of (`group_key`, *`COUNT_NAMES`) for the promises decided in [start, end): one per
    value of `key` or `bucket_of`, or one in all (its `group_key` NULL). Keys are computed in
    a subquery and grouped outside it, so that PostgreSQL sees one expression, not two with
    their own parameters."""
    value: Sql = null() if bucket_of is None else bucket_of
    join = None
    if key is not None:
        value, join = _key_column(key)
    inner = select(label("group_key", value), status_case(now).label("status"),
                   status_case(now, first=True).label("first_status"),
                   col(Promise.revision_count).label("revisions"),
                   col(Promise.proactive_revision_count).label("proactive")).select_from(Promise)
    if join is not None:
        inner = inner.outerjoin(*join)
    scored = inner.where(*PromiseFilters().conditions(tenant_id, now),
                         *time_conditions(TimeField.RESOLVED, now, start, end)
                         ).subquery("scored")
    return select(scored.c.group_key, *status_counts(scored)).group_by(scored.c.group_key)


_EXCEEDED, _MET, _BROKEN = (1 + COUNT_NAMES.index(name) for name in ("exceeded", "met", "broken"))


def _tallies(rows: Sequence[Sequence[Any]], grouped: bool) -> Tallies:
    groups = [Counted(row[0], int(row[_EXCEEDED]), int(row[_MET]), int(row[_BROKEN]))
              for row in rows if grouped and row[1]]
    groups.sort(key=lambda group: (group.value is None, group.value or ""))
    # Every promise counted falls in exactly one group: the totals are the groups' sums.
    summed = [sum(map(int, column)) for column in zip(*(row[1:] for row in rows), strict=True)]
    totals = dict(zip(COUNT_NAMES, summed or [0] * len(COUNT_NAMES), strict=True))
    return Tallies(groups, Figures(**figures_of({**totals, **NO_SECONDS})))


def decided_in(session: Session, tenant_id: str, now: datetime, start: datetime,
               end: datetime, key: GroupKey | None = None) -> Tallies:
    """The figures of the promises decided in [start, end), in total and per `key`."""
    query = tally_select(tenant_id, now, start, end, key=key)
    return _tallies(session.execute(query).all(), grouped=key is not None)


def decided_per_day(session: Session, tenant_id: str, zone: str, now: datetime,
                    start: datetime, end: datetime) -> Tallies:
    """The same per local day in `zone` (`YYYY-MM-DD`), and in total."""
    day = bucket_case(time_of(TimeField.RESOLVED, now),
                      bucket_boundaries(zone, Bucket.DAY, start, end))
    query = tally_select(tenant_id, now, start, end, bucket_of=day)
    return _tallies(session.execute(query).all(), grouped=True)
