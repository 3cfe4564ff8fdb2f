"""Request and response models of promises."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from api.domain.outcomes import BrokenReason, ExceededReason, Status
from api.domain.terms import DEFAULT_AT_RISK_RATIO, EarlyRule, Precision
from api.wire_types import DueValue, Duration, Timestamp

Reference = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Kind = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"),
]
LabelKey = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:/-]+$")
]
LabelValue = Annotated[str, StringConstraints(max_length=200)]
MAX_LABELS = 50


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {value!r}") from None
    return value


ZoneName = Annotated[str, StringConstraints(max_length=64), AfterValidator(_known_zone)]


class PromiseTermsIn(BaseModel):
    """The scoring terms a client may set on a promise."""

    model_config = ConfigDict(extra="forbid")

    made_at: Timestamp | None = Field(
        default=None, description="When the promise was made; defaults to now"
    )
    due_at: DueValue | None = Field(
        default=None, description="Required unless a policy computes it"
    )
    window_start: DueValue | None = Field(
        default=None, description="Not before this (same form as due_at)"
    )
    timezone: ZoneName | None = Field(
        default=None, description="IANA zone for day precision; defaults to the tenant's"
    )
    grace: Duration | None = Field(default=None, description="Lateness still counted as met")
    exceed_margin: Duration | None = Field(
        default=None,
        description="How early counts as exceeded; default 20% of the lead time, or 1 day "
        "for a due date",
    )
    early: EarlyRule = Field(
        default=EarlyRule.EXCEEDED, description="What fulfilment before window_start counts as"
    )
    at_risk_ratio: float = Field(
        default=DEFAULT_AT_RISK_RATIO, ge=0.0, le=1.0,
        description="Share of the lead time after which an open promise is at risk",
    )


class PromiseCreate(PromiseTermsIn):
    """A promise to record."""

    external_id: Reference | None = Field(
        default=None, description="Your reference, unique per tenant; defaults to the Kept id"
    )
    kind: Kind | None = Field(
        default=None,
        description="delivery, callback, reply, refund… or a word of yours; required unless "
        "the policy names one",
    )
    policy: str | None = Field(
        default=None, max_length=100,
        description="Key of a policy that computes due_at, window_start and the scoring terms; "
        "explicit terms override the policy's and are listed in `overrides`",
    )
    order_id: Reference | None = None
    customer_id: Reference | None = None
    labels: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, max_length=MAX_LABELS,
        description="Free string labels (carrier, channel, team…) for filters and groupings",
    )


class PromisePublic(BaseModel):
    """A promise as the API returns it, with its status at the time of the request."""

    id: str
    external_id: str
    kind: str
    order_id: str | None
    customer_id: str | None
    labels: dict[str, str]
    made_at: Timestamp
    precision: Precision
    timezone: str
    due_at: DueValue = Field(description="The current due time or date")
    window_start: DueValue | None
    original_due_at: DueValue = Field(description="The due time or date as first promised")
    original_window_start: DueValue | None
    deadline_at: Timestamp = Field(
        description="The instant after which an open promise is broken (due + grace)"
    )
    at_risk_at: Timestamp = Field(description="The instant from which an open promise is at risk")
    grace: Duration
    exceed_margin: Duration | None
    early: EarlyRule
    at_risk_ratio: float
    status: Status
    broken_reason: BrokenReason | None
    exceeded_reason: ExceededReason | None
    first_promise_status: Status = Field(
        description="Status against the original terms; the customer's own revisions carry over"
    )
    fulfilled_at: Timestamp | None
    resolved_at: Timestamp | None
    lateness_seconds: float | None
    earliness_seconds: float | None
    business_lateness_seconds: float | None = Field(
        description="Lateness in business time, when the promise has a calendar")
    business_earliness_seconds: float | None = Field(
        description="Earliness in business time, when the promise has a calendar")
    time_remaining_seconds: float | None = Field(
        description="Seconds until due (negative once past due) while the promise is open"
    )
    revision_count: int
    paused_seconds: float = Field(
        description="Clock time added to the deadlines by finished pauses (business seconds "
        "when the promise has a calendar)"
    )
    paused_since: Timestamp | None = Field(description="Set while the clock is stopped")
    calendar_id: str | None
    policy: str | None = Field(description="Key of the policy the promise was made under")
    policy_version: int | None
    overrides: list[str] | None = Field(
        description="Terms given explicitly in place of the policy's"
    )
    exceed_ratio: float | None
    at_risk_lead: Duration | None
    extra: bool = Field(description="Something was given beyond the promise")
    created_at: Timestamp
    updated_at: Timestamp


class PromiseCreated(PromisePublic):
    """A promise just recorded, with the customer's status token (shown once)."""

    status_token: str | None = Field(
        default=None,
        description="Token for GET /v1/public/status/{token}, shown once when the promise is "
        "created (null when the promise already existed, and in Idempotency-Key replays)",
    )


class PromiseList(BaseModel):
    data: list[PromisePublic]
    next_cursor: str | None


class BatchIn(BaseModel):
    """Up to 1,000 items, each validated on its own."""

    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(min_length=1, max_length=1000)


class BatchResult(BaseModel):
    index: int
    status: int
    id: str | None = None
    problem: dict[str, Any] | None = None


class BatchOut(BaseModel):
    results: list[BatchResult]


def seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


DueInput = datetime | date
