"""Our Standard Webhooks signatures verify with the reference `standardwebhooks` package."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.webhooks.signing import new_secret, sign, signature_headers


def test_secrets_are_whsec_and_24_random_bytes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 24
    assert new_secret() != secret


@given(body=st.binary(max_size=300).map(lambda b: b.hex().encode()),
       message_id=st.from_regex(r"msg_[0-9A-Z]{26}", fullmatch=True))
@settings(max_examples=50)
def test_signatures_match_the_reference_implementation(body: bytes, message_id: str) -> None:
    secret = new_secret()
    moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    ours = sign(secret, message_id, int(moment.timestamp()), body)
    assert ours == Webhook(secret).sign(message_id, moment, body.decode())


def test_the_reference_verifier_accepts_our_headers() -> None:
    secret, body = new_secret(), b'{"type":"promise.created","data":{}}'
    now = int(datetime.now(UTC).timestamp())
    headers = signature_headers([secret], "msg_1", now, body)
    assert Webhook(secret).verify(body, headers) == {"type": "promise.created", "data": {}}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)


def test_two_secrets_give_two_signatures_each_verifying() -> None:
    old, new, body = new_secret(), new_secret(), b"{}"
    now = int(datetime.now(UTC).timestamp())
    headers = signature_headers([new, old], "msg_2", now, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(body, headers)
    Webhook(new).verify(body, headers)
