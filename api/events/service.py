"""Event use cases: append events to promises' logs and rescore them, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.calendars.service import business_calendar_of, get_calendar
from api.db import writing
from api.domain.admission import EventRefused, admit
from api.domain.announcements import PromiseState
from api.domain.outcomes import EventType, LoggedEvent, Party
from api.domain.scoring import evaluate
from api.domain.terms import Deadlines, TermsError, check_deadlines
from api.events.schemas import AddressedEventIn, AnyEventIn, EventPublic, RevisedIn
from api.ids import new_id
from api.models import Promise, PromiseEvent
from api.problems import Conflict, NotFound, ProblemError, Unprocessable
from api.promises.drafting import precision_of
from api.promises.records import (
    announcement_state,
    apply_evaluation,
    base_terms,
    resolve_due,
    resolve_window,
)
from api.tenancy.auth import Principal
from api.validation_errors import field_errors
from api.webhooks.outbox import Outbox
from api.wire_types import parse_due

# Clocks drift; a fulfilment reported a little in the future is accepted, a day ahead is not.
FUTURE_TOLERANCE = timedelta(minutes=5)
_ENVELOPE = {"type", "occurred_at", "event_id", "promise_id", "external_id"}
_addressed_adapter: TypeAdapter[Any] = TypeAdapter(AddressedEventIn)


@dataclass(frozen=True)
class Target:
    """Which promise an event is for: by Kept id or by the client's external_id."""

    promise_id: str | None = None
    external_id: str | None = None


@dataclass
class ItemResult:
    index: int
    status: int
    event: PromiseEvent | None = None
    promise: Promise | None = None
    problem: ProblemError | None = None


@dataclass
class _Loaded:
    promise: Promise
    before: PromiseState
    events: list[PromiseEvent] = field(default_factory=list)
    changed: bool = False


def event_data(body: AnyEventIn) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude=_ENVELOPE, exclude_none=True)


def logged(row: PromiseEvent, promise: Promise) -> LoggedEvent:
    """A stored event as scoring sees it (dates resolved in the promise's zone)."""
    data = row.data
    party = data.get("by") or data.get("requested_by")
    deadlines = None
    if row.type == EventType.REVISED:
        window = data.get("window_start")
        deadlines = Deadlines(
            resolve_due(parse_due(data["due_at"]), promise.timezone),
            resolve_window(parse_due(window), promise.timezone) if window else None,
        )
    return LoggedEvent(EventType(row.type), row.occurred_at,
                       Party(party) if party else None, deadlines)


def to_public(row: PromiseEvent) -> EventPublic:
    return EventPublic(
        id=row.id, promise_id=row.promise_id, event_id=row.event_id, type=EventType(row.type),
        occurred_at=row.occurred_at, recorded_at=row.recorded_at, **row.data,
    )


def _load(session: Session, principal: Principal, target: Target) -> _Loaded:
    query = select(Promise).where(col(Promise.tenant_id) == principal.tenant_id)
    if target.promise_id is not None:
        query = query.where(col(Promise.id) == target.promise_id)
        label = target.promise_id
    elif target.external_id is not None:
        query = query.where(col(Promise.external_id) == target.external_id)
        label = f"with external_id {target.external_id}"
    else:
        raise Unprocessable.for_field("body.promise_id",
                                      "name the promise by promise_id or external_id")
    # Row lock: concurrent events on one promise are applied one after the other.
    promise = session.exec(query.with_for_update()).first()
    if promise is None:
        raise NotFound(f"No promise {label!r}.")
    events = session.exec(
        select(PromiseEvent).where(
            col(PromiseEvent.tenant_id) == principal.tenant_id,
            col(PromiseEvent.promise_id) == promise.id,
        ).order_by(col(PromiseEvent.id))
    ).all()
    return _Loaded(promise, announcement_state(promise), list(events))


def _check_revision(body: RevisedIn, promise: Promise) -> Deadlines:
    if precision_of(body.due_at).value != promise.precision:
        raise Unprocessable.for_field(
            "body.due_at", f"this promise has {promise.precision} precision: give due_at as "
            + ("a date YYYY-MM-DD" if promise.precision == "day" else "a timestamp"))
    if body.window_start is not None and precision_of(body.window_start) is not precision_of(
            body.due_at):
        raise Unprocessable.for_field("body.window_start",
                                      "window_start must have the same form as due_at")
    deadlines = Deadlines(
        resolve_due(body.due_at, promise.timezone),
        resolve_window(body.window_start, promise.timezone) if body.window_start else None,
    )
    try:
        check_deadlines(base_terms(promise), deadlines)
    except TermsError as error:
        raise Unprocessable.for_field(f"body.{error.field}", error.message) from None
    return deadlines


def _append(
    loaded: _Loaded, principal: Principal, body: AnyEventIn, now: datetime
) -> tuple[PromiseEvent, bool]:
    """Append one event to a loaded log; returns (event, created)."""
    promise = loaded.promise
    data = event_data(body)
    for existing in loaded.events:
        same = (existing.type == body.type and existing.occurred_at == body.occurred_at
                and existing.data == data)
        if body.event_id is not None and existing.event_id == body.event_id:
            if not same:
                raise Conflict(f"event_id {body.event_id!r} was already used for another event.",
                               event_id=existing.id)
            return existing, False
        if same and body.event_id is None:
            return existing, False  # the same fact sent twice
    if body.occurred_at > now + FUTURE_TOLERANCE:
        raise Unprocessable.for_field("body.occurred_at", "occurred_at is in the future")
    if isinstance(body, RevisedIn):
        _check_revision(body, promise)
    row = PromiseEvent(
        tenant_id=principal.tenant_id, id=new_id("evt"), promise_id=promise.id,
        event_id=body.event_id, type=body.type, occurred_at=body.occurred_at,
        recorded_at=now, data=data,
    )
    try:
        admit([logged(e, promise) for e in loaded.events], logged(row, promise))
    except EventRefused as error:
        raise Conflict(str(error)) from None
    loaded.events.append(row)
    loaded.changed = True
    return row, True


def _rescore(session: Session, loaded: _Loaded, now: datetime) -> None:
    promise = loaded.promise
    calendar = None
    if promise.calendar_id is not None:
        row = get_calendar(session, promise.tenant_id, promise.calendar_id)
        calendar = business_calendar_of(row, promise.made_at)
    apply_evaluation(promise, evaluate(base_terms(promise, calendar),
                                       [logged(e, promise) for e in loaded.events]))
    promise.updated_at = now


def _lock_in_order(session: Session, principal: Principal, targets: list[Target]) -> None:
    """Lock the promises a batch names before reading any, all in one statement and in id
    order. Each item's read locks its promise too, but in the batch's order: two batches
    naming the same promises in different orders then each waited for the other (a
    deadlock, which PostgreSQL breaks by failing one). On SQLite the write lock already
    serialises every write."""
    if session.get_bind().dialect.name != "postgresql" or len(targets) < 2:
        return
    promise_ids = {target.promise_id for target in targets if target.promise_id is not None}
    external_ids = {target.external_id for target in targets if target.external_id is not None}
    session.exec(
        select(Promise.id).where(
            col(Promise.tenant_id) == principal.tenant_id,
            or_(col(Promise.id).in_(promise_ids), col(Promise.external_id).in_(external_ids)),
        ).order_by(col(Promise.id)).with_for_update()
    ).all()


def record_events(
    session: Session,
    principal: Principal,
    items: list[tuple[Target, AnyEventIn | ProblemError]],
    now: datetime,
) -> list[ItemResult]:
    """Append events (item by item; invalid ones reported) and commit once."""
    results: list[ItemResult] = []
    with writing(session):
        _lock_in_order(session, principal,
                       [target for target, body in items if not isinstance(body, ProblemError)])
        loaded: dict[Target, _Loaded] = {}
        by_id: dict[str, _Loaded] = {}
        for index, (target, body) in enumerate(items):
            if isinstance(body, ProblemError):
                results.append(ItemResult(index, body.status, problem=body))
                continue
            try:
                if target not in loaded:
                    found = _load(session, principal, target)
                    loaded[target] = by_id.setdefault(found.promise.id, found)
                state = loaded[target]
                row, created = _append(state, principal, body, now)
            except ProblemError as error:
                results.append(ItemResult(index, error.status, problem=error))
                continue
            results.append(ItemResult(index, 201 if created else 200, row, state.promise))
        outbox = Outbox(session, now)
        for state in by_id.values():
            if state.changed:
                _rescore(session, state, now)
                # The webhooks this change causes commit with it (transactional outbox).
                outbox.announce(state.before, state.promise)
                session.add(state.promise)
                session.add_all(state.events)
        session.commit()
    return results


def parse_addressed(item: dict[str, Any]) -> tuple[Target, AnyEventIn | ProblemError]:
    try:
        body = _addressed_adapter.validate_python(item)
    except ValidationError as error:
        raw_target = Target(item.get("promise_id") if isinstance(item, dict) else None)
        return raw_target, Unprocessable("The item is not a valid event.",
                                         errors=field_errors(error, "body"))
    if (body.promise_id is None) == (body.external_id is None):
        return Target(), Unprocessable.for_field(
            "promise_id", "give exactly one of promise_id and external_id")
    return Target(body.promise_id, body.external_id), body


def list_events(session: Session, principal: Principal, promise_id: str) -> list[PromiseEvent]:
    promise = session.get(Promise, (principal.tenant_id, promise_id))
    if promise is None:
        raise NotFound(f"No promise {promise_id!r}.")
    rows = session.exec(
        select(PromiseEvent).where(
            col(PromiseEvent.tenant_id) == principal.tenant_id,
            col(PromiseEvent.promise_id) == promise_id,
        )
    ).all()
    # The log reads in the order events happened; ties in the order Kept learnt them.
    return sorted(rows, key=lambda row: (row.occurred_at, row.id))
