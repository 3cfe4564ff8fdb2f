"""The app as `kept serve` runs it, built in each server process.

With `--workers N` uvicorn starts fresh interpreters that import this factory: JSON logging
must be set up here, in every process, not only in the one that ran the command."""

from __future__ import annotations

from fastapi import FastAPI

from api.config import Settings
from api.logs import configure_logging
from api.main import create_app


def create_server_app() -> FastAPI:
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
