"""The vocabulary of scoring: statuses, reasons, the events a promise's log holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from api.domain.terms import Deadlines


class Status(StrEnum):
    PENDING = "pending"
    AT_RISK = "at_risk"
    EXCEEDED = "exceeded"
    MET = "met"
    BROKEN = "broken"
    VOID = "void"


OPEN_STATUSES = frozenset({Status.PENDING, Status.AT_RISK})


class BrokenReason(StrEnum):
    LATE = "late"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"
    EARLY = "early"


class ExceededReason(StrEnum):
    EARLY = "early"
    EXTRA = "extra"


class EventType(StrEnum):
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    REVISED = "revised"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTRA = "extra"
    NOTE = "note"


TERMINAL_EVENTS = frozenset({EventType.FULFILLED, EventType.CANCELLED})


class Party(StrEnum):
    CUSTOMER = "customer"
    BUSINESS = "business"


@dataclass(frozen=True)
class LoggedEvent:
    """One fact from a promise's log, as scoring needs it.

    `party` is who cancelled (cancelled) or who asked for the change (revised); `deadlines`
    holds a revision's new terms.
    """

    type: EventType
    occurred_at: datetime
    party: Party | None = None
    deadlines: Deadlines | None = None


@dataclass(frozen=True)
class Outcome:
    """How a resolved promise ended (fulfilled or cancelled)."""

    status: Status
    resolved_at: datetime
    broken_reason: BrokenReason | None = None
    exceeded_reason: ExceededReason | None = None
    lateness: timedelta | None = None
    earliness: timedelta | None = None


@dataclass(frozen=True)
class Reading:
    """A promise's status at one moment."""

    status: Status
    broken_reason: BrokenReason | None = None
    exceeded_reason: ExceededReason | None = None
    lateness: timedelta | None = None
    earliness: timedelta | None = None
    time_remaining: timedelta | None = None
