"""HTTP route of the scorecard: parse the query, run it, answer JSON or CSV."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Request, Response

from api.dependencies import NowDep, SessionDep
from api.domain.scorecard_rules import Bucket, TimeField, parse_group_by
from api.problems import Unprocessable, problem_responses
from api.promises.queries import PromiseFilters
from api.promises.router import list_filters
from api.scorecards import service
from api.scorecards.csv_table import CSV_MEDIA_TYPE, prefers_csv, to_csv
from api.scorecards.schemas import Scorecard
from api.tenancy.auth import Reader
from api.wire_types import parse_timestamp

router = APIRouter(prefix="/v1", tags=["scorecards"])

_OWN_PARAMS = ("from", "to", "time_field", "group_by", "bucket", "timezone", "format")
ScorecardFilters = Annotated[PromiseFilters, Depends(list_filters(*_OWN_PARAMS))]

DESCRIPTION = """
Counts by status **at the time of the request** and the rates that follow, per group and in
total, computed in the database.

- Filters: those of `GET /v1/promises` (`status`, `kind`, `order_id`, `customer_id`,
  `external_id`, `label.<key>=<value>`, `due_after`, `due_before`), plus `from` ≤ time < `to`
  on the `time_field`: `due` (default), `made`, or `resolved` (when the promise was decided:
  `resolved_at`, or for an open promise past its deadline, the moment it broke).
- `group_by`: comma list of `kind`, `policy`, `customer_id`, `label:<key>` (promises without
  that label form the group whose value is `null`). `bucket`: `day`, `week` (Monday first) or
  `month`, in `timezone` (default: the tenant's), named by the bucket's first local date.
- Only groups holding promises are listed, ordered by key (nulls last).
- `Accept: text/csv` or `format=csv` returns the groups as CSV.
"""


def _timestamp(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise Unprocessable.for_field(f"query.{name}", str(error)) from None


def _zone(value: str | None, default: str) -> str:
    if value is None:
        return default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise Unprocessable.for_field("query.timezone",
                                      f"unknown IANA time zone {value!r}") from None
    return value


@router.get(
    "/scorecard",
    summary="Who keeps their word: counts, rates and lateness per group",
    description=DESCRIPTION,
    response_model=Scorecard,
    responses={200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
                     "description": "The scorecard (JSON, or CSV when asked for)"},
               **problem_responses(401, 403, 422)},
)
def get_scorecard(
    filters: ScorecardFilters, principal: Reader, session: SessionDep, now: NowDep,
    request: Request,
    from_: Annotated[str | None, Query(alias="from", description="time ≥ this (RFC 3339)")]
    = None,
    to: Annotated[str | None, Query(description="time < this (RFC 3339)")] = None,
    time_field: Annotated[TimeField, Query(description="due, made or resolved")]
    = TimeField.DUE,
    group_by: Annotated[str | None, Query(
        description="Comma list of kind, policy, customer_id, label:<key>")] = None,
    bucket: Annotated[Bucket | None, Query(description="day, week or month")] = None,
    timezone: Annotated[str | None, Query(
        description="IANA zone of the buckets; default the tenant's")] = None,
    format_: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Response:
    try:
        keys = parse_group_by(group_by)
    except ValueError as error:
        raise Unprocessable.for_field("query.group_by", str(error)) from None
    start, end = _timestamp("from", from_), _timestamp("to", to)
    if start is not None and end is not None and end <= start:
        raise Unprocessable.for_field("query.to", "`to` must be later than `from`")
    query = service.ScorecardQuery(
        filters=filters, time_field=time_field, start=start, end=end, group_by=keys,
        bucket=bucket, timezone=_zone(timezone, principal.timezone))
    result = service.scorecard(session, principal, query, now)
    wants_csv = format_ == "csv" or (format_ is None
                                      and prefers_csv(request.headers.get("accept")))
    if wants_csv:
        names = [key.name for key in keys] + (["bucket"] if bucket else [])
        return Response(to_csv(result, names), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
                        headers={"Content-Disposition": 'inline; filename="scorecard.csv"'})
    return Response(result.model_dump_json(), media_type="application/json")
