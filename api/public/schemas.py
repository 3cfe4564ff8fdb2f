"""Request and response models of status tokens and of the public status a customer reads."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from api.domain.customer_status import CustomerState
from api.domain.terms import Precision
from api.wire_types import Timestamp


class TokenScope(StrEnum):
    PROMISE = "promise"
    ORDER = "order"


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class StatusTokenCreate(BaseModel):
    """Options of a new status token. The body may be omitted."""

    model_config = ConfigDict(extra="forbid")

    expires_at: Timestamp | None = Field(
        default=None, description="After this instant the token shows nothing (404); "
        "by default it never expires"
    )


class StatusTokenPublic(BaseModel):
    """A status token as stored: never the token itself, which is shown once."""

    id: str
    scope: TokenScope
    promise_id: str | None
    order_id: str | None
    state: TokenState = Field(description="active, expired or revoked, at the time of the request")
    expires_at: Timestamp | None
    revoked_at: Timestamp | None
    created_at: Timestamp


class StatusTokenIssued(StatusTokenPublic):
    """A new status token. `token` is shown only here: Kept keeps only its SHA-256 hash."""

    token: str = Field(description="Give it to the customer; it cannot be shown again")
    status_url: str = Field(description="The public status, readable without an API key")
    widget_url: str = Field(description="The status widget script, versioned")
    embed_html: str = Field(description="HTML that shows the status card on an order page")


class StatusTokenList(BaseModel):
    data: list[StatusTokenPublic]
    next_cursor: str | None


class PromisedTime(BaseModel):
    """When a promise is due, in the promise's time zone."""

    precision: Precision = Field(description="`day`: due on a date; `instant`: at a time")
    timezone: str = Field(description="The IANA zone the times are rendered in")
    due: str = Field(description="A local date (YYYY-MM-DD) or local time with its offset")
    window_start: str | None = Field(description="Not before this, in the same form as `due`")
    text: str = Field(description="The same, in words, in the customer's language")


class CustomerPromiseStatus(BaseModel):
    """One promise as its customer may see it."""

    kind: str
    kind_label: str = Field(description="What was promised, in the customer's language")
    state: CustomerState
    state_label: str = Field(description="The state in a word or two, in the customer's language")
    message: str = Field(description="One sentence for the customer")
    promised: PromisedTime = Field(description="The current promise (the new date if revised)")
    originally_promised: PromisedTime | None = Field(
        description="The date first promised, when a revision changed it"
    )
    original_message: str | None = Field(description="The first date, in a sentence")
    completed_at: str | None = Field(
        description="When it was done (local time with offset), once fulfilled"
    )


class PublicStatus(BaseModel):
    """What a status token shows: one promise, or every promise of one order."""

    language: str = Field(description="BCP 47 tag of the language of the texts")
    scope: TokenScope
    title: str = Field(description="A title for the status card, in the customer's language")
    promises: list[CustomerPromiseStatus]
