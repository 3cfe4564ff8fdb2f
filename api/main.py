"""The application factory: `create_app(settings)` builds a Kept app; nothing happens at import."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from api import error_handlers, health
from api.audit.router import router as audit_router
from api.body_limit import BodyLimit
from api.calendars.router import router as calendars_router
from api.config import Settings
from api.customers.router import router as customers_router
from api.dashboard.router import router as dashboard_router
from api.db import Database
from api.domain.token_bucket import Limit
from api.events.router import router as events_router
from api.idempotency import purge_expired
from api.metrics import Metrics
from api.metrics import router as metrics_router
from api.objectives.router import router as objectives_router
from api.policies.router import router as policies_router
from api.problems import Problem
from api.promises.router import router as promises_router
from api.promises.service import single_creates
from api.public.cors import PUBLIC_PREFIX, PublicCors
from api.public.mount import mount_public
from api.rate_limits import RateLimit, RateLimiter
from api.request_context import RequestContext
from api.scorecards.router import router as scorecards_router
from api.tenancy.principal_cache import PrincipalCache
from api.webhooks.router import router as webhooks_router
from api.worker.runner import start_embedded_worker

log = structlog.get_logger("kept")

DESCRIPTION = """
Kept records the promises a business makes to its customers — a delivery date, a callback time,
a refund-by date — and scores each one **exceeded**, **met** or **broken**.

Authenticate with `Authorization: Bearer kept_…`. Every error is an RFC 9457
`application/problem+json` document.
"""


def utc_now() -> datetime:
    return datetime.now(UTC)


async def forget_old_idempotency_keys(
    database: Database, clock: Callable[[], datetime]
) -> None:
    """Every hour, forget Idempotency-Keys older than the retention time (at least 24 h)."""
    retention = timedelta(hours=database.settings.idempotency_ttl_hours)
    while True:
        try:
            await run_in_threadpool(purge_expired, database, clock() - retention)
        except SQLAlchemyError as error:
            log.warning("could not purge idempotency keys", error=str(error)[:200])
        await asyncio.sleep(3600)


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] = utc_now
) -> FastAPI:
    settings = settings or Settings()
    database = Database(settings)
    metrics = Metrics(database, clock)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        housekeeping = asyncio.create_task(forget_old_idempotency_keys(database, clock))
        worker = start_embedded_worker(database, clock, metrics) if settings.run_worker else None
        yield
        housekeeping.cancel()
        if worker is not None:
            await run_in_threadpool(worker.stop)
        database.dispose()

    app = FastAPI(
        title="Kept",
        version="0.1.0",
        summary="The ledger of the promises a business makes, and the judge of each one.",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.clock = clock
    app.state.metrics = metrics
    app.state.principals = PrincipalCache(settings.key_cache_seconds)
    app.state.single_creates = single_creates(database)
    error_handlers.install(app)
    app.include_router(health.router)
    app.include_router(audit_router)
    app.include_router(promises_router)
    app.include_router(events_router)
    app.include_router(calendars_router)
    app.include_router(policies_router)
    app.include_router(scorecards_router)
    app.include_router(objectives_router)
    app.include_router(customers_router)
    app.include_router(webhooks_router)
    app.include_router(metrics_router)
    app.include_router(dashboard_router)
    mount_public(app, settings, clock)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    limiter = None
    if settings.rate_limit_per_second > 0:
        limiter = RateLimiter(Limit(settings.rate_limit_burst, settings.rate_limit_per_second),
                              clock)
    # The public status has its own, per-IP limit (api/public/rate_limit.py).
    app.add_middleware(RateLimit, limiter=limiter, exempt_prefixes=(PUBLIC_PREFIX,))
    app.add_middleware(PublicCors)
    app.add_middleware(RequestContext)
    _register_problem_schema(app)
    return app


def _register_problem_schema(app: FastAPI) -> None:
    """Make `#/components/schemas/Problem` exist for the problem responses every route lists."""
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("Problem", Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"))
        for name, sub in Problem.model_json_schema(
            ref_template="#/components/schemas/{model}"
        ).get("$defs", {}).items():
            components.setdefault(name, sub)
        components["Problem"].pop("$defs", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
