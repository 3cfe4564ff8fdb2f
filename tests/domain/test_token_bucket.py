"""Token buckets (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.domain.token_bucket import Limit, take

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_a_full_bucket_allows_its_capacity_then_refuses() -> None:
    limit = Limit(capacity=3, per_second=1.0)
    bucket = None
    decisions = []
    for _ in range(4):
        bucket, decision = take(bucket, limit, T0)
        decisions.append(decision)
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after_seconds == 1
    assert decisions[-1].full_in_seconds == 3


def test_tokens_refill_with_time_up_to_capacity() -> None:
    limit = Limit(capacity=2, per_second=0.5)
    bucket, _ = take(None, limit, T0)
    bucket, _ = take(bucket, limit, T0)
    bucket, refused = take(bucket, limit, T0 + timedelta(seconds=1))
    assert not refused.allowed
    assert refused.retry_after_seconds == 1
    bucket, allowed = take(bucket, limit, T0 + timedelta(seconds=2))
    assert allowed.allowed
    later, decision = take(bucket, limit, T0 + timedelta(hours=1))
    assert decision.remaining == 1
    assert later.tokens == 1.0


def test_a_clock_going_backwards_never_adds_tokens() -> None:
    limit = Limit(capacity=1, per_second=1.0)
    bucket, _ = take(None, limit, T0)
    _, decision = take(bucket, limit, T0 - timedelta(seconds=10))
    assert not decision.allowed
    assert limit.window_seconds == 1
