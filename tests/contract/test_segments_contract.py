"""Segment storage through the store port: definitions, memberships, history, re-checks,
cursors; the same answers from every store."""

from __future__ import annotations

from datetime import timedelta

from app.store.protocol import Store
from app.store.segments import Membership, MembershipChange, MembershipDelta, SegmentRecord
from tests.factories import START


def _segment(sid: str, name: str = "gold") -> SegmentRecord:
    condition = {"profile": "loyalty.tier", "op": "eq", "value": "Gold"}
    return SegmentRecord(sid, name, "", condition, START, START)


def test_segments_are_created_replaced_and_deleted(store: Store) -> None:
    store.write(lambda tx: tx.put_segment(_segment("seg_b")))
    store.write(lambda tx: tx.put_segment(_segment("seg_a")))
    later = START + timedelta(hours=1)
    renamed = SegmentRecord("seg_b", "vip", "d", {"segment": "seg_a"}, later, later)
    store.write(lambda tx: tx.put_segment(renamed))
    found = store.read(lambda tx: tx.segment_records())
    assert [s.id for s in found] == ["seg_a", "seg_b"]
    assert found[1].name == "vip" and found[1].condition == {"segment": "seg_a"}
    assert found[1].created_at == START and found[1].updated_at == later
    assert store.write(lambda tx: tx.delete_segment("seg_b")) is True
    assert store.write(lambda tx: tx.delete_segment("seg_b")) is False
    assert [s.id for s in store.read(lambda tx: tx.segment_records())] == ["seg_a"]


def test_memberships_history_and_rechecks(store: Store) -> None:
    store.write(lambda tx: tx.put_segment(_segment("seg_a")))
    why = [{"profile": "loyalty.tier", "op": "eq", "value": "Gold"}]
    delta = MembershipDelta(
        upsert=[Membership("seg_a", c, START, why) for c in ("c3", "c1", "c2")],
        history=[
            MembershipChange("seg_a", c, START, True, {"change": 1}) for c in ("c1", "c2", "c3")
        ],
        recheck={("seg_a", "c1"): START + timedelta(days=3), ("seg_a", "c2"): START},
    )
    store.write(lambda tx: tx.write_memberships(delta))
    page = store.read(lambda tx: tx.segment_members("seg_a", "", 2))
    assert [m.customer_id for m in page] == ["c1", "c2"]
    assert page[0].why == why and page[0].since == START
    assert [m.customer_id for m in store.read(lambda tx: tx.segment_members("seg_a", "c2", 5))] == [
        "c3"
    ]
    assert store.read(lambda tx: tx.rechecks_due(START + timedelta(days=1), 10)) == [
        ("seg_a", "c2")
    ]
    later = START + timedelta(days=5)
    exit_delta = MembershipDelta(
        upsert=[Membership("seg_a", "c1", later, [{"changed": True}])],
        remove=[("seg_a", "c2")],
        history=[MembershipChange("seg_a", "c2", later, False, {"change": 2})],
        recheck={("seg_a", "c2"): None},
    )
    store.write(lambda tx: tx.write_memberships(exit_delta))
    mine = store.read(lambda tx: tx.customer_memberships(["c1", "c2"]))
    assert [(m.customer_id, m.since, m.why) for m in mine] == [("c1", START, [{"changed": True}])]
    history = store.read(lambda tx: tx.membership_history(["c2"], 10))
    assert [(h.entered, h.cause) for h in history] == [
        (False, {"change": 2}),
        (True, {"change": 1}),
    ]
    assert store.read(lambda tx: tx.rechecks_due(later, 10)) == [("seg_a", "c1")]
    store.write(lambda tx: tx.delete_segment("seg_a"))
    assert store.read(lambda tx: tx.customer_memberships(["c1", "c3"])) == []
    assert store.read(lambda tx: tx.rechecks_due(later, 10)) == []
    assert len(store.read(lambda tx: tx.membership_history(["c1", "c2", "c3"], 10))) == 4


def test_a_cursor_starts_at_zero_and_moves_in_its_transaction(store: Store) -> None:
    assert store.write(lambda tx: tx.take_cursor("segments")) == 0
    assert store.read(lambda tx: tx.cursor_of("segments")) == 0
    store.write(lambda tx: tx.set_cursor("segments", 42))
    assert store.read(lambda tx: tx.cursor_of("segments")) == 42
    assert store.write(lambda tx: tx.take_cursor("segments")) == 42
    assert store.write(lambda tx: tx.take_cursor("webhooks")) == 0
