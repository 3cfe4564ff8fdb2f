"""One handler per kind of failure, all answering RFC 9457 problem+json."""

from __future__ import annotations

from http import HTTPStatus

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from api.problems import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    BadRequest,
    Problem,
    ProblemError,
    ServiceUnavailable,
    Unprocessable,
)
from api.validation_errors import to_field_errors

log = structlog.get_logger("kept.errors")
RETRY_AFTER_SECONDS = "5"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(mode="json", exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def render(error: ProblemError, request: Request) -> JSONResponse:
    return problem_response(error.to_problem(request.url.path), error.headers)


async def _on_problem(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ProblemError)
    return render(error, request)


async def _on_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    raw = list(error.errors())
    if any(item.get("type") == "json_invalid" for item in raw):
        detail = raw[0].get("ctx", {}).get("error", "invalid JSON")
        return render(BadRequest(f"The request body is not valid JSON: {detail}."), request)
    errors = to_field_errors(raw)
    names = ", ".join(item.field for item in errors[:5])
    return render(Unprocessable(f"The request is not valid: check {names}.", errors=errors),
                  request)


async def _on_http(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    status = error.status_code
    phrase = HTTPStatus(status).phrase
    slug = phrase.lower().replace(" ", "-")
    detail = error.detail if isinstance(error.detail, str) and error.detail != phrase else None
    if status == 404 and detail is None:
        detail = f"There is no resource at {request.url.path}."
    problem = Problem(type=PROBLEM_BASE + slug, title=phrase, status=status, detail=detail,
                      instance=request.url.path)
    return problem_response(problem, dict(error.headers or {}))


async def _on_database_down(request: Request, error: Exception) -> JSONResponse:
    log.warning("database unavailable", error=str(error).splitlines()[0][:200])
    unavailable = ServiceUnavailable(
        "The database is unavailable; retry shortly.", headers={"Retry-After": RETRY_AFTER_SECONDS}
    )
    return render(unavailable, request)


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    problem = Problem(
        type=PROBLEM_BASE + "internal-error",
        title="Internal Server Error",
        status=500,
        detail="Kept failed to handle this request; it has been logged.",
        instance=request.url.path,
    )
    return problem_response(problem)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(OperationalError, _on_database_down)
    app.add_exception_handler(PoolTimeout, _on_database_down)
    app.add_exception_handler(DBAPIError, _on_database_down_if_disconnect)
    app.add_exception_handler(Exception, _on_unexpected)


async def _on_database_down_if_disconnect(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return await _on_database_down(request, error)
    return await _on_unexpected(request, error)
