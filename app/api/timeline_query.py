"""A timeline query as clients write it (cursor text, type names, ISO times), made typed.

Shared by the REST route and the MCP tool, so both read a query the same way and refuse the
same mistakes with the same errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.api import cursors
from app.errors import Unprocessable
from app.services.profiles import TimelineQuery
from resolvers.customer360.event_schemas import is_type_filter
from resolvers.timestamps import parse_instant

MAX_TYPES = 50  # one timeline query names at most this many types or families


def timeline_query(
    *,
    limit: int,
    cursor: str | None,
    types: Sequence[str],
    since: datetime | str | None,
    until: datetime | str | None,
) -> TimelineQuery:
    """The typed query; 422 naming what is wrong (bad_cursor, invalid_types, invalid_time)."""
    return TimelineQuery(
        limit=limit,
        before=cursors.decode_time_position(cursor) if cursor else None,
        types=type_filter(types),
        since=_time("since", since),
        until=_time("until", until),
    )


def type_filter(names: Sequence[str]) -> tuple[str, ...]:
    """Event types or families (``order.*``) to keep, at most MAX_TYPES; an unknown name is a
    422."""
    kept: list[str] = []
    for name in (n.strip() for n in names):
        if not name or name in kept:
            continue
        if len(kept) == MAX_TYPES:
            raise Unprocessable(
                f"types: at most {MAX_TYPES} types or families", code="invalid_types"
            )
        kept.append(name)
        if not is_type_filter(name):
            raise Unprocessable(
                f"unknown event type {name!r}: name a type (order.placed) or a family (order.*)",
                code="invalid_types",
            )
    return tuple(kept)


def _time(name: str, value: datetime | str | None) -> datetime | None:
    """A time already parsed at the edge (a datetime), or text to parse (an MCP argument)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        return parse_instant(value)
    except ValueError as error:
        raise Unprocessable(
            f"{name}: an ISO-8601 time with a zone ({error})", code="invalid_time"
        ) from None
