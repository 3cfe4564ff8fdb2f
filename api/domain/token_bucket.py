"""Token buckets for rate limits: pure, `now` is an argument."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Limit:
    """`capacity` requests at once, refilled at `per_second`."""

    capacity: int
    per_second: float

    @property
    def window_seconds(self) -> int:
        """The time a drained bucket takes to fill again, as the RateLimit-Policy window."""
        return max(1, math.ceil(self.capacity / self.per_second))


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated_at: datetime


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after_seconds: int
    full_in_seconds: int


def take(bucket: Bucket | None, limit: Limit, now: datetime) -> tuple[Bucket, Decision]:
    """Refill the bucket for the time passed, then take one token if there is one."""
    if bucket is None:
        tokens = float(limit.capacity)
    else:
        elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
        tokens = min(float(limit.capacity), bucket.tokens + elapsed * limit.per_second)
    allowed = tokens >= 1.0
    if allowed:
        tokens -= 1.0
    retry_after = 0 if allowed else math.ceil((1.0 - tokens) / limit.per_second)
    full_in = math.ceil((limit.capacity - tokens) / limit.per_second)
    return Bucket(tokens, now), Decision(allowed, int(tokens), retry_after, full_in)
