"""What a customer is told: every reachable status maps to one customer word and one message."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.customer_status import (
    KINDS_WITH_OWN_MESSAGES,
    KNOWN_KINDS,
    MESSAGES_WITH_COMPLETION,
    MESSAGES_WITH_DUE,
    CustomerState,
    MessageKey,
    PromiseFacts,
    completion_phrase_id,
    customer_view,
    due_phrase_id,
    kind_label_id,
    message_ids,
    state_label_id,
)
from api.domain.outcomes import BrokenReason, ExceededReason, Status

S, B, X = Status, BrokenReason, ExceededReason
C, M = CustomerState, MessageKey

OPEN = [
    (S.PENDING, None, None),
    (S.AT_RISK, None, None),
    (S.BROKEN, B.OVERDUE, None),
]
RESOLVED = [
    (S.MET, None, None),
    (S.EXCEEDED, None, X.EARLY),
    (S.EXCEEDED, None, X.EXTRA),
    (S.BROKEN, B.LATE, None),
    (S.BROKEN, B.EARLY, None),
    (S.BROKEN, B.CANCELLED, None),
    (S.BROKEN, B.OVERDUE, None),
    (S.VOID, None, None),
]


@pytest.mark.parametrize(("status", "broken", "exceeded", "revised", "state", "message"), [
    # Open promises: late first, then a revision, then the clock.
    (S.PENDING, None, None, False, C.ON_TRACK, M.ON_TRACK),
    (S.AT_RISK, None, None, False, C.AT_RISK, M.AT_RISK),
    (S.BROKEN, B.OVERDUE, None, False, C.LATE, M.RUNNING_LATE),
    (S.PENDING, None, None, True, C.REVISED, M.REVISED),
    (S.AT_RISK, None, None, True, C.REVISED, M.REVISED),
    (S.BROKEN, B.OVERDUE, None, True, C.LATE, M.RUNNING_LATE),
])
def test_open_promises(status: Status, broken: BrokenReason | None,
                       exceeded: ExceededReason | None, revised: bool,
                       state: CustomerState, message: MessageKey) -> None:
    view = customer_view(PromiseFacts(status, broken, exceeded, resolved=False, revised=revised))
    assert (view.state, view.message) == (state, message)
    assert view.show_original is revised


@pytest.mark.parametrize(("status", "broken", "exceeded", "state", "message"), [
    (S.MET, None, None, C.ARRIVED_ON_TIME, M.ARRIVED_ON_TIME),
    (S.EXCEEDED, None, X.EARLY, C.ARRIVED_EARLY, M.ARRIVED_EARLY),
    # An extra turns a met promise into exceeded; to the customer it came on time.
    (S.EXCEEDED, None, X.EXTRA, C.ARRIVED_ON_TIME, M.ARRIVED_ON_TIME),
    (S.BROKEN, B.LATE, None, C.LATE, M.ARRIVED_LATE),
    # Before the slot opened: broken for the business, early for the customer.
    (S.BROKEN, B.EARLY, None, C.ARRIVED_EARLY, M.ARRIVED_EARLY),
    (S.BROKEN, B.CANCELLED, None, C.CANCELLED, M.CANCELLED),
    # Cancelled once overdue: still broken (overdue) in the scores, cancelled to the customer.
    (S.BROKEN, B.OVERDUE, None, C.CANCELLED, M.CANCELLED),
    (S.VOID, None, None, C.CANCELLED, M.CANCELLED),
])
def test_resolved_promises_read_as_they_ended_revised_or_not(
    status: Status, broken: BrokenReason | None, exceeded: ExceededReason | None,
    state: CustomerState, message: MessageKey,
) -> None:
    for revised in (False, True):
        view = customer_view(PromiseFacts(status, broken, exceeded, resolved=True,
                                          revised=revised))
        assert (view.state, view.message) == (state, message)
        assert view.show_original is (revised and state is not C.CANCELLED)


def test_every_customer_word_and_message_is_reachable() -> None:
    views = [
        customer_view(PromiseFacts(status, broken, exceeded, resolved=resolved, revised=revised))
        for resolved, cases in ((False, OPEN), (True, RESOLVED))
        for status, broken, exceeded in cases
        for revised in (False, True)
    ]
    assert {view.state for view in views} == set(CustomerState)
    assert {view.message for view in views} == set(MessageKey)


MESSAGE_STATES = {
    M.ON_TRACK: {C.ON_TRACK}, M.AT_RISK: {C.AT_RISK}, M.REVISED: {C.REVISED},
    M.RUNNING_LATE: {C.LATE}, M.ARRIVED_LATE: {C.LATE}, M.ARRIVED_EARLY: {C.ARRIVED_EARLY},
    M.ARRIVED_ON_TIME: {C.ARRIVED_ON_TIME}, M.CANCELLED: {C.CANCELLED},
}


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(Status), st.sampled_from([None, *BrokenReason]),
       st.sampled_from([None, *ExceededReason]), st.booleans(), st.booleans())
def test_any_facts_give_one_consistent_view(
    status: Status, broken: BrokenReason | None, exceeded: ExceededReason | None,
    resolved: bool, revised: bool,
) -> None:
    view = customer_view(PromiseFacts(status, broken, exceeded, resolved, revised))
    assert view.state in MESSAGE_STATES[view.message]
    if view.show_original:
        assert revised
    if not resolved:
        # Nothing arrives or is cancelled while the promise is open.
        assert view.state in {C.ON_TRACK, C.AT_RISK, C.REVISED, C.LATE}
        assert view.message is not M.ARRIVED_LATE


def test_message_sets_cover_every_message_that_names_a_time() -> None:
    assert MESSAGES_WITH_DUE.isdisjoint(MESSAGES_WITH_COMPLETION)
    assert set(MessageKey) - MESSAGES_WITH_DUE - MESSAGES_WITH_COMPLETION == {M.CANCELLED}


def test_message_ids_try_the_kind_before_the_generic_sentence() -> None:
    assert message_ids(M.ON_TRACK, "delivery") == ("message.on_track.delivery",
                                                   "message.on_track")
    assert message_ids(M.ON_TRACK, "callback") == ("message.on_track",)
    assert message_ids(M.CANCELLED, "gift-wrapping") == ("message.cancelled",)
    assert KINDS_WITH_OWN_MESSAGES <= KNOWN_KINDS


def test_labels() -> None:
    assert kind_label_id("refund") == "kind.refund"
    assert kind_label_id("installation") == "kind.other"
    assert state_label_id(C.ARRIVED_EARLY) == "state.arrived_early"


@pytest.mark.parametrize(("by_day", "has_window", "one_day", "phrase"), [
    (True, False, False, "when.by_date"),
    (True, True, True, "when.on_date"),
    (True, True, False, "when.between_dates"),
    (False, False, False, "when.by_time"),
    (False, True, True, "when.between_times"),
    (False, True, False, "when.between_datetimes"),
])
def test_due_phrases(by_day: bool, has_window: bool, one_day: bool, phrase: str) -> None:
    assert due_phrase_id(by_day=by_day, has_window=has_window,
                         window_within_one_day=one_day) == phrase


def test_completion_phrases() -> None:
    assert completion_phrase_id(by_day=True) == "done.on_date"
    assert completion_phrase_id(by_day=False) == "done.on_time"
