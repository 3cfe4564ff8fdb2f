"""Which webhook events a promise's change causes, and when time will cause the next one.

Every write to a promise and every pass of the worker compares the promise before and after:

- a new promise announces `promise.created`; a new revision `promise.revised`;
- a promise that resolves, or whose resolution changes (an `extra` turning met into exceeded),
  announces its outcome: `promise.met`, `promise.exceeded`, `promise.broken` or
  `promise.voided`;
- an open promise announces the time-driven status it reads now (`promise.at_risk`, or
  `promise.broken` once overdue) when that is worse than the last one announced, and only the
  status it has now: a promise found overdue announces `promise.broken` without a stale
  `promise.at_risk` first. A revision or pause that makes it read better again lowers what was
  announced, so crossing the new moments is announced again.

`next_alert_at` is when the status read from the clock alone will next be worse than the one
announced: the worker's queue. Pure: `now` is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from api.domain.outcomes import Status
from api.domain.scoring import NEVER

# Status reads broken strictly after breach_at: the first instant (at the microsecond
# resolution timestamps are stored with) that reads broken.
RESOLUTION = timedelta(microseconds=1)


class Announcement(StrEnum):
    CREATED = "promise.created"
    AT_RISK = "promise.at_risk"
    BROKEN = "promise.broken"
    MET = "promise.met"
    EXCEEDED = "promise.exceeded"
    REVISED = "promise.revised"
    VOIDED = "promise.voided"


OBJECTIVE_ALERT = "objective.alert"
ALL_EVENTS = "*"
# What an endpoint may subscribe to.
SUBSCRIBABLE = frozenset({*(a.value for a in Announcement), OBJECTIVE_ALERT, ALL_EVENTS})

_OUTCOME_ANNOUNCEMENTS = {
    Status.MET: Announcement.MET,
    Status.EXCEEDED: Announcement.EXCEEDED,
    Status.BROKEN: Announcement.BROKEN,
    Status.VOID: Announcement.VOIDED,
}
_TIME_ANNOUNCEMENTS = {Status.AT_RISK: Announcement.AT_RISK, Status.BROKEN: Announcement.BROKEN}
_RANK = {None: 0, Status.PENDING: 0, Status.AT_RISK: 1, Status.BROKEN: 2}


@dataclass(frozen=True)
class PromiseState:
    """What announcements need of a promise: its outcome, revisions, time thresholds (as
    `scoring.thresholds` gives them) and the time-driven status last announced."""

    resolved_status: Status | None
    revision_count: int
    at_risk_at: datetime
    breach_at: datetime
    alerted: Status | None


@dataclass(frozen=True)
class Plan:
    """The events to announce, in order, and the announcement state to store."""

    events: tuple[Announcement, ...]
    alerted: Status | None
    next_alert_at: datetime | None


def subscribed(events: list[str] | tuple[str, ...] | frozenset[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to `events` receives `event_type`."""
    return ALL_EVENTS in events or event_type in events


def time_status(at_risk_at: datetime, breach_at: datetime, now: datetime) -> Status:
    """An open promise's status from its thresholds: the rule of `scoring.read_status`."""
    if now > breach_at:
        return Status.BROKEN
    if now >= at_risk_at:
        return Status.AT_RISK
    return Status.PENDING


def next_alert_at(
    at_risk_at: datetime, breach_at: datetime, alerted: Status | None,
    resolved_status: Status | None,
) -> datetime | None:
    """The first instant the clock alone makes an open promise read worse than `alerted`;
    None when nothing more will happen by time (resolved, overdue announced, paused)."""
    if resolved_status is not None:
        return None
    first_broken = breach_at + RESOLUTION if breach_at < NEVER else NEVER
    if _RANK[alerted] >= _RANK[Status.BROKEN]:
        return None
    candidate = first_broken
    if _RANK[alerted] < _RANK[Status.AT_RISK]:
        candidate = min(at_risk_at, first_broken)
    return None if candidate >= NEVER else candidate


def plan(before: PromiseState | None, after: PromiseState, now: datetime) -> Plan:
    """The announcements caused by going from `before` (None: the promise is new) to `after`
    at `now`, and the announcement state to store with `after`."""
    events: list[Announcement] = []
    if before is None:
        events.append(Announcement.CREATED)
    elif after.revision_count > before.revision_count:
        events.append(Announcement.REVISED)
    alerted = after.alerted
    if after.resolved_status is not None:
        if before is None or before.resolved_status != after.resolved_status:
            events.append(_OUTCOME_ANNOUNCEMENTS[after.resolved_status])
        return Plan(tuple(events), alerted, None)
    status = time_status(after.at_risk_at, after.breach_at, now)
    if _RANK[status] > _RANK[alerted]:
        events.append(_TIME_ANNOUNCEMENTS[status])
        alerted = status
    elif _RANK[status] < _RANK[alerted]:
        alerted = None if status is Status.PENDING else status
    return Plan(tuple(events), alerted,
                next_alert_at(after.at_risk_at, after.breach_at, alerted, None))


def plan_new_promise(at_risk_at: datetime, breach_at: datetime, now: datetime) -> Plan:
    """`plan(None, state)` of a promise just made, open, unrevised and never announced, given
    its thresholds: without building its state, as a batch does a thousand times."""
    status = time_status(at_risk_at, breach_at, now)
    if status is Status.PENDING:
        return Plan((Announcement.CREATED,), None,
                    next_alert_at(at_risk_at, breach_at, None, None))
    return Plan((Announcement.CREATED, _TIME_ANNOUNCEMENTS[status]), status,
                next_alert_at(at_risk_at, breach_at, status, None))
