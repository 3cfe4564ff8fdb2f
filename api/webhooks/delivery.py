"""Sending one webhook attempt over HTTP: signed, 10 s timeouts, no redirects, and never to a
private, loopback or link-local address unless `KEPT_WEBHOOK_ALLOW_PRIVATE=true`.

The target's host is resolved once and the request is pinned to the address that was checked
(the URL's host still goes in `Host` and in TLS SNI and certificate checks), so a DNS answer
that changes between the check and the connection cannot reach an internal address.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from api.webhooks.signing import signature_headers

TIMEOUT_SECONDS = 10.0
USER_AGENT = "Kept-Webhooks/0.1"
ERROR_LENGTH = 500

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class AttemptResult:
    """What one HTTP attempt gave: a status code, or an error when there was no answer."""

    status_code: int | None
    latency_ms: float
    error: str | None = None
    retry_after: str | None = None


class TargetRefused(Exception):
    """The URL points at an address webhooks may not reach."""


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a stored payload: the same on every retry."""
    return json.dumps(payload, separators=(",", ":")).encode()


def address_refusal(address: IPAddress) -> str | None:
    """Why webhooks may not be sent to `address` (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address_refusal(address.ipv4_mapped)
    for flag, name in (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
    ):
        if flag:
            return f"{address} is a {name} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def literal_refusal(host: str) -> str | None:
    """Refusal for a host that needs no DNS: `localhost` names and private IP literals."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return f"{host} is a loopback name"
    try:
        return address_refusal(ipaddress.ip_address(name))
    except ValueError:
        return None


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def public_address(host: str, port: int, resolver: Resolver) -> str:
    """The address to connect to; every address the host resolves to must be public."""
    try:
        addresses = resolver(host, port)
    except OSError as error:
        raise TargetRefused(f"cannot resolve {host}: {error}") from None
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    for text in addresses:
        reason = address_refusal(ipaddress.ip_address(text.split("%")[0]))
        if reason is not None:
            raise TargetRefused(f"refused: {host} resolves to {reason}")
    return addresses[0]


class Sender:
    """Sends signed attempts with one HTTP client (thread-safe; share it between threads).

    `wall_clock` stamps `webhook-timestamp`: receivers compare it with their own clock to
    refuse replays, so it is real time even when a worker's scheduling clock is not.
    """

    def __init__(
        self, *, allow_private: bool, timeout: float = TIMEOUT_SECONDS,
        wall_clock: Callable[[], float] = time.time, resolver: Resolver = system_resolver,
    ) -> None:
        self.allow_private = allow_private
        self.timeout = timeout
        self.wall_clock = wall_clock
        self.resolver = resolver
        self.client = httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                                   trust_env=False, headers={"User-Agent": USER_AGENT})

    def close(self) -> None:
        self.client.close()

    def _request(self, url: str, body: bytes, headers: dict[str, str]) -> httpx.Request:
        target = httpx.URL(url)
        if self.allow_private:
            return self.client.build_request("POST", target, content=body, headers=headers)
        reason = literal_refusal(target.host)
        if reason is not None:
            raise TargetRefused(f"refused: {reason}")
        port = target.port or (443 if target.scheme == "https" else 80)
        address = public_address(target.host, port, self.resolver)
        pinned = target.copy_with(host=address)
        host_header = target.host if target.port is None else f"{target.host}:{target.port}"
        request = self.client.build_request("POST", pinned, content=body,
                                            headers={**headers, "Host": host_header})
        request.extensions["sni_hostname"] = target.host
        return request

    def send(
        self, url: str, message_id: str, body: bytes, signing_secrets: list[str]
    ) -> AttemptResult:
        started = time.perf_counter()
        headers = {"Content-Type": "application/json",
                   **signature_headers(signing_secrets, message_id, int(self.wall_clock()),
                                       body)}
        try:
            request = self._request(url, body, headers)
            response = self.client.send(request, stream=True)
            response.close()
        except TargetRefused as error:
            return AttemptResult(None, _since(started), str(error)[:ERROR_LENGTH])
        except httpx.TimeoutException:
            return AttemptResult(None, _since(started),
                                 f"timed out after {self.timeout:g} s")
        except httpx.HTTPError as error:
            detail = f"{type(error).__name__}: {error}".strip()
            return AttemptResult(None, _since(started), detail[:ERROR_LENGTH])
        error_text = None
        if 300 <= response.status_code < 400:
            error_text = "redirects are not followed: answer with 2xx to acknowledge"
        elif not 200 <= response.status_code < 300:
            error_text = f"HTTP {response.status_code}"
        return AttemptResult(response.status_code, _since(started), error_text,
                             response.headers.get("retry-after"))


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
