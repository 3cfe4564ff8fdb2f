"""Turn pydantic's validation errors into the `errors` list of a problem."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from api.domain.outcomes import EventType
from api.problems import FieldError

# The members of the tagged union of events, which pydantic names in error locations.
EVENT_TAGS = frozenset(kind.value for kind in EventType)
_MESSAGES = {
    "extra_forbidden": "unknown field; check its spelling against the API documentation",
    "missing": "field required",
}


def _location(loc: Sequence[int | str]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts)


def _strip_union_tags(loc: list[int | str], tags: frozenset[str]) -> list[int | str]:
    """Pydantic puts a tagged union's member (`revised`) in the location: it is no field."""
    for position, part in enumerate(loc[:-1]):
        if isinstance(part, str) and part in tags:
            return loc[:position] + loc[position + 1:]
    return loc


def to_field_errors(
    errors: Iterable[dict[str, Any]], prefix: str = "", tags: frozenset[str] = EVENT_TAGS
) -> list[FieldError]:
    result = []
    for error in errors:
        loc = _strip_union_tags(list(error.get("loc", ())), tags)
        message = _MESSAGES.get(error.get("type", ""), error.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        field = _location(loc)
        result.append(FieldError(field=f"{prefix}.{field}" if prefix and field else field or prefix,
                                 message=message, type=error.get("type")))
    return result


def field_errors(
    error: ValidationError, prefix: str = "", tags: frozenset[str] = EVENT_TAGS
) -> list[FieldError]:
    return to_field_errors(error.errors(include_url=False), prefix, tags)  # type: ignore[arg-type]
