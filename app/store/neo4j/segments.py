"""Segment nodes of the Neo4j store (mixed into its transaction handle).

Maps and lists are JSON strings and times fixed-width UTC strings, as everywhere in this
store; a membership and a re-check are keyed ``segment_id|customer_id``.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.neo4j.queries import Query
from app.store.segments import Membership, MembershipChange, MembershipDelta, SegmentRecord

HISTORY_COUNTER = "segment_history"


def _key(segment_id: str, customer_id: str) -> str:
    return f"{segment_id}|{customer_id}"


def _membership(row: dict[str, Any]) -> Membership:
    return Membership(
        row["segment_id"], row["customer_id"], decode_time(row["since"]), decode_json(row["why"])
    )


class Neo4jSegments:
    """Segment reads and writes through the handle's named queries."""

    if TYPE_CHECKING:  # the plumbing of Neo4jGraph, which mixes this class in

        def fetch(self, query: Query, **params: Any) -> list[dict[str, Any]]: ...

        def execute(self, query: Query, **params: Any) -> None: ...

    def segment_records(self) -> list[SegmentRecord]:
        return [
            SegmentRecord(
                s["id"],
                s["name"],
                s["description"],
                decode_json(s["condition"]),
                decode_time(s["created_at"]),
                decode_time(s["updated_at"]),
            )
            for s in (row["segment"] for row in self.fetch(Query.READ_SEGMENTS))
        ]

    def segment_members(self, segment_id: str, after: str, limit: int) -> list[Membership]:
        rows = self.fetch(
            Query.READ_SEGMENT_MEMBERS, segment_id=segment_id, after=after, limit=limit
        )
        return [_membership(row["membership"]) for row in rows]

    def customer_memberships(self, customer_ids: Collection[str]) -> list[Membership]:
        if not customer_ids:
            return []
        rows = self.fetch(Query.READ_CUSTOMER_MEMBERSHIPS, ids=sorted(set(customer_ids)))
        found = [_membership(row["membership"]) for row in rows]
        return sorted(found, key=lambda m: (m.customer_id, m.segment_id))

    def membership_history(
        self, customer_ids: Collection[str], limit: int
    ) -> list[MembershipChange]:
        if not customer_ids:
            return []
        rows = self.fetch(Query.READ_MEMBERSHIP_HISTORY, ids=sorted(set(customer_ids)), limit=limit)
        found = sorted((row["change"] for row in rows), key=lambda h: -int(h["seq"]))
        return [
            MembershipChange(
                h["segment_id"],
                h["customer_id"],
                decode_time(h["at"]),
                bool(h["entered"]),
                decode_json(h["cause"]),
            )
            for h in found[:limit]
        ]

    def rechecks_due(self, at: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self.fetch(Query.READ_RECHECKS_DUE, at=encode_time(at), limit=limit)
        ordered = sorted(rows, key=lambda r: (r["due_at"], r["segment_id"], r["customer_id"]))
        return [(r["segment_id"], r["customer_id"]) for r in ordered]

    def put_segment(self, record: SegmentRecord) -> None:
        self.execute(
            Query.UPSERT_SEGMENT,
            id=record.id,
            name=record.name,
            description=record.description,
            condition=encode_json(record.condition),
            created_at=encode_time(record.created_at),
            updated_at=encode_time(record.updated_at),
        )

    def delete_segment(self, segment_id: str) -> bool:
        rows = self.fetch(Query.DELETE_SEGMENT, id=segment_id)
        return bool(rows and rows[0]["found"])

    def write_memberships(self, delta: MembershipDelta) -> None:
        if delta.remove:
            self.execute(Query.DELETE_MEMBERSHIPS, keys=sorted(_key(s, c) for s, c in delta.remove))
        if delta.upsert:
            rows = [
                {
                    "key": _key(m.segment_id, m.customer_id),
                    "segment_id": m.segment_id,
                    "customer_id": m.customer_id,
                    "since": encode_time(m.since),
                    "why": encode_json(m.why),
                }
                for m in delta.upsert
            ]
            self.execute(Query.UPSERT_MEMBERSHIPS, rows=sorted(rows, key=lambda r: r["key"]))
        if delta.history:
            n = len(delta.history)
            last = int(self.fetch(Query.NEXT_SEQUENCE, name=HISTORY_COUNTER, n=n)[0]["value"])
            self.execute(
                Query.CREATE_MEMBERSHIP_HISTORY,
                rows=[
                    {
                        "seq": last - n + 1 + i,
                        "segment_id": h.segment_id,
                        "customer_id": h.customer_id,
                        "at": encode_time(h.at),
                        "entered": h.entered,
                        "cause": encode_json(h.cause),
                    }
                    for i, h in enumerate(delta.history)
                ],
            )
        gone = sorted(_key(s, c) for (s, c), at in delta.recheck.items() if at is None)
        if gone:
            self.execute(Query.DELETE_RECHECKS, keys=gone)
        due = [
            {"key": _key(s, c), "segment_id": s, "customer_id": c, "due_at": encode_time(at)}
            for (s, c), at in sorted(delta.recheck.items())
            if at is not None
        ]
        if due:
            self.execute(Query.UPSERT_RECHECKS, rows=due)

    def cursor_of(self, name: str) -> int:
        rows = self.fetch(Query.READ_CURSOR, name=name)
        return int(rows[0]["value"]) if rows else 0

    def take_cursor(self, name: str) -> int:
        return int(self.fetch(Query.LOCK_CURSOR, name=name)[0]["value"])

    def set_cursor(self, name: str, seq: int) -> None:
        self.execute(Query.UPSERT_CURSOR, name=name, value=seq)
