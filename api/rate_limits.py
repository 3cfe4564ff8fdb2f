"""Per-key (and, without a key, per-IP) rate limits on the API, as ASGI middleware.

Counters live in each process: with N API processes a key may make up to N times the limit.
Answers carry the IETF `RateLimit-Policy` and `RateLimit` headers; refusals are 429 problems
with `Retry-After`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.domain.token_bucket import Bucket, Decision, Limit, take
from api.error_handlers import problem_response
from api.problems import TooManyRequests

MAX_TRACKED = 100_000
_LIMITED_PREFIX = "/v1/"


class RateLimiter:
    """Token buckets by identity, forgetting the least recently seen beyond `MAX_TRACKED`."""

    def __init__(self, limit: Limit, clock: Callable[[], datetime]) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, identity: str) -> Decision:
        with self._lock:
            bucket, decision = take(self._buckets.get(identity), self.limit, self._clock())
            self._buckets[identity] = bucket
            self._buckets.move_to_end(identity)
            if len(self._buckets) > MAX_TRACKED:
                self._buckets.popitem(last=False)
        return decision


def _identity(scope: Scope) -> str:
    headers = dict(scope["headers"])
    authorization = headers.get(b"authorization", b"")
    if authorization:
        # Keyed by a hash: the key itself is never kept in memory longer than the request.
        return "key:" + hashlib.sha256(authorization).hexdigest()[:32]
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def rate_limit_headers(limit: Limit, decision: Decision, policy: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-policy",
         f'"{policy}";q={limit.capacity};w={limit.window_seconds}'.encode()),
        (b"ratelimit", f'"{policy}";r={decision.remaining};t={decision.full_in_seconds}'.encode()),
    ]


class RateLimit:
    """Pure ASGI middleware limiting `/v1/` requests per API key (per IP without one)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter | None,
                 exempt_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.limiter = limiter
        self.exempt = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (self.limiter is None or scope["type"] != "http"
                or not path.startswith(_LIMITED_PREFIX) or path.startswith(self.exempt)):
            await self.app(scope, receive, send)
            return
        limiter = self.limiter
        decision = limiter.check(_identity(scope))
        headers = rate_limit_headers(limiter.limit, decision, "per-key")
        if not decision.allowed:
            refused = TooManyRequests(
                "Too many requests for this API key; slow down.",
                headers={"Retry-After": str(decision.retry_after_seconds)},
            )
            response = problem_response(refused.to_problem(path), refused.headers)
            response.raw_headers.extend(headers)
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)
