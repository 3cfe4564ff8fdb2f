"""The widget script and the example page over HTTP (the browser tests render them)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_widget_is_versioned_and_cached_long_under_its_version(
    public_client: TestClient,
) -> None:
    plain = public_client.get("/widget.js")
    assert plain.status_code == 200
    assert plain.headers["content-type"].startswith("text/javascript")
    assert plain.headers["cache-control"] == "public, max-age=300"
    match = re.search(r'var VERSION = "([0-9a-f]{12})"', plain.text)
    assert match, "the script names its version"
    version = match.group(1)
    assert "__KEPT_WIDGET_VERSION__" not in plain.text
    versioned = public_client.get("/widget.js", params={"v": version})
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert versioned.content == plain.content
    stale = public_client.get("/widget.js", params={"v": "000000000000"})
    assert stale.headers["cache-control"] == "public, max-age=300"
    revalidated = public_client.get("/widget.js", headers={"If-None-Match": plain.headers["etag"]})
    assert revalidated.status_code == 304
    assert public_client.get("/widget.js").headers["etag"] == f'"{version}"'


def test_the_widget_has_no_dependencies_and_writes_no_html_from_data(
    public_client: TestClient,
) -> None:
    source = public_client.get("/widget.js").text
    assert "import " not in source and "require(" not in source
    assert "innerHTML" not in source  # server texts go in with textContent only
    assert "60000" in source


def test_the_example_page_shows_the_widget_for_the_token_in_its_address(
    public_client: TestClient,
) -> None:
    page = public_client.get("/examples/order-status",
                             params={"token": "kst_abc", "lang": "pt-BR"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<div data-kept-status="kst_abc" data-kept-lang="pt-BR"></div>' in page.text
    version = re.search(r'var VERSION = "(\w+)"', public_client.get("/widget.js").text)
    assert version
    assert f'<script src="http://testserver/widget.js?v={version.group(1)}" async>' in page.text


def test_the_example_page_escapes_what_it_is_given(public_client: TestClient) -> None:
    page = public_client.get("/examples/order-status",
                             params={"token": '"><script>alert(1)</script>',
                                     "lang": '"><img src=x onerror=alert(1)>'})
    assert "<script>alert(1)" not in page.text
    assert "<img src=x" not in page.text
    assert "&quot;&gt;&lt;script&gt;" in page.text


def test_without_a_token_the_example_page_asks_for_one(public_client: TestClient) -> None:
    page = public_client.get("/examples/order-status")
    assert page.status_code == 200
    assert 'name="token"' in page.text
    assert "data-kept-status=" not in page.text.replace('data-kept-status="TOKEN"', "")
    for language in ("English", "português", "español", "italiano", "русский"):
        assert language in page.text


def test_public_routes_are_documented(public_client: TestClient) -> None:
    paths = public_client.get("/openapi.json").json()["paths"]
    for path, method in (("/v1/public/status/{token}", "get"),
                         ("/v1/promises/{promise_id}/status-token", "post"),
                         ("/v1/orders/{order_id}/status-token", "post"),
                         ("/v1/status-tokens", "get"),
                         ("/v1/status-tokens/{token_id}", "delete"),
                         ("/widget.js", "get"),
                         ("/examples/order-status", "get")):
        assert paths[path][method]["summary"], path
    assert "429" in paths["/v1/public/status/{token}"]["get"]["responses"]
