"""Segments kept current through the store port: events, merges, splits, steward actions and
the clock move memberships, and a full recomputation then finds nothing to change."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.engine import Engine
from app.services import segment_engine, segments
from app.services.events import record_events
from app.services.stewardship import suppress_link
from app.services.stitching import stitch
from app.store.protocol import Store
from resolvers.customer360.events import RawEvent
from resolvers.customer360.feed import SEGMENT_ENTERED, SEGMENT_EXITED, Topic
from resolvers.identity.normalise import Normaliser
from tests.factories import NOW, POLICY, customer_of, ident, obs

KETTLES = {
    "events": {"type": "order.*", "where": {"category": "kettles"}, "within_days": 30},
    "count": {"gte": 2},
}


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _engine(store: Store) -> tuple[Engine, Clock]:
    clock = Clock(NOW)
    return Engine(store, POLICY, Normaliser(POLICY, "TW"), clock=clock), clock


def _order(n: int, email: str, at: datetime, category: str = "kettles") -> RawEvent:
    item = {"sku": f"K-{n}", "category": category, "quantity": 1, "unit_price": 1000}
    data: dict[str, Any] = {"order_id": str(n), "total": 1000, "currency": "TWD", "items": [item]}
    return RawEvent(f"ord-{n}", "order.placed", at, "eshop", [ident("email", email)], data)


def _members(engine: Engine, segment_id: str) -> list[str]:
    page, _ = segments.members(engine, segment_id, after="", limit=1000)
    return [m.customer_id for m in page]


def test_event_merge_split_and_time_move_membership(store: Store) -> None:
    engine, clock = _engine(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
    stitch(engine, [obs("o2", ("email", "bob@mail.com"), ("phone", "0912000111"))], "crm")
    amy = customer_of(engine, "email", "amy@mail.com")
    record_events(
        engine,
        [_order(1, "amy@mail.com", NOW - timedelta(days=20)), _order(2, "amy@mail.com", NOW)],
        "eshop",
    )
    fans = segments.create_segment(engine, "kettle fans", KETTLES)
    assert _members(engine, fans.id) == [amy]
    assert segment_engine.catch_up(engine).entered == 0  # creation already decided

    # an event: bob orders twice in the window and enters, with why
    bob = customer_of(engine, "email", "bob@mail.com")
    record_events(engine, [_order(3, "bob@mail.com", NOW - timedelta(days=1))], "eshop")
    assert segment_engine.catch_up(engine).entered == 0
    record_events(engine, [_order(4, "bob@mail.com", NOW - timedelta(days=2))], "eshop")
    assert segment_engine.catch_up(engine).entered == 1
    assert sorted(_members(engine, fans.id)) == sorted([amy, bob])
    mine = segments.customer_segments(engine, bob)
    assert [i.segment_id for i in mine.items] == [fans.id]
    assert mine.items[0].why[0]["count"] == 2

    # a steward split: bob's phone leaves him; both parts are evaluated (bob stays: the
    # orders are on his e-mail; the phone alone is in no segment)
    start = store.read(lambda tx: tx.last_change())
    suppress_link(
        engine, ident("email", "bob@mail.com"), ident("phone", "0912000111"), "two people", "st"
    )
    segment_engine.catch_up(engine)
    phone = customer_of(engine, "phone", "0912000111")
    assert phone is not None and phone != customer_of(engine, "email", "bob@mail.com")
    members = _members(engine, fans.id)
    assert customer_of(engine, "email", "bob@mail.com") in members and phone not in members

    # a merge: amy and bob turn out to be one person; one id survives, the other exits
    stitch(engine, [obs("o3", ("email", "amy@mail.com"), ("email", "bob@mail.com"), hours=1)], "t")
    segment_engine.catch_up(engine)
    survivor = customer_of(engine, "email", "amy@mail.com")
    assert _members(engine, fans.id) == [survivor]
    absorbed = ({amy, bob} - {survivor}).pop()
    exits = [
        r.change
        for r in store.read(lambda tx: tx.changes(start, 500))
        if r.change.type == SEGMENT_EXITED
    ]
    assert [c.customer_id for c in exits] == [absorbed]
    assert exits[0].topic is Topic.SEGMENT and exits[0].data["cause"]["type"] == "customer.merged"
    history = segments.segment_history(engine, survivor, limit=10)
    assert (absorbed, False) in [(h.customer_id, h.entered) for h in history]

    # time: 31 days on, the window has lost every order and the customer leaves by itself
    clock.now = NOW + timedelta(days=31)
    result = segment_engine.catch_up(engine)
    assert result.exited == 1 and _members(engine, fans.id) == []
    assert segments.recompute(engine, None, cause={"type": "refresh"}).delta.history == []
    last = store.read(lambda tx: tx.changes(0, 1000))[-1].change
    assert last.type == SEGMENT_EXITED and last.data["cause"]["type"] == "time"


def test_refresh_after_incremental_upkeep_finds_nothing(store: Store) -> None:
    engine, _ = _engine(store)
    gold = segments.create_segment(
        engine, "big spenders", {"profile": "stats.revenue", "op": "gte", "value": 1500}
    )
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
    record_events(engine, [_order(1, "amy@mail.com", NOW), _order(2, "amy@mail.com", NOW)], "e")
    result = segment_engine.catch_up(engine)
    assert result.entered == 1
    assert _members(engine, gold.id) == [customer_of(engine, "email", "amy@mail.com")]
    feed = store.read(lambda tx: tx.changes(0, 1000))
    assert [r.change.type for r in feed].count(SEGMENT_ENTERED) == 1
    assert segments.recompute(engine, None, cause={"type": "refresh"}).delta.history == []
