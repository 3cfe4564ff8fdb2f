"""`/metrics` (outbox depth and age, deliveries by result) and `kept serve --with-worker`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.builders import promise_body
from tests.conftest import Api, Tenant
from tests.webhooks.receiver import FakeClock, Receiver, WorkerFactory, free_port, subscribe

ROOT = Path(__file__).resolve().parents[2]
KEY_LINE = re.compile(r"^Admin API key \(shown once\): (kept_[A-Za-z0-9_-]{32,})$")


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} missing from:\n{text}"
    return float(match.group(1))


def test_metrics_show_the_outbox_and_deliveries_by_result(
    hooks_client: TestClient, tenant: Tenant, admin: Api, make_worker: WorkerFactory,
    clock: FakeClock, receiver: Receiver,
) -> None:
    subscribe(admin, receiver.url, receiver=receiver)
    writer = Api(hooks_client, tenant.keys["rw"])
    for _ in range(3):
        writer.post("/v1/promises", json=promise_body())
    clock.advance(30)
    response = hooks_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert _metric(response.text, "kept_webhook_outbox_depth") == 3
    assert _metric(response.text, "kept_webhook_outbox_oldest_age_seconds") == \
        pytest.approx(30, abs=0.01)
    receiver.script(500)
    worker = make_worker(metrics=hooks_client.app.state.metrics)  # type: ignore[attr-defined]
    worker.deliver_due()
    text = hooks_client.get("/metrics").text
    assert _metric(text, "kept_webhook_outbox_depth") == 1
    assert _metric(text, 'kept_webhook_deliveries_total{result="succeeded"}') == 2
    assert _metric(text, 'kept_webhook_deliveries_total{result="retrying"}') == 1
    assert _metric(text, "kept_promise_transitions_due") == 0


def test_serve_with_worker_sends_webhooks_with_one_command(tmp_path: Path) -> None:
    env = {**os.environ, "KEPT_DATABASE_URL": f"sqlite:///{tmp_path / 'kept.db'}",
           "KEPT_WEBHOOK_ALLOW_PRIVATE": "true", "KEPT_PORT": str(free_port())}
    kept = [sys.executable, "-m", "api.cli"]
    subprocess.run([*kept, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    receiver = Receiver().start()
    server = subprocess.Popen([*kept, "serve", "--with-worker"], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        match = KEY_LINE.match(server.stdout.readline().strip())
        assert match, "the first line names the admin key"
        headers = {"Authorization": f"Bearer {match.group(1)}"}
        base = f"http://127.0.0.1:{env['KEPT_PORT']}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        endpoint = httpx.post(f"{base}/v1/webhook-endpoints", headers=headers,
                              json={"url": receiver.url}).json()
        receiver.secret = endpoint["secret"]
        created = httpx.post(f"{base}/v1/promises", headers=headers,
                             json={"kind": "callback", "due_at": "2099-01-01T10:00:00Z"})
        assert created.status_code == 201
        assert receiver.wait_for(1), "no webhook arrived"
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
        receiver.stop()
    [received] = receiver.verified()
    assert received.error is None
    assert received.payload["type"] == "promise.created"
    assert received.payload["data"]["id"] == created.json()["id"]
    # SIGTERM stops the embedded worker with the server (uvicorn then re-raises the signal).
    assert '"worker stopped"' in output
