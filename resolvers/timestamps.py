"""Time as text: one supported range, one parser, sortable stamps and ISO-8601 UTC strings.

Every time the service accepts lies in ``[EARLIEST, LATEST]`` once converted to UTC. The
range keeps every stamp four-digit-yearly fixed-width (so text order is time order and
``from_stamp`` reads back every stamp written) and keeps zone conversions from overflowing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
OUT_OF_RANGE = "outside the supported range 1000-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"


class OutOfRange(ValueError):
    """A time that exists but lies outside the range the service stores."""


def in_range(moment: datetime) -> datetime:
    """The moment in UTC, or OutOfRange: conversion that would overflow counts as outside."""
    if moment.tzinfo is None:
        raise ValueError("needs a time zone, such as Z or +08:00")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(OUT_OF_RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise OutOfRange(OUT_OF_RANGE)
    return utc


def parse_instant(text: str) -> datetime:
    """An ISO-8601 date and time with a zone, in range, as UTC; ValueError says what is wrong.

    Numbers (Unix seconds) are not times here: the contract says ISO-8601 with a zone.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            "is not an ISO-8601 date and time, e.g. 2026-03-01T10:00:00+08:00"
        ) from None
    return in_range(moment)


def stamp(moment: datetime) -> str:
    """A fixed-width UTC string, so that text order is time order."""
    return in_range(moment).strftime(STAMP_FORMAT)


def from_stamp(text: str) -> datetime:
    """The inverse of stamp (``fromisoformat`` reads it in C, ``strptime`` was ten times slower).

    Before the range existed, a year below 1000 was written unpadded (``999-…``, 24 to 26
    characters); such stamps still read, so a customer they broke is readable again.
    """
    if not 24 <= len(text) <= 27 or text[-1] != "Z":
        raise ValueError(f"not a stamp: {text!r}")
    return datetime.fromisoformat(text[:-1].zfill(26)).replace(tzinfo=UTC)


def iso_utc(moment: datetime) -> str:
    """An ISO-8601 UTC string ending in Z, as the API shows times (any stored time formats)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_moment(text: str) -> datetime | date:
    """A date (``2026-03-01``) or an aware datetime (in UTC) from ISO text; ValueError otherwise.

    It reads stored text too, so it does not apply the range: inputs check ``in_range``.
    """
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("needs a time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise OutOfRange(OUT_OF_RANGE) from None
