"""The events of promises an import has just created, recorded a chunk at a time.

`record_events` loads each promise and its log with two queries, which dominated the import's
profile. A promise created a moment ago by the same import has an empty log, so its events
can be recorded for the whole chunk with two queries: lock the promises, check their logs are
still empty. Admission, scoring and the webhook outbox are exactly those of `record_events`
(`admit`, `evaluate`, `apply_evaluation`, `Outbox.announce`); a promise whose log is not empty
any more (another client was quicker) is left to `record_events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from api.db import writing
from api.domain.admission import EventRefused, admit
from api.domain.scoring import evaluate
from api.events.schemas import AnyEventIn
from api.events.service import event_data, logged
from api.ids import new_id
from api.models import Promise, PromiseEvent
from api.promises.records import announcement_state, apply_evaluation, base_terms
from api.webhooks.outbox import Outbox


@dataclass(frozen=True)
class FirstEvent:
    promise_id: str
    event: AnyEventIn


@dataclass(frozen=True)
class FirstOutcome:
    recorded: bool  # False: left to record_events (the log was not empty, or the promise
    refused: str = ""  # has a business calendar); a refusal's reason otherwise


def record_first_events(
    session: Session, tenant_id: str, items: Sequence[FirstEvent], now: datetime
) -> list[FirstOutcome]:
    """Record one event for each new promise in one transaction; see the module docstring."""
    outcomes: list[FirstOutcome] = [FirstOutcome(recorded=False)] * len(items)
    if not items:
        return outcomes
    ids = [item.promise_id for item in items]
    with writing(session):
        locked = {row.id: row for row in session.exec(
            select(Promise).where(col(Promise.tenant_id) == tenant_id, col(Promise.id).in_(ids))
            .with_for_update().execution_options(populate_existing=True))}
        busy = set(session.exec(
            select(PromiseEvent.promise_id).where(col(PromiseEvent.tenant_id) == tenant_id,
                                                  col(PromiseEvent.promise_id).in_(ids))))
        outbox = Outbox(session, now)
        for index, item in enumerate(items):
            promise = locked.get(item.promise_id)
            if promise is None or promise.id in busy or promise.calendar_id is not None:
                continue
            outcomes[index] = _record(session, outbox, promise, item.event, now)
            busy.add(promise.id)  # a second event for it goes the general way
        session.commit()
    return outcomes


def _record(
    session: Session, outbox: Outbox, promise: Promise, body: AnyEventIn, now: datetime
) -> FirstOutcome:
    row = PromiseEvent(
        tenant_id=promise.tenant_id, id=new_id("evt"), promise_id=promise.id,
        event_id=body.event_id, type=body.type, occurred_at=body.occurred_at,
        recorded_at=now, data=event_data(body),
    )
    event = logged(row, promise)
    try:
        admit([], event)
    except EventRefused as error:
        return FirstOutcome(recorded=True, refused=str(error))
    before = announcement_state(promise)
    apply_evaluation(promise, evaluate(base_terms(promise), [event]))
    promise.updated_at = now
    outbox.announce(before, promise)
    session.add(promise)
    session.add(row)
    return FirstOutcome(recorded=True)
