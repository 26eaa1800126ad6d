"""Webhook nodes of the Neo4j store (mixed into its transaction handle)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.neo4j.queries import Query
from app.store.webhooks import PENDING, Delivery, EndpointRecord


def _delivery(d: dict[str, Any]) -> Delivery:
    return Delivery(
        id=d["id"],
        endpoint_id=d["endpoint_id"],
        seq=int(d["seq"]),
        customer_id=d["customer_id"],
        type=d["type"],
        body=d["body"],
        state=d["state"],
        attempts=int(d["attempts"]),
        next_at=decode_time(d["next_at"]),
        created_at=decode_time(d["created_at"]),
        last_status=d.get("last_status"),
        last_error=d.get("last_error") or "",
        delivered_at=decode_time(d["delivered_at"]) if d.get("delivered_at") else None,
    )


def _row(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.id,
        "endpoint_id": d.endpoint_id,
        "seq": d.seq,
        "customer_id": d.customer_id,
        "type": d.type,
        "body": d.body,
        "state": d.state,
        "attempts": d.attempts,
        "next_at": encode_time(d.next_at),
        "created_at": encode_time(d.created_at),
        "last_status": d.last_status,
        "last_error": d.last_error,
        "delivered_at": encode_time(d.delivered_at) if d.delivered_at else None,
    }


class Neo4jWebhooks:
    """Webhook reads and writes through the handle's named queries."""

    if TYPE_CHECKING:  # the plumbing of Neo4jGraph, which mixes this class in

        def fetch(self, query: Query, **params: Any) -> list[dict[str, Any]]: ...

        def execute(self, query: Query, **params: Any) -> None: ...

    def endpoint_records(self) -> list[EndpointRecord]:
        out = []
        for row in self.fetch(Query.READ_WEBHOOK_ENDPOINTS):
            e = row["endpoint"]
            out.append(
                EndpointRecord(
                    e["id"],
                    e["url"],
                    e["secret"],
                    tuple(decode_json(e["types"])),
                    tuple(decode_json(e["segments"])),
                    bool(e["marketing"]),
                    bool(e["active"]),
                    e["disabled_reason"],
                    decode_time(e["created_at"]),
                    e.get("after_seq"),
                )
            )
        return sorted(out, key=lambda e: e.id)

    def pending_deliveries(self, limit: int) -> list[Delivery]:
        rows = self.fetch(Query.READ_PENDING_DELIVERIES, state=PENDING, limit=limit)
        return sorted(
            (_delivery(r["delivery"]) for r in rows), key=lambda d: (d.seq, d.endpoint_id)
        )

    def deliveries_of(self, endpoint_id: str, limit: int, state: str | None) -> list[Delivery]:
        rows = self.fetch(
            Query.READ_DELIVERIES_OF, endpoint_id=endpoint_id, state=state, limit=limit
        )
        return sorted((_delivery(r["delivery"]) for r in rows), key=lambda d: -d.seq)

    def put_endpoint(self, record: EndpointRecord) -> None:
        props = {
            "url": record.url,
            "secret": record.secret,
            "types": encode_json(list(record.types)),
            "segments": encode_json(list(record.segments)),
            "marketing": record.marketing,
            "active": record.active,
            "disabled_reason": record.disabled_reason,
            "created_at": encode_time(record.created_at),
            "after_seq": record.after_seq,
        }
        self.execute(Query.UPSERT_WEBHOOK_ENDPOINT, id=record.id, props=props)

    def delete_endpoint(self, endpoint_id: str) -> bool:
        rows = self.fetch(Query.DELETE_WEBHOOK_ENDPOINT, id=endpoint_id)
        return bool(rows and rows[0]["found"])

    def add_deliveries(self, deliveries: Collection[Delivery]) -> None:
        if deliveries:
            rows = sorted((_row(d) for d in deliveries), key=lambda r: r["id"])
            self.execute(Query.CREATE_DELIVERIES, rows=rows)

    def update_deliveries(self, deliveries: Collection[Delivery]) -> None:
        if deliveries:
            rows = sorted((_row(d) for d in deliveries), key=lambda r: r["id"])
            self.execute(Query.UPDATE_DELIVERIES, rows=rows)
