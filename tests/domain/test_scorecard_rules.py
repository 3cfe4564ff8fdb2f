"""Scorecard rules: group keys, rates, the percentile definition, offsets and buckets."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.scorecard_rules import (
    Bucket,
    GroupKey,
    OffsetPeriod,
    Tally,
    bucket_of,
    bucket_start,
    keep_rate,
    offset_periods,
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


# --- offsets and buckets ---------------------------------------------------------------------

def test_a_zone_without_changes_has_one_period() -> None:
    assert offset_periods("UTC", utc("2020-01-01"), utc("2030-01-01")) == [
        OffsetPeriod(None, timedelta(0))]


def test_berlin_changes_offset_at_the_exact_instants() -> None:
    assert offset_periods("Europe/Berlin", utc("2026-01-01"), utc("2027-01-01")) == [
        OffsetPeriod(None, timedelta(hours=1)),
        OffsetPeriod(utc("2026-03-29T01:00:00"), timedelta(hours=2)),
        OffsetPeriod(utc("2026-10-25T01:00:00"), timedelta(hours=1)),
    ]


ZONES = ["Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Lord_Howe",
         "Asia/Kolkata", "Pacific/Chatham", "America/Santiago", "Africa/Casablanca"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ZONES), st.integers(0, 20 * 365 * 24 * 3600),
       st.integers(0, 3 * 365 * 24 * 3600))
def test_periods_give_every_instant_its_zone_offset(zone: str, start: int, span: int) -> None:
    begin = utc("2010-01-01") + timedelta(seconds=start)
    end = begin + timedelta(seconds=span)
    periods = offset_periods(zone, begin, end)
    assert periods[0].starts_at is None
    starts = [p.starts_at for p in periods[1:]]
    assert starts == sorted(starts)
    # Sample instants, the changes and one second before each.
    probes = [begin, end, *(s for s in starts if s), *(s - timedelta(seconds=1)
                                                      for s in starts if s)]
    probes += [begin + (end - begin) * k / 50 for k in range(50)]
    for instant in probes:
        in_force = [p for p in periods if p.starts_at is None or p.starts_at <= instant][-1]
        assert in_force.offset == instant.astimezone(ZoneInfo(zone)).utcoffset()


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
