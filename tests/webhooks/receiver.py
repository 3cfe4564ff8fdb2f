"""Test support for webhooks: a real HTTP receiver on 127.0.0.1 that verifies Standard
Webhooks signatures with the `standardwebhooks` package, a clock tests move by hand, and the
fixtures the webhook and worker tests share."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import col
from standardwebhooks.webhooks import Webhook

from api.config import Settings
from api.db import Database
from api.main import create_app
from api.models import Promise, WebhookDelivery
from api.webhooks.delivery import Sender
from api.worker.runner import Worker
from tests.conftest import Api, Tenant


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    payload: Any  # the verified JSON; None when verification failed (see `error`)
    error: str | None

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """Answers each POST with the next scripted answer (then 200), recording what arrived
    and whether its signature verifies with `secret`."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self.secret: str | None = None
        self.answers: list[Answer] = []
        self.received: list[Received] = []
        self.hold: threading.Event | None = None  # set: requests wait until released
        self.arrived = threading.Event()
        self._lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def script(self, *statuses: int | Answer) -> None:
        self.answers = [s if isinstance(s, Answer) else Answer(s) for s in statuses]

    def _handle(self, headers: dict[str, str], body: bytes) -> Answer:
        payload, error = None, None
        try:
            payload = Webhook(self.secret or "").verify(body, headers)
        except Exception as failure:  # whatever fails, the test sees it in `error`
            error = f"{type(failure).__name__}: {failure}"
        with self._lock:
            self.received.append(Received(headers, body, payload, error))
            answer = self.answers.pop(0) if self.answers else Answer()
            self._lock.notify_all()
        self.arrived.set()
        if self.hold is not None:
            self.hold.wait(30)
        return answer

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                answer = receiver._handle({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # several workers' connections at once

        self._server = Server(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            if self.hold is not None:
                self.hold.set()
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 30) -> bool:
        """Wait until `count` requests arrived (a bound, never a timed assertion)."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self.received) >= count, timeout)

    def ids(self) -> list[str]:
        with self._lock:
            return [r.id for r in self.received]

    def verified(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.verified() if r.payload]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeClock:
    """A clock tests move forward by hand; safe to read from several threads."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


WorkerFactory = Callable[..., Worker]


@pytest.fixture(scope="session")
def private_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def hooks_client(private_settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    """An app that may send webhooks to 127.0.0.1, where the tests' receivers listen, on the
    test's clock: the API and the worker see the same time."""
    with TestClient(create_app(private_settings, clock=clock),
                    raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(hooks_client: TestClient, tenant: Tenant) -> Api:
    return Api(hooks_client, tenant.keys["admin"])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def quiet_queue(database: Database) -> None:
    """Earlier tests' leftovers must not reach this test's workers: nothing outstanding."""
    with database.session() as session:
        session.execute(update(WebhookDelivery)
                        .where(col(WebhookDelivery.state).in_(["pending", "delivering"]))
                        .values(state="failed", next_attempt_at=None, lease_until=None))
        session.execute(update(Promise).where(col(Promise.next_alert_at).is_not(None))
                        .values(next_alert_at=None))
        session.commit()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC) + timedelta(seconds=1))


@pytest.fixture
def make_worker(database: Database, clock: FakeClock, quiet_queue: None
                ) -> Iterator[WorkerFactory]:
    made: list[Worker] = []

    def make(**options: Any) -> Worker:
        options.setdefault("clock", clock)
        options.setdefault("jitter", lambda: 0.5)
        options.setdefault("sender", Sender(allow_private=True))
        worker = Worker(database, **options)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop()


def subscribe(api: Api, url: str, events: list[str] | None = None, receiver: Receiver | None = None
              ) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url}
    if events is not None:
        body["events"] = events
    response = api.post("/v1/webhook-endpoints", json=body)
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    if receiver is not None:
        receiver.secret = endpoint["secret"]
    return endpoint


def drain(worker: Worker, rounds: int = 20) -> None:
    """Run both loops until nothing is due at the worker's current time."""
    for _ in range(rounds):
        if worker.announce_transitions() == 0 and worker.deliver_due() == 0:
            return
