"""Dependencies every router shares, declared once with Annotated.

The ones that do no I/O are `async def`: FastAPI runs a plain `def` dependency in the thread
pool, a hop that costs more than the dependency itself."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from api.config import Settings
from api.db import Database


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[Session]:
    """A session for the request. Making one does no I/O; closing one that still holds a
    PostgreSQL transaction sends a ROLLBACK, so that close runs in the thread pool."""
    session = database.session()
    try:
        yield session
    finally:
        if session.in_transaction() and not database.settings.is_sqlite:
            await run_in_threadpool(session.close)
        else:
            session.close()


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_now(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
DatabaseDep = Annotated[Database, Depends(get_database)]
