"""Live streams: which customer a stream follows, and the changes it has not sent yet."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.engine import Engine
from app.errors import Busy
from app.services.customers import find_customer
from app.store.protocol import GraphReader
from resolvers.customer360.feed import ChangeRecord
from resolvers.customer360.live import Watch

BATCH = 200  # changes read per poll; a stream that falls behind catches up batch by batch


@dataclass(frozen=True, slots=True)
class Opened:
    """Where a new stream starts: the customer it follows, the change to report after, and
    whether the changes after the client's last event were pruned (the client must re-read)."""

    watch: Watch
    after: int
    reset: bool = False


def open_watch(engine: Engine, customer_id: str, after: int | None) -> Opened:
    """The customer a stream of ``customer_id`` follows (an absorbed id: its survivor) and the
    sequence number to report changes after: ``after`` when resuming, else the feed's end. A
    resume from before the oldest change kept starts at that change, flagged ``reset``."""

    def read(tx: GraphReader) -> Opened:
        watch = Watch.of(customer_id, find_customer(tx, customer_id).id)
        if after is None:
            return Opened(watch, tx.last_change())
        first = tx.first_change()
        if first > after + 1:
            return Opened(watch, first - 1, reset=True)
        return Opened(watch, after)

    return engine.store.read(read)


def pending(engine: Engine, watch: Watch, after: int, limit: int = BATCH) -> list[ChangeRecord]:
    """The changes after ``after`` that name a watched id, oldest first."""
    return engine.store.read(lambda tx: tx.changes(after, limit, sorted(watch.ids)))


class StreamSlots:
    """A cap on the live streams one process holds open."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        """Hold a slot; Busy when every slot is taken."""
        with self._lock:
            if self.open >= self.limit:
                raise Busy(
                    f"this server already serves {self.limit} live streams; try again shortly",
                    code="too_many_streams",
                )
            self.open += 1

    def give_back(self) -> None:
        """Release a slot held by a stream that ended."""
        with self._lock:
            self.open = max(0, self.open - 1)
