"""Webhook tables of the SQLite store (mixed into its transaction handle)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.webhooks import PENDING, Delivery, EndpointRecord

_ENDPOINT = (
    "id, url, secret, types, segments, marketing, active, disabled_reason, created_at, after_seq"
)
_DELIVERY = (
    "id, endpoint_id, seq, customer_id, type, body, state, attempts, next_at, created_at, "
    "last_status, last_error, delivered_at"
)


def _delivery(r: Any) -> Delivery:
    return Delivery(
        r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], decode_time(r[8]), decode_time(r[9]),
        r[10], r[11], decode_time(r[12]) if r[12] else None,
    )  # fmt: skip


def _row(d: Delivery) -> tuple[Any, ...]:
    return (
        d.id, d.endpoint_id, d.seq, d.customer_id, d.type, d.body, d.state, d.attempts,
        encode_time(d.next_at), encode_time(d.created_at), d.last_status, d.last_error,
        encode_time(d.delivered_at) if d.delivered_at else None,
    )  # fmt: skip


class SqliteWebhooks:
    """Webhook reads and writes over the handle's connection."""

    conn: sqlite3.Connection

    def endpoint_records(self) -> list[EndpointRecord]:
        rows = self.conn.execute(f"SELECT {_ENDPOINT} FROM webhook_endpoints ORDER BY id")
        return [
            EndpointRecord(
                r[0],
                r[1],
                r[2],
                tuple(decode_json(r[3])),
                tuple(decode_json(r[4])),
                bool(r[5]),
                bool(r[6]),
                r[7],
                decode_time(r[8]),
                r[9],
            )
            for r in rows
        ]

    def pending_deliveries(self, limit: int) -> list[Delivery]:
        rows = self.conn.execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE state = ? "
            "ORDER BY seq, endpoint_id LIMIT ?",
            (PENDING, limit),
        )
        return [_delivery(r) for r in rows]

    def deliveries_of(self, endpoint_id: str, limit: int, state: str | None) -> list[Delivery]:
        rows = self.conn.execute(
            f"SELECT {_DELIVERY} FROM webhook_deliveries WHERE endpoint_id = ? "
            "AND (? IS NULL OR state = ?) ORDER BY seq DESC LIMIT ?",
            (endpoint_id, state, state, limit),
        )
        return [_delivery(r) for r in rows]

    def put_endpoint(self, record: EndpointRecord) -> None:
        self.conn.execute(
            f"INSERT OR REPLACE INTO webhook_endpoints ({_ENDPOINT}) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                record.id, record.url, record.secret, encode_json(list(record.types)),
                encode_json(list(record.segments)), int(record.marketing), int(record.active),
                record.disabled_reason, encode_time(record.created_at), record.after_seq,
            ),
        )  # fmt: skip

    def delete_endpoint(self, endpoint_id: str) -> bool:
        gone = self.conn.execute("DELETE FROM webhook_endpoints WHERE id = ?", (endpoint_id,))
        self.conn.execute("DELETE FROM webhook_deliveries WHERE endpoint_id = ?", (endpoint_id,))
        return gone.rowcount > 0

    def add_deliveries(self, deliveries: Collection[Delivery]) -> None:
        self.conn.executemany(
            f"INSERT OR IGNORE INTO webhook_deliveries ({_DELIVERY}) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [_row(d) for d in deliveries],
        )

    def update_deliveries(self, deliveries: Collection[Delivery]) -> None:
        self.conn.executemany(
            "UPDATE webhook_deliveries SET state = ?, attempts = ?, next_at = ?, "
            "last_status = ?, last_error = ?, delivered_at = ? WHERE id = ?",
            [
                (
                    d.state,
                    d.attempts,
                    encode_time(d.next_at),
                    d.last_status,
                    d.last_error,
                    encode_time(d.delivered_at) if d.delivered_at else None,
                    d.id,
                )
                for d in deliveries
            ],
        )
