"""A real `kept serve --with-worker` handles every kind of secret — API keys (good, revoked
and forged), webhook signing secrets (created, rotated, used to sign deliveries) and status
tokens (issued, read, revoked) — and none of them reaches its logs, which are JSON lines with
a request id.

The one deliberate exception: the bootstrap admin key, printed once on stdout."""

from __future__ import annotations

import json
import re
import secrets
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.reliability.kept_server import KEPT, ROOT, KeptServer
from tests.webhooks.receiver import Receiver

KEY_LINE = re.compile(r"^Admin API key \(shown once\): (kept_\S+)$")
REQUEST_ID = "secrets-test-0001"


def _cli_key(server: KeptServer, scopes: str) -> str:
    """A key made by `kept keys create` for the bootstrap tenant (the CLI prints it once)."""
    done = subprocess.run([*KEPT, "keys", "create", "--tenant", "default", "--scopes", scopes],
                          env=server.env, cwd=ROOT, check=True, capture_output=True, text=True,
                          timeout=120)
    return done.stdout.strip().splitlines()[-1]


def _fragments(secret: str) -> list[str]:
    """The secret and its random part: a log must not hold it whole, nor without its prefix.
    (A key's 12-character display prefix is public and may be logged.)"""
    random_part = secret.split("_", 1)[1]
    return [secret, random_part, random_part[-20:]]


def _exercise(server: KeptServer, receiver: Receiver, admin_key: str) -> dict[str, str]:
    """Do everything that involves a secret; return each secret by what it is."""
    rw_key = _cli_key(server, "promises:write,promises:read")
    revoked_key = _cli_key(server, "promises:read")
    forged_key = "kept_" + secrets.token_urlsafe(32)
    found: dict[str, str] = {"rw key": rw_key, "revoked key": revoked_key,
                             "forged key": forged_key}
    admin = httpx.Client(base_url=server.url, timeout=30,
                         headers={"Authorization": f"Bearer {admin_key}"})
    writer = httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {rw_key}"})
    public = httpx.Client(base_url=server.url, timeout=30)
    with admin, writer, public:
        # Receivers put credentials in their URLs too: the URL must not be logged either.
        found["credential in the webhook URL"] = url_credential = "cred_" + secrets.token_hex(16)
        endpoint = _ok(admin.post("/v1/webhook-endpoints", json={
            "url": f"{receiver.url}?auth={url_credential}"}))
        found["webhook secret"] = receiver.secret = endpoint["secret"]
        receiver.script(500)  # the first delivery fails: the worker logs a failed attempt
        promise = _ok(writer.post("/v1/promises", headers={"X-Request-ID": REQUEST_ID}, json={
            "kind": "delivery", "order_id": "order-77", "due_at": "2099-01-05T10:00:00Z"}))
        assert receiver.wait_for(1), "the worker sent no webhook"

        rotated = _ok(admin.post(f"/v1/webhook-endpoints/{endpoint['id']}/rotate-secret"))
        found["rotated webhook secret"] = receiver.secret = rotated["secret"]
        _ok(admin.post(f"/v1/webhook-endpoints/{endpoint['id']}/test"))
        assert receiver.wait_for(2), "the worker sent no test webhook"

        issued = _ok(writer.post(f"/v1/promises/{promise['id']}/status-token"))
        order = _ok(writer.post("/v1/orders/order-77/status-token", json={}))
        found["status token"], found["order status token"] = issued["token"], order["token"]
        for token in (issued["token"], order["token"]):
            _ok(public.get(f"/v1/public/status/{token}"))
        assert public.get("/examples/order-status",
                          params={"token": order["token"]}).status_code == 200
        assert writer.delete(f"/v1/status-tokens/{issued['id']}").status_code == 204
        assert public.get(f"/v1/public/status/{issued['token']}").status_code == 404

        subprocess.run([*KEPT, "keys", "revoke", revoked_key[:12]], env=server.env, cwd=ROOT,
                       check=True, capture_output=True, timeout=120)
        for key in (revoked_key, forged_key):
            answer = public.get("/v1/promises", headers={"Authorization": f"Bearer {key}"})
            assert answer.status_code == 401
    assert all(r.error is None for r in receiver.verified()), "signatures verify"
    _send_garbage(server)
    return found


def _send_garbage(server: KeptServer) -> None:
    """Not HTTP at all: uvicorn logs a warning of its own, which must be JSON as well."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as connection:
        connection.sendall(b"NOT HTTP\r\n\r\n")
        connection.recv(1024)


def _ok(response: httpx.Response) -> Any:
    assert response.is_success, (response.request.url, response.status_code, response.text)
    return response.json()


def test_no_secret_reaches_the_logs(fresh_database_url: str, tmp_path: Path) -> None:
    receiver = Receiver().start()
    server = KeptServer(fresh_database_url, tmp_path / "logs", KEPT_WEBHOOK_ALLOW_PRIVATE="true",
                        KEPT_RATE_LIMIT_PER_SECOND="0")
    try:
        server.start(("--with-worker",))
        [bootstrap] = [m.group(1) for line in server.stdout().splitlines()
                       if (m := KEY_LINE.match(line))]
        found = {"bootstrap admin key": bootstrap, **_exercise(server, receiver, bootstrap)}
    finally:
        server.stop()
        receiver.stop()

    stdout_lines = [line for line in server.stdout().splitlines() if not KEY_LINE.match(line)]
    logs = "\n".join([*stdout_lines, server.stderr()])
    for what, secret in found.items():
        for fragment in _fragments(secret):
            assert fragment not in logs, f"the {what} is in the logs"

    lines = [line for line in server.stderr().splitlines() if line.strip()]
    records = []
    for line in lines:
        record = json.loads(line)  # every line is one JSON object
        assert isinstance(record, dict) and record.get("event"), line
        records.append(record)
    requests = [r for r in records if r["event"] == "request"]
    assert len(requests) >= 14  # every request above, and the readiness checks
    assert all(r.get("request_id") for r in requests)
    assert any(r["request_id"] == REQUEST_ID for r in requests), "X-Request-ID is honoured"
    assert any(r["path"] == "/v1/public/status/[redacted]" for r in requests)
    assert any(r.get("logger", "").startswith("uvicorn") for r in records), "uvicorn's own"
    # Only lines about the process itself, outside any request, lack a request id.
    without_id = {r["event"] for r in records if not r.get("request_id")
                  and not r.get("logger", "").startswith("uvicorn")}
    assert without_id <= {"worker started", "worker stopped"}, without_id
