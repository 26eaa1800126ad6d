"""Retention: the change feed, settled webhook deliveries and segment history kept bounded.

The feed is the outbox the segment follower and the webhook dispatcher read, and what live
streams resume from. A change is pruned only when it is older than the feed's retention AND
both followers have read past it, so pruning never loses a change a follower still owes; a
live stream that resumes from a pruned place is told so (``reset``). Deliveries are pruned
once settled (delivered or dead-lettered), never while pending. Each step deletes a bounded
number of rows in its own transaction, so pruning a year of history never holds the writer
for long.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.engine import Engine
from app.services import segment_engine, webhooks
from app.services.background import Periodic
from app.settings import Settings
from app.store.protocol import GraphReader, GraphWriter

log = logging.getLogger(__name__)
STEP = 5_000  # rows deleted per transaction
FOLLOWERS = (segment_engine.FOLLOWER, webhooks.FOLLOWER)


@dataclass(frozen=True, slots=True)
class Retention:
    """How long each kind of history is kept, in days; 0 keeps it forever."""

    feed_days: int = 30
    delivery_days: int = 30
    history_days: int = 0

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        """The retention the environment sets (``C360_*_RETENTION_DAYS``)."""
        return cls(
            settings.feed_retention_days,
            settings.delivery_retention_days,
            settings.history_retention_days,
        )

    def cutoff(self, days: int, now: datetime) -> datetime | None:
        """The time before which history of that age goes; None when it is kept forever."""
        return now - timedelta(days=days) if days > 0 else None


@dataclass(slots=True)
class Pruned:
    """What one prune removed, and what held the feed back."""

    changes: int = 0
    deliveries: int = 0
    history: int = 0
    # the follower whose position stopped older changes going, and that position
    held_by: tuple[str, int] | None = None

    @property
    def total(self) -> int:
        return self.changes + self.deliveries + self.history


def prune(
    engine: Engine,
    retention: Retention,
    *,
    step: int = STEP,
    should_stop: Callable[[], bool] = lambda: False,
    progress: Callable[[Pruned], None] | None = None,
) -> Pruned:
    """Delete history past its retention, a step at a time, until nothing is left to delete."""
    now = engine.clock()
    feed = retention.cutoff(retention.feed_days, now)
    deliveries = retention.cutoff(retention.delivery_days, now)
    history = retention.cutoff(retention.history_days, now)
    out = Pruned()
    if feed is not None:
        out.held_by = engine.store.read(_slowest_follower)
    while not should_stop():
        done = engine.store.write(lambda tx: _step(tx, out, feed, deliveries, history, step))
        if progress is not None:
            progress(out)
        if not done:
            break
    return out


def _slowest_follower(tx: GraphReader) -> tuple[str, int]:
    positions = sorted((tx.cursor_of(name), name) for name in FOLLOWERS)
    position, name = positions[0]
    return name, position


def _step(
    tx: GraphWriter,
    out: Pruned,
    feed: datetime | None,
    deliveries: datetime | None,
    history: datetime | None,
    step: int,
) -> int:
    deleted = 0
    if feed is not None and out.held_by is not None:
        # the newest change always stays: the feed numbers on from it
        upto = min(out.held_by[1], tx.last_change() - 1)
        n = tx.prune_changes(upto, feed, step)
        out.changes += n
        deleted += n
    if deliveries is not None:
        n = tx.prune_deliveries(deliveries, step)
        out.deliveries += n
        deleted += n
    if history is not None:
        n = tx.prune_membership_history(history, step)
        out.history += n
        deleted += n
    return deleted


class RetentionSweeper(Periodic):
    """A background thread that prunes every ``interval`` seconds (the first time at start)."""

    def __init__(self, engine: Engine, retention: Retention, interval: float) -> None:
        super().__init__("retention", interval)
        self.engine = engine
        self.retention = retention

    def step(self) -> None:
        pruned = prune(self.engine, self.retention, should_stop=self.stopping)
        if pruned.total:
            log.info(
                "retention: pruned %d change(s), %d deliveries, %d history entries",
                pruned.changes,
                pruned.deliveries,
                pruned.history,
            )
