"""Webhook decisions: subscription, payload, the retry schedule with jitter and Retry-After,
and who said no to marketing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from resolvers.customer360.feed import Change, Topic
from resolvers.customer360.webhooks import (
    RETRY_SCHEDULE,
    marketing_revoked,
    next_delay,
    payload,
    subscribed,
)

AT = datetime(2026, 6, 1, tzinfo=UTC)


def _change(kind: str, topic: Topic, **data: object) -> Change:
    return Change(kind, topic, AT, ("c1",), {"customer_id": "c1", **data})


def test_subscription_by_type_family_and_segment() -> None:
    entered = _change("segment.entered", Topic.SEGMENT, segment_id="seg_a")
    order = _change("order.placed", Topic.TIMELINE)
    updated = _change("customer.updated", Topic.PROFILE)
    assert subscribed(entered, ["segment.entered"], None)
    assert subscribed(entered, ["segment.*"], ["seg_a"])
    assert not subscribed(entered, ["segment.entered"], ["seg_b"])
    assert subscribed(order, ["order.*"], ["seg_b"])  # the filter narrows segment changes only
    assert not subscribed(order, ["booking.*"], None)
    assert not subscribed(updated, ["*"], None)  # profile updates are the live stream's
    assert payload(order) == {
        "type": "order.placed",
        "timestamp": "2026-06-01T00:00:00+00:00",
        "data": {"customer_id": "c1"},
    }


def test_the_schedule_with_jitter_retry_after_and_its_end() -> None:
    assert next_delay(1, jitter=0.0) == timedelta(seconds=5)
    assert next_delay(2, jitter=1.0) == timedelta(minutes=6)
    assert next_delay(2, jitter=-1.0) == timedelta(minutes=4)
    assert next_delay(2, jitter=7.0) == timedelta(minutes=6)  # clamped to ±20 %
    assert next_delay(1, jitter=0.0, retry_after=timedelta(minutes=1)) == timedelta(minutes=1)
    assert next_delay(3, jitter=0.0, retry_after=timedelta(seconds=1)) == timedelta(minutes=30)
    assert next_delay(1, jitter=0.0, retry_after=timedelta(days=9)) == timedelta(hours=10)
    assert next_delay(len(RETRY_SCHEDULE), jitter=0.0) == timedelta(hours=10)
    assert next_delay(len(RETRY_SCHEDULE) + 1, jitter=0.0) is None
    assert next_delay(0, jitter=0.0) is None


def test_who_said_no_to_marketing() -> None:
    def profile(**states: str) -> dict[str, object]:
        return {"consents": {"marketing": {k: {"state": v} for k, v in states.items()}}}

    assert not marketing_revoked({})
    assert not marketing_revoked(profile(email="granted"))
    assert marketing_revoked(profile(email="revoked"))
    assert marketing_revoked(profile(email="unsubscribed", sms="revoked"))
    assert not marketing_revoked(profile(email="revoked", line="granted"))
