"""Which webhook events a change causes, and when time causes the next one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.announcements import (
    RESOLUTION,
    Announcement,
    PromiseState,
    next_alert_at,
    plan,
    plan_new_promise,
    subscribed,
    time_status,
)
from api.domain.outcomes import Status
from api.domain.scoring import NEVER

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
AT_RISK = T0 + 8 * H
BREACH = T0 + 10 * H


def state(**overrides: object) -> PromiseState:
    base = PromiseState(resolved_status=None, revision_count=0, at_risk_at=AT_RISK,
                        breach_at=BREACH, alerted=None)
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_time_status_follows_the_scoring_boundaries() -> None:
    assert time_status(AT_RISK, BREACH, AT_RISK - RESOLUTION) is Status.PENDING
    assert time_status(AT_RISK, BREACH, AT_RISK) is Status.AT_RISK
    assert time_status(AT_RISK, BREACH, BREACH) is Status.AT_RISK  # exactly at D + g: not yet
    assert time_status(AT_RISK, BREACH, BREACH + RESOLUTION) is Status.BROKEN


def test_a_new_pending_promise_announces_created_and_waits_for_at_risk() -> None:
    result = plan(None, state(), T0)
    assert result.events == (Announcement.CREATED,)
    assert result.alerted is None
    assert result.next_alert_at == AT_RISK


def test_the_worker_announces_at_risk_then_broken_once_each() -> None:
    at_risk = plan(state(), state(), AT_RISK)
    assert at_risk.events == (Announcement.AT_RISK,)
    assert at_risk.alerted is Status.AT_RISK
    assert at_risk.next_alert_at == BREACH + RESOLUTION
    again = plan(state(alerted=Status.AT_RISK), state(alerted=Status.AT_RISK), BREACH)
    assert again.events == ()
    broken = plan(state(alerted=Status.AT_RISK), state(alerted=Status.AT_RISK),
                  BREACH + RESOLUTION)
    assert broken.events == (Announcement.BROKEN,)
    assert broken.alerted is Status.BROKEN
    assert broken.next_alert_at is None
    done = state(alerted=Status.BROKEN)
    assert plan(done, done, BREACH + 100 * H).events == ()


def test_a_promise_found_overdue_announces_broken_only() -> None:
    result = plan(state(), state(), BREACH + H)
    assert result.events == (Announcement.BROKEN,)


def test_a_promise_created_at_risk_or_overdue_says_so_at_once() -> None:
    assert plan(None, state(), AT_RISK + H).events == (Announcement.CREATED,
                                                       Announcement.AT_RISK)
    assert plan(None, state(), BREACH + H).events == (Announcement.CREATED,
                                                      Announcement.BROKEN)


@pytest.mark.parametrize(("status", "event"), [
    (Status.MET, Announcement.MET),
    (Status.EXCEEDED, Announcement.EXCEEDED),
    (Status.BROKEN, Announcement.BROKEN),
    (Status.VOID, Announcement.VOIDED),
])
def test_a_resolution_announces_its_outcome(status: Status, event: Announcement) -> None:
    result = plan(state(alerted=Status.AT_RISK), state(resolved_status=status,
                                                       alerted=Status.AT_RISK), AT_RISK + H)
    assert result.events == (event,)
    assert result.next_alert_at is None


def test_a_changed_resolution_is_announced_and_an_unchanged_one_is_not() -> None:
    met = state(resolved_status=Status.MET)
    exceeded = state(resolved_status=Status.EXCEEDED)
    assert plan(met, exceeded, T0).events == (Announcement.EXCEEDED,)
    assert plan(met, met, T0).events == ()


def test_a_revision_is_announced_and_lowers_what_was_announced() -> None:
    before = state(alerted=Status.AT_RISK)
    later = state(revision_count=1, at_risk_at=T0 + 20 * H, breach_at=T0 + 30 * H,
                  alerted=Status.AT_RISK)
    result = plan(before, later, AT_RISK + H)
    assert result.events == (Announcement.REVISED,)
    assert result.alerted is None
    assert result.next_alert_at == T0 + 20 * H  # the new at-risk moment is announced again


def test_a_revision_into_the_past_announces_revised_and_broken() -> None:
    later = state(revision_count=1, at_risk_at=T0, breach_at=T0 + H)
    assert plan(state(), later, T0 + 2 * H).events == (Announcement.REVISED,
                                                       Announcement.BROKEN)


def test_a_paused_promise_waits_for_nothing() -> None:
    paused = state(at_risk_at=NEVER, breach_at=NEVER)
    result = plan(state(), paused, T0 + H)
    assert result.events == ()
    assert result.next_alert_at is None
    # Paused once at risk: it stays at risk and never breaks while paused.
    assert next_alert_at(AT_RISK, NEVER, Status.AT_RISK, None) is None


def test_next_alert_at_is_none_for_resolved_promises() -> None:
    assert next_alert_at(AT_RISK, BREACH, None, Status.MET) is None
    assert next_alert_at(AT_RISK, BREACH, Status.BROKEN, None) is None


def test_subscriptions() -> None:
    assert subscribed(["*"], "promise.met")
    assert subscribed(["promise.met"], "promise.met")
    assert not subscribed(["promise.broken"], "promise.met")


moments = st.integers(0, 40 * 3600).map(lambda s: T0 + timedelta(seconds=s))


@given(at_risk=moments, gap=st.integers(0, 20 * 3600), ticks=st.lists(moments, max_size=12))
@settings(max_examples=200)
def test_any_sequence_of_worker_passes_announces_each_transition_at_most_once(
    at_risk: datetime, gap: int, ticks: list[datetime]
) -> None:
    breach = at_risk + timedelta(seconds=gap)
    current = plan(None, state(at_risk_at=at_risk, breach_at=breach), T0)
    announced = list(current.events[1:])
    alerted, due = current.alerted, current.next_alert_at
    for now in sorted(ticks):
        if due is None or now < due:
            continue  # the worker only looks at promises whose moment has come
        snapshot = state(at_risk_at=at_risk, breach_at=breach, alerted=alerted)
        result = plan(snapshot, snapshot, now)
        assert result.events, "a due promise always has something to announce"
        announced.extend(result.events)
        alerted, due = result.alerted, result.next_alert_at
        assert due is None or due > now
    assert len(announced) == len(set(announced))
    assert announced in ([], [Announcement.AT_RISK], [Announcement.BROKEN],
                         [Announcement.AT_RISK, Announcement.BROKEN])
    final = max(ticks, default=T0)
    if due is None and final > breach:
        assert announced[-1] is Announcement.BROKEN


@given(at_risk=moments, gap=st.integers(0, 20 * 3600), now=moments)
def test_a_new_promise_plans_as_any_promise_does(at_risk: datetime, gap: int,
                                                 now: datetime) -> None:
    breach = at_risk + timedelta(seconds=gap)
    assert plan_new_promise(at_risk, breach, now) == plan(
        None, state(at_risk_at=at_risk, breach_at=breach), now)
