"""HTTP routes of promises. Each parses, calls one service function and returns a schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from api.batch_responses import batch_response, batch_result
from api.dependencies import DatabaseDep, NowDep, SessionDep
from api.domain.outcomes import Status
from api.etags import json_response_with_etag
from api.idempotency import IdempotentRoute
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import Unprocessable, problem_responses
from api.promises import service
from api.promises.queries import PromiseFilters
from api.promises.records import to_created, to_public
from api.promises.schemas import (
    BatchIn,
    BatchOut,
    PromiseCreate,
    PromiseCreated,
    PromiseList,
    PromisePublic,
)
from api.tenancy.auth import Principal, Reader, Writer
from api.wire_types import parse_timestamp

router = APIRouter(prefix="/v1", tags=["promises"], route_class=IdempotentRoute)

_LIST_PARAMS = {"status", "kind", "order_id", "customer_id", "external_id", "due_after",
                "due_before", "limit", "cursor"}


def _timestamp_param(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise Unprocessable.for_field(f"query.{name}", str(error)) from None


def list_filters(*own_params: str) -> Callable[..., PromiseFilters]:
    """The list filters as a dependency, for a route that also takes query parameters of its
    own (`own_params`); any other unknown parameter is refused."""
    allowed = _LIST_PARAMS | set(own_params)

    def promise_filters(
        request: Request,
        status: Annotated[str | None, Query(description="Comma list of statuses")] = None,
        kind: str | None = None,
        order_id: str | None = None,
        customer_id: str | None = None,
        external_id: str | None = None,
        due_after: Annotated[str | None, Query(description="due_at ≥ this RFC 3339 time")] = None,
        due_before: Annotated[str | None, Query(description="due_at < this RFC 3339 time")] = None,
    ) -> PromiseFilters:
        """List filters; `label.<key>=<value>` filters on labels. Unknown parameters are refused."""
        labels: dict[str, str] = {}
        for name, value in request.query_params.multi_items():
            if name.startswith("label.") and len(name) > len("label."):
                labels[name.removeprefix("label.")] = value
            elif name not in allowed:
                raise Unprocessable.for_field(f"query.{name}", f"unknown query parameter {name!r}")
        statuses: list[Status] = []
        for part in (status or "").split(","):
            if not part.strip():
                continue
            try:
                statuses.append(Status(part.strip()))
            except ValueError:
                known = ", ".join(s.value for s in Status)
                raise Unprocessable.for_field("query.status",
                                              f"unknown status {part!r} (known: {known})") from None
        return PromiseFilters(
            statuses=tuple(statuses), kind=kind, order_id=order_id, customer_id=customer_id,
            external_id=external_id, labels=labels,
            due_after=_timestamp_param("due_after", due_after),
            due_before=_timestamp_param("due_before", due_before),
        )

    return promise_filters


promise_filters = list_filters()


Filters = Annotated[PromiseFilters, Depends(promise_filters)]


async def single_creates(request: Request) -> service.SingleCreates:
    creates: service.SingleCreates = request.app.state.single_creates
    return creates


SingleCreatesDep = Annotated[service.SingleCreates, Depends(single_creates)]


def _page(
    session: Session, principal: Principal, filters: PromiseFilters, now: datetime,
    request: Request, response: Response, limit: int, cursor: str | None,
) -> PromiseList:
    rows, last = service.list_promises(session, principal, filters, now, limit,
                                       decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return PromiseList(data=[to_public(row, now) for row in rows], next_cursor=next_cursor)


@router.post(
    "/promises",
    summary="Record a promise",
    status_code=201,
    response_model=PromiseCreated,
    responses={200: {"model": PromiseCreated, "description": "Already recorded, same terms"},
               **problem_responses(400, 401, 403, 409, 413, 422)},
)
async def create_promise(
    body: PromiseCreate, principal: Writer, creates: SingleCreatesDep, now: NowDep,
    request: Request,
) -> Response:
    result = await service.create_promise(creates, principal, body, now)
    public = to_created(result.promise, now, result.status_token)
    # What `request.url_for("get_promise", …)` gives, without searching every route for it.
    location = f"{request.base_url}v1/promises/{public.id}"
    return json_response_with_etag(request, public, status_code=201 if result.created else 200,
                                   headers={"Location": location})


@router.post(
    "/promises/batch",
    summary="Record up to 1,000 promises",
    status_code=207,
    response_model=BatchOut,
    responses=problem_responses(400, 401, 403, 413, 422),
    description="Each item is a promise as for `POST /v1/promises`. Valid items are stored "
    "together in one transaction; each invalid item is reported with its own problem.",
)
def create_batch(
    body: BatchIn, principal: Writer, session: SessionDep, now: NowDep, request: Request
) -> Response:
    results = service.create_batch(session, principal, body.items, now)
    return batch_response([batch_result(item.index, item.status, item.promise_id, item.problem,
                                        request.url.path) for item in results])


@router.get(
    "/promises/{promise_id}",
    summary="Read one promise and its status now",
    response_model=PromisePublic,
    responses={304: {"description": "Not modified (If-None-Match)"},
               **problem_responses(401, 403, 404)},
)
async def get_promise(
    promise_id: str, principal: Reader, database: DatabaseDep, now: NowDep, request: Request
) -> Response:
    row = await service.read_promise(database, principal, promise_id)
    return json_response_with_etag(request, to_public(row, now))


@router.get(
    "/promises",
    summary="List promises",
    response_model=PromiseList,
    responses=problem_responses(401, 403, 422),
)
def list_promises(
    filters: Filters, principal: Reader, session: SessionDep, now: NowDep, request: Request,
    response: Response, limit: Limit = 50, cursor: Cursor = None,
) -> PromiseList:
    return _page(session, principal, filters, now, request, response, limit, cursor)


@router.get(
    "/orders/{order_id}/promises",
    summary="Every promise of an order, with its status",
    response_model=PromiseList,
    tags=["orders"],
    responses=problem_responses(401, 403, 422),
)
def order_promises(
    order_id: str, principal: Reader, session: SessionDep, now: NowDep, request: Request,
    response: Response, limit: Limit = 500, cursor: Cursor = None,
) -> PromiseList:
    filters = PromiseFilters(order_id=order_id)
    return _page(session, principal, filters, now, request, response, limit, cursor)

