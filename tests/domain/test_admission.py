"""Admission: which new events a promise's log can take (refusals become 409s)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.admission import EventRefused, admit
from api.domain.outcomes import EventType, LoggedEvent, Party
from api.domain.scoring import evaluate
from api.domain.terms import Deadlines, Terms

US = timedelta(microseconds=1)
DAY = timedelta(days=1)

MADE = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
DUE = MADE + 10 * DAY
END = MADE + 5 * DAY  # when the fulfilment or cancellation in a log happened


def event(kind: EventType, at: datetime, party: Party | None = None,
          deadlines: Deadlines | None = None) -> LoggedEvent:
    return LoggedEvent(type=kind, occurred_at=at, party=party, deadlines=deadlines)


def fulfilled(at: datetime = END) -> LoggedEvent:
    return event(EventType.FULFILLED, at)


def cancelled(at: datetime = END, party: Party = Party.CUSTOMER) -> LoggedEvent:
    return event(EventType.CANCELLED, at, party)


def revised(at: datetime, party: Party = Party.BUSINESS) -> LoggedEvent:
    return event(EventType.REVISED, at, party, Deadlines(DUE + DAY, None))


def other(kind: EventType, at: datetime) -> LoggedEvent:
    return event(kind, at)


ALREADY_FULFILLED = "already fulfilled"
WAS_CANCELLED = "was cancelled"
ALREADY_CANCELLED = "already cancelled"
ALREADY_ENDED = "already ended"

REFUSALS = [
    # cancelling a fulfilled promise
    pytest.param([fulfilled()], cancelled(END + DAY, Party.CUSTOMER), ALREADY_FULFILLED,
                 id="customer-cancels-after-fulfilment"),
    pytest.param([fulfilled()], cancelled(END + DAY, Party.BUSINESS), ALREADY_FULFILLED,
                 id="business-cancels-after-fulfilment"),
    pytest.param([fulfilled()], cancelled(END), ALREADY_FULFILLED,
                 id="cancel-at-the-fulfilment-instant"),
    pytest.param([fulfilled()], cancelled(END - DAY), ALREADY_FULFILLED,
                 id="late-arriving-cancellation-that-predates-the-fulfilment"),
    # fulfilling a cancelled promise
    pytest.param([cancelled()], fulfilled(END + DAY), WAS_CANCELLED,
                 id="fulfil-after-cancellation"),
    pytest.param([cancelled(party=Party.BUSINESS)], fulfilled(END), WAS_CANCELLED,
                 id="fulfil-at-the-cancellation-instant"),
    pytest.param([cancelled()], fulfilled(END - DAY), WAS_CANCELLED,
                 id="late-arriving-fulfilment-that-predates-the-cancellation"),
    # a second fulfilment
    pytest.param([fulfilled()], fulfilled(END + DAY), ALREADY_FULFILLED,
                 id="second-fulfilment-later"),
    pytest.param([fulfilled()], fulfilled(END - DAY), ALREADY_FULFILLED,
                 id="second-fulfilment-earlier"),
    pytest.param([fulfilled()], fulfilled(END), ALREADY_FULFILLED,
                 id="same-fulfilment-again"),
    # a second cancellation
    pytest.param([cancelled()], cancelled(END + DAY), ALREADY_CANCELLED,
                 id="second-cancellation-later"),
    pytest.param([cancelled(party=Party.CUSTOMER)], cancelled(END, Party.BUSINESS),
                 ALREADY_CANCELLED, id="second-cancellation-other-party"),
    pytest.param([cancelled()], cancelled(END - DAY), ALREADY_CANCELLED,
                 id="second-cancellation-earlier"),
    # a revision at or after the end
    pytest.param([fulfilled()], revised(END), ALREADY_ENDED, id="revision-at-the-fulfilment"),
    pytest.param([fulfilled()], revised(END + US), ALREADY_ENDED,
                 id="revision-1us-after-the-fulfilment"),
    pytest.param([fulfilled()], revised(END + DAY, Party.CUSTOMER), ALREADY_ENDED,
                 id="customer-revision-after-the-fulfilment"),
    pytest.param([cancelled()], revised(END), ALREADY_ENDED, id="revision-at-the-cancellation"),
    pytest.param([cancelled()], revised(END + DAY), ALREADY_ENDED,
                 id="revision-after-the-cancellation"),
    # pauses and resumptions follow the same rule as revisions
    pytest.param([fulfilled()], other(EventType.PAUSED, END), ALREADY_ENDED,
                 id="pause-at-the-fulfilment"),
    pytest.param([cancelled()], other(EventType.RESUMED, END + DAY), ALREADY_ENDED,
                 id="resume-after-the-cancellation"),
    # the end is found wherever it sits in the log
    pytest.param([revised(MADE + DAY), other(EventType.NOTE, MADE + 2 * DAY), fulfilled(),
                  other(EventType.EXTRA, END + DAY)],
                 cancelled(END + 2 * DAY), ALREADY_FULFILLED, id="fulfilment-among-other-events"),
    pytest.param([other(EventType.EXTRA, END + DAY), cancelled(), revised(MADE + DAY)],
                 revised(END + DAY), ALREADY_ENDED, id="cancellation-among-other-events"),
]


@pytest.mark.parametrize(("log", "new", "message"), REFUSALS)
def test_refused(log: list[LoggedEvent], new: LoggedEvent, message: str) -> None:
    with pytest.raises(EventRefused, match=message):
        admit(log, new)


def test_refusal_is_a_value_error_naming_the_earlier_fulfilment() -> None:
    with pytest.raises(ValueError, match=re.escape(END.isoformat())):
        admit([fulfilled()], fulfilled(END + DAY))


ACCEPTED = [
    # the first end
    pytest.param([], fulfilled(), id="first-fulfilment"),
    pytest.param([], cancelled(party=Party.CUSTOMER), id="first-cancellation-by-customer"),
    pytest.param([], cancelled(party=Party.BUSINESS), id="first-cancellation-by-business"),
    pytest.param([], fulfilled(DUE + 30 * DAY), id="fulfilment-long-after-due"),
    pytest.param([revised(MADE + DAY), other(EventType.NOTE, MADE + 2 * DAY),
                  other(EventType.EXTRA, MADE + 3 * DAY)], fulfilled(),
                 id="fulfilment-after-revisions-notes-extras"),
    pytest.param([revised(MADE + DAY, Party.CUSTOMER)], cancelled(),
                 id="cancellation-after-a-revision"),
    pytest.param([other(EventType.PAUSED, MADE + DAY), other(EventType.RESUMED, MADE + 2 * DAY)],
                 fulfilled(), id="fulfilment-after-a-pause"),
    # revisions while open
    pytest.param([], revised(MADE + DAY), id="revision-on-an-open-promise"),
    pytest.param([revised(MADE + DAY)], revised(MADE + 2 * DAY, Party.CUSTOMER),
                 id="second-revision"),
    pytest.param([], revised(DUE + DAY), id="revision-after-due-while-still-open"),
    pytest.param([fulfilled()], revised(END - US),
                 id="late-arriving-revision-1us-before-fulfilment"),
    pytest.param([cancelled()], revised(END - DAY),
                 id="late-arriving-revision-before-cancellation"),
    pytest.param([], other(EventType.PAUSED, MADE + DAY), id="pause-on-an-open-promise"),
    pytest.param([fulfilled()], other(EventType.RESUMED, END - US),
                 id="late-arriving-resume-before-fulfilment"),
    # events that never conflict
    pytest.param([fulfilled()], other(EventType.EXTRA, END + DAY), id="extra-after-fulfilment"),
    pytest.param([fulfilled()], other(EventType.NOTE, END + DAY), id="note-after-fulfilment"),
    pytest.param([cancelled()], other(EventType.NOTE, END + DAY), id="note-after-cancellation"),
    pytest.param([other(EventType.EXTRA, MADE + DAY)], other(EventType.EXTRA, MADE + DAY),
                 id="second-extra"),
    # only the new event is checked against the log: a fulfilment that predates a logged
    # revision is accepted, and scoring then ignores that revision (see below)
    pytest.param([revised(END + DAY)], fulfilled(), id="fulfilment-predating-a-logged-revision"),
]


@pytest.mark.parametrize(("log", "new"), ACCEPTED)
def test_accepted(log: list[LoggedEvent], new: LoggedEvent) -> None:
    admit(log, new)  # does not raise


def test_a_revision_predated_by_a_later_arriving_fulfilment_is_not_scored() -> None:
    promise = Terms(made_at=MADE, due_at=DUE)
    log = [revised(END + DAY)]
    admit(log, fulfilled())
    evaluation = evaluate(promise, [*log, fulfilled()])
    assert evaluation.revision_count == 0
    assert evaluation.current.terms == promise


# --------------------------------------------------------------------------------------------
# Property: whatever arrives, in whatever order, a log built through `admit` ends at most once,
# and scoring sees the end that was admitted.
# --------------------------------------------------------------------------------------------


@st.composite
def arrivals(draw: st.DrawFn) -> list[LoggedEvent]:
    events: list[LoggedEvent] = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(EventType))
        at = MADE + draw(st.integers(0, 12)) * DAY
        party = draw(st.sampled_from([Party.CUSTOMER, Party.BUSINESS]))
        deadlines = Deadlines(at + 3 * DAY, None) if kind is EventType.REVISED else None
        events.append(event(kind, at, party, deadlines))
    return events


@settings(max_examples=200, deadline=None)
@given(arrivals())
def test_property_an_admitted_log_ends_at_most_once(incoming: list[LoggedEvent]) -> None:
    log: list[LoggedEvent] = []
    for new in incoming:
        try:
            admit(log, new)
        except EventRefused:
            continue
        log.append(new)
    fulfilments = [e for e in log if e.type is EventType.FULFILLED]
    cancellations = [e for e in log if e.type is EventType.CANCELLED]
    assert len(fulfilments) + len(cancellations) <= 1
    evaluation = evaluate(Terms(made_at=MADE, due_at=DUE), log)
    assert evaluation.fulfilled_at == (fulfilments[0].occurred_at if fulfilments else None)
    if cancellations:
        assert evaluation.current.outcome is not None
        assert evaluation.current.outcome.resolved_at == cancellations[0].occurred_at
    elif not fulfilments:
        assert evaluation.current.outcome is None
