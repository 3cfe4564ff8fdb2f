"""Scoring: a promise's state is a pure function of its terms, its events and `now`.

`evaluate` folds the ordered event log into the parts of the state that do not depend on the
clock (current terms, the outcome once resolved); `read_status` adds `now`. Events are ordered
by when they happened, ties broken by their content, so the state never depends on the order
in which events arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from api.domain.outcomes import (
    BrokenReason,
    EventType,
    ExceededReason,
    LoggedEvent,
    Outcome,
    Party,
    Reading,
    Status,
)
from api.domain.terms import EarlyRule, Precision, Terms, due_date_of, local_date

_TYPE_ORDER = {kind: position for position, kind in enumerate(EventType)}


@dataclass(frozen=True)
class Track:
    """The terms in force on one line of scoring, and how the promise ended under them."""

    terms: Terms
    outcome: Outcome | None


@dataclass(frozen=True)
class Evaluation:
    """Everything about a promise that follows from its terms and log, without the clock.

    `current` scores against the latest terms; `first` against the original terms with only
    the customer's own revisions applied (the first-promise view).
    """

    current: Track
    first: Track
    fulfilled_at: datetime | None
    extra: bool
    revision_count: int
    proactive_revision_count: int


def _order_key(event: LoggedEvent) -> tuple[object, ...]:
    deadlines = event.deadlines
    return (
        event.occurred_at,
        _TYPE_ORDER[event.type],
        deadlines.due_at if deadlines else event.occurred_at,
        (deadlines.window_start or event.occurred_at) if deadlines else event.occurred_at,
        event.party or "",
    )


def order_events(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    return sorted(events, key=_order_key)


def evaluate(terms: Terms, events: Iterable[LoggedEvent]) -> Evaluation:
    current = first = terms
    fulfilled_at: datetime | None = None
    cancellation: LoggedEvent | None = None
    extra = False
    revisions = proactive = 0
    for event in order_events(events):
        resolved = fulfilled_at is not None or cancellation is not None
        if event.type is EventType.REVISED and event.deadlines and not resolved:
            revisions += 1
            if event.occurred_at < current.due_at:
                proactive += 1
            current = current.with_deadlines(event.deadlines)
            if event.party is Party.CUSTOMER:
                first = first.with_deadlines(event.deadlines)
        elif event.type is EventType.FULFILLED and not resolved:
            fulfilled_at = event.occurred_at
        elif event.type is EventType.CANCELLED and not resolved:
            cancellation = event
        elif event.type is EventType.EXTRA:
            extra = True

    def outcome(track_terms: Terms) -> Outcome | None:
        if fulfilled_at is not None:
            return score_fulfilment(track_terms, fulfilled_at, extra=extra)
        if cancellation is not None:
            return score_cancellation(track_terms, cancellation)
        return None

    return Evaluation(
        current=Track(current, outcome(current)),
        first=Track(first, outcome(first)),
        fulfilled_at=fulfilled_at,
        extra=extra,
        revision_count=revisions,
        proactive_revision_count=proactive,
    )


def _offsets(terms: Terms, at: datetime) -> tuple[timedelta | None, timedelta | None]:
    """(lateness, earliness) of an instant against the due time: exactly one is set."""
    if at > terms.due_at:
        return at - terms.due_at, None
    return None, terms.due_at - at


def _early_outcome(terms: Terms, fulfilled_at: datetime) -> Outcome:
    lateness, earliness = _offsets(terms, fulfilled_at)
    if terms.early is EarlyRule.BROKEN:
        return Outcome(Status.BROKEN, fulfilled_at, broken_reason=BrokenReason.EARLY,
                       lateness=lateness, earliness=earliness)
    if terms.early is EarlyRule.MET:
        return Outcome(Status.MET, fulfilled_at, lateness=lateness, earliness=earliness)
    return Outcome(Status.EXCEEDED, fulfilled_at, exceeded_reason=ExceededReason.EARLY,
                   lateness=lateness, earliness=earliness)


def score_fulfilment(terms: Terms, fulfilled_at: datetime, *, extra: bool = False) -> Outcome:
    """Score a fulfilment at `fulfilled_at` against `terms` (DESIGN §2)."""
    if terms.precision is Precision.DAY:
        outcome = _score_day(terms, fulfilled_at)
    else:
        outcome = _score_instant(terms, fulfilled_at)
    if extra and outcome.status is Status.MET:
        return Outcome(Status.EXCEEDED, fulfilled_at, exceeded_reason=ExceededReason.EXTRA,
                       lateness=outcome.lateness, earliness=outcome.earliness)
    return outcome


def _score_instant(terms: Terms, t: datetime) -> Outcome:
    lateness, earliness = _offsets(terms, t)
    if t > terms.breach_at:
        return Outcome(Status.BROKEN, t, broken_reason=BrokenReason.LATE, lateness=lateness)
    if terms.window_start is not None:
        if t < terms.window_start:
            return _early_outcome(terms, t)
    elif t < terms.due_at - terms.margin:
        return Outcome(Status.EXCEEDED, t, exceeded_reason=ExceededReason.EARLY,
                       earliness=earliness)
    return Outcome(Status.MET, t, lateness=lateness, earliness=earliness)


def _score_day(terms: Terms, t: datetime) -> Outcome:
    """Day precision compares local calendar dates in the promise's zone."""
    lateness, earliness = _offsets(terms, t)
    fulfilled_on = local_date(t, terms.timezone)
    due_on = due_date_of(terms.due_at, terms.timezone)
    if (fulfilled_on - due_on).days > terms.grace.days:
        return Outcome(Status.BROKEN, t, broken_reason=BrokenReason.LATE, lateness=lateness)
    if terms.window_start is not None:
        if fulfilled_on < local_date(terms.window_start, terms.timezone):
            return _early_outcome(terms, t)
    elif (due_on - fulfilled_on).days >= terms.margin.days:
        return Outcome(Status.EXCEEDED, t, exceeded_reason=ExceededReason.EARLY,
                       earliness=earliness)
    return Outcome(Status.MET, t, lateness=lateness, earliness=earliness)


def score_cancellation(terms: Terms, cancellation: LoggedEvent) -> Outcome:
    """Customer cancellations void a promise, the business's break it.

    A cancellation after the promise was already overdue never hides that breach: it stays
    broken (`overdue`) whoever cancelled.
    """
    at = cancellation.occurred_at
    if at > terms.breach_at:
        return Outcome(Status.BROKEN, at, broken_reason=BrokenReason.OVERDUE,
                       lateness=at - terms.due_at)
    if cancellation.party is Party.CUSTOMER:
        return Outcome(Status.VOID, at)
    return Outcome(Status.BROKEN, at, broken_reason=BrokenReason.CANCELLED)


def read_status(track: Track, now: datetime) -> Reading:
    """The status of one track at `now`: resolved outcomes stand, open promises follow time."""
    outcome = track.outcome
    if outcome is not None:
        return Reading(outcome.status, outcome.broken_reason, outcome.exceeded_reason,
                       outcome.lateness, outcome.earliness)
    terms = track.terms
    if now > terms.breach_at:
        return Reading(Status.BROKEN, BrokenReason.OVERDUE, lateness=now - terms.due_at)
    remaining = terms.due_at - now
    if now >= terms.at_risk_at:
        return Reading(Status.AT_RISK, time_remaining=remaining)
    return Reading(Status.PENDING, time_remaining=remaining)
