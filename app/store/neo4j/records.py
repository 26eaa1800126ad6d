"""Records of the identity graph to and from node and relationship properties.

Properties are primitives: maps and lists become JSON text, times fixed-width UTC strings.
A ``None`` removes the property on ``SET n += props``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.protocol import ApiKeyRecord, AuditRecord, ReviewLabel, StoredObservation
from resolvers.customer360.events import Event
from resolvers.customer360.feed import Change, ChangeRecord, Topic
from resolvers.identity.changes import AuditEntry, Observation
from resolvers.identity.evidence import (
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
)
from resolvers.identity.policy import Role
from resolvers.identity.resolution import awaits_review

Row = Mapping[str, Any]


def _time(value: datetime | None) -> str | None:
    return encode_time(value) if value is not None else None


def _untime(text: str | None) -> datetime | None:
    return decode_time(text) if text else None


def _traits(text: str) -> dict[str, tuple[str, ...]]:
    return {k: tuple(v) for k, v in decode_json(text).items()}


def identifier_props(state: IdentifierState) -> dict[str, Any]:
    """Every property of an identifier node but its key."""
    return {
        "kind": state.kind,
        "customer_id": state.customer_id,
        "status": state.status.value,
        "status_reason": state.status_reason,
        "first_seen_at": encode_time(state.first_seen_at),
        "last_seen_at": encode_time(state.last_seen_at),
        "neighbours": encode_json(state.neighbours),
        "traits": encode_json(state.traits),
        "variant": state.variant,
        "role": state.role.value,
        "per_person": state.per_person,
        "persons": encode_json(state.persons),
    }


def identifier_of(row: Row) -> IdentifierState:
    """An identifier state from its node's properties."""
    return IdentifierState(
        key=row["key"],
        kind=row["kind"],
        customer_id=row.get("customer_id"),
        status=Status(row["status"]),
        status_reason=row.get("status_reason"),
        first_seen_at=decode_time(row["first_seen_at"]),
        last_seen_at=decode_time(row["last_seen_at"]),
        neighbours=decode_json(row["neighbours"]),
        traits=_traits(row["traits"]),
        variant=row.get("variant") or "",
        role=Role(row["role"]),
        per_person=bool(row["per_person"]),
        persons=decode_json(row["persons"]),
    )


def link_props(link: LinkRecord) -> dict[str, Any]:
    """Every property of a LINK relationship."""
    return {
        "state": link.state.value,
        "reason": link.reason,
        "conflict": awaits_review(link.state, link.reason),
        "count": link.count,
        "first_seen_at": encode_time(link.first_seen_at),
        "last_seen_at": encode_time(link.last_seen_at),
        "sources": encode_json(list(link.sources)),
        "observations": encode_json([[encode_time(t), i] for t, i in link.observations]),
        "decided_by": link.decided_by,
        "decided_at": _time(link.decided_at),
    }


def link_of(a: str, b: str, row: Row) -> LinkRecord:
    """A link from its ends' keys and its relationship's properties."""
    return LinkRecord(
        a=a,
        b=b,
        state=LinkState(row["state"]),
        reason=row.get("reason"),
        count=row["count"],
        first_seen_at=decode_time(row["first_seen_at"]),
        last_seen_at=decode_time(row["last_seen_at"]),
        sources=tuple(decode_json(row["sources"])),
        observations=tuple((decode_time(t), i) for t, i in decode_json(row["observations"])),
        decided_by=row.get("decided_by"),
        decided_at=_untime(row.get("decided_at")),
    )


def customer_row(customer: CustomerState, at: datetime) -> dict[str, Any]:
    """A customer upsert row: its id, its creation time, and the properties it overwrites."""
    return {
        "id": customer.id,
        "created_at": encode_time(customer.created_at or at),
        "props": {
            "anchor_key": customer.anchor_key,
            "anchor_first_seen_at": encode_time(customer.anchor_first_seen_at),
            "size": customer.size,
            "kind_counts": encode_json(customer.kind_counts),
            "allowance": encode_json(customer.allowance),
            "conflicts": customer.conflicts,
            "linking": customer.linking,
            "traits": encode_json(customer.traits),
            "updated_at": encode_time(customer.updated_at or at),
        },
    }


def customer_of(row: Row) -> CustomerState:
    """A customer state from its node's properties."""
    return CustomerState(
        id=row["id"],
        anchor_key=row["anchor_key"],
        anchor_first_seen_at=decode_time(row["anchor_first_seen_at"]),
        size=row["size"],
        kind_counts=decode_json(row["kind_counts"]),
        allowance=decode_json(row["allowance"]),
        conflicts=row["conflicts"],
        linking=row["linking"],
        traits=_traits(row.get("traits") or "{}"),
        created_at=decode_time(row["created_at"]),
        updated_at=decode_time(row["updated_at"]),
    )


def observation_row(obs: Observation, received_at: datetime) -> dict[str, Any]:
    """An observation node's row, with the distinct keys it carries."""
    ignored = [[i.index, i.kind, i.reason] for i in obs.ignored]
    return {
        "id": obs.id,
        "keys": list(dict.fromkeys(obs.keys)),
        "props": {
            "source": obs.source,
            "observed_at": encode_time(obs.observed_at),
            "received_at": encode_time(received_at),
            "body_hash": obs.body_hash,
            "identifiers": encode_json(obs.keys),
            "attributes": encode_json(obs.attributes),
            "ignored": encode_json(ignored) if ignored else None,
        },
    }


def stored_observation_of(row: Row) -> StoredObservation:
    """A stored observation from its node's properties."""
    return StoredObservation(
        id=row["id"],
        source=row["source"],
        observed_at=decode_time(row["observed_at"]),
        received_at=decode_time(row["received_at"]),
        identifiers=tuple(decode_json(row["identifiers"])),
        attributes=decode_json(row["attributes"]),
    )


def audit_row(seq: int, entry: AuditEntry) -> dict[str, Any]:
    """An audit entry's row, with the distinct customers it names (for its references)."""
    return {
        "seq": seq,
        "customer_ids": sorted(set(entry.customer_ids)),
        "props": {
            "at": encode_time(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "reason": entry.reason,
            "customer_ids": encode_json(list(entry.customer_ids)),
            "before": encode_json(entry.before),
            "after": encode_json(entry.after),
        },
    }


def audit_of(row: Row) -> AuditRecord:
    """An audit record from its node's properties."""
    return AuditRecord(
        seq=row["seq"],
        entry=AuditEntry(
            at=decode_time(row["at"]),
            actor=row["actor"],
            action=row["action"],
            reason=row["reason"],
            customer_ids=tuple(decode_json(row["customer_ids"])),
            before=decode_json(row["before"]),
            after=decode_json(row["after"]),
        ),
    )


def change_row(seq: int, change: Change) -> dict[str, Any]:
    """A change of the feed as a row, with the distinct customers it names."""
    return {
        "seq": seq,
        "customer_ids": sorted(set(change.customer_ids)),
        "props": {
            "at": encode_time(change.at),
            "type": change.type,
            "topic": change.topic.value,
            "customer_ids": encode_json(list(change.customer_ids)),
            "data": encode_json(change.data),
        },
    }


def change_of(row: Row) -> ChangeRecord:
    """A change record from its node's properties."""
    return ChangeRecord(
        seq=row["seq"],
        change=Change(
            type=row["type"],
            topic=Topic(row["topic"]),
            at=decode_time(row["at"]),
            customer_ids=tuple(decode_json(row["customer_ids"])),
            data=decode_json(row["data"]),
        ),
    )


def event_row(event: Event, anchor: str, received_at: datetime) -> dict[str, Any]:
    """An event node's row."""
    return {
        "id": event.id,
        "props": {
            "type": event.type,
            "occurred_at": encode_time(event.occurred_at),
            "received_at": encode_time(received_at),
            "source": event.source,
            "anchor": anchor,
            "identifiers": encode_json(list(event.identifiers)),
            "data": encode_json(event.data),
            "body_hash": event.body_hash,
        },
    }


def event_of(row: Row) -> Event:
    """An event from its node's properties."""
    return Event(
        id=row["id"],
        type=row["type"],
        occurred_at=decode_time(row["occurred_at"]),
        source=row["source"],
        identifiers=tuple(decode_json(row["identifiers"])),
        data=decode_json(row["data"]),
        body_hash=row["body_hash"],
        anchor=row["anchor"],
    )


def api_key_props(record: ApiKeyRecord) -> dict[str, Any]:
    """Every property of an API key node but its id (a new key is never revoked)."""
    return {
        "name": record.name,
        "prefix": record.prefix,
        "digest": record.digest,
        "scopes": encode_json(list(record.scopes)),
        "created_at": encode_time(record.created_at),
    }


def api_key_of(row: Row) -> ApiKeyRecord:
    """An API key record from its node's properties."""
    return ApiKeyRecord(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        digest=row["digest"],
        scopes=tuple(decode_json(row["scopes"])),
        created_at=decode_time(row["created_at"]),
        revoked_at=_untime(row.get("revoked_at")),
    )


def review_props(label: ReviewLabel) -> dict[str, Any]:
    """A review label's node properties (its number is set by the caller)."""
    return {
        "a": label.a,
        "b": label.b,
        "decision": label.decision,
        "reason": label.reason,
        "actor": label.actor,
        "at": encode_time(label.at),
    }


def review_label_of(row: Row) -> ReviewLabel:
    """A review label from its node's properties."""
    return ReviewLabel(
        a=row["a"],
        b=row["b"],
        decision=row["decision"],
        reason=row["reason"],
        actor=row["actor"],
        at=decode_time(row["at"]),
    )
