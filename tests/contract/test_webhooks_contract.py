"""Webhook storage through the store port: endpoints and their deliveries, on every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from app.store.protocol import Store
from app.store.webhooks import DELIVERED, FAILED, PENDING, Delivery, EndpointRecord
from tests.factories import START


def _endpoint(eid: str) -> EndpointRecord:
    return EndpointRecord(
        eid, "http://127.0.0.1:9/hook", "whsec_c2VjcmV0", ("segment.*", "order.*"), ("seg_a",),
        True, True, "", START,
    )  # fmt: skip


def _delivery(seq: int, endpoint: str, customer: str = "c1") -> Delivery:
    return Delivery(
        f"msg_{endpoint}_{seq}", endpoint, seq, customer, "order.placed", '{"type":"x"}',
        PENDING, 0, START, START,
    )  # fmt: skip


def test_endpoints_and_deliveries(store: Store) -> None:
    store.write(lambda tx: tx.put_endpoint(_endpoint("wh_b")))
    store.write(lambda tx: tx.put_endpoint(_endpoint("wh_a")))
    found = store.read(lambda tx: tx.endpoint_records())
    assert [e.id for e in found] == ["wh_a", "wh_b"] and found[0] == _endpoint("wh_a")
    store.write(
        lambda tx: tx.put_endpoint(replace(_endpoint("wh_b"), active=False, disabled_reason="410"))
    )
    assert store.read(lambda tx: tx.endpoint_records())[1].disabled_reason == "410"

    batch = [
        _delivery(2, "wh_a"),
        _delivery(1, "wh_b"),
        _delivery(1, "wh_a"),
        _delivery(3, "wh_a", "c2"),
    ]
    store.write(lambda tx: tx.add_deliveries(batch))
    again = replace(_delivery(1, "wh_a"), attempts=9)
    store.write(lambda tx: tx.add_deliveries([again]))  # an id that exists is left alone
    pending = store.read(lambda tx: tx.pending_deliveries(10))
    assert [d.id for d in pending] == ["msg_wh_a_1", "msg_wh_b_1", "msg_wh_a_2", "msg_wh_a_3"]
    assert pending[0] == _delivery(1, "wh_a")

    later = START + timedelta(minutes=5)
    done = replace(pending[0], state=DELIVERED, attempts=1, last_status=204, delivered_at=later)
    dead = replace(pending[2], state=FAILED, attempts=8, last_status=500, last_error="boom")
    store.write(lambda tx: tx.update_deliveries([done, dead]))
    assert [d.id for d in store.read(lambda tx: tx.pending_deliveries(10))] == [
        "msg_wh_b_1", "msg_wh_a_3",
    ]  # fmt: skip
    log = store.read(lambda tx: tx.deliveries_of("wh_a", 10, None))
    assert [d.id for d in log] == ["msg_wh_a_3", "msg_wh_a_2", "msg_wh_a_1"]
    assert log[2] == done and log[1] == dead
    assert store.read(lambda tx: tx.deliveries_of("wh_a", 10, FAILED)) == [dead]

    assert store.write(lambda tx: tx.delete_endpoint("wh_a")) is True
    assert store.write(lambda tx: tx.delete_endpoint("wh_a")) is False
    assert store.read(lambda tx: tx.deliveries_of("wh_a", 10, None)) == []
    assert [d.id for d in store.read(lambda tx: tx.pending_deliveries(10))] == ["msg_wh_b_1"]


def test_the_dispatcher_delivers_the_feed_in_order_through_every_store(store: Store) -> None:
    import httpx

    from app.services import segment_engine, segments, webhooks
    from app.services.events import record_events
    from app.services.stitching import stitch
    from resolvers.customer360.events import RawEvent
    from tests.factories import NOW, engine_for, ident, obs
    from tests.support.receiver import Receiver

    engine = engine_for(store)
    receiver = Receiver().up()
    try:
        seg = segments.create_segment(
            engine, "buyers", {"events": {"type": "order.*"}, "count": {"gte": 1}}
        )
        new = webhooks.create_endpoint(
            engine, receiver.url, ["segment.entered", "order.*"], segments=[seg.id]
        )
        receiver.secret = new.secret
        stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
        data = {"order_id": "1", "total": 100, "currency": "TWD"}
        who = [ident("email", "amy@mail.com")]
        record_events(engine, [RawEvent("ord-1", "order.placed", NOW, "shop", who, data)], "t")
        segment_engine.catch_up(engine)
        receiver.script = [(500, {})]
        with httpx.Client(timeout=5) as client:
            assert webhooks.fan_out(engine) > 0
            assert webhooks.send_due(engine, client, jitter=lambda: 0.0) == 1  # fails: 500
            assert webhooks.send_due(engine, client) == 0  # the entry waits behind the order
            engine.clock = lambda: NOW + timedelta(seconds=10)
            assert webhooks.send_due(engine, client) == 1
            assert webhooks.send_due(engine, client) == 1
        got = [r.body["type"] for r in receiver.accepted() if r.body]
        assert got == ["order.placed", "segment.entered"]
        assert receiver.seen[0].webhook_id == receiver.seen[1].webhook_id
        log = webhooks.deliveries(engine, new.record.id, limit=10)
        assert [(d.type, d.state, d.attempts) for d in log] == [
            ("segment.entered", DELIVERED, 1), ("order.placed", DELIVERED, 2)
        ]  # fmt: skip
    finally:
        receiver.down()


def _order_endpoint_order(store: Store, skew: float) -> tuple[EndpointRecord, int, list[str]]:
    """An order, a minute later a new endpoint for orders, then another order committed
    ``skew`` seconds of clock after it; the endpoint, the feed's last position at its
    creation, and the bodies of what it was sent once the feed is fanned out."""
    from app.services import webhooks
    from app.services.events import record_events
    from resolvers.customer360.events import RawEvent
    from tests.factories import NOW, Clock, ident
    from tests.factories import engine as build_engine

    clock = Clock()
    engine = build_engine(store, clock=clock)
    who = [ident("email", "amy@mail.com")]

    def order(n: int) -> None:
        data = {"order_id": str(n), "total": 100, "currency": "TWD"}
        record_events(engine, [RawEvent(f"ord-{n}", "order.placed", NOW, "shop", who, data)], "t")

    order(1)
    clock.tick(60)
    new = webhooks.create_endpoint(engine, "http://127.0.0.1:9/hook", ["order.*"])
    at_creation = store.read(lambda tx: tx.last_change())
    clock.tick(skew)
    order(2)
    while webhooks.fan_out(engine):
        pass
    sent = webhooks.deliveries(engine, new.record.id, limit=10)
    assert all(d.type == "order.placed" for d in sent)
    return new.record, at_creation, [d.body for d in sent]


def test_an_endpoint_receives_only_what_is_committed_after_it_was_created(store: Store) -> None:
    # the first order comes before the endpoint: a year of history replayed must not flood it
    _, _, sent = _order_endpoint_order(store, 60)
    assert len(sent) == 1 and '"ord-2"' in sent[0]


def test_a_lagging_writer_clock_loses_no_change_to_a_new_endpoint(store: Store) -> None:
    """The start is a feed position: a change committed after the endpoint by a worker whose
    clock runs behind (its `at` earlier than the endpoint's creation) is still delivered."""
    # another worker, half a minute behind, commits after the endpoint
    endpoint, at_creation, sent = _order_endpoint_order(store, -30)
    assert endpoint.after_seq == at_creation
    assert len(sent) == 1 and '"ord-2"' in sent[0]
    stored = store.read(lambda tx: tx.endpoint_records())
    assert stored == [endpoint]  # the position round-trips through the store
