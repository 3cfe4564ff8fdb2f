"""HTTP routes of policies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.dependencies import NowDep, SessionDep
from api.etags import json_response_with_etag
from api.idempotency import IdempotentRoute
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.policies import service
from api.policies.schemas import PolicyCreate, PolicyList, PolicyPublic, Quote, QuoteIn
from api.problems import problem_responses
from api.tenancy.auth import Reader, Writer

router = APIRouter(prefix="/v1", tags=["policies"], route_class=IdempotentRoute)


@router.post(
    "/policies",
    summary="Create a policy, or a new version of it",
    status_code=201,
    response_model=PolicyPublic,
    responses={200: {"model": PolicyPublic, "description": "Unchanged: the latest version"},
               **problem_responses(400, 401, 403, 409, 413, 422)},
    description="Posting an existing `key` with a different definition creates its next "
    "version; promises keep the version they were made under.",
)
def create_policy(
    body: PolicyCreate, principal: Writer, session: SessionDep, now: NowDep, request: Request
) -> Response:
    policy, created = service.create_policy(session, principal, body, now)
    return json_response_with_etag(request, service.to_public(policy),
                                   status_code=201 if created else 200)


@router.get("/policies", summary="List policies (latest versions)", response_model=PolicyList,
            responses=problem_responses(401, 403, 422))
def list_policies(
    principal: Reader, session: SessionDep, request: Request, response: Response,
    limit: Limit = 50, cursor: Cursor = None,
) -> PolicyList:
    rows, last = service.list_policies(session, principal, limit, decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return PolicyList(data=[service.to_public(row) for row in rows], next_cursor=next_cursor)


@router.get("/policies/{key}", summary="Read a policy (latest version, or ?version=N)",
            response_model=PolicyPublic, responses=problem_responses(401, 403, 404, 422))
def get_policy(
    key: str, principal: Reader, session: SessionDep, request: Request,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    policy = service.get_policy(session, principal.tenant_id, key, version)
    return json_response_with_etag(request, service.to_public(policy))


@router.post("/policies/{key}/quote", summary="The due time a promise made now would get",
             response_model=Quote, responses=problem_responses(401, 403, 404, 422),
             description="Stores nothing: what a checkout page shows, computed by the same "
             "code that later scores the promise.")
def quote(
    key: str, body: QuoteIn, principal: Reader, session: SessionDep, now: NowDep
) -> Quote:
    return service.quote(session, principal, key, body.made_at or now)
