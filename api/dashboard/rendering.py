"""Templates, security headers and form bodies of the dashboard's pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.dashboard.charts import percent

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
STATIC_TYPES = {"dashboard.css": "text/css; charset=utf-8",
                "refresh.js": "text/javascript; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MAX_FORM_BYTES = 16 * 1024

templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)
templates.filters["percent"] = percent


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def page(name: str, *, status_code: int = 200, **context: Any) -> Response:
    html = templates.get_template(name).render(**context)
    return secured(HTMLResponse(html, status_code=status_code))


def redirect(url: str) -> Response:
    return secured(RedirectResponse(url, status_code=303))


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


async def form_fields(request: Request) -> dict[str, str]:
    """An `application/x-www-form-urlencoded` body, first value of each field."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in parsed.items()}
