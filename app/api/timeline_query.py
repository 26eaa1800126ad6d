"""A timeline query as clients write it (cursor text, type names, ISO times), made typed.

Shared by the REST route and the MCP tool, so both read a query the same way and refuse the
same mistakes with the same errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from app.api import cursors
from app.errors import Unprocessable
from app.schemas import parse_time
from app.services.profiles import TimelineQuery
from resolvers.customer360.event_schemas import is_type_filter


def timeline_query(
    *,
    limit: int,
    cursor: str | None,
    types: Sequence[str],
    since: str | None,
    until: str | None,
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
    """Event types or families (``order.*``) to keep; an unknown name is a 422."""
    kept = [n.strip() for n in names if n.strip()]
    for name in kept:
        if not is_type_filter(name):
            raise Unprocessable(
                f"unknown event type {name!r}: name a type (order.placed) or a family (order.*)",
                code="invalid_types",
            )
    return tuple(kept)


def _time(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as error:
        raise Unprocessable(
            f"{name}: an ISO-8601 time with a zone ({error})", code="invalid_time"
        ) from None
