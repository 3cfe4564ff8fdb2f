"""`Idempotency-Key` on POST: replay the first response, refuse reuse with another body.

Keys are scoped to the tenant and kept at least 24 hours. The key is claimed in its own short
transaction before the request runs, so a second request with the same key while the first is
still running gets a 409; a claim older than `STALE_CLAIM` (its request died) can be taken over.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from api.db import Database, writing
from api.error_handlers import render
from api.models import IdempotencyRecord
from api.problems import Conflict, ProblemError, Unprocessable
from api.tenancy.auth import bearer_key, find_principal

HEADER = "idempotency-key"
MAX_KEY_LENGTH = 255
STALE_CLAIM = timedelta(minutes=2)
_REPLAYED_HEADERS = ("location", "etag", "content-type")
_SECRET_FIELDS = frozenset({"status_token", "secret"})


def _fingerprint(request: Request, body: bytes) -> str:
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _claim(database: Database, tenant_id: str, key: str, fingerprint: str) -> Response | None:
    """Claim the key for this request, or return the response to send instead."""
    for _attempt in range(2):
        with database.session() as session, writing(session):
            record = session.get(IdempotencyRecord, (tenant_id, key))
            now = _now()
            if record is None:
                session.add(IdempotencyRecord(tenant_id=tenant_id, key=key,
                                              fingerprint=fingerprint, headers={},
                                              created_at=now))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return None
            if record.fingerprint != fingerprint:
                raise Unprocessable.for_field(
                    "header.Idempotency-Key",
                    "this Idempotency-Key was used with a different request body",
                )
            if record.completed_at is not None and record.status_code is not None:
                headers = {**record.headers, "Idempotent-Replayed": "true"}
                return Response(record.body, status_code=record.status_code, headers=headers)
            if now - record.created_at < STALE_CLAIM:
                raise Conflict("A request with this Idempotency-Key is still in progress.")
            record.created_at = now
            session.add(record)
            session.commit()
            return None
    raise Conflict("A request with this Idempotency-Key is still in progress.")


def without_secrets(body: str) -> str:
    """The response body to keep for replays, with secrets shown once (`status_token`, a
    webhook `secret`) blanked: only their hashes may be stored."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict) or not _SECRET_FIELDS & document.keys():
        return body
    return json.dumps({name: None if name in _SECRET_FIELDS else value
                       for name, value in document.items()}, separators=(",", ":"))


def _complete(database: Database, tenant_id: str, key: str, response: Response) -> None:
    with database.session() as session, writing(session):
        record = session.get(IdempotencyRecord, (tenant_id, key))
        if record is None:
            return
        record.status_code = response.status_code
        record.body = without_secrets(bytes(response.body).decode())
        record.headers = {
            name: value for name, value in response.headers.items()
            if name in _REPLAYED_HEADERS
        }
        record.completed_at = _now()
        session.add(record)
        session.commit()


def _release(database: Database, tenant_id: str, key: str) -> None:
    with database.session() as session, writing(session):
        record = session.get(IdempotencyRecord, (tenant_id, key))
        if record is not None and record.completed_at is None:
            session.delete(record)
            session.commit()


def purge_expired(database: Database, older_than: datetime) -> int:
    """Forget keys older than the retention time; returns how many."""
    with database.session() as session, writing(session):
        result = session.execute(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < older_than)
        )
        session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


class IdempotentRoute(APIRoute):
    """A route class that honours `Idempotency-Key` on POST."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if request.method != "POST" or key is None:
                return await handler(request)
            try:
                return await _handle(request, key, handler)
            except ProblemError as error:
                return render(error, request)

        return route


async def _handle(
    request: Request, key: str, handler: Callable[[Request], Coroutine[Any, Any, Response]]
) -> Response:
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise Unprocessable.for_field("header.Idempotency-Key",
                                      f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    database: Database = request.app.state.database

    def principal_tenant() -> str | None:
        with database.session() as session:
            principal = find_principal(session, bearer_key(request))
        return principal.tenant_id if principal else None

    tenant_id = await run_in_threadpool(principal_tenant)
    if tenant_id is None:
        return await handler(request)  # answers 401 as usual
    body = await request.body()
    replay = await run_in_threadpool(_claim, database, tenant_id, key,
                                     _fingerprint(request, body))
    if replay is not None:
        return replay
    try:
        response = await handler(request)
    except ProblemError as error:
        response = render(error, request)
    except BaseException:
        await run_in_threadpool(_release, database, tenant_id, key)
        raise
    if response.status_code >= 500:
        await run_in_threadpool(_release, database, tenant_id, key)
    else:
        await run_in_threadpool(_complete, database, tenant_id, key, response)
    return response


