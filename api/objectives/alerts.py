"""`objective.alert` webhooks: the worker evaluates every objective's burn-rate alert and, when
its state changes (ok, ticket, page — either way), records the new state on the objective and
announces it, in one transaction.

Evaluating reads only; the objectives whose state changed are then locked (`FOR UPDATE` on
PostgreSQL, the process's write lock on SQLite) and announced only if their stored state is
still the old one, so several workers never announce one change twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from api.db import Database, writing
from api.domain.announcements import OBJECTIVE_ALERT
from api.models import Objective
from api.objectives.schemas import ObjectiveStatus
from api.objectives.service import evaluate_objective
from api.webhooks.outbox import Outbox

BATCH = 100


def check_objectives(database: Database, now: datetime) -> int:
    """Evaluate every objective at `now`; how many changed alert state."""
    changed, after = 0, ""
    while True:
        with database.session() as session:
            objectives = list(session.exec(
                select(Objective).where(col(Objective.id) > after)
                .order_by(col(Objective.id)).limit(BATCH)).all())
            moved = {(o.tenant_id, o.id): (o.alert_state, status) for o in objectives
                     if (status := evaluate_objective(session, o, now)).alert.state
                     != o.alert_state}
            session.rollback()
            if moved:
                changed += _announce(session, moved, now)
        if len(objectives) < BATCH:
            return changed
        after = objectives[-1].id


def _announce(session: Session, moved: dict[tuple[str, str], tuple[str, ObjectiveStatus]],
              now: datetime) -> int:
    announced = 0
    with writing(session):
        outbox = Outbox(session, now)
        for (tenant_id, objective_id), (before, status) in moved.items():
            objective = session.exec(
                select(Objective).where(col(Objective.tenant_id) == tenant_id,
                                        col(Objective.id) == objective_id)
                .with_for_update()).first()
            if objective is None or objective.alert_state != before:
                continue  # deleted, or another worker announced it meanwhile
            objective.alert_state = status.alert.state
            objective.updated_at = now
            session.add(objective)
            outbox.enqueue(tenant_id, OBJECTIVE_ALERT,
                           {"previous_state": before, **status.model_dump(mode="json")})
            announced += 1
        session.commit()
    return announced
