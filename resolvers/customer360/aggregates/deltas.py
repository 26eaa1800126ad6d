"""What one event adds to an aggregate, written as a small state to merge in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from resolvers.customer360.event_schemas import family_of
from resolvers.customer360.event_values import Delta
from resolvers.customer360.families import BUILDERS
from resolvers.timestamps import stamp

if TYPE_CHECKING:
    from resolvers.customer360.events import Event


def delta_of(event: Event) -> Delta:
    """The state of an aggregate that holds this one event."""
    at, eid = stamp(event.occurred_at), event.id
    family = family_of(event.type)
    delta: Delta = {
        "first_at": at,
        "last_at": at,
        "family_first": {family: at},
        "family_last": {family: at},
        "sources": {event.source: at},
    }
    if family == "custom":
        delta["custom"] = {event.type: 1}
        return delta
    delta["counts"] = {event.type: 1}
    prefix, _, verb = event.type.partition(".")
    builder = BUILDERS.get(prefix)
    if builder is not None:
        builder(delta, verb, event.data, at, eid, event.source)
    return delta
