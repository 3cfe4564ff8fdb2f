"""Time-driven transitions: announce promises that became at risk or overdue.

Due promises are found through `ix_promise_next_alert_at` (a partial index holding only open
promises with something still to announce), locked with `FOR UPDATE SKIP LOCKED` so that
several workers share the work, and announced in the transaction that records the
announcement: each transition is announced once.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.db import Database, writing
from api.models import Promise
from api.promises.records import announcement_state
from api.webhooks.outbox import Outbox


def due_promises_query(now: datetime, limit: int) -> SelectOfScalar[Promise]:
    return (
        select(Promise)
        .where(col(Promise.next_alert_at).is_not(None), col(Promise.next_alert_at) <= now)
        .order_by(col(Promise.next_alert_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


def announce_due(database: Database, now: datetime, limit: int) -> int:
    """Announce up to `limit` promises whose next transition is due; how many were."""
    with database.session() as session, writing(session):
        rows = list(session.exec(due_promises_query(now, limit)).all())
        outbox = Outbox(session, now)
        for row in rows:
            outbox.announce(announcement_state(row), row)
            session.add(row)
        session.commit()
    return len(rows)
