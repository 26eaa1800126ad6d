"""Event aggregates: a mergeable summary of one identifier's events, stored as compact JSON.

The service folds each event once into its anchor identifier's aggregate and, at read time,
merges the aggregates of a customer's identifiers. Folding is order-independent and merging
is commutative and associative (below the caps documented in ``state``), so a customer's
summary is the same whatever order its events arrived in and however they were split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from resolvers.customer360.aggregates import views
from resolvers.customer360.aggregates.deltas import delta_of
from resolvers.customer360.aggregates.state import SCHEMA, VERSION, merge_state, trim

if TYPE_CHECKING:
    from resolvers.customer360.events import Event


class EventAggregate:
    """What the events of one identifier add up to; merged across a customer's identifiers."""

    __slots__ = ("_state",)

    def __init__(self) -> None:
        self._state: dict[str, Any] = {"v": VERSION}

    def fold(self, event: Event) -> None:
        """Add one event (the caller folds each event id once)."""
        merge_state(self._state, delta_of(event))
        trim(self._state)

    def merge(self, other: EventAggregate) -> EventAggregate:
        """A new aggregate holding the events of both."""
        merged = EventAggregate()
        merged._state = merge_state(_clone(self._state), _clone(other._state))
        trim(merged._state)
        return merged

    @classmethod
    def combine(cls, aggregates: Iterable[EventAggregate]) -> EventAggregate:
        """The merge of any number of aggregates (none: an empty one)."""
        state: dict[str, Any] = {"v": VERSION}
        for aggregate in aggregates:
            state = merge_state(state, _clone(aggregate._state))
        combined = cls()
        trim(state)
        combined._state = state
        return combined

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy, keys sorted."""
        copy: dict[str, Any] = orjson.loads(orjson.dumps(self._state, option=orjson.OPT_SORT_KEYS))
        return copy

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> EventAggregate:
        """The inverse of to_json; ValueError for another format version (rebuild from events)."""
        if document.get("v") != VERSION:
            raise ValueError(f"event aggregate format {document.get('v')!r}, expected {VERSION}")
        unknown = set(document) - set(SCHEMA)
        if unknown:
            raise ValueError(f"unknown event aggregate part(s): {', '.join(sorted(unknown))}")
        aggregate = cls()
        aggregate._state = _clone(dict(document))
        return aggregate

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventAggregate):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]  # mutable: folding changes it

    def __repr__(self) -> str:
        return f"EventAggregate({self._state.get('counts', {})!r})"

    @property
    def empty(self) -> bool:
        """Whether no event was folded in."""
        return "last_at" not in self._state

    def activity(self) -> views.Activity:
        """Counts and times of all events, by type, family and source."""
        return views.activity(self._state)

    def orders(self) -> views.OrderTotals:
        """Orders, revenue net of refunds, spend by category."""
        return views.orders(self._state)

    def marketing(self) -> views.Marketing:
        """Campaign engagement and unsubscribes."""
        return views.marketing(self._state)

    def behaviour(self) -> views.Behaviour:
        """Browsing, cart and wishlist."""
        return views.behaviour(self._state)

    def products(self) -> list[views.Product]:
        """Products registered for warranty."""
        return views.products(self._state)

    def claims(self) -> list[views.Claim]:
        """Warranty claims at their latest state."""
        return views.claims(self._state)

    def bookings(self) -> tuple[list[views.Booking], dict[str, int]]:
        """Bookings at their latest status, and statuses of evicted old ones."""
        return views.bookings(self._state)

    def conversations(self) -> views.Conversations:
        """Recent conversations, topics and sentiments."""
        return views.conversations(self._state)

    def loyalty(self) -> views.Loyalty:
        """Points, balance, tier and vouchers."""
        return views.loyalty(self._state)

    def consents(self) -> list[views.Consent]:
        """The latest consent decision per channel and purpose."""
        return views.consents(self._state)


def _clone(state: Mapping[str, Any]) -> dict[str, Any]:
    copy: dict[str, Any] = orjson.loads(orjson.dumps(state))
    return copy
