"""Following one customer's changes live: which ids a stream reports, and what it sends.

A stream follows a customer through merges: when the customer it watches is absorbed, the
merged change names the survivor, and the stream follows the survivor from then on (it keeps
reporting changes that name the ids it watched before, so a resumed stream loses nothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resolvers.customer360.feed import ChangeRecord, Topic


@dataclass(frozen=True, slots=True)
class Watch:
    """The customer a stream follows now, and every id whose changes it reports."""

    customer_id: str
    ids: frozenset[str]

    @classmethod
    def of(cls, requested: str, survivor: str) -> Watch:
        """A stream asked for ``requested``, which answers today as ``survivor``."""
        return cls(survivor, frozenset({requested, survivor}))

    def concerns(self, record: ChangeRecord) -> bool:
        """Whether a change names any id this stream watches."""
        return not self.ids.isdisjoint(record.change.customer_ids)

    def after(self, record: ChangeRecord) -> Watch:
        """What the stream follows once it has seen ``record``: a merge moves it to the survivor."""
        change = record.change
        if change.topic is not Topic.MERGED or not self.concerns(record):
            return self
        survivor = change.customer_id
        return Watch(survivor, self.ids | {survivor})


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One Server-Sent Event: ``id`` is the feed sequence number, so a client resumes by it."""

    id: str
    event: str
    data: dict[str, Any]


def stream_event(watch: Watch, record: ChangeRecord) -> StreamEvent:
    """The event a stream sends for a change; ``customer_id`` is the customer followed after it."""
    change = record.change
    return StreamEvent(
        id=str(record.seq),
        event=change.topic.value,
        data={
            "seq": record.seq,
            "type": change.type,
            "topic": change.topic.value,
            "at": change.at.isoformat().replace("+00:00", "Z"),
            "customer_id": watch.customer_id,
            "customer_ids": list(change.customer_ids),
            "data": dict(change.data),
        },
    )
