"""Which new events a promise's log can take. Refusals become 409s."""

from __future__ import annotations

from collections.abc import Sequence

from api.domain.outcomes import EventType, LoggedEvent

_WHILE_OPEN = frozenset({EventType.REVISED, EventType.PAUSED, EventType.RESUMED})


class EventRefused(ValueError):
    """The event contradicts the log (e.g. cancelling a fulfilled promise)."""


def admit(log: Sequence[LoggedEvent], new: LoggedEvent) -> None:
    """Raise EventRefused when `new` cannot join `log`.

    A promise ends once: by one fulfilment or one cancellation, never both. Revisions, pauses
    and resumptions must happen before the promise ended.
    """
    fulfilment = next((e for e in log if e.type is EventType.FULFILLED), None)
    cancellation = next((e for e in log if e.type is EventType.CANCELLED), None)
    if new.type is EventType.CANCELLED:
        if fulfilment is not None:
            raise EventRefused("The promise was already fulfilled; it cannot be cancelled.")
        if cancellation is not None:
            raise EventRefused("The promise was already cancelled.")
    elif new.type is EventType.FULFILLED:
        if cancellation is not None:
            raise EventRefused("The promise was cancelled; it cannot be fulfilled.")
        if fulfilment is not None:
            raise EventRefused(
                f"The promise was already fulfilled at {fulfilment.occurred_at.isoformat()}."
            )
    elif new.type in _WHILE_OPEN:
        for end in (fulfilment, cancellation):
            if end is not None and end.occurred_at <= new.occurred_at:
                raise EventRefused(
                    f"The promise had already ended when this {new.type.value} event happened."
                )
