"""When to try a webhook delivery again, and when to give up.

Attempts go out at once, then about 5 s, 5 min, 30 min, 2 h, 5 h and every 10 h after each
failure, for 3 days. Each delay is spread by ±10 % (`jitter`, a number in [0, 1] the caller
draws) so that a receiver coming back up is not hit by every retry in the same second. A
`Retry-After` on 429 or 503 is honoured as the least delay. An endpoint answering 410 Gone, or
failing without a single success for 3 days, is disabled.

Pure: no clock, no randomness; `now` and `jitter` are arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum

# The delay after the n-th failed attempt (n = 1, 2, …); the last one repeats.
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
JITTER_SPREAD = 0.1
GIVE_UP_AFTER = timedelta(days=3)
# Retry-After values beyond this are not believed: the give-up time decides instead.
MAX_RETRY_AFTER = GIVE_UP_AFTER
RETRY_AFTER_STATUSES = frozenset({429, 503})
GONE = 410


class Verdict(StrEnum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Decision:
    """What follows an attempt: the verdict, the next attempt's time when retrying, and why
    the endpoint must be disabled, if it must."""

    verdict: Verdict
    next_attempt_at: datetime | None = None
    disable_reason: str | None = None
    reason: str | None = None


def backoff(failed_attempts: int, jitter: float) -> timedelta:
    """The delay after `failed_attempts` failures (≥ 1), spread by jitter in [0, 1]."""
    if failed_attempts < 1:
        raise ValueError("backoff follows at least one failed attempt")
    if not 0.0 <= jitter <= 1.0:
        raise ValueError("jitter must be in [0, 1]")
    base = BACKOFF[min(failed_attempts, len(BACKOFF)) - 1]
    return base * (1 - JITTER_SPREAD + 2 * JITTER_SPREAD * jitter)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A `Retry-After` header (seconds, or an HTTP date) as a delay from `now`; None if absent
    or unreadable. Dates in the past mean no delay."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(timedelta(seconds=int(text)), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), MAX_RETRY_AFTER)


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def decide(
    *,
    status_code: int | None,
    retry_after: timedelta | None,
    failed_attempts: int,
    first_scheduled_at: datetime,
    failing_since: datetime | None,
    now: datetime,
    jitter: float,
) -> Decision:
    """What to do after an attempt answered `status_code` (None: no HTTP answer at all).

    `failed_attempts` counts this attempt when it failed; `failing_since` is when the endpoint
    last started failing (None if this is its first failure since a success).
    """
    if is_success(status_code):
        return Decision(Verdict.SUCCEEDED)
    if status_code == GONE:
        return Decision(Verdict.FAILED, disable_reason="the endpoint answered 410 Gone",
                        reason="410 Gone")
    since = failing_since or now
    if now - since >= GIVE_UP_AFTER:
        return Decision(
            Verdict.FAILED,
            disable_reason=f"failing without a success since {_stamp(since)} (3 days)",
            reason="endpoint failing for 3 days",
        )
    delay = backoff(failed_attempts, jitter)
    if status_code in RETRY_AFTER_STATUSES and retry_after is not None:
        delay = max(delay, retry_after)
    next_attempt_at = now + delay
    if next_attempt_at > first_scheduled_at + GIVE_UP_AFTER:
        return Decision(Verdict.FAILED, reason="gave up after 3 days of retries")
    return Decision(Verdict.RETRY, next_attempt_at=next_attempt_at)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
