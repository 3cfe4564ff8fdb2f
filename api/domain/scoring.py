"""Scoring: a promise's state is a pure function of its terms, its events and `now`.

`evaluate` folds the ordered event log into the parts of the state that do not depend on the
clock (current terms, the outcome once resolved); `read_status` adds `now`. Events are ordered
by when they happened, ties broken by their content, so the state never depends on the order
in which events arrived.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api.domain.business_calendar import business_time_between
from api.domain.outcomes import (
    TERMINAL_EVENTS,
    BrokenReason,
    EventType,
    ExceededReason,
    LoggedEvent,
    Outcome,
    Party,
    Reading,
    Status,
)
from api.domain.pauses import paused_time, shift_deadlines
from api.domain.terms import Deadlines, EarlyRule, Precision, Terms, due_date_of, local_date

_TYPE_ORDER = {kind: position for position, kind in enumerate(EventType)}


@dataclass(frozen=True)
class Track:
    """The terms in force on one line of scoring, and how the promise ended under them.

    `paused` is the clock time already added to the deadlines by finished pauses; while a
    pause is running, `paused_since` says since when the clock has stood still.
    """

    terms: Terms
    outcome: Outcome | None
    paused: timedelta = timedelta(0)
    paused_since: datetime | None = None


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


@dataclass
class _Line:
    """One line of scoring while the log is folded: its terms and its pauses."""

    terms: Terms
    paused: timedelta = timedelta(0)
    pause_start: datetime | None = None

    def revise(self, deadlines: Deadlines, at: datetime) -> None:
        self.terms = self.terms.with_deadlines(deadlines)
        if self.pause_start is not None:
            self.pause_start = at  # new terms: only the pause after them moves them

    def pause(self, at: datetime) -> None:
        # A pause never hides a breach: once past due + grace, the clock no longer stops.
        if self.pause_start is None and at <= self.terms.breach_at:
            self.pause_start = at

    def resume(self, at: datetime) -> None:
        if self.pause_start is None:
            return
        stopped = paused_time(self.terms, self.pause_start, at)
        self.terms = shift_deadlines(self.terms, stopped)
        self.paused += stopped
        self.pause_start = None

    def track(self, outcome: Outcome | None) -> Track:
        return Track(self.terms, outcome, self.paused,
                     self.pause_start if outcome is None else None)


def _order_key(event: LoggedEvent) -> tuple[object, ...]:
    deadlines = event.deadlines
    window = deadlines.window_start if deadlines else None
    return (
        event.occurred_at,
        _TYPE_ORDER[event.type],
        deadlines.due_at if deadlines else event.occurred_at,
        window is not None,
        window or event.occurred_at,
        event.party or "",
    )


def order_events(events: Iterable[LoggedEvent]) -> list[LoggedEvent]:
    return sorted(events, key=_order_key)


def evaluate(terms: Terms, events: Iterable[LoggedEvent]) -> Evaluation:
    current, first = _Line(terms), _Line(terms)
    fulfilled_at: datetime | None = None
    cancellation: LoggedEvent | None = None
    extra = False
    revisions = proactive = 0
    for event in order_events(events):
        resolved = fulfilled_at is not None or cancellation is not None
        if event.type is EventType.EXTRA:
            extra = True
        if resolved:
            continue
        at = event.occurred_at
        if event.type is EventType.REVISED and event.deadlines:
            revisions += 1
            if at < current.terms.due_at:
                proactive += 1
            current.revise(event.deadlines, at)
            if event.party is Party.CUSTOMER:
                first.revise(event.deadlines, at)
        elif event.type is EventType.PAUSED:
            current.pause(at)
            first.pause(at)
        elif event.type is EventType.RESUMED:
            current.resume(at)
            first.resume(at)
        elif event.type in TERMINAL_EVENTS:
            current.resume(at)
            first.resume(at)
            if event.type is EventType.FULFILLED:
                fulfilled_at = at
            else:
                cancellation = event

    def outcome(line: _Line) -> Outcome | None:
        if fulfilled_at is not None:
            return score_fulfilment(line.terms, fulfilled_at, extra=extra)
        if cancellation is not None:
            return score_cancellation(line.terms, cancellation)
        return None

    return Evaluation(
        current=current.track(outcome(current)),
        first=first.track(outcome(first)),
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
        # Late by date even at the very first instant of the next day (lateness zero).
        return Outcome(Status.BROKEN, t, broken_reason=BrokenReason.LATE,
                       lateness=t - terms.due_at)
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
    """The status of one track at `now`: resolved outcomes stand, open promises follow time.

    While paused the clock stands still: the promise reads as it did when the pause began.
    """
    outcome = track.outcome
    if outcome is not None:
        return Reading(outcome.status, outcome.broken_reason, outcome.exceeded_reason,
                       outcome.lateness, outcome.earliness)
    if track.paused_since is not None:
        now = min(now, track.paused_since)
    terms = track.terms
    if now > terms.breach_at:
        return Reading(Status.BROKEN, BrokenReason.OVERDUE, lateness=now - terms.due_at)
    remaining = terms.due_at - now
    if now >= terms.at_risk_at:
        return Reading(Status.AT_RISK, time_remaining=remaining)
    return Reading(Status.PENDING, time_remaining=remaining)


# Later than any promise's deadline: "never", for a clock that stands still.
NEVER = datetime(2999, 12, 31, tzinfo=UTC)


def thresholds(track: Track) -> tuple[datetime, datetime]:
    """(at_risk_from, broken_after) such that `read_status` of an open track at `now` is
    broken when now > broken_after, at_risk when now >= at_risk_from, pending otherwise.

    Stored with the promise, they let SQL filter and count statuses exactly as `read_status`
    reads them. A paused promise never breaks, and stays at risk only if it already was.
    """
    terms = track.terms
    if track.paused_since is None:
        return terms.at_risk_at, terms.breach_at
    if track.paused_since > terms.breach_at:
        return terms.at_risk_at, terms.breach_at
    at_risk = terms.at_risk_at if terms.at_risk_at <= track.paused_since else NEVER
    return at_risk, NEVER


def business_offsets(track: Track) -> tuple[timedelta | None, timedelta | None]:
    """(lateness, earliness) of a fulfilment in business time, when the terms have a calendar."""
    outcome, calendar = track.outcome, track.terms.calendar
    if outcome is None or calendar is None or (outcome.lateness is None
                                                and outcome.earliness is None):
        return None, None
    due, at = track.terms.due_at, outcome.resolved_at
    if at > due:
        return business_time_between(calendar, due, at), None
    return None, business_time_between(calendar, at, due)
