"""What the stores do to keep history bounded: the change feed, settled webhook deliveries and
segment membership history, pruned oldest first in bounded steps."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class RetentionReads(Protocol):
    """Where the kept feed begins."""

    def first_change(self) -> int:
        """The sequence number of the oldest change still kept (0 when the feed is empty)."""
        ...


class RetentionWrites(RetentionReads, Protocol):
    """Deletes of old history inside one transaction, each at most ``limit`` rows."""

    def prune_changes(self, upto: int, before: datetime, limit: int) -> int:
        """Delete the oldest changes numbered ``upto`` or less and committed before ``before``
        (with the per-customer references to them); how many were deleted."""
        ...

    def prune_deliveries(self, before: datetime, limit: int) -> int:
        """Delete settled webhook deliveries (delivered or failed, never pending) created before
        ``before``; how many were deleted."""
        ...

    def prune_membership_history(self, before: datetime, limit: int) -> int:
        """Delete segment entries and exits recorded before ``before``; how many."""
        ...
