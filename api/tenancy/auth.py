"""Bearer-key authentication and scope checks, as FastAPI dependencies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session, col, select

from api.db import Database
from api.dependencies import DatabaseDep
from api.models import ApiKey, Tenant
from api.problems import Forbidden, Unauthorized
from api.tenancy.keys import KEY_PREFIX, Scope, grants, hash_key, hashes_match, parse_scopes
from api.tenancy.principal_cache import PrincipalCache


@dataclass(frozen=True)
class Principal:
    """Who is calling: the tenant a key belongs to and what the key may do."""

    tenant_id: str
    timezone: str
    key_id: str
    scopes: frozenset[Scope]


def bearer_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send an API key as `Authorization: Bearer kept_…`.")
    return token.strip()


def find_principal(session: Session, key: str) -> Principal | None:
    if not key.startswith(KEY_PREFIX):
        return None
    return _principal_of(session, hash_key(key))


def _principal_of(session: Session, digest: str) -> Principal | None:
    row = session.exec(
        select(ApiKey, Tenant)
        .join(Tenant, col(Tenant.id) == col(ApiKey.tenant_id))
        .where(ApiKey.key_hash == digest)
    ).first()
    if row is None:
        return None
    record, tenant = row
    if record.revoked_at is not None or not hashes_match(record.key_hash, digest):
        return None
    return Principal(tenant.id, tenant.timezone, record.id, parse_scopes(record.scopes))


def _look_up(database: Database, digest: str) -> Principal | None:
    # A session of its own, closed at once: the request's session must not hold a pooled
    # connection while it later waits for the write lock.
    with database.session() as session:
        return _principal_of(session, digest)


async def authenticate(request: Request, database: DatabaseDep) -> Principal:
    """The caller's principal: from the principal cache when the key was used a moment ago
    (no thread hop, no query), else looked up in the database (in the thread pool)."""
    key = bearer_key(request)
    cache: PrincipalCache = request.app.state.principals
    digest = hash_key(key)
    principal = cache.get(digest)
    if principal is None:
        if key.startswith(KEY_PREFIX):
            principal = await run_in_threadpool(_look_up, database, digest)
        if principal is None:
            raise Unauthorized("The API key is not valid or has been revoked.")
        cache.put(digest, principal)
    request.state.principal = principal
    return principal


def require(scope: Scope) -> object:
    async def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not grants(principal.scopes, scope):
            raise Forbidden(f"This API key lacks the `{scope}` scope.")
        return principal

    return Depends(check)


Reader = Annotated[Principal, require(Scope.PROMISES_READ)]
Writer = Annotated[Principal, require(Scope.PROMISES_WRITE)]
Admin = Annotated[Principal, require(Scope.ADMIN)]
