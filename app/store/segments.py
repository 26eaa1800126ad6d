"""What the stores keep for segments: definitions, materialised memberships, their history,
when a membership must be looked at again, and the cursors of feed followers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class SegmentRecord:
    """A segment as stored: its condition as the JSON tree it was written in."""

    id: str
    name: str
    description: str
    condition: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Membership:
    """A customer in a segment, since when, and the leaf values that decided."""

    segment_id: str
    customer_id: str
    since: datetime
    why: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """A customer entered or exited a segment, and what caused it (event, merge, split…)."""

    segment_id: str
    customer_id: str
    at: datetime
    entered: bool
    cause: Mapping[str, Any]


@dataclass(slots=True)
class MembershipDelta:
    """What one evaluation step writes, in one transaction with the feed and the cursor."""

    upsert: list[Membership] = field(default_factory=list)
    remove: list[tuple[str, str]] = field(default_factory=list)
    history: list[MembershipChange] = field(default_factory=list)
    # (segment, customer) -> when to evaluate again (None: no time-based re-check)
    recheck: dict[tuple[str, str], datetime | None] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.upsert or self.remove or self.history or self.recheck)


class SegmentReads(Protocol):
    """Segment reads inside a transaction."""

    def segment_records(self) -> list[SegmentRecord]:
        """Every segment, in id order."""
        ...

    def segment_members(self, segment_id: str, after: str, limit: int) -> list[Membership]:
        """Members of a segment after a customer id, in customer id order."""
        ...

    def customer_memberships(self, customer_ids: Collection[str]) -> list[Membership]:
        """Every membership of these customers, by (customer, segment)."""
        ...

    def membership_history(
        self, customer_ids: Collection[str], limit: int
    ) -> list[MembershipChange]:
        """Entries and exits of these customers, newest first."""
        ...

    def rechecks_due(self, at: datetime, limit: int) -> list[tuple[str, str]]:
        """(segment, customer) pairs whose re-check time has come, soonest first."""
        ...

    def cursor_of(self, name: str) -> int:
        """A feed follower's position as this snapshot sees it (0 at first), unlocked."""
        ...


class SegmentWrites(SegmentReads, Protocol):
    """Segment writes inside one atomic transaction."""

    def put_segment(self, record: SegmentRecord) -> None:
        """Create or replace a segment."""
        ...

    def delete_segment(self, segment_id: str) -> bool:
        """Delete a segment with its memberships and re-checks (history stays)."""
        ...

    def write_memberships(self, delta: MembershipDelta) -> None:
        """Apply a membership delta."""
        ...

    def take_cursor(self, name: str) -> int:
        """A feed follower's position, locked until the transaction ends (0 at first)."""
        ...

    def set_cursor(self, name: str, seq: int) -> None:
        """Move a feed follower's position."""
        ...
