"""The embeddable status widget (`/widget.js`) and the example order page that shows it.

The widget's version is a hash of its source: `/widget.js?v=<version>` is immutable and cached
for a year; any other URL of it (no `v`, or an old one) is cached for five minutes, so pages
that embed it unversioned still pick up a new release soon.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template
from typing import Annotated

from babel import Locale
from fastapi import APIRouter, Query, Request, Response

from api.public.catalogues import available_languages
from api.public.languages import MAX_TAG_LENGTH

STATIC_DIR = Path(__file__).resolve().parent / "static"
VERSION_PLACEHOLDER = "__KEPT_WIDGET_VERSION__"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE_SOON = "public, max-age=300"
EXAMPLE_CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; "
               "style-src 'self' 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")

router = APIRouter(tags=["widget"])


@dataclass(frozen=True)
class Widget:
    source: bytes
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


@cache
def widget() -> Widget:
    template = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    version = hashlib.sha256(template.encode()).hexdigest()[:12]
    return Widget(template.replace(VERSION_PLACEHOLDER, version).encode(), version)


def widget_url(request: Request) -> str:
    """The absolute, versioned URL of the widget script."""
    return str(request.url_for("widget_script").include_query_params(v=widget().version))


def embed_html(request: Request, token: str) -> str:
    return (f'<div data-kept-status="{html.escape(token)}"></div>\n'
            f'<script src="{html.escape(widget_url(request))}" async></script>')


@router.get(
    "/widget.js",
    summary="The status widget script (no API key)",
    response_class=Response,
    responses={200: {"content": {"text/javascript": {}},
                     "description": "The script; immutable when `v` is the current version"},
               304: {"description": "Not modified (If-None-Match)"}},
)
def widget_script(
    request: Request,
    v: Annotated[str | None, Query(max_length=64, description="The widget version")] = None,
) -> Response:
    current = widget()
    headers = {
        "ETag": current.etag,
        "Cache-Control": IMMUTABLE if v == current.version else REVALIDATE_SOON,
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match", "").strip() in {current.etag, f"W/{current.etag}"}:
        return Response(status_code=304, headers=headers)
    return Response(current.source, media_type="text/javascript; charset=utf-8",
                    headers=headers)


def _language_options() -> str:
    options = ['<option value="">Your browser\'s language</option>']
    for name in sorted(available_languages()):
        label = Locale.parse(name).get_display_name(name) or name
        options.append(f'<option value="{html.escape(name.replace("_", "-"))}">'
                       f"{html.escape(label)}</option>")
    return "\n        ".join(options)


def _token_form() -> str:
    return f"""    <form method="get" action="order-status">
      <label>Status token
        <input name="token" required autocomplete="off" spellcheck="false"
               placeholder="kst_…">
      </label>
      <label>Language
        <select name="lang">
        {_language_options()}
        </select>
      </label>
      <button type="submit">Show the status</button>
    </form>"""


def example_page(request: Request, token: str | None, lang: str | None) -> str:
    if token:
        lang_attribute = f' data-kept-lang="{html.escape(lang)}"' if lang else ""
        content = f'    <div data-kept-status="{html.escape(token)}"{lang_attribute}></div>'
    else:
        content = _token_form()
    url = widget_url(request)
    template = Template((STATIC_DIR / "order-status.html").read_text(encoding="utf-8"))
    return template.substitute(content=content, widget_url=html.escape(url))


@router.get(
    "/examples/order-status",
    summary="An example order page showing the status widget",
    response_class=Response,
    responses={200: {"content": {"text/html": {}},
                     "description": "The page; with `token`, it shows that token's status"}},
)
def example_order_status(
    request: Request,
    token: Annotated[str | None, Query(max_length=100, description="A status token")] = None,
    lang: Annotated[str | None, Query(max_length=MAX_TAG_LENGTH,
                                      description="Language of the card")] = None,
) -> Response:
    return Response(example_page(request, token, lang), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": EXAMPLE_CSP,
                             "Cache-Control": "no-store"})
