"""One HTTP attempt: the SSRF guard, timeouts, answers, against real servers on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import threading

import pytest

from api.webhooks.delivery import (
    Sender,
    TargetRefused,
    address_refusal,
    literal_refusal,
    public_address,
)
from api.webhooks.signing import new_secret
from tests.webhooks.receiver import Answer, Receiver


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.1", "private"),
    ("172.16.5.4", "private"), ("192.168.1.1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("fc00::1", "private"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("::ffff:10.0.0.1", "private"), ("100.64.0.1", "public"),
])
def test_non_public_addresses_are_refused(address: str, kind: str) -> None:
    reason = address_refusal(ipaddress.ip_address(address))
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_names_are_checked_by_every_address_they_resolve_to() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return {"good.example": ["93.184.216.34"],
                "sneaky.example": ["93.184.216.34", "10.0.0.7"]}[host]

    assert public_address("good.example", 443, resolver) == "93.184.216.34"
    with pytest.raises(TargetRefused, match=r"10\.0\.0\.7 is a private"):
        public_address("sneaky.example", 443, resolver)
    assert literal_refusal("LocalHost.") is not None
    assert literal_refusal("example.com") is None


def test_a_guarded_sender_sends_nothing_to_a_private_address(receiver: Receiver) -> None:
    sender = Sender(allow_private=False)
    try:
        result = sender.send(receiver.url, "msg_1", b"{}", [new_secret()])
        rebound = Sender(allow_private=False,
                         resolver=lambda host, port: ["127.0.0.1"])
        by_name = rebound.send(f"http://hooks.example:{receiver.port}/x", "msg_2", b"{}",
                               [new_secret()])
        rebound.close()
    finally:
        sender.close()
    assert result.status_code is None
    assert result.error is not None and "loopback" in result.error
    assert by_name.status_code is None
    assert by_name.error is not None and "resolves to 127.0.0.1" in by_name.error
    assert receiver.received == []


def test_an_allowed_sender_signs_and_reports_the_answer(receiver: Receiver) -> None:
    receiver.secret = new_secret()
    receiver.script(Answer(503, {"Retry-After": "30"}))
    sender = Sender(allow_private=True)
    try:
        result = sender.send(receiver.url, "msg_3", b'{"type":"x"}', [receiver.secret])
    finally:
        sender.close()
    assert (result.status_code, result.retry_after, result.error) == (503, "30", "HTTP 503")
    assert result.latency_ms > 0
    [received] = receiver.verified()
    assert received.error is None
    assert received.headers["content-type"] == "application/json"
    assert received.headers["webhook-id"] == "msg_3"


def test_a_receiver_that_never_answers_times_out(receiver: Receiver) -> None:
    receiver.hold = threading.Event()
    sender = Sender(allow_private=True, timeout=0.2)  # 10 s in service
    try:
        result = sender.send(receiver.url, "msg_4", b"{}", [new_secret()])
    finally:
        receiver.hold.set()
        sender.close()
    assert result.status_code is None
    assert result.error is not None and result.error.startswith("timed out")


def test_nothing_listening_is_an_error_not_an_exception() -> None:
    sender = Sender(allow_private=True)
    try:
        result = sender.send("http://127.0.0.1:9/x", "msg_5", b"{}", [new_secret()])
    finally:
        sender.close()
    assert result.status_code is None and result.error
