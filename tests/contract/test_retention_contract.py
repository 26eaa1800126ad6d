"""Retention through the store port and the prune use case, on every store: the oldest feed
changes, settled deliveries and segment history go; nothing a follower still owes does."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.services import segment_engine, webhooks
from app.services.retention import Retention, prune
from app.store.protocol import Store
from app.store.segments import MembershipChange, MembershipDelta
from app.store.webhooks import DELIVERED, FAILED, PENDING, Delivery
from resolvers.customer360.feed import Change, Topic
from resolvers.identity.changes import ChangeSet
from tests.factories import START, engine_for

DAY = timedelta(days=1)


def _append(store: Store, day: int, *customers: str) -> None:
    at = START + day * DAY
    change = Change("customer.updated", Topic.PROFILE, at, customers, {"day": day})
    store.write(lambda tx: tx.apply(ChangeSet(at=at, feed=[change])))


def _seqs(store: Store, customers: list[str] | None = None) -> list[int]:
    return [r.seq for r in store.read(lambda tx: tx.changes(0, 100, customers))]


def test_the_oldest_changes_go_with_their_references_and_numbering_goes_on(store: Store) -> None:
    assert store.read(lambda tx: tx.first_change()) == 0
    for day in range(5):
        _append(store, day, "c1" if day % 2 else "c2", "c3")
    seqs = _seqs(store)
    assert len(seqs) == 5 and store.read(lambda tx: tx.first_change()) == seqs[0]
    cutoff = START + 10 * DAY
    # bounded steps, never past ``upto``
    assert store.write(lambda tx: tx.prune_changes(seqs[2], cutoff, 2)) == 2
    assert store.write(lambda tx: tx.prune_changes(seqs[2], cutoff, 2)) == 1
    assert store.write(lambda tx: tx.prune_changes(seqs[2], cutoff, 2)) == 0
    assert _seqs(store) == seqs[3:]
    assert store.read(lambda tx: tx.first_change()) == seqs[3]
    # a customer's changes no longer point at pruned ones
    assert _seqs(store, ["c2"]) == [seqs[4]]
    assert _seqs(store, ["c3"]) == seqs[3:]
    # never a change committed on or after the cutoff
    assert store.write(lambda tx: tx.prune_changes(seqs[4], START + 3 * DAY, 10)) == 0
    _append(store, 6, "c1")
    assert _seqs(store)[-1] > seqs[4]  # numbering goes on after pruning


def test_only_settled_deliveries_older_than_the_cutoff_go(store: Store) -> None:
    def delivery(n: int, state: str, day: int) -> Delivery:
        return Delivery(
            f"msg_{n}_wh", "wh", n, "c1", "order.placed", "{}", state, 1,
            START + day * DAY, START + day * DAY,
        )  # fmt: skip

    batch = [
        delivery(1, DELIVERED, 0),
        delivery(2, FAILED, 1),
        delivery(3, PENDING, 1),  # still owed: never pruned, however old
        delivery(4, DELIVERED, 9),
    ]
    store.write(lambda tx: tx.add_deliveries([replace(d, state=PENDING) for d in batch]))
    store.write(lambda tx: tx.update_deliveries(batch))
    assert store.write(lambda tx: tx.prune_deliveries(START + 5 * DAY, 1)) == 1
    assert store.write(lambda tx: tx.prune_deliveries(START + 5 * DAY, 10)) == 1
    assert store.write(lambda tx: tx.prune_deliveries(START + 5 * DAY, 10)) == 0
    left = store.read(lambda tx: tx.deliveries_of("wh", 10, None))
    assert sorted(d.id for d in left) == ["msg_3_wh", "msg_4_wh"]


def test_segment_history_older_than_the_cutoff_goes(store: Store) -> None:
    history = [
        MembershipChange("seg_a", "c1", START + day * DAY, day % 2 == 0, {"type": "event"})
        for day in range(4)
    ]
    store.write(lambda tx: tx.write_memberships(MembershipDelta(history=history)))
    assert store.write(lambda tx: tx.prune_membership_history(START + 2 * DAY, 10)) == 2
    left = store.read(lambda tx: tx.membership_history(["c1"], 10))
    assert sorted(h.at for h in left) == [START + 2 * DAY, START + 3 * DAY]


def test_prune_keeps_what_a_follower_still_owes_and_the_newest_change(store: Store) -> None:
    engine = engine_for(store)  # its clock stands at tests.factories.NOW, long after START
    for day in range(6):
        _append(store, day, "c1")
    seqs = _seqs(store)
    feed_only = Retention(feed_days=30, delivery_days=0, history_days=0)
    # neither follower has read anything: nothing goes, and the report says who holds it
    pruned = prune(engine, feed_only)
    assert pruned.changes == 0 and pruned.held_by == (segment_engine.FOLLOWER, 0)
    store.write(lambda tx: tx.set_cursor(segment_engine.FOLLOWER, seqs[-1]))
    store.write(lambda tx: tx.set_cursor(webhooks.FOLLOWER, seqs[2]))
    pruned = prune(engine, feed_only, step=2)
    assert (pruned.changes, pruned.held_by) == (3, (webhooks.FOLLOWER, seqs[2]))
    assert _seqs(store) == seqs[3:]
    store.write(lambda tx: tx.set_cursor(webhooks.FOLLOWER, seqs[-1]))
    assert prune(engine, feed_only).changes == 2
    assert _seqs(store) == [seqs[-1]]  # the newest stays: the feed numbers on from it
    # 0 days keeps everything forever
    _append(store, 7, "c1")
    assert prune(engine, Retention(0, 0, 0)).total == 0
