"""Status tokens for API keys: issue one for a promise or an order, list, read, revoke.

These POSTs do not replay `Idempotency-Key`s: a replay would have to keep the token itself,
and Kept keeps only its hash. Retrying simply issues another token; revoke any unused one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response

from api.dependencies import NowDep, SessionDep
from api.models import StatusToken
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import problem_responses
from api.public import token_service
from api.public.schemas import (
    StatusTokenCreate,
    StatusTokenIssued,
    StatusTokenList,
    StatusTokenPublic,
    TokenScope,
    TokenState,
)
from api.public.tokens import IssuedToken
from api.public.widget_router import embed_html, widget_url
from api.tenancy.auth import Reader, Writer

router = APIRouter(prefix="/v1", tags=["status tokens"])

OptionalBody = Annotated[StatusTokenCreate | None, Body()]


def _state(row: StatusToken, now: datetime) -> TokenState:
    if row.revoked_at is not None:
        return TokenState.REVOKED
    if row.expires_at is not None and row.expires_at <= now:
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def to_public(row: StatusToken, now: datetime) -> StatusTokenPublic:
    return StatusTokenPublic(
        id=row.id,
        scope=TokenScope.PROMISE if row.promise_id is not None else TokenScope.ORDER,
        promise_id=row.promise_id,
        order_id=row.order_id,
        state=_state(row, now),
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        created_at=row.created_at,
    )


def _issued(issued: IssuedToken, now: datetime, request: Request,
            response: Response) -> StatusTokenIssued:
    response.headers["Location"] = str(request.url_for("get_status_token",
                                                       token_id=issued.row.id))
    response.headers["Cache-Control"] = "no-store"
    return StatusTokenIssued(
        **to_public(issued.row, now).model_dump(),
        token=issued.token,
        status_url=str(request.url_for("read_public_status", token=issued.token)),
        widget_url=widget_url(request),
        embed_html=embed_html(request, issued.token),
    )


_ISSUE_RESPONSES = problem_responses(400, 401, 403, 404, 413, 422)


@router.post("/promises/{promise_id}/status-token", summary="Issue a status token for a promise",
             tags=["promises"], status_code=201, response_model=StatusTokenIssued,
             responses=_ISSUE_RESPONSES)
def issue_promise_status_token(
    promise_id: str, principal: Writer, session: SessionDep, now: NowDep, request: Request,
    response: Response, body: OptionalBody = None,
) -> StatusTokenIssued:
    expires_at = body.expires_at if body else None
    issued = token_service.issue_for_promise(session, principal, promise_id, expires_at, now)
    return _issued(issued, now, request, response)


@router.post("/orders/{order_id}/status-token",
             summary="Issue a status token showing every promise of an order",
             tags=["orders"], status_code=201, response_model=StatusTokenIssued,
             responses=_ISSUE_RESPONSES)
def issue_order_status_token(
    order_id: str, principal: Writer, session: SessionDep, now: NowDep, request: Request,
    response: Response, body: OptionalBody = None,
) -> StatusTokenIssued:
    expires_at = body.expires_at if body else None
    issued = token_service.issue_for_order(session, principal, order_id, expires_at, now)
    return _issued(issued, now, request, response)


@router.get("/status-tokens", summary="List status tokens (never the tokens themselves)",
            response_model=StatusTokenList, responses=problem_responses(401, 403, 422))
def list_status_tokens(
    principal: Reader, session: SessionDep, now: NowDep, request: Request, response: Response,
    promise_id: Annotated[str | None, Query(max_length=40)] = None,
    order_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> StatusTokenList:
    rows, last = token_service.list_tokens(session, principal, promise_id, order_id, limit,
                                           decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return StatusTokenList(data=[to_public(row, now) for row in rows], next_cursor=next_cursor)


@router.get("/status-tokens/{token_id}", summary="Read a status token (never the token itself)",
            response_model=StatusTokenPublic, responses=problem_responses(401, 403, 404))
def get_status_token(
    token_id: str, principal: Reader, session: SessionDep, now: NowDep
) -> StatusTokenPublic:
    return to_public(token_service.get_token(session, principal, token_id), now)


@router.delete("/status-tokens/{token_id}", summary="Revoke a status token",
               status_code=204, response_class=Response,
               responses=problem_responses(401, 403, 404))
def revoke_status_token(
    token_id: str, principal: Writer, session: SessionDep, now: NowDep
) -> Response:
    """From now on the token's public status is a 404. Revoking again changes nothing."""
    token_service.revoke_token(session, principal, token_id, now)
    return Response(status_code=204)
