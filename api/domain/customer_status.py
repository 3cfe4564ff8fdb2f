"""What a customer is told about a promise: the state in customer words and which message.

Pure rules, standard library only. The scoring vocabulary (statuses, reasons) is internal; a
customer sees one of seven words and one sentence, chosen here and worded by the translation
catalogues (`api/public/locales`). Message and phrase keys returned here are catalogue ids.

Decisions where the product contract is silent:
- An open promise past its deadline reads `late` before anything else; an open promise that
  has been revised reads `revised` (with the new date) rather than `at_risk`.
- A resolved promise reads as it ended, revised or not: a fulfilment is `arrived_early`,
  `arrived_on_time` or `late` by its score (an `extra` on a met promise is on time, a delivery
  before its slot opened is early even when the slot's rule scores it broken); a promise that
  was not fulfilled (cancelled by anyone, even after it was overdue) is `cancelled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from api.domain.outcomes import BrokenReason, ExceededReason, Status


class CustomerState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ARRIVED_EARLY = "arrived_early"
    ARRIVED_ON_TIME = "arrived_on_time"
    LATE = "late"
    CANCELLED = "cancelled"
    REVISED = "revised"


class MessageKey(StrEnum):
    """Which sentence to show. `late` has two: still on its way, or arrived late."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    REVISED = "revised"
    RUNNING_LATE = "running_late"
    ARRIVED_LATE = "arrived_late"
    ARRIVED_EARLY = "arrived_early"
    ARRIVED_ON_TIME = "arrived_on_time"
    CANCELLED = "cancelled"


# Messages that name when the promise was (or is now) due, and those that name when it ended.
MESSAGES_WITH_DUE = frozenset({MessageKey.ON_TRACK, MessageKey.AT_RISK, MessageKey.REVISED,
                               MessageKey.RUNNING_LATE})
MESSAGES_WITH_COMPLETION = frozenset({MessageKey.ARRIVED_LATE, MessageKey.ARRIVED_EARLY,
                                      MessageKey.ARRIVED_ON_TIME})

# The kinds the catalogues have a name for; any other (tenant-defined) kind is named generically.
KNOWN_KINDS = frozenset({"delivery", "callback", "reply", "resolution", "refund", "pickup",
                         "appointment"})
# Kinds with sentences of their own ("Your delivery arrived early…"); others use the generic ones.
KINDS_WITH_OWN_MESSAGES = frozenset({"delivery"})


@dataclass(frozen=True)
class PromiseFacts:
    """What the customer view depends on: the status read now, and the promise's history.

    `resolved` is true once the promise was fulfilled or cancelled (an open promise past due
    also reads `broken`/`overdue`); `revised` once any revision was recorded.
    """

    status: Status
    broken_reason: BrokenReason | None = None
    exceeded_reason: ExceededReason | None = None
    resolved: bool = False
    revised: bool = False


@dataclass(frozen=True)
class CustomerView:
    state: CustomerState
    message: MessageKey
    show_original: bool
    """Whether to also tell the date first promised (only for a revised promise)."""


def _resolved_view(facts: PromiseFacts) -> tuple[CustomerState, MessageKey]:
    status, broken = facts.status, facts.broken_reason
    if status is Status.VOID:
        return CustomerState.CANCELLED, MessageKey.CANCELLED
    if status is Status.BROKEN:
        if broken is BrokenReason.LATE:
            return CustomerState.LATE, MessageKey.ARRIVED_LATE
        if broken is BrokenReason.EARLY:
            return CustomerState.ARRIVED_EARLY, MessageKey.ARRIVED_EARLY
        # Cancelled by the business, or cancelled by anyone once overdue.
        return CustomerState.CANCELLED, MessageKey.CANCELLED
    if status is Status.EXCEEDED and facts.exceeded_reason is ExceededReason.EARLY:
        return CustomerState.ARRIVED_EARLY, MessageKey.ARRIVED_EARLY
    if status in (Status.EXCEEDED, Status.MET):
        return CustomerState.ARRIVED_ON_TIME, MessageKey.ARRIVED_ON_TIME
    # A resolved promise never reads pending or at_risk; should one, it is still open to the
    # customer's eyes.
    return _open_view(facts)


def _open_view(facts: PromiseFacts) -> tuple[CustomerState, MessageKey]:
    if facts.status is Status.BROKEN:
        return CustomerState.LATE, MessageKey.RUNNING_LATE
    if facts.revised:
        return CustomerState.REVISED, MessageKey.REVISED
    if facts.status is Status.AT_RISK:
        return CustomerState.AT_RISK, MessageKey.AT_RISK
    return CustomerState.ON_TRACK, MessageKey.ON_TRACK


def customer_view(facts: PromiseFacts) -> CustomerView:
    """The customer's word for a promise's state, and the message to show with it."""
    state, message = _resolved_view(facts) if facts.resolved else _open_view(facts)
    show_original = facts.revised and state is not CustomerState.CANCELLED
    return CustomerView(state, message, show_original)


def message_ids(message: MessageKey, kind: str) -> tuple[str, ...]:
    """Catalogue ids to try in turn: the kind's own sentence first, then the generic one."""
    generic = f"message.{message.value}"
    if kind in KINDS_WITH_OWN_MESSAGES:
        return (f"{generic}.{kind}", generic)
    return (generic,)


def kind_label_id(kind: str) -> str:
    return f"kind.{kind}" if kind in KNOWN_KINDS else "kind.other"


def state_label_id(state: CustomerState) -> str:
    return f"state.{state.value}"


def due_phrase_id(*, by_day: bool, has_window: bool, window_within_one_day: bool) -> str:
    """The phrase naming when a promise is due.

    `by_day`: due on a date (day precision) rather than at an instant. `window_within_one_day`:
    the window opens and closes on the same local day (for day precision: the window is the due
    day itself).
    """
    if by_day:
        if not has_window:
            return "when.by_date"
        return "when.on_date" if window_within_one_day else "when.between_dates"
    if not has_window:
        return "when.by_time"
    return "when.between_times" if window_within_one_day else "when.between_datetimes"


def completion_phrase_id(*, by_day: bool) -> str:
    """The phrase naming when a promise was completed: a date, or a date and a time."""
    return "done.on_date" if by_day else "done.on_time"
