"""Scorecard rules: which promises count in which rate, how groups are named, and how instants
fall into local day, week and month buckets across DST changes.

Pure: standard library only, no clock (`now` is always an argument of the caller's query).

Rates (all `None` when their denominator is 0). A promise is *decided* when its status at the
time of the request is `exceeded`, `met` or `broken`; open promises past their deadline are
`broken` (overdue). `void` and not-yet-due (`pending`, `at_risk`) promises are outside every rate.

- keep_rate = (exceeded + met) / decided
- exceed_rate = exceeded / decided
- break_rate = broken / decided
- first_promise_keep_rate = the keep rate of the first-promise statuses (the original terms with
  only the customer's own revisions): (first exceeded + first met) / first decided
- proactive_revision_rate = of the revisions made to decided promises, the share made before
  the then-current due time (proactive) rather than after it (reactive)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class TimeField(StrEnum):
    """Which instant of a promise places it in `from`/`to` and in a bucket."""

    DUE = "due"
    MADE = "made"
    # When it was decided: `resolved_at`, or for an open promise past its deadline the moment
    # it broke (its breach time). Open promises not yet due have no such time.
    RESOLVED = "resolved"


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks: Monday to Sunday
    MONTH = "month"


DIMENSIONS = ("kind", "policy", "customer_id")
LABEL_PREFIX = "label:"
MAX_GROUP_KEYS = 4
_LABEL_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:/-")


@dataclass(frozen=True)
class GroupKey:
    """One `group_by` item: a promise column, or a label (`label:<key>`)."""

    name: str
    label: str | None = None


def parse_group_by(text: str | None) -> tuple[GroupKey, ...]:
    """`kind,label:carrier` → its keys; a ValueError says what is wrong."""
    keys: list[GroupKey] = []
    for raw in (text or "").split(","):
        name = raw.strip()
        if not name:
            continue
        if name.startswith(LABEL_PREFIX):
            label = name.removeprefix(LABEL_PREFIX)
            if not label or len(label) > 100 or not set(label) <= _LABEL_KEY_CHARS:
                raise ValueError(f"{name!r} is not a label key (label:<key>, e.g. label:carrier)")
            key = GroupKey(name, label)
        elif name in DIMENSIONS:
            key = GroupKey(name)
        else:
            known = ", ".join((*DIMENSIONS, "label:<key>"))
            raise ValueError(f"cannot group by {name!r} (known: {known})")
        if key in keys:
            raise ValueError(f"{name!r} is given twice")
        keys.append(key)
    if len(keys) > MAX_GROUP_KEYS:
        raise ValueError(f"group by at most {MAX_GROUP_KEYS} keys")
    return tuple(keys)


@dataclass(frozen=True)
class Tally:
    """What SQL counted for one group."""

    exceeded: int = 0
    met: int = 0
    broken: int = 0
    first_exceeded: int = 0
    first_met: int = 0
    first_broken: int = 0
    revisions: int = 0  # revisions of decided promises
    proactive_revisions: int = 0


@dataclass(frozen=True)
class Rates:
    keep_rate: float | None
    exceed_rate: float | None
    break_rate: float | None
    first_promise_keep_rate: float | None
    proactive_revision_rate: float | None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def keep_rate(exceeded: int, met: int, broken: int) -> float | None:
    return ratio(exceeded + met, exceeded + met + broken)


def rates_of(tally: Tally) -> Rates:
    decided = tally.exceeded + tally.met + tally.broken
    return Rates(
        keep_rate=keep_rate(tally.exceeded, tally.met, tally.broken),
        exceed_rate=ratio(tally.exceeded, decided),
        break_rate=ratio(tally.broken, decided),
        first_promise_keep_rate=keep_rate(tally.first_exceeded, tally.first_met,
                                          tally.first_broken),
        proactive_revision_rate=ratio(tally.proactive_revisions, tally.revisions),
    )


def percentile_cont(values: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile, exactly as PostgreSQL's `percentile_cont` computes it.

    The SQL on SQLite must give the same number; this is the definition both follow.
    """
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


# --- Time buckets -------------------------------------------------------------------------

MAX_BUCKETS = 10_000
_ONE_DAY = timedelta(days=1)


def bucket_start(day: date, bucket: Bucket) -> date:
    """The first local date of the bucket holding local date `day`."""
    if bucket is Bucket.WEEK:
        return day - timedelta(days=day.weekday())
    if bucket is Bucket.MONTH:
        return day.replace(day=1)
    return day


def _next_bucket(day: date, bucket: Bucket) -> date:
    if bucket is Bucket.DAY:
        return day + _ONE_DAY
    if bucket is Bucket.WEEK:
        return day + 7 * _ONE_DAY
    return (day.replace(day=28) + 4 * _ONE_DAY).replace(day=1)


def first_instant(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) whose local date in `zone` is `day`.

    Usually local midnight. When midnight does not exist (a DST gap at midnight), the first
    instant after the gap; when it exists twice, the instant the date begins.
    """
    candidates = [datetime.combine(day, time(0), tzinfo=zone).replace(fold=fold)
                  .astimezone(UTC) for fold in (0, 1)]
    return min(c for c in candidates if c.astimezone(zone).date() >= day)


def bucket_of(instant: datetime, bucket: Bucket, zone_name: str) -> date:
    """The bucket (named by its first local date) of an instant, in a zone."""
    return bucket_start(instant.astimezone(ZoneInfo(zone_name)).date(), bucket)


@dataclass(frozen=True)
class Boundary:
    """A bucket: from `starts_at` (UTC) to the next boundary, named by its first local date."""

    starts_at: datetime
    label: date


def bucket_boundaries(zone_name: str, bucket: Bucket, start: datetime,
                      end: datetime) -> list[Boundary]:
    """The buckets holding any instant of [start, end], in order.

    An instant belongs to the last bucket that starts at or before it, so SQL can place it by
    comparing it with these instants alone: exact across DST changes on every database.
    """
    zone = ZoneInfo(zone_name)
    day = bucket_of(start, bucket, zone_name)
    last = bucket_of(max(start, end), bucket, zone_name)
    boundaries: list[Boundary] = []
    while day <= last:
        if len(boundaries) == MAX_BUCKETS:
            raise ValueError(f"more than {MAX_BUCKETS:,} {bucket.value} buckets: narrow "
                             "`from`/`to` or use a longer bucket")
        boundaries.append(Boundary(first_instant(day, zone), day))
        day = _next_bucket(day, bucket)
    return boundaries
