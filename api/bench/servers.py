"""Real uvicorn processes on 127.0.0.1 for the benchmark: Kept (`kept serve`) and the floors."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

KEPT = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
FLOORS = [sys.executable, "-m", "api.bench.floor_app", "--host", "127.0.0.1"]
START_SECONDS = 60.0


class ServerFailed(RuntimeError):
    """A server did not start; the message holds the end of its log."""


@dataclass(frozen=True)
class Server:
    base: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """CPU time the server process has used (user + system), from /proc; None where
        there is no /proc. Unlike requests/s, CPU per request hardly moves when other
        processes share the machine."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Kept's settings for a benchmark: the database, and no per-key rate limit (which would
    measure the limiter, 200 requests/s per key by default, instead of the service)."""
    return {**os.environ, "KEPT_DATABASE_URL": database_url,
            "KEPT_RATE_LIMIT_PER_SECOND": "0", **extra}


@contextlib.contextmanager
def running(command: list[str], environment: dict[str, str], log: Path) -> Iterator[Server]:
    """Start a server on a free port, wait until `/healthz` answers, yield it, and stop it
    (SIGTERM, then SIGKILL) afterwards."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen([*command, "--port", str(port)],  # noqa: S603 - ours
                                   env=environment,
                                   stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(process, base, log)
        yield Server(base, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(process: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise ServerFailed(f"the server at {base} did not start:\n{tail}")
