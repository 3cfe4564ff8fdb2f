"""Keyset pagination: an opaque cursor naming the last id seen, and the RFC 8288 Link header."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated

from fastapi import Query, Request, Response

from api.problems import Unprocessable

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size (1–500)")]
Cursor = Annotated[
    str | None, Query(max_length=200, description="`next_cursor` of the previous page")
]


def encode_cursor(last_id: str) -> str:
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = payload["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise Unprocessable.for_field("query.cursor", "cursor is not one Kept issued") from None
    if not isinstance(after, str):
        raise Unprocessable.for_field("query.cursor", "cursor is not one Kept issued")
    return after


def next_link(request: Request, next_cursor: str | None) -> dict[str, str]:
    if next_cursor is None:
        return {}
    url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{url}>; rel="next"'}


def continue_after(request: Request, response: Response, last_id: str | None) -> str | None:
    """The `next_cursor` of a page ending at `last_id` (None on the last page), with the
    matching `Link: <…>; rel="next"` header set on the response."""
    next_cursor = encode_cursor(last_id) if last_id else None
    response.headers.update(next_link(request, next_cursor))
    return next_cursor
