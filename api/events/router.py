"""HTTP routes of promise events."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from api.batch_responses import batch_response, batch_result
from api.dependencies import NowDep, SessionDep
from api.etags import json_response_with_etag
from api.events import service
from api.events.schemas import (
    AddressedEventIn,
    AnyEventIn,
    EventIn,
    EventList,
    EventRecorded,
)
from api.idempotency import IdempotentRoute
from api.problems import ProblemError, problem_responses
from api.promises.records import to_public as promise_public
from api.promises.schemas import BatchIn, BatchOut
from api.tenancy.auth import Principal, Reader, Writer

router = APIRouter(prefix="/v1", tags=["events"], route_class=IdempotentRoute)

_RECORDED = {200: {"model": EventRecorded, "description": "Already recorded (same event)"},
             **problem_responses(400, 401, 403, 404, 409, 413, 422)}


def _record_one(
    session: Session, principal: Principal, target: service.Target,
    body: AnyEventIn, now: datetime, request: Request,
) -> Response:
    [result] = service.record_events(session, principal, [(target, body)], now)
    if result.problem is not None:
        raise result.problem
    assert result.event is not None and result.promise is not None
    recorded = EventRecorded(**service.to_public(result.event).model_dump(),
                             promise=promise_public(result.promise, now))
    return json_response_with_etag(request, recorded, status_code=result.status)


@router.post("/promises/{promise_id}/events", summary="Record an event of a promise",
             status_code=201, response_model=EventRecorded, responses=_RECORDED)
def record_event(
    promise_id: str, body: EventIn, principal: Writer, session: SessionDep, now: NowDep,
    request: Request,
) -> Response:
    return _record_one(session, principal, service.Target(promise_id=promise_id), body, now,
                       request)


@router.post("/events", summary="Record an event, naming the promise in the body",
             status_code=201, response_model=EventRecorded, responses=_RECORDED)
def record_addressed_event(
    body: AddressedEventIn, principal: Writer, session: SessionDep, now: NowDep, request: Request
) -> Response:
    target, parsed = service.parse_addressed(body.model_dump(mode="json", exclude_none=True))
    if isinstance(parsed, ProblemError):
        raise parsed
    return _record_one(session, principal, target, parsed, now, request)


@router.post(
    "/events/batch",
    summary="Record up to 1,000 events",
    status_code=207,
    response_model=BatchOut,
    responses=problem_responses(400, 401, 403, 413, 422),
    description="Each item is an event as for `POST /v1/events` (with `promise_id` or "
    "`external_id`). Valid items are stored together in one transaction; each invalid item "
    "is reported with its own problem.",
)
def record_batch(
    body: BatchIn, principal: Writer, session: SessionDep, now: NowDep, request: Request
) -> Response:
    items = [service.parse_addressed(item) for item in body.items]
    results = service.record_events(session, principal, items, now)
    return batch_response([
        batch_result(item.index, item.status, item.event.id if item.event else None,
                     item.problem, request.url.path)
        for item in results
    ])


@router.get("/promises/{promise_id}/events", summary="The event log of a promise",
            response_model=EventList, responses=problem_responses(401, 403, 404))
def list_events(promise_id: str, principal: Reader, session: SessionDep) -> EventList:
    rows = service.list_events(session, principal, promise_id)
    return EventList(data=[service.to_public(row) for row in rows])
