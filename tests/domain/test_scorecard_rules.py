"""Scorecard rules: group keys, rates, the percentile definition, offsets and buckets."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.scorecard_rules import (
    Boundary,
    Bucket,
    GroupKey,
    Tally,
    bucket_boundaries,
    bucket_of,
    bucket_start,
    keep_rate,
    parse_group_by,
    percentile_cont,
    rates_of,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- group_by -------------------------------------------------------------------------------

def test_group_by_keeps_the_names_and_order_given() -> None:
    assert parse_group_by("label:carrier, kind,customer_id,policy") == (
        GroupKey("label:carrier", "carrier"), GroupKey("kind"), GroupKey("customer_id"),
        GroupKey("policy"))
    assert parse_group_by(None) == ()
    assert parse_group_by(" , ") == ()


@pytest.mark.parametrize(("text", "message"), [
    ("colour", "cannot group by 'colour'"),
    ("kind,kind", "given twice"),
    ("label:", "not a label key"),
    ("label:a b", "not a label key"),
    ("label:" + "x" * 101, "not a label key"),
    ("kind,policy,customer_id,label:a,label:b", "at most 4"),
    ("Kind", "cannot group by"),
])
def test_bad_group_by(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_group_by(text)


# --- rates ----------------------------------------------------------------------------------

def test_rates_follow_their_definitions() -> None:
    rates = rates_of(Tally(exceeded=2, met=4, broken=3, first_exceeded=1, first_met=3,
                           first_broken=5, revisions=4, proactive_revisions=1))
    assert rates.keep_rate == 6 / 9
    assert rates.exceed_rate == 2 / 9
    assert rates.break_rate == 3 / 9
    assert rates.first_promise_keep_rate == 4 / 9
    assert rates.proactive_revision_rate == 1 / 4


def test_rates_without_a_denominator_are_none() -> None:
    rates = rates_of(Tally())
    assert rates == type(rates)(None, None, None, None, None)
    assert keep_rate(0, 0, 0) is None
    assert keep_rate(0, 0, 2) == 0.0


@given(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 10**6))
def test_keep_and_break_rates_add_up_to_one(exceeded: int, met: int, broken: int) -> None:
    rates = rates_of(Tally(exceeded=exceeded, met=met, broken=broken))
    if exceeded + met + broken == 0:
        assert rates.keep_rate is None and rates.break_rate is None
        return
    assert rates.keep_rate is not None and rates.break_rate is not None
    assert rates.exceed_rate is not None
    assert rates.keep_rate + rates.break_rate == pytest.approx(1.0)
    assert 0.0 <= rates.exceed_rate <= rates.keep_rate <= 1.0


# --- percentiles ----------------------------------------------------------------------------

def test_percentile_cont_interpolates_like_postgresql() -> None:
    values = [1800.0, 345600.0, 475200.0]
    assert percentile_cont(values, 0.5) == 345600.0
    assert percentile_cont(values, 0.9) == 449280.0   # 345600 + 0.8 × 129600
    assert percentile_cont([600.0, 3600.0, 3600.0, 43200.0, 259200.0], 0.9) == 172800.0
    assert percentile_cont([5.0], 0.9) == 5.0
    assert percentile_cont([], 0.5) is None
    assert percentile_cont([4.0, 1.0], 0.0) == 1.0
    assert percentile_cont([4.0, 1.0], 1.0) == 4.0


@settings(max_examples=200)
@given(st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=60))
def test_percentile_cont_is_the_median_and_stays_within_the_values(values: list[float]) -> None:
    assert percentile_cont(values, 0.5) == pytest.approx(statistics.median(values))
    p90 = percentile_cont(values, 0.9)
    assert p90 is not None
    assert min(values) <= p90 <= max(values)
    p50 = percentile_cont(values, 0.5)
    assert p50 is not None and p50 <= p90


# --- buckets --------------------------------------------------------------------------------

def test_day_boundaries_across_the_autumn_change() -> None:
    boundaries = bucket_boundaries("Europe/Berlin", Bucket.DAY, utc("2026-10-24T12:00:00"),
                                   utc("2026-10-26T12:00:00"))
    assert boundaries == [
        Boundary(utc("2026-10-23T22:00:00"), date(2026, 10, 24)),
        Boundary(utc("2026-10-24T22:00:00"), date(2026, 10, 25)),   # 25 hours long
        Boundary(utc("2026-10-25T23:00:00"), date(2026, 10, 26)),
    ]


def test_week_and_month_boundaries() -> None:
    weeks = bucket_boundaries("Europe/Berlin", Bucket.WEEK, utc("2026-10-25T12:00:00"),
                              utc("2026-11-02T12:00:00"))
    assert [(b.starts_at, b.label) for b in weeks] == [
        (utc("2026-10-18T22:00:00"), date(2026, 10, 19)),
        (utc("2026-10-25T23:00:00"), date(2026, 10, 26)),
        (utc("2026-11-01T23:00:00"), date(2026, 11, 2)),
    ]
    months = bucket_boundaries("UTC", Bucket.MONTH, utc("2025-12-31T23:59:59"),
                               utc("2026-03-01T00:00:00"))
    assert [b.label for b in months] == [date(2025, 12, 1), date(2026, 1, 1),
                                          date(2026, 2, 1), date(2026, 3, 1)]


def test_a_midnight_that_does_not_exist() -> None:
    # Sao Paulo skipped from 00:00 to 01:00 on 4 November 2018: the day began at 03:00Z.
    [day] = bucket_boundaries("America/Sao_Paulo", Bucket.DAY, utc("2018-11-04T12:00:00"),
                              utc("2018-11-04T12:00:00"))
    assert day == Boundary(utc("2018-11-04T03:00:00"), date(2018, 11, 4))


def test_a_day_that_never_happened_is_an_empty_bucket() -> None:
    # Samoa skipped 30 December 2011: its bucket starts where the 31st does, so holds nothing.
    days = bucket_boundaries("Pacific/Apia", Bucket.DAY, utc("2011-12-29T12:00:00"),
                             utc("2011-12-30T12:00:00"))
    assert [b.label for b in days] == [date(2011, 12, 29), date(2011, 12, 30),
                                       date(2011, 12, 31)]
    assert days[1].starts_at == days[2].starts_at == utc("2011-12-30T10:00:00")


def test_too_many_buckets_are_refused() -> None:
    with pytest.raises(ValueError, match="more than 10,000 day buckets"):
        bucket_boundaries("UTC", Bucket.DAY, utc("1990-01-01T00:00:00"),
                          utc("2026-01-01T00:00:00"))


ZONES = ["Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
         "Asia/Kolkata", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca",
         "America/Havana", "Asia/Beirut", "Pacific/Apia"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(list(Bucket)),
       st.integers(0, 25 * 365 * 24 * 3600), st.integers(0, 90 * 24 * 3600))
def test_every_instant_falls_in_its_local_bucket(zone: str, bucket: Bucket, offset: int,
                                                 span: int) -> None:
    start = utc("2005-01-01T00:00:00") + timedelta(seconds=offset)
    end = start + timedelta(seconds=span)
    boundaries = bucket_boundaries(zone, bucket, start, end)
    assert boundaries[0].starts_at <= start
    assert [b.starts_at for b in boundaries] == sorted(b.starts_at for b in boundaries)
    tick = timedelta(microseconds=1)
    for boundary in boundaries:
        # A boundary is the first instant of its bucket.
        assert bucket_of(boundary.starts_at, bucket, zone) >= boundary.label
        assert bucket_of(boundary.starts_at - tick, bucket, zone) < boundary.label
    for k in range(21):
        instant = start + (end - start) * k / 20
        holding = [b for b in boundaries if b.starts_at <= instant][-1]
        assert holding.label == bucket_of(instant, bucket, zone)


def test_the_day_that_lasts_25_hours() -> None:
    zone = "Europe/Berlin"
    assert bucket_of(utc("2026-10-24T21:59:59"), Bucket.DAY, zone) == date(2026, 10, 24)
    assert bucket_of(utc("2026-10-24T22:00:00"), Bucket.DAY, zone) == date(2026, 10, 25)
    assert bucket_of(utc("2026-10-25T22:59:59"), Bucket.DAY, zone) == date(2026, 10, 25)
    assert bucket_of(utc("2026-10-25T23:00:00"), Bucket.DAY, zone) == date(2026, 10, 26)


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    assert bucket_start(date(2026, 10, 25), Bucket.WEEK) == date(2026, 10, 19)   # a Sunday
    assert bucket_start(date(2026, 10, 26), Bucket.WEEK) == date(2026, 10, 26)   # a Monday
    assert bucket_start(date(2026, 10, 31), Bucket.MONTH) == date(2026, 10, 1)
    assert bucket_of(utc("2026-10-31T23:30:00"), Bucket.MONTH, "Europe/Berlin") == date(
        2026, 11, 1)
    assert bucket_of(utc("2026-10-31T23:30:00"), Bucket.MONTH, "UTC") == date(2026, 10, 1)
