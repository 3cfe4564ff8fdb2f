"""Objective use cases: create, read, list, and the error-budget status at `now`."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from api.db import writing
from api.domain.error_budget import (
    BURN_RULES,
    BURN_WINDOWS,
    FORWARD_HORIZON,
    Alert,
    BurnRule,
    ObjectiveWindow,
    Tally,
    WindowType,
    burn_rate,
    error_budget,
    evaluate_alert,
    window_bounds,
)
from api.ids import new_id
from api.models import Objective
from api.objectives.queries import objective_tallies
from api.objectives.schemas import (
    AlertPublic,
    AlertRule,
    BudgetPublic,
    BurnWindow,
    ForwardBurn,
    ObjectiveCreate,
    ObjectiveFilter,
    ObjectivePublic,
    ObjectiveStatus,
    ObjectiveWindowNow,
    RollingWindow,
    WindowPublic,
)
from api.problems import NotFound
from api.promises.queries import PromiseFilters
from api.tenancy.auth import Principal

_WINDOW = "window"


def create_objective(
    session: Session, principal: Principal, body: ObjectiveCreate, now: datetime
) -> Objective:
    window = body.window
    if isinstance(window, RollingWindow):
        kind, days, zone = WindowType.ROLLING, window.days, principal.timezone
    else:
        kind, days, zone = WindowType.CALENDAR, None, window.timezone or principal.timezone
    objective = Objective(
        tenant_id=principal.tenant_id,
        id=new_id("obj"),
        name=body.name,
        filter=body.filter.model_dump(mode="json"),
        target=body.target,
        window_kind=kind.value,
        window_days=days,
        timezone=zone,
        min_count=body.min_count,
        created_at=now,
        updated_at=now,
    )
    with writing(session):
        session.add(objective)
        session.commit()
    return objective


def get_objective(session: Session, principal: Principal, objective_id: str) -> Objective:
    objective = session.get(Objective, (principal.tenant_id, objective_id))
    if objective is None:
        raise NotFound(f"No objective {objective_id!r}.")
    return objective


def list_objectives(
    session: Session, principal: Principal, limit: int, after: str | None
) -> tuple[list[Objective], str | None]:
    query = select(Objective).where(col(Objective.tenant_id) == principal.tenant_id)
    if after is not None:
        query = query.where(col(Objective.id) > after)
    rows = list(session.exec(query.order_by(col(Objective.id)).limit(limit + 1)).all())
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def _window(objective: Objective) -> ObjectiveWindow:
    return ObjectiveWindow(WindowType(objective.window_kind), objective.timezone,
                           objective.window_days)


def _window_public(objective: Objective) -> WindowPublic:
    if objective.window_kind == WindowType.ROLLING:
        return WindowPublic(type="rolling", days=objective.window_days,
                            timezone=objective.timezone)
    return WindowPublic(type="calendar", period="month", timezone=objective.timezone)


def to_public(objective: Objective) -> ObjectivePublic:
    return ObjectivePublic(
        id=objective.id, name=objective.name,
        filter=ObjectiveFilter.model_validate(objective.filter), target=objective.target,
        window=_window_public(objective), min_count=objective.min_count,
        created_at=objective.created_at, updated_at=objective.updated_at,
    )


def _rule(rule: BurnRule) -> AlertRule:
    return AlertRule(name=rule.name, severity=rule.severity, long_window=rule.long_window,
                     short_window=rule.short_window, threshold=rule.threshold)


def _alert(alert: Alert) -> AlertPublic:
    return AlertPublic(state=alert.state, rule=_rule(alert.rule) if alert.rule else None,
                       long_burn_rate=alert.long_burn_rate,
                       short_burn_rate=alert.short_burn_rate, reason=alert.reason)


def objective_status(
    session: Session, principal: Principal, objective_id: str, now: datetime
) -> ObjectiveStatus:
    return evaluate_objective(session, get_objective(session, principal, objective_id), now)


def evaluate_objective(session: Session, objective: Objective, now: datetime) -> ObjectiveStatus:
    """Attainment, budget, burn rates and the alert of `objective` at `now`."""
    start, end = window_bounds(_window(objective), now)
    starts = {_WINDOW: start} | {_name(span): now - span for span in BURN_WINDOWS}
    chosen = ObjectiveFilter.model_validate(objective.filter)
    tallies = objective_tallies(
        session, objective.tenant_id, PromiseFilters(kind=chosen.kind, labels=chosen.labels),
        chosen.policy, starts, now, FORWARD_HORIZON)
    window, target = tallies.windows[_WINDOW], objective.target
    budget = error_budget(window, target)
    by_span: dict[timedelta, Tally] = {span: tallies.windows[_name(span)]
                                       for span in BURN_WINDOWS}
    alert = evaluate_alert(target, by_span, tallies.forward, window_decided=window.decided,
                           min_count=objective.min_count)
    enough = window.decided >= objective.min_count and window.decided > 0
    shown = sorted({rule.long_window for rule in BURN_RULES}) + sorted(
        {rule.short_window for rule in BURN_RULES})
    return ObjectiveStatus(
        objective_id=objective.id, name=objective.name, target=target, as_of=now,
        window=ObjectiveWindowNow(**_window_public(objective).model_dump(), start=start,
                                  end=end),
        decided=window.decided, kept=window.kept, broken=window.broken,
        attainment=budget.attainment,
        meets_target=(budget.attainment >= target
                      if enough and budget.attainment is not None else None),
        enough_data=enough, min_count=objective.min_count,
        budget=BudgetPublic(allowed=budget.allowed, used=budget.used,
                            remaining=budget.remaining, remaining_ratio=budget.remaining_ratio),
        burn_rates=[BurnWindow(window=span, start=now - span, decided=by_span[span].decided,
                               broken=by_span[span].broken,
                               burn_rate=burn_rate(by_span[span], target)) for span in shown],
        forward=ForwardBurn(horizon=FORWARD_HORIZON, until=now + FORWARD_HORIZON,
                            open_due=tallies.forward.decided,
                            projected_breaks=tallies.forward.broken,
                            burn_rate=burn_rate(tallies.forward, target)),
        alert=_alert(alert),
    )


def _name(span: timedelta) -> str:
    return f"last_{int(span.total_seconds())}s"
