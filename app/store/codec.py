"""Encodings shared by the adapters: fixed-width UTC timestamps and compact JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson


@lru_cache(maxsize=65_536)
def encode_time(value: datetime) -> str:
    """A fixed-width UTC ISO-8601 string, so text order is time order (memoised: hot path)."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def decode_time(text: str) -> datetime:
    """The inverse of encode_time."""
    return datetime.fromisoformat(text)


def encode_json(value: Any) -> str:
    """Compact JSON text with sorted keys (datetimes as ISO strings)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS).decode()


def decode_json(text: str | bytes) -> Any:
    """Parse JSON text."""
    return orjson.loads(text)
