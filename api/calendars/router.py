"""HTTP routes of calendars. Each parses, calls one service function and returns a schema."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.calendars import service
from api.calendars.schemas import (
    BusinessTime,
    BusinessTimeAdded,
    CalendarCreate,
    CalendarList,
    CalendarPublic,
    CalendarUpdate,
)
from api.dependencies import NowDep, SessionDep
from api.etags import json_response_with_etag
from api.idempotency import IdempotentRoute
from api.models import Calendar
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import Unprocessable, problem_responses
from api.tenancy.auth import Reader, Writer
from api.wire_types import parse_duration, parse_timestamp

router = APIRouter(prefix="/v1", tags=["calendars"], route_class=IdempotentRoute)

_TIMESTAMP_HELP = "RFC 3339 timestamp with offset; encode `+` as `%2B` in a query string"


def _timestamp_param(name: str, value: str) -> datetime:
    try:
        return parse_timestamp(value)
    except ValueError as error:
        message = str(error)
        if " " in value.strip():
            message += "; a '+' in a query string must be sent as %2B"
        raise Unprocessable.for_field(f"query.{name}", message) from None


def _duration_param(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise Unprocessable.for_field("query.duration", str(error)) from None


def _public(row: Calendar) -> CalendarPublic:
    return CalendarPublic.model_validate(row, from_attributes=True)


@router.post(
    "/calendars",
    summary="Create a business calendar",
    status_code=201,
    response_model=CalendarPublic,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
def create_calendar(
    body: CalendarCreate, principal: Writer, session: SessionDep, now: NowDep, request: Request
) -> Response:
    public = _public(service.create_calendar(session, principal, body, now))
    location = str(request.url_for("get_calendar", calendar_id=public.id))
    return json_response_with_etag(request, public, status_code=201,
                                   headers={"Location": location})


@router.get(
    "/calendars",
    summary="List calendars",
    response_model=CalendarList,
    responses=problem_responses(401, 403, 422),
)
def list_calendars(
    principal: Reader, session: SessionDep, request: Request, response: Response,
    limit: Limit = 50, cursor: Cursor = None,
) -> CalendarList:
    rows, last = service.list_calendars(session, principal, limit, decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return CalendarList(data=[_public(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/calendars/{calendar_id}",
    summary="Read one calendar",
    response_model=CalendarPublic,
    responses={304: {"description": "Not modified (If-None-Match)"},
               **problem_responses(401, 403, 404)},
)
def get_calendar(
    calendar_id: str, principal: Reader, session: SessionDep, request: Request
) -> Response:
    row = service.get_calendar(session, principal.tenant_id, calendar_id)
    return json_response_with_etag(request, _public(row))


@router.patch(
    "/calendars/{calendar_id}",
    summary="Change some fields of a calendar",
    response_model=CalendarPublic,
    responses=problem_responses(400, 401, 403, 404, 409, 413, 422),
    description="Only the fields given change. Promises already made keep the deadlines "
    "computed when they were made.",
)
def update_calendar(
    calendar_id: str, body: CalendarUpdate, principal: Writer, session: SessionDep,
    now: NowDep,
) -> CalendarPublic:
    return _public(service.update_calendar(session, principal, calendar_id, body, now))


@router.delete(
    "/calendars/{calendar_id}",
    summary="Delete a calendar no policy or promise uses",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 403, 404, 409),
)
def delete_calendar(calendar_id: str, principal: Writer, session: SessionDep) -> Response:
    service.delete_calendar(session, principal, calendar_id)
    return Response(status_code=204)


@router.get(
    "/calendars/{calendar_id}/business-time",
    summary="Business time between two instants",
    response_model=BusinessTime,
    responses=problem_responses(401, 403, 404, 422),
    description="Counts the open time in `[from, to)`: opening hours, minus public holidays "
    "and closed dates, in real elapsed time (DST included). Negative when `to` is before "
    "`from`; the two may be at most 3660 days apart.",
)
def business_time(
    calendar_id: str,
    principal: Reader,
    session: SessionDep,
    start: Annotated[str, Query(alias="from", description=_TIMESTAMP_HELP)],
    to: Annotated[str, Query(description=_TIMESTAMP_HELP)],
) -> BusinessTime:
    a, b = _timestamp_param("from", start), _timestamp_param("to", to)
    elapsed = service.business_time_between(session, principal, calendar_id, a, b)
    return BusinessTime(start=a, to=b, business_seconds=elapsed.total_seconds(),
                        business_time=elapsed)


@router.get(
    "/calendars/{calendar_id}/add",
    summary="The instant a duration of business time after a start",
    response_model=BusinessTimeAdded,
    responses=problem_responses(401, 403, 404, 422),
    description="A start outside opening hours counts from the next opening; a duration used "
    "up exactly at a close gives that close. `PT0S` gives the start itself.",
)
def add_business_time(
    calendar_id: str,
    principal: Reader,
    session: SessionDep,
    start: Annotated[str, Query(description=_TIMESTAMP_HELP)],
    duration: Annotated[str, Query(description="ISO 8601 duration, e.g. PT2H or P1DT4H")],
) -> BusinessTimeAdded:
    begin, length = _timestamp_param("start", start), _duration_param(duration)
    result = service.add_business_time(session, principal, calendar_id, begin, length)
    return BusinessTimeAdded(start=begin, duration=length, result=result)
