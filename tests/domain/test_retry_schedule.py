"""The retry schedule: backoff with jitter, Retry-After, 410, giving up after 3 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.retry_schedule import (
    BACKOFF,
    GIVE_UP_AFTER,
    Decision,
    Verdict,
    backoff,
    decide,
    parse_retry_after,
)

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def after(status: int | None, failed: int, now: datetime = T0, *, first: datetime = T0,
          failing_since: datetime | None = None, retry_after: timedelta | None = None,
          jitter: float = 0.5) -> Decision:
    return decide(status_code=status, retry_after=retry_after, failed_attempts=failed,
                  first_scheduled_at=first, failing_since=failing_since, now=now, jitter=jitter)


def test_the_schedule_is_5s_5min_30min_2h_5h_then_10h() -> None:
    expected = [5 * S, 300 * S, 1800 * S, 7200 * S, 18000 * S, 36000 * S, 36000 * S, 36000 * S]
    assert [backoff(n, 0.5) for n in range(1, 9)] == expected


def test_jitter_spreads_each_delay_by_ten_percent() -> None:
    assert backoff(1, 0.0) == 4.5 * S
    assert backoff(1, 1.0) == 5.5 * S
    assert backoff(6, 0.0) == timedelta(hours=9)
    assert backoff(6, 1.0) == timedelta(hours=11)


@given(failed=st.integers(1, 40), jitter=st.floats(0, 1))
@settings(max_examples=200)
def test_jittered_delays_stay_within_ten_percent(failed: int, jitter: float) -> None:
    base = BACKOFF[min(failed, len(BACKOFF)) - 1]
    assert base * 0.9 - S / 1000 <= backoff(failed, jitter) <= base * 1.1 + S / 1000


def test_jitter_outside_0_1_and_zero_failures_are_refused() -> None:
    with pytest.raises(ValueError, match="jitter"):
        backoff(1, 1.5)
    with pytest.raises(ValueError, match="failed attempt"):
        backoff(0, 0.5)


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_2xx_succeeds(status: int) -> None:
    assert after(status, 1).verdict is Verdict.SUCCEEDED


@pytest.mark.parametrize("status", [None, 301, 302, 307, 400, 404, 429, 500, 502, 503])
def test_anything_else_is_retried(status: int | None) -> None:
    decision = after(status, 1)
    assert decision.verdict is Verdict.RETRY
    assert decision.next_attempt_at == T0 + 5 * S
    assert decision.disable_reason is None


def test_410_fails_at_once_and_disables_the_endpoint() -> None:
    decision = after(410, 1)
    assert decision.verdict is Verdict.FAILED
    assert decision.disable_reason is not None and "410" in decision.disable_reason


def test_retry_after_on_429_and_503_is_the_least_delay() -> None:
    assert after(429, 1, retry_after=120 * S).next_attempt_at == T0 + 120 * S
    assert after(503, 1, retry_after=120 * S).next_attempt_at == T0 + 120 * S
    # Never sooner than the schedule, and ignored on other statuses.
    assert after(503, 3, retry_after=10 * S).next_attempt_at == T0 + 1800 * S
    assert after(500, 1, retry_after=120 * S).next_attempt_at == T0 + 5 * S


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("120", T0) == 120 * S
    assert parse_retry_after(" 7 ", T0) == 7 * S
    assert parse_retry_after("Fri, 20 Nov 2026 12:02:00 GMT", T0) == 120 * S
    assert parse_retry_after("Fri, 20 Nov 2026 11:00:00 GMT", T0) == timedelta(0)
    assert parse_retry_after("soon", T0) is None
    assert parse_retry_after(None, T0) is None
    assert parse_retry_after("999999999", T0) == GIVE_UP_AFTER


def test_gives_up_when_the_next_attempt_would_pass_3_days() -> None:
    # Attempts at 0, 5 s, 5 min, 30 min, 2 h, 5 h, then every 10 h: the last fits in 72 h.
    moment, failed, attempts = T0, 0, 1
    while True:
        failed += 1
        decision = after(500, failed, moment, failing_since=T0 if failed > 1 else None)
        if decision.verdict is not Verdict.RETRY:
            break
        assert decision.next_attempt_at is not None
        moment = decision.next_attempt_at
        attempts += 1
    assert decision.verdict is Verdict.FAILED
    assert moment <= T0 + GIVE_UP_AFTER
    assert attempts == 12  # the last at 67 h 35 min; the next would be at 77 h 35 min
    assert decision.reason == "gave up after 3 days of retries"


def test_an_endpoint_failing_for_3_days_is_disabled_and_says_so() -> None:
    failing_since = T0 - GIVE_UP_AFTER
    decision = after(500, 1, failing_since=failing_since)
    assert decision.verdict is Verdict.FAILED
    assert decision.disable_reason == "failing without a success since 2026-11-17T12:00:00Z " \
        "(3 days)"
    assert after(500, 1, failing_since=failing_since + S).verdict is Verdict.RETRY
    # A success never disables, however long it failed before.
    assert after(200, 1, failing_since=failing_since).verdict is Verdict.SUCCEEDED


@given(failed=st.integers(1, 30), jitter=st.floats(0, 1), elapsed=st.integers(0, 80 * 3600))
@settings(max_examples=200)
def test_a_retry_is_always_later_and_within_the_3_days(failed: int, jitter: float,
                                                       elapsed: int) -> None:
    now = T0 + elapsed * S
    decision = after(500, failed, now, jitter=jitter)
    if decision.verdict is Verdict.RETRY:
        assert decision.next_attempt_at is not None
        assert now < decision.next_attempt_at <= T0 + GIVE_UP_AFTER
    else:
        assert decision.verdict is Verdict.FAILED
