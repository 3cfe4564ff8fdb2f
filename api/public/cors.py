"""CORS for any origin on the public routes only (`/v1/public/`), as pure ASGI middleware.

Public status needs no credentials, so `Access-Control-Allow-Origin: *` is safe there; every
other route stays same-origin. Preflight requests are answered here, before any route; every
answer of a public route (errors and 429s included) carries the CORS headers, so a page can
read why a request failed.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PUBLIC_PREFIX = "/v1/public/"
EXPOSED = b"ETag, Retry-After, Content-Language, X-Request-Id, RateLimit, RateLimit-Policy"
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", EXPOSED),
]
PREFLIGHT_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, OPTIONS"),
    (b"access-control-allow-headers", b"Accept, Accept-Language, If-None-Match"),
    (b"access-control-max-age", b"86400"),
    (b"cache-control", b"public, max-age=86400"),
]


class PublicCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(PUBLIC_PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204,
                        "headers": PREFLIGHT_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *CORS_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_cors)
