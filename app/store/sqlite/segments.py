"""Segment tables of the SQLite store (mixed into its transaction handle)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import datetime

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.segments import Membership, MembershipChange, MembershipDelta, SegmentRecord


class SqliteSegments:
    """Segment reads and writes over the handle's connection."""

    conn: sqlite3.Connection

    def segment_records(self) -> list[SegmentRecord]:
        rows = self.conn.execute(
            "SELECT id, name, description, condition, created_at, updated_at "
            "FROM segments ORDER BY id"
        )
        return [
            SegmentRecord(r[0], r[1], r[2], decode_json(r[3]), decode_time(r[4]), decode_time(r[5]))
            for r in rows
        ]

    def segment_members(self, segment_id: str, after: str, limit: int) -> list[Membership]:
        rows = self.conn.execute(
            "SELECT segment_id, customer_id, since, why FROM segment_members "
            "WHERE segment_id = ? AND customer_id > ? ORDER BY customer_id LIMIT ?",
            (segment_id, after, limit),
        )
        return [Membership(r[0], r[1], decode_time(r[2]), decode_json(r[3])) for r in rows]

    def customer_memberships(self, customer_ids: Collection[str]) -> list[Membership]:
        if not customer_ids:
            return []
        rows = self.conn.execute(
            "SELECT segment_id, customer_id, since, why FROM segment_members "
            "WHERE customer_id IN (SELECT value FROM json_each(?)) "
            "ORDER BY customer_id, segment_id",
            (encode_json(sorted(set(customer_ids))),),
        )
        return [Membership(r[0], r[1], decode_time(r[2]), decode_json(r[3])) for r in rows]

    def membership_history(
        self, customer_ids: Collection[str], limit: int
    ) -> list[MembershipChange]:
        if not customer_ids:
            return []
        rows = self.conn.execute(
            "SELECT segment_id, customer_id, at, entered, cause FROM segment_history "
            "WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY seq DESC LIMIT ?",
            (encode_json(sorted(set(customer_ids))), limit),
        )
        return [
            MembershipChange(r[0], r[1], decode_time(r[2]), bool(r[3]), decode_json(r[4]))
            for r in rows
        ]

    def rechecks_due(self, at: datetime, limit: int) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT segment_id, customer_id FROM segment_rechecks WHERE due_at <= ? "
            "ORDER BY due_at, segment_id, customer_id LIMIT ?",
            (encode_time(at), limit),
        )
        return [(r[0], r[1]) for r in rows]

    def put_segment(self, record: SegmentRecord) -> None:
        self.conn.execute(
            "INSERT INTO segments (id, name, description, condition, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "description = excluded.description, condition = excluded.condition, "
            "updated_at = excluded.updated_at",
            (
                record.id,
                record.name,
                record.description,
                encode_json(record.condition),
                encode_time(record.created_at),
                encode_time(record.updated_at),
            ),
        )

    def delete_segment(self, segment_id: str) -> bool:
        gone = self.conn.execute("DELETE FROM segments WHERE id = ?", (segment_id,)).rowcount
        self.conn.execute("DELETE FROM segment_members WHERE segment_id = ?", (segment_id,))
        self.conn.execute("DELETE FROM segment_rechecks WHERE segment_id = ?", (segment_id,))
        return gone > 0

    def write_memberships(self, delta: MembershipDelta) -> None:
        self.conn.executemany(
            "DELETE FROM segment_members WHERE segment_id = ? AND customer_id = ?", delta.remove
        )
        self.conn.executemany(
            "INSERT INTO segment_members (segment_id, customer_id, since, why) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (segment_id, customer_id) "
            "DO UPDATE SET why = excluded.why",
            [
                (m.segment_id, m.customer_id, encode_time(m.since), encode_json(m.why))
                for m in delta.upsert
            ],
        )
        self.conn.executemany(
            "INSERT INTO segment_history (segment_id, customer_id, at, entered, cause) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    h.segment_id,
                    h.customer_id,
                    encode_time(h.at),
                    int(h.entered),
                    encode_json(h.cause),
                )
                for h in delta.history
            ],
        )
        due = [(s, c, encode_time(at)) for (s, c), at in delta.recheck.items() if at is not None]
        gone = [(s, c) for (s, c), at in delta.recheck.items() if at is None]
        self.conn.executemany(
            "DELETE FROM segment_rechecks WHERE segment_id = ? AND customer_id = ?", gone
        )
        self.conn.executemany(
            "INSERT INTO segment_rechecks (segment_id, customer_id, due_at) VALUES (?, ?, ?) "
            "ON CONFLICT (segment_id, customer_id) DO UPDATE SET due_at = excluded.due_at",
            due,
        )

    def cursor_of(self, name: str) -> int:
        row = self.conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def take_cursor(self, name: str) -> int:
        # the write transaction (BEGIN IMMEDIATE) already holds the database's write lock
        row = self.conn.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return 0 if row is None else int(row[0])

    def set_cursor(self, name: str, seq: int) -> None:
        self.conn.execute(
            "INSERT INTO cursors (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, seq),
        )
