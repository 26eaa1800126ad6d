"""Page cursors: opaque, URL-safe text the API hands out and reads back, in one place.

A cursor is the position after the last item of a page. Use cases page by typed positions
(a time and an id, a pair of keys, a sequence number); only the API turns them into text.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from app.errors import Unprocessable
from resolvers.timestamps import in_range

_SEPARATOR = "|"


def _encode(*parts: str) -> str:
    text = _SEPARATOR.join(parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str, parts: int) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_cursor() from None
    found = text.split(_SEPARATOR, parts - 1)
    if len(found) != parts or not all(found):
        raise bad_cursor()
    return found


def bad_cursor() -> Unprocessable:
    """The error of a cursor this service did not hand out."""
    return Unprocessable("cursor is the next_cursor of a previous page", code="bad_cursor")


def encode_time_position(position: tuple[datetime, str]) -> str:
    """A (time, id) position, such as the last event of a timeline page."""
    return _encode(position[0].isoformat(), position[1])


def decode_time_position(cursor: str) -> tuple[datetime, str]:
    """The inverse of encode_time_position; 422 bad_cursor for anything else."""
    moment, item_id = _decode(cursor, 2)
    try:
        when = in_range(datetime.fromisoformat(moment))
    except ValueError:  # not a time, no zone, or outside the supported range
        raise bad_cursor() from None
    return when, item_id


def encode_pair(pair: tuple[str, str]) -> str:
    """A (key, key) position, such as the last link of a review page."""
    return _encode(*pair)


def decode_pair(cursor: str) -> tuple[str, str]:
    """The inverse of encode_pair; 422 bad_cursor for anything else."""
    a, b = _decode(cursor, 2)
    return a, b
