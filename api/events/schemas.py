"""Request and response models of promise events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.domain.outcomes import EventType, Party
from api.promises.schemas import PromisePublic, Reference
from api.wire_types import DueValue, Timestamp

Text = Annotated[str, StringConstraints(max_length=2000)]


class _EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    occurred_at: Timestamp = Field(description="When it happened in the world")
    event_id: Reference | None = Field(
        default=None, description="Your id for this event: posting it again changes nothing"
    )


class FulfilledIn(_EventIn):
    """The promise was fulfilled (delivered, called back, refunded…)."""

    type: Literal["fulfilled"]


class CancelledIn(_EventIn):
    """The promise was cancelled: by the customer (void) or by the business (broken)."""

    type: Literal["cancelled"]
    by: Party
    reason: Text | None = None


class RevisedIn(_EventIn):
    """New terms replace the current ones. Without `window_start` the window is removed."""

    type: Literal["revised"]
    due_at: DueValue
    window_start: DueValue | None = None
    requested_by: Party
    reason: Text | None = None


class PausedIn(_EventIn):
    """The clock stops (waiting on the customer) until a `resumed` event."""

    type: Literal["paused"]
    reason: Text | None = None


class ResumedIn(_EventIn):
    """The clock runs again; the deadlines move later by the paused time."""

    type: Literal["resumed"]
    reason: Text | None = None


class ExtraIn(_EventIn):
    """Something given beyond the promise (a gift, an upgrade)."""

    type: Literal["extra"]
    note: Text | None = None


class NoteIn(_EventIn):
    """A free note for the promise's history."""

    type: Literal["note"]
    note: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


EventIn = Annotated[
    FulfilledIn | CancelledIn | RevisedIn | PausedIn | ResumedIn | ExtraIn | NoteIn,
    Field(discriminator="type"),
]


class _Addressed(BaseModel):
    promise_id: str | None = Field(default=None, description="Kept's id of the promise")
    external_id: str | None = Field(default=None, description="…or your external_id")


class AddressedFulfilledIn(FulfilledIn, _Addressed):
    pass


class AddressedCancelledIn(CancelledIn, _Addressed):
    pass


class AddressedRevisedIn(RevisedIn, _Addressed):
    pass


class AddressedPausedIn(PausedIn, _Addressed):
    pass


class AddressedResumedIn(ResumedIn, _Addressed):
    pass


class AddressedExtraIn(ExtraIn, _Addressed):
    pass


class AddressedNoteIn(NoteIn, _Addressed):
    pass


AddressedEventIn = Annotated[
    AddressedFulfilledIn | AddressedCancelledIn | AddressedRevisedIn | AddressedPausedIn
    | AddressedResumedIn | AddressedExtraIn | AddressedNoteIn,
    Field(discriminator="type"),
]

AnyEventIn = FulfilledIn | CancelledIn | RevisedIn | PausedIn | ResumedIn | ExtraIn | NoteIn


class EventPublic(BaseModel):
    id: str
    promise_id: str
    event_id: str | None
    type: EventType
    occurred_at: Timestamp
    recorded_at: Timestamp
    by: Party | None = None
    requested_by: Party | None = None
    reason: str | None = None
    due_at: str | None = None
    window_start: str | None = None
    note: str | None = None


class EventRecorded(EventPublic):
    promise: PromisePublic = Field(description="The promise after this event")


class EventList(BaseModel):
    data: list[EventPublic]
    next_cursor: str | None = None
