"""Request and response models of webhook endpoints and their deliveries."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import SkipJsonSchema

from api.domain.announcements import ALL_EVENTS, SUBSCRIBABLE
from api.webhooks.states import DeliveryState
from api.wire_types import Timestamp

MAX_URL_LENGTH = 2000
_EVENT_HELP = (
    "Event types to receive: `promise.created`, `promise.at_risk`, `promise.broken`, "
    "`promise.met`, `promise.exceeded`, `promise.revised`, `promise.voided`, "
    "`objective.alert`, or `*` for all"
)


def check_url(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_URL_LENGTH:
        raise ValueError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as error:
        raise ValueError(f"not a valid URL: {error}") from None
    if url.scheme not in {"http", "https"}:
        raise ValueError("the URL must start with https:// (or http://)")
    if not url.host:
        raise ValueError("the URL has no host")
    return value


def check_events(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in SUBSCRIBABLE]
    if unknown:
        known = ", ".join(sorted(SUBSCRIBABLE))
        raise ValueError(f"unknown event type(s) {', '.join(unknown)} (known: {known})")
    return list(dict.fromkeys(values))


WebhookUrl = Annotated[
    str, StringConstraints(min_length=1), AfterValidator(check_url),
    Field(description="Where to POST events (https recommended)",
          examples=["https://example.com/kept-webhooks"]),
]
EventTypes = Annotated[
    list[str], Field(min_length=1, max_length=20, description=_EVENT_HELP,
                     examples=[["promise.at_risk", "promise.broken"]]),
    AfterValidator(check_events),
]
# Free text, without control characters (PostgreSQL cannot store NUL in text).
Description = Annotated[
    str, StringConstraints(max_length=500, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


class EndpointCreate(BaseModel):
    """A URL to receive promise events, signed per Standard Webhooks."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl
    events: EventTypes = Field(default_factory=lambda: [ALL_EVENTS])
    description: Description | None = None
    enabled: bool = True


class EndpointUpdate(BaseModel):
    """A partial change: only the fields given change. Enabling an endpoint clears the reason
    it was disabled and its failure streak."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl | SkipJsonSchema[None] = None
    events: EventTypes | SkipJsonSchema[None] = None
    description: Description | None = None
    enabled: bool | SkipJsonSchema[None] = None

    @field_validator("url", "events", "enabled", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null; omit the field to leave it unchanged")
        return value


class EndpointPublic(BaseModel):
    """A webhook endpoint as the API returns it (never its secret)."""

    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None = Field(
        description="Why Kept disabled the endpoint (410 Gone, or failing for 3 days)")
    failing_since: Timestamp | None = Field(
        description="Since when every attempt has failed (null after a success)")
    previous_secret_expires_at: Timestamp | None = Field(
        description="Until when the secret replaced by the last rotation still signs too")
    created_at: Timestamp
    updated_at: Timestamp


class EndpointWithSecret(EndpointPublic):
    """The endpoint and its signing secret, shown this once."""

    secret: str = Field(description="`whsec_…`: verify signatures with it. Shown only once.")


class EndpointList(BaseModel):
    data: list[EndpointPublic]
    next_cursor: str | None


class AttemptPublic(BaseModel):
    id: str
    attempted_at: Timestamp
    status_code: int | None = Field(description="null when there was no HTTP answer")
    latency_ms: float | None
    error: str | None


class DeliveryPublic(BaseModel):
    """One message to one endpoint, with its attempts."""

    id: str
    message_id: str = Field(description="The `webhook-id` header: the same on every retry")
    endpoint_id: str
    type: str
    state: DeliveryState
    attempt_count: int
    next_attempt_at: Timestamp | None = Field(description="When the next attempt is due")
    last_status_code: int | None
    last_latency_ms: float | None
    last_error: str | None
    created_at: Timestamp
    completed_at: Timestamp | None
    attempts: list[AttemptPublic]


class DeliveryList(BaseModel):
    data: list[DeliveryPublic]
    next_cursor: str | None
