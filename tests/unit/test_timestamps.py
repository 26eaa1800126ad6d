"""Sortable stamps (resolvers/timestamps.py): a round trip, time order as text order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.timestamps import (
    EARLIEST,
    LATEST,
    OutOfRange,
    from_stamp,
    iso_utc,
    parse_instant,
    stamp,
)

moments = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))]),
)


@given(moments)
def test_a_stamp_reads_back_as_the_same_instant_in_utc(moment: datetime) -> None:
    back = from_stamp(stamp(moment))
    assert back == moment
    assert back.tzinfo is UTC


@given(moments, moments)
def test_stamps_sort_as_their_instants(a: datetime, b: datetime) -> None:
    assert (stamp(a) < stamp(b)) == (a < b)


@pytest.mark.parametrize(
    "text", ["2026-03-01T02:00:00Z", "2026-03-01T02:00:00.123456+00:00", "yesterday", ""]
)
def test_anything_but_a_stamp_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        from_stamp(text)


# -- the supported range (issue 9): every accepted time round-trips, nothing else is accepted --

zones = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
anywhere = st.datetimes(min_value=datetime.min, max_value=datetime.max, timezones=zones)


@given(anywhere)
def test_every_accepted_time_round_trips_and_every_other_is_out_of_range(moment: datetime) -> None:
    text = moment.isoformat()
    try:
        parsed = parse_instant(text)
    except OutOfRange:
        try:
            utc = moment.astimezone(UTC)
        except OverflowError:
            return
        assert not EARLIEST <= utc <= LATEST
        return
    assert parsed == moment and parsed.tzinfo is UTC
    assert from_stamp(stamp(parsed)) == parsed
    assert len(stamp(parsed)) == 27
    assert parse_instant(iso_utc(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    ["0999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"],
)
def test_times_outside_the_range_are_refused_by_name(text: str) -> None:
    with pytest.raises(OutOfRange):
        parse_instant(text)


@pytest.mark.parametrize("text", ["1700000000", "0", "2026-03-01T10:00:00", "", "soon"])
def test_numbers_and_zoneless_times_are_not_instants(text: str) -> None:
    with pytest.raises(ValueError):
        parse_instant(text)


def test_a_stamp_is_never_written_for_a_time_it_could_not_read_back() -> None:
    with pytest.raises(OutOfRange):
        stamp(datetime(999, 12, 31, tzinfo=UTC))


@pytest.mark.parametrize(
    ("legacy", "year"),
    [("999-12-31T23:59:59.000000Z", 999), ("1-01-01T00:00:00.000000Z", 1)],
)
def test_stamps_written_unpadded_before_the_range_still_read(legacy: str, year: int) -> None:
    # a customer such a stamp broke (every read answered 500) is readable again
    assert from_stamp(legacy).year == year
    assert iso_utc(from_stamp(legacy)).startswith(f"{year:04d}-")
