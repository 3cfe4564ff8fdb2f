"""JSON logs through structlog, with the request id bound on every line of a request.

Records of other libraries (uvicorn, httpx, alembic…) go through the same processors, so
every line on stderr is one JSON object."""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.typing import Processor

# Libraries too chatty at INFO for a server: alembic describes its context on every readiness
# check, and httpx logs every webhook URL it calls (URLs may carry a receiver's credentials;
# each attempt is recorded in `webhook_attempt`).
_QUIET_BELOW_WARNING = ("alembic", "httpx", "httpcore")


def configure_logging(level: str = "INFO") -> None:
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,
                    structlog.processors.JSONRenderer()],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in _QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
