"""`kept serve` as a real process on 127.0.0.1, for the tests that kill it, cut its database
off or read its logs. Its stdout and stderr go to files, so a chatty server never blocks on a
full pipe and a test can read everything it wrote."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
KEPT = [sys.executable, "-m", "api.cli"]
READY_WITHIN_SECONDS = 60.0  # a bound for a busy machine, never an assertion on speed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kept_migrate(database_url: str) -> None:
    """`kept migrate`, as an operator runs it."""
    subprocess.run([*KEPT, "migrate"], env={**os.environ, "KEPT_DATABASE_URL": database_url},
                   cwd=ROOT, check=True, capture_output=True, timeout=120)


class KeptServer:
    """One `kept serve --port P` process; `start()` again after `kill()` starts a new one on
    the same database, writing to the same log files."""

    def __init__(self, database_url: str, logs: Path, **env: str) -> None:
        self.database_url = database_url
        self.logs = logs
        self.env = {**os.environ, "KEPT_DATABASE_URL": database_url, **env}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout_path(self) -> Path:
        return self.logs / "stdout.log"

    @property
    def stderr_path(self) -> Path:
        return self.logs / "stderr.log"

    def start(self, extra_args: tuple[str, ...] = ()) -> KeptServer:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self.process = subprocess.Popen(
                [*KEPT, "serve", "--port", str(self.port), *extra_args],
                env=self.env, cwd=ROOT, stdout=out, stderr=err)
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Poll `/readyz` until it answers 200; fail if the process dies or never gets there."""
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(
                    f"kept serve exited with {self.process.returncode}:\n{self.stderr()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"kept serve not ready within {READY_WITHIN_SECONDS} s:\n"
                             f"{self.stderr()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, as when the machine loses power under the
        process (the operating system still flushes what was written)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
