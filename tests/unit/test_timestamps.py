"""Sortable stamps (resolvers/timestamps.py): a round trip, time order as text order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from resolvers.timestamps import from_stamp, stamp

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
