"""Pruning old history in the Neo4j store (mixed into its transaction handle)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.store.codec import encode_time
from app.store.neo4j.queries import Query
from app.store.webhooks import PENDING


class Neo4jRetention:
    """Bounded deletes of the oldest feed changes, deliveries and membership history."""

    if TYPE_CHECKING:  # the plumbing of Neo4jGraph, which mixes this class in

        def fetch(self, query: Query, **params: Any) -> list[dict[str, Any]]: ...

    def first_change(self) -> int:
        rows = self.fetch(Query.READ_FIRST_CHANGE)
        return int(rows[0]["seq"]) if rows else 0

    def prune_changes(self, upto: int, before: datetime, limit: int) -> int:
        return self._deleted(
            Query.PRUNE_CHANGES, upto=upto, before=encode_time(before), limit=limit
        )

    def prune_deliveries(self, before: datetime, limit: int) -> int:
        return self._deleted(
            Query.PRUNE_DELIVERIES, before=encode_time(before), pending=PENDING, limit=limit
        )

    def prune_membership_history(self, before: datetime, limit: int) -> int:
        return self._deleted(
            Query.PRUNE_MEMBERSHIP_HISTORY, before=encode_time(before), limit=limit
        )

    def _deleted(self, query: Query, **params: Any) -> int:
        rows = self.fetch(query, **params)
        return int(rows[0]["deleted"]) if rows else 0
