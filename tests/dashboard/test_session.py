"""The session cookie and CSRF tokens: signed, tamper-evident, expiring."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from api.dashboard.csrf import csrf_ok, csrf_token
from api.dashboard.session import MAX_AGE, DashboardSession, decode_session, encode_session

SECRET = b"s" * 32
AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SESSION = DashboardSession("ten_1", "key_1", "nonce", AT)


def test_a_cookie_reads_back_as_its_session() -> None:
    assert decode_session(SECRET, encode_session(SECRET, SESSION), AT) == SESSION


def test_another_secret_or_an_altered_body_is_refused() -> None:
    value = encode_session(SECRET, SESSION)
    assert decode_session(b"x" * 32, value, AT) is None
    body, mac = value.split(".")
    other = encode_session(SECRET, DashboardSession("ten_2", "key_1", "nonce", AT))
    assert decode_session(SECRET, f"{other.split('.')[0]}.{mac}", AT) is None
    assert decode_session(SECRET, body, AT) is None
    assert decode_session(SECRET, None, AT) is None


def test_a_session_expires() -> None:
    value = encode_session(SECRET, SESSION)
    assert decode_session(SECRET, value, AT + MAX_AGE) == SESSION
    assert decode_session(SECRET, value, AT + MAX_AGE + timedelta(seconds=1)) is None
    assert decode_session(SECRET, value, AT - timedelta(hours=1)) is None


def test_the_cookie_holds_no_secret_beyond_ids() -> None:
    assert "kept_" not in encode_session(SECRET, SESSION)


@settings(max_examples=50)
@given(st.text(max_size=200))
def test_garbage_is_no_session(value: str) -> None:
    assert decode_session(SECRET, value, AT) is None


def test_csrf_tokens_belong_to_their_nonce_and_secret() -> None:
    token = csrf_token(SECRET, "nonce")
    assert csrf_ok(SECRET, "nonce", token)
    assert not csrf_ok(SECRET, "other", token)
    assert not csrf_ok(b"x" * 32, "nonce", token)
    assert not csrf_ok(SECRET, None, token)
    assert not csrf_ok(SECRET, "nonce", None)
    assert not csrf_ok(SECRET, "nonce", "")


def test_a_non_ascii_token_is_refused_not_an_error() -> None:
    assert not csrf_ok(SECRET, "nonce", "é" * 64)
    assert decode_session(SECRET, "é.é", AT) is None
