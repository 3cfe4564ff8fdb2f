"""Per-IP rate limits on the public status: token buckets, a 429 with `Retry-After` beyond them.

Tokens carry 256 random bits, so guessing one is hopeless at any rate; the limit keeps anyone
from trying at volume and from loading the database through the one route without a key.
Buckets live in each process (as the per-key limits do): with N API processes behind a load
balancer a client may make up to N times the limit. The client address is the connection's
peer; behind a proxy, run uvicorn with `--proxy-headers --forwarded-allow-ips` for the proxy so
that it is the customer's address rather than the proxy's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from api.config import Settings
from api.domain.token_bucket import Limit
from api.problems import TooManyRequests
from api.public.catalogues import Translator
from api.public.languages import CustomerLanguage
from api.rate_limits import RateLimiter


def public_limiter(settings: Settings, clock: Callable[[], datetime]) -> RateLimiter | None:
    """The limiter of the public routes, or None when the limit is turned off (0 per minute)."""
    if settings.public_rate_limit_per_minute <= 0:
        return None
    limit = Limit(settings.public_rate_limit_burst, settings.public_rate_limit_per_minute / 60)
    return RateLimiter(limit, clock)


def limit_by_client_ip(request: Request, language: CustomerLanguage) -> None:
    limiter: RateLimiter | None = getattr(request.app.state, "public_limiter", None)
    if limiter is None:
        return
    client = request.client.host if request.client else "unknown"
    decision = limiter.check(f"public-ip:{client}")
    if not decision.allowed:
        raise TooManyRequests(
            Translator(language.catalogue).text("error.rate_limited"),
            headers={"Retry-After": str(max(1, decision.retry_after_seconds)),
                     "Cache-Control": "no-store"},
        )


LimitedByClientIp = Annotated[None, Depends(limit_by_client_ip)]
