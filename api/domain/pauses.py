"""Stopping the clock: how a pause (waiting on the customer) moves a promise's deadlines.

The paused time is measured on the promise's own clock: business time when it has a calendar,
elapsed time otherwise. Promises due on a date move by whole days (the paused time rounded up).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import ceil

from api.domain.business_calendar import add_business_time, business_time_between
from api.domain.terms import (
    ONE_DAY,
    Deadlines,
    Precision,
    Terms,
    due_date_of,
    end_of_day,
    local_date,
    start_of_day,
)


def paused_time(terms: Terms, start: datetime, end: datetime) -> timedelta:
    """How long the clock stood still between `start` and `end`, on the promise's clock."""
    if end <= start:
        return timedelta(0)
    if terms.precision is Precision.DAY:
        return ceil((end - start) / ONE_DAY) * ONE_DAY
    if terms.calendar is not None:
        return business_time_between(terms.calendar, start, end)
    return end - start


def _later(terms: Terms, instant: datetime, by: timedelta) -> datetime:
    if terms.calendar is not None:
        return add_business_time(terms.calendar, instant, by)
    return instant + by


def shift_deadlines(terms: Terms, by: timedelta) -> Terms:
    """The terms with due time and window moved later by `by` on the promise's clock."""
    if by <= timedelta(0):
        return terms
    window = terms.window_start
    if terms.precision is Precision.DAY:
        zone, days = terms.timezone, timedelta(days=by.days)
        return terms.with_deadlines(Deadlines(
            end_of_day(due_date_of(terms.due_at, zone) + days, zone),
            start_of_day(local_date(window, zone) + days, zone) if window else None,
        ))
    return terms.with_deadlines(Deadlines(
        _later(terms, terms.due_at, by),
        _later(terms, window, by) if window is not None else None,
    ))
