"""Webhook decisions: who is subscribed to a change, what is sent, and when to try again.

Deliveries follow the Standard Webhooks specification: a POST of ``{"type", "timestamp",
"data"}`` with ``webhook-id`` (the same across retries), ``webhook-timestamp`` and
``webhook-signature``. Retries follow the schedule the specification's reference
implementation uses, with jitter; ``Retry-After`` can only push an attempt later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from resolvers.customer360.feed import SEGMENT_ENTERED, SEGMENT_EXITED, Change, Topic, matches

# After the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then the delivery is dead.
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
JITTER = 0.2  # an attempt moves by up to ±20 % of its delay, so failed bursts spread out
MAX_RETRY_AFTER = timedelta(hours=10)
SEGMENT_TYPES = (SEGMENT_ENTERED, SEGMENT_EXITED)
SUBSCRIBABLE = ("segment.entered", "segment.exited", "customer.merged", "customer.split")


def subscribed(change: Change, types: Sequence[str], segments: Sequence[str] | None) -> bool:
    """Whether an endpoint with these types (and segment filter) receives a change.

    The segment filter narrows segment changes only; profile updates are never sent (they
    are the live stream's, not activation's).
    """
    if change.topic is Topic.PROFILE or not matches(change.type, types):
        return False
    if segments and change.type in SEGMENT_TYPES:
        return str(change.data.get("segment_id")) in segments
    return True


def payload(change: Change) -> dict[str, Any]:
    """The body of a delivery."""
    return {"type": change.type, "timestamp": change.at.isoformat(), "data": dict(change.data)}


def next_delay(
    attempts: int,
    *,
    jitter: float,
    retry_after: timedelta | None = None,
    schedule: Sequence[timedelta] = RETRY_SCHEDULE,
) -> timedelta | None:
    """The wait before the next try after ``attempts`` failed ones; None: dead-letter it.

    ``jitter`` is a number in [-1, 1] drawn by the caller (this module reads no randomness).
    """
    if attempts < 1 or attempts > len(schedule):
        return None
    base = schedule[attempts - 1]
    delay = base + base * JITTER * max(-1.0, min(1.0, jitter))
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def marketing_revoked(profile: Mapping[str, Any]) -> bool:
    """Whether a customer has said no to marketing: some channel's latest word on marketing
    is a revocation or an unsubscription and none is a grant."""
    basis = ((profile.get("consents") or {}).get("marketing")) or {}
    states = {str(v.get("state")) for v in basis.values() if isinstance(v, Mapping)}
    return bool(states) and "granted" not in states
