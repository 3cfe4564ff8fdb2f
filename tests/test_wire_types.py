"""Timestamps on the wire: the common RFC 3339 form read directly gives what the general path
gives, and every other form is still refused or accepted as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.wire_types import parse_timestamp


def _general(value: str) -> str:
    """The general path's answer, as text (so that the zone counts): a leading space never
    matches the common form, and is stripped by the general path."""
    try:
        return parse_timestamp(f" {value}").isoformat()
    except ValueError as error:
        return f"refused: {error}".replace(f"' {value}'", f"'{value}'")


def _either(value: str) -> str:
    try:
        return parse_timestamp(value).isoformat()
    except ValueError as error:
        return f"refused: {error}"


digits = st.integers(min_value=0, max_value=99).map("{:02d}".format)
fractions = st.sampled_from(["", ".1", ".25", ".123456", ".1234567"])
offsets = st.sampled_from(["Z", "+00:00", "-00:00", "+01:00", "-03:00", "+05:45", "+24:00",
                           "+23:59", ""])
# Mostly real dates and times (in and out of the supported years), and some digits anywhere.
real = st.builds(
    lambda moment, fraction, offset: f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}{offset}",
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(3100, 12, 31)),
    fractions, offsets)
anything = st.builds(
    "{}-{}-{}T{}:{}:{}{}{}".format,
    st.integers(min_value=1800, max_value=3100).map("{:04d}".format),
    digits, digits, digits, digits, digits, fractions, offsets)
stamps = st.one_of(real, real, anything)


@given(stamps)
def test_the_common_form_reads_as_the_general_path_reads_it(value: str) -> None:
    assert _either(value) == _general(value)


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 30),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                               timezone(timedelta(hours=-3))])))
def test_every_instant_survives_its_rfc3339_text(instant: datetime) -> None:
    text = instant.isoformat().replace("+00:00", "Z")
    parsed = parse_timestamp(text)
    assert parsed == instant
    assert parsed.tzinfo is UTC


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-05T17:00:00Z", datetime(2026, 12, 5, 17, tzinfo=UTC)),
    ("2026-12-05T17:00:00.5+01:00", datetime(2026, 12, 5, 16, 0, 0, 500000, tzinfo=UTC)),
    ("2026-12-05t17:00z", datetime(2026, 12, 5, 17, tzinfo=UTC)),
    ("2026-12-05 17:00:00-03:00", datetime(2026, 12, 5, 20, tzinfo=UTC)),
    ("2026-12-05T17:00:00.1234567Z", datetime(2026, 12, 5, 17, 0, 0, 123456, tzinfo=UTC)),
])
def test_accepted_forms(text: str, expected: datetime) -> None:
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("2026-12-05T17:00:00", "no UTC offset"),
    ("2026-12-05T24:00:00Z", "not a valid timestamp"),
    ("2026-02-30T10:00:00Z", "not a valid timestamp"),
    ("3026-12-05T17:00:00Z", "outside the supported years"),
    ("20261205T170000Z", "not an RFC 3339 timestamp"),
    ("2026-W49-5T17:00:00Z", "not an RFC 3339 timestamp"),
])
def test_refused_forms_say_why(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_timestamp(text)
