"""Everything a customer's browser reaches: public status, status tokens, widget, example page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from api.config import Settings
from api.public.rate_limit import public_limiter
from api.public.router import router as public_router
from api.public.token_router import router as token_router
from api.public.widget_router import router as widget_router


def mount_public(app: FastAPI, settings: Settings, clock: Callable[[], datetime]) -> None:
    """Add the routes and the per-IP limiter of the public status. CORS is `PublicCors`,
    added with the other middleware."""
    app.state.public_limiter = public_limiter(settings, clock)
    app.include_router(token_router)
    app.include_router(public_router)
    app.include_router(widget_router)
