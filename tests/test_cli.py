"""The `kept` command: tenants, keys, migrate, and `kept serve` as a real server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app

KEY_LINE = re.compile(r"^Admin API key \(shown once\): (kept_[A-Za-z0-9_-]{32,})$")


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("KEPT_DATABASE_URL", url)
    return {**os.environ, "KEPT_DATABASE_URL": url}


def test_tenants_and_keys(sqlite_env: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    created = runner.invoke(app, ["tenants", "create", "acme", "--timezone", "Europe/Berlin"])
    assert created.exit_code == 0, created.output
    assert runner.invoke(app, ["tenants", "create", "acme"]).exit_code == 1
    assert runner.invoke(app, ["tenants", "create", "x", "--timezone", "Nowhere/City"]
                         ).exit_code == 1
    issued = runner.invoke(app, ["keys", "create", "--tenant", "acme",
                                 "--scopes", "promises:write,promises:read"])
    assert issued.exit_code == 0, issued.output
    key = issued.output.strip().splitlines()[-1]
    assert key.startswith("kept_")
    bad_scope = runner.invoke(app, ["keys", "create", "--tenant", "acme", "--scopes", "root"])
    assert bad_scope.exit_code == 1
    listed = runner.invoke(app, ["keys", "list"], env={"COLUMNS": "200"})
    assert key[:12] in listed.output
    assert key not in listed.output
    assert runner.invoke(app, ["keys", "revoke", key[:12]]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", "kept_nothing"]).exit_code == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_bootstraps_a_key_once_and_answers(sqlite_env: dict[str, str]) -> None:
    kept = [sys.executable, "-m", "api.cli"]
    subprocess.run([*kept, "migrate"], env=sqlite_env, check=True, capture_output=True)
    port = _free_port()
    env = {**sqlite_env, "KEPT_PORT": str(port)}
    server = subprocess.Popen([*kept, "serve"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        match = KEY_LINE.match(server.stdout.readline().strip())
        assert match, "the first line names the admin key"
        key = match.group(1)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        created = httpx.post(f"{base}/v1/promises", headers={"Authorization": f"Bearer {key}"},
                             json={"kind": "callback", "due_at": "2099-01-01T10:00:00Z"})
        assert created.status_code == 201
    finally:
        server.terminate()
        server.wait(timeout=10)
    # A second start finds a key and prints none.
    second = subprocess.Popen([*kept, "serve", "--port", str(_free_port())], env=sqlite_env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(2)
    second.terminate()
    output, _ = second.communicate(timeout=10)
    assert "Admin API key" not in output
