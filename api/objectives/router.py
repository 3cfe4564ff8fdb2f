"""HTTP routes of objectives: keep-rate targets with error budgets and burn-rate alerts."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.dependencies import NowDep, SessionDep
from api.etags import json_response_with_etag
from api.idempotency import IdempotentRoute
from api.objectives import service
from api.objectives.schemas import ObjectiveCreate, ObjectiveList, ObjectivePublic, ObjectiveStatus
from api.pagination import Cursor, Limit, continue_after, decode_cursor
from api.problems import problem_responses
from api.tenancy.auth import Reader, Writer

router = APIRouter(prefix="/v1", tags=["objectives"], route_class=IdempotentRoute)

STATUS_DESCRIPTION = """
Attainment, error budget and burn rates at the time of the request. A promise counts in a
window when it was **decided** in it: a break when it broke (its deadline passed, or the
business cancelled), anything else when it was resolved. Void and not-yet-due promises are
outside. Burn rates cover the trailing 1, 3 and 7 days (and the short windows of the alert
rules: 2, 6 and 14 hours); the forward burn counts open at-risk promises due in the next 24 h
as projected breaks. The alert state is `page`, `ticket` or `ok`, with the rule that fired.
"""


@router.post(
    "/objectives",
    summary="Create an objective",
    status_code=201,
    response_model=ObjectivePublic,
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
def create_objective(
    body: ObjectiveCreate, principal: Writer, session: SessionDep, now: NowDep,
    request: Request,
) -> Response:
    objective = service.create_objective(session, principal, body, now)
    location = str(request.url_for("get_objective", objective_id=objective.id))
    return json_response_with_etag(request, service.to_public(objective), status_code=201,
                                   headers={"Location": location})


@router.get("/objectives", summary="List objectives", response_model=ObjectiveList,
            responses=problem_responses(401, 403, 422))
def list_objectives(
    principal: Reader, session: SessionDep, request: Request, response: Response,
    limit: Limit = 50, cursor: Cursor = None,
) -> ObjectiveList:
    rows, last = service.list_objectives(session, principal, limit, decode_cursor(cursor))
    next_cursor = continue_after(request, response, last)
    return ObjectiveList(data=[service.to_public(row) for row in rows], next_cursor=next_cursor)


@router.get("/objectives/{objective_id}", summary="Read an objective",
            response_model=ObjectivePublic,
            responses={304: {"description": "Not modified (If-None-Match)"},
                       **problem_responses(401, 403, 404)})
def get_objective(
    objective_id: str, principal: Reader, session: SessionDep, request: Request
) -> Response:
    objective = service.get_objective(session, principal, objective_id)
    return json_response_with_etag(request, service.to_public(objective))


@router.get("/objectives/{objective_id}/status",
            summary="Attainment, error budget, burn rates and alert state now",
            description=STATUS_DESCRIPTION, response_model=ObjectiveStatus,
            responses=problem_responses(401, 403, 404))
def objective_status(
    objective_id: str, principal: Reader, session: SessionDep, now: NowDep
) -> ObjectiveStatus:
    return service.objective_status(session, principal, objective_id, now)
