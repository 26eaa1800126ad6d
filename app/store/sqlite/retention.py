"""Pruning old history in the SQLite store (mixed into its transaction handle)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from app.store.codec import decode_json, encode_time
from app.store.webhooks import PENDING


class SqliteRetention:
    """Bounded deletes of the oldest feed changes, deliveries and membership history."""

    conn: sqlite3.Connection

    def first_change(self) -> int:
        return int(self.conn.execute("SELECT coalesce(min(seq), 0) FROM changes").fetchone()[0])

    def prune_changes(self, upto: int, before: datetime, limit: int) -> int:
        rows = self.conn.execute(
            "SELECT seq, customer_ids FROM changes WHERE seq <= ? AND at < ? ORDER BY seq LIMIT ?",
            (upto, encode_time(before), limit),
        ).fetchall()
        self.conn.executemany(
            "DELETE FROM change_customers WHERE customer_id = ? AND change = ?",
            [(cid, seq) for seq, ids in rows for cid in set(decode_json(ids))],
        )
        self.conn.executemany("DELETE FROM changes WHERE seq = ?", [(seq,) for seq, _ in rows])
        return len(rows)

    def prune_deliveries(self, before: datetime, limit: int) -> int:
        cursor = self.conn.execute(
            "DELETE FROM webhook_deliveries WHERE id IN ("
            "  SELECT id FROM webhook_deliveries WHERE state != ? AND created_at < ? LIMIT ?"
            ")",
            (PENDING, encode_time(before), limit),
        )
        return cursor.rowcount

    def prune_membership_history(self, before: datetime, limit: int) -> int:
        cursor = self.conn.execute(
            "DELETE FROM segment_history WHERE seq IN ("
            "  SELECT seq FROM segment_history WHERE at < ? ORDER BY seq LIMIT ?"
            ")",
            (encode_time(before), limit),
        )
        return cursor.rowcount
