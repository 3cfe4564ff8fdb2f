"""The database goes away under a running Kept server, and comes back.

Kept reaches PostgreSQL through a TCP proxy the test switches off (refusing connections and
cutting the open ones) or makes hang (accepting connections that never answer). Meanwhile
every request gets a 503 problem with `Retry-After` well within the client's timeout — no
hang, no 500 — `/readyz` fails and `/healthz` still answers; when the proxy is back the same
process serves again, without a restart.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url

from tests.builders import promise_body
from tests.reliability.conftest import ServerTenant
from tests.reliability.kept_server import KeptServer
from tests.reliability.tcp_proxy import TcpProxy

pytestmark = pytest.mark.skipif(
    not os.environ.get("KEPT_TEST_DATABASE_URL"),
    reason="needs PostgreSQL (KEPT_TEST_DATABASE_URL): SQLite is a file in the process, it "
    "cannot become unreachable")

CLIENT_TIMEOUT_SECONDS = 15.0  # what a caller waits at most; Kept must answer well within it
DATABASE_TIMEOUT_SECONDS = "2"  # KEPT_DATABASE_TIMEOUT_SECONDS: connect and pool timeout
RECOVERY_WITHIN_SECONDS = 60.0  # a bound for a busy machine, never an assertion on speed
PROBLEM = "application/problem+json"


@pytest.fixture
def proxy(fresh_database_url: str) -> Iterator[TcpProxy]:
    url = make_url(fresh_database_url)
    running = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    yield running
    running.stop()


@pytest.fixture
def server(fresh_database_url: str, server_tenant: ServerTenant, proxy: TcpProxy,
           tmp_path: Path) -> Iterator[KeptServer]:
    """`kept serve` whose database is behind the proxy."""
    through_proxy = make_url(fresh_database_url).set(host="127.0.0.1", port=proxy.port)
    running = KeptServer(
        through_proxy.render_as_string(hide_password=False), tmp_path / "logs",
        KEPT_DATABASE_TIMEOUT_SECONDS=DATABASE_TIMEOUT_SECONDS, KEPT_RATE_LIMIT_PER_SECOND="0")
    running.start()
    yield running
    running.stop()


def _client(server: KeptServer, tenant: ServerTenant) -> httpx.Client:
    return httpx.Client(base_url=server.url, timeout=CLIENT_TIMEOUT_SECONDS,
                        headers={"Authorization": f"Bearer {tenant.rw_key}"})


def _assert_unavailable(response: httpx.Response) -> None:
    """A 503 problem that says when to come back."""
    assert response.status_code == 503, (response.request.url, response.text)
    assert response.headers["content-type"].startswith(PROBLEM)
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["status"] == 503 and problem["detail"]


def _send(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        pytest.fail(f"{method} {path} hung: no answer within {CLIENT_TIMEOUT_SECONDS} s")


def _assert_down(client: httpx.Client, promise_id: str) -> None:
    # Twice each: the first requests find dead pooled connections, the next ones none.
    for _ in range(2):
        _assert_unavailable(_send(client, "POST", "/v1/promises", json=promise_body()))
        _assert_unavailable(_send(client, "GET", f"/v1/promises/{promise_id}"))
        _assert_unavailable(_send(client, "GET", "/v1/promises"))
        _assert_unavailable(_send(client, "GET", "/readyz"))
    assert _send(client, "GET", "/healthz").status_code == 200


def _assert_recovers(client: httpx.Client, promise_id: str) -> None:
    """Creates are retried until one succeeds; meanwhile only 503s are acceptable."""
    deadline = time.monotonic() + RECOVERY_WITHIN_SECONDS
    statuses: list[int] = []
    while time.monotonic() < deadline:
        statuses.append(_send(client, "POST", "/v1/promises", json=promise_body()).status_code)
        if statuses[-1] != 503:
            break
        time.sleep(0.1)
    assert statuses[-1] == 201, statuses
    assert _send(client, "GET", "/readyz").status_code == 200
    assert _send(client, "GET", f"/v1/promises/{promise_id}").status_code == 200


class Background:
    """Creates sent continuously while the database goes away: each is 201 or 503."""

    def __init__(self, server: KeptServer, tenant: ServerTenant) -> None:
        self.client = _client(server, tenant)
        self.statuses: Counter[int | str] = Counter()
        self.running = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        for _ in range(5000):  # a bound
            if not self.running.is_set():
                return
            try:
                self.statuses[self.client.post("/v1/promises",
                                               json=promise_body()).status_code] += 1
            except httpx.TransportError as error:  # a hang, or the server gone: both wrong
                self.statuses[type(error).__name__] += 1

    def wait_for(self, status: int | None, count: int) -> None:
        """Until `count` answers (of `status`, or any) came back; a bound, not a timing."""
        deadline = time.monotonic() + RECOVERY_WITHIN_SECONDS
        while time.monotonic() < deadline and self.thread.is_alive():
            seen = sum(self.statuses.values()) if status is None else self.statuses[status]
            if seen >= count:
                return
            time.sleep(0.01)
        raise AssertionError(f"the background creates stalled: {self.statuses}")

    def __enter__(self) -> Background:
        self.running.set()
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.running.clear()
        self.thread.join(timeout=2 * CLIENT_TIMEOUT_SECONDS)
        self.client.close()


def test_database_stopped_gives_503_and_recovers(
    server: KeptServer, server_tenant: ServerTenant, proxy: TcpProxy
) -> None:
    with _client(server, server_tenant) as client:
        created = _send(client, "POST", "/v1/promises", json=promise_body())
        assert created.status_code == 201
        promise_id = created.json()["id"]

        with Background(server, server_tenant) as background:
            # Some creates go through before the cut, some are cut mid-way, some find it down.
            background.wait_for(201, 5)
            proxy.stop()
            _assert_down(client, promise_id)
            background.wait_for(503, 1)
            proxy.start()
            _assert_recovers(client, promise_id)
        assert set(background.statuses) <= {201, 503}, background.statuses

        for _ in range(3):  # the cut is not remembered: the service stays up
            assert _send(client, "POST", "/v1/promises", json=promise_body()).status_code == 201
    assert '"database unavailable"' in server.stderr()


def test_database_not_answering_gives_503_within_the_timeout(
    server: KeptServer, server_tenant: ServerTenant, proxy: TcpProxy
) -> None:
    with _client(server, server_tenant) as client:
        created = _send(client, "POST", "/v1/promises", json=promise_body())
        assert created.status_code == 201
        promise_id = created.json()["id"]

        proxy.hang()
        # Several callers at once: each waits for a connection of its own, none forever.
        answers: list[httpx.Response] = []
        callers = [threading.Thread(target=lambda: answers.append(
            _send(client, "POST", "/v1/promises", json=promise_body()))) for _ in range(6)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=2 * CLIENT_TIMEOUT_SECONDS)
        assert len(answers) == len(callers)
        for answer in answers:
            _assert_unavailable(answer)
        _assert_unavailable(_send(client, "GET", "/readyz"))

        proxy.start()
        _assert_recovers(client, promise_id)
