"""The change feed: what changed for which customers, in commit order.

Every unit of work that changes what a customer looks like appends its changes to the feed in
the same transaction (the transactional outbox). Readers follow it by sequence number: the
live stream of one customer (``GET /v1/customers/{id}/stream``), the webhook dispatcher and
the segment engine. The feed is derived here, from what the unit of work did, so that every
store records the same changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from resolvers.customer360.events import Event
from resolvers.identity.changes import AuditEntry


class Topic(StrEnum):
    """What kind of change, as a live stream names it."""

    TIMELINE = "timeline"
    PROFILE = "profile"
    SEGMENT = "segment"
    MERGED = "merged"
    SPLIT = "split"


CUSTOMER_UPDATED = "customer.updated"
CUSTOMER_MERGED = "customer.merged"
CUSTOMER_SPLIT = "customer.split"
SEGMENT_ENTERED = "segment.entered"
SEGMENT_EXITED = "segment.exited"


@dataclass(frozen=True, slots=True)
class Change:
    """One change in the feed.

    ``type`` is what a webhook subscribes to (``order.placed``, ``customer.merged``…);
    ``topic`` is what a live stream calls it; ``customer_ids`` are the customers it concerns,
    the one it is about first (a merge: the survivor, then the absorbed ids).
    """

    type: str
    topic: Topic
    at: datetime
    customer_ids: tuple[str, ...]
    data: Mapping[str, Any]

    @property
    def customer_id(self) -> str:
        """The customer this change is about."""
        return self.customer_ids[0]


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """A change with its place in the feed."""

    seq: int
    change: Change


# Re-resolution records a customer whose identifiers went apart as ``split`` (several parts),
# ``shrink`` (one part kept, the rest released: a customer losing the identifiers its events
# were anchored on) or ``dissolve`` (no part left). All three change who the customer is, so
# all three are reported, as ``customer.split`` with the parts that remain.
_STRUCTURAL = {
    "merge": Topic.MERGED,
    "split": Topic.SPLIT,
    "shrink": Topic.SPLIT,
    "dissolve": Topic.SPLIT,
}


def of_audit(entries: Iterable[AuditEntry]) -> list[Change]:
    """Merges and splits of customers (a shrink or a dissolve is a split into one part or
    none, named by ``action``), from the audit entries that record them."""
    out: list[Change] = []
    for entry in entries:
        topic = _STRUCTURAL.get(entry.action)
        if topic is None or not entry.customer_ids:
            continue
        after = [c["id"] for c in entry.after.get("customers", []) if isinstance(c, Mapping)]
        if topic is Topic.MERGED:
            survivor, *absorbed = entry.customer_ids
            data: dict[str, Any] = {"customer_id": survivor, "absorbed": absorbed}
            change_type = CUSTOMER_MERGED
        else:
            data = {"customer_id": entry.customer_ids[0], "parts": after}
            if entry.action != "split":
                data["action"] = entry.action
                data["released"] = entry.after.get("released", 0)
            change_type = CUSTOMER_SPLIT
        data["actor"] = entry.actor
        data["reason"] = entry.reason
        out.append(Change(change_type, topic, entry.at, entry.customer_ids, data))
    return out


def of_profiles(
    at: datetime, observations_by_customer: Mapping[str, Sequence[str]], *, actor: str
) -> list[Change]:
    """One ``customer.updated`` per customer whose records were added, in id order."""
    return [
        Change(
            CUSTOMER_UPDATED,
            Topic.PROFILE,
            at,
            (cid,),
            {"customer_id": cid, "observations": sorted(ids), "actor": actor},
        )
        for cid, ids in sorted(observations_by_customer.items())
    ]


def of_steward(
    at: datetime, customer_ids: Iterable[str], *, action: str, actor: str, reason: str
) -> list[Change]:
    """One ``customer.updated`` per live customer a steward action left changed."""
    return [
        Change(
            CUSTOMER_UPDATED,
            Topic.PROFILE,
            at,
            (cid,),
            {"customer_id": cid, "action": action, "actor": actor, "reason": reason},
        )
        for cid in sorted(set(customer_ids))
    ]


def of_events(at: datetime, events: Iterable[tuple[Event, str | None]]) -> list[Change]:
    """A timeline change per recorded event that belongs to a customer, named by its type."""
    return [
        Change(
            event.type,
            Topic.TIMELINE,
            at,
            (customer_id,),
            {
                "customer_id": customer_id,
                "event_id": event.id,
                "type": event.type,
                "occurred_at": event.occurred_at.isoformat(),
                "source": event.source,
                "data": dict(event.data),
            },
        )
        for event, customer_id in events
        if customer_id is not None
    ]


def matches(change_type: str, patterns: Iterable[str]) -> bool:
    """Whether a change type is one of these patterns (``order.*`` covers ``order.placed``)."""
    for pattern in patterns:
        if pattern == change_type or pattern == "*":
            return True
        if pattern.endswith(".*") and change_type.startswith(pattern[:-1]):
            return True
    return False
