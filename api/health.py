"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.dependencies import DatabaseDep
from api.migrations import pending_migrations
from api.problems import ServiceUnavailable, problem_responses

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The database is reachable and migrated",
            responses=problem_responses(503))
def readyz(database: DatabaseDep) -> JSONResponse:
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            pending = pending_migrations(connection)
    except SQLAlchemyError as error:
        raise ServiceUnavailable("The database is unreachable.",
                                 headers={"Retry-After": "5"}) from error
    if pending:
        raise ServiceUnavailable(f"The database needs migrating ({pending} pending); "
                                 "run `kept migrate`.", headers={"Retry-After": "30"})
    return JSONResponse({"status": "ready"})
