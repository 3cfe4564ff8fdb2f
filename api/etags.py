"""Entity tags on single resources, and 304 answers to `If-None-Match`."""

from __future__ import annotations

import hashlib

from fastapi import Request, Response
from pydantic import BaseModel


def json_response_with_etag(
    request: Request,
    model: BaseModel,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    body = model.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    all_headers = {"ETag": etag, **(headers or {})}
    if status_code == 200 and _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=all_headers)
    return Response(body, status_code=status_code, media_type="application/json",
                    headers=all_headers)


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return etag in candidates
