"""Events through the store port: append, hashes, per-identifier aggregates, the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services.stitching import stitch
from app.store.protocol import Store, TimelinePage
from resolvers.customer360.events import Event, EventAggregate
from tests.factories import NOW, engine_for, obs

T0 = datetime(2024, 5, 1, tzinfo=UTC)
AMY_EMAIL, AMY_PHONE, BOB = "email:amy@mail.com", "phone:+886912000111", "email:bob@mail.com"
TYPES = ["order.placed", "page.viewed", "order.completed", "message.received"]


def _event(n: int, anchor: str, minutes: int, event_type: str) -> Event:
    return Event(
        id=f"e{n:02d}",
        type=event_type,
        occurred_at=T0 + timedelta(minutes=minutes),
        source="eshop",
        identifiers=(anchor,),
        data={"n": n, "nested": {"list": [1, "two"]}},
        body_hash=f"hash-{n}",
        anchor=anchor,
    )


@pytest.fixture
def events(store: Store) -> list[Event]:
    """Twelve events on three identifiers (two of them one customer's), stored."""
    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"), ("phone", "0912000111"))], "t")
    stitch(engine, [obs("o2", ("email", "bob@mail.com"))], "t")
    anchors = [AMY_EMAIL, AMY_PHONE, BOB]
    made = [_event(n, anchors[n % 3], minutes=n // 2, event_type=TYPES[n % 4]) for n in range(12)]
    store.write(lambda tx: tx.append_events(made, [e.anchor for e in made], NOW))
    return made


def _expected(events: list[Event], keys: set[str]) -> list[str]:
    chosen = [e for e in events if e.anchor in keys]
    return [e.id for e in sorted(chosen, key=lambda e: (e.occurred_at, e.id), reverse=True)]


def _all_pages(store: Store, keys: list[str], limit: int, **filters: object) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        page: TimelinePage = store.read(
            lambda tx, c=cursor: tx.timeline(
                keys,
                limit,
                c,
                filters.get("types", ()),  # type: ignore[arg-type]
                filters.get("since"),  # type: ignore[arg-type]
                filters.get("until"),  # type: ignore[arg-type]
            )
        )
        pages.append([e.id for e in page.events])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


def test_events_come_back_whole(store: Store, events: list[Event]) -> None:
    page = store.read(
        lambda tx: tx.timeline([AMY_EMAIL, AMY_PHONE, BOB], 100, None, (), None, None)
    )
    assert sorted(page.events, key=lambda e: e.id) == events
    assert page.next_cursor is None
    assert store.counts()["events"] == 12


def test_timeline_is_newest_first_and_pages_by_cursor(store: Store, events: list[Event]) -> None:
    keys = [AMY_EMAIL, AMY_PHONE]
    pages = _all_pages(store, keys, 3)
    # e06 and e07 share a time (as do e00 and e01): the larger id comes first
    assert pages == [["e10", "e09", "e07"], ["e06", "e04", "e03"], ["e01", "e00"]]
    assert [i for p in pages for i in p] == _expected(events, set(keys))


def test_timeline_filters(store: Store, events: list[Event]) -> None:
    keys = [AMY_EMAIL, AMY_PHONE, BOB]
    type_of = {e.id: e.type for e in events}
    orders = [i for p in _all_pages(store, keys, 2, types=["order.*"]) for i in p]
    assert orders == [e for e in _expected(events, set(keys)) if type_of[e].startswith("order.")]
    chats = _all_pages(store, keys, 50, types=["page.viewed", "message.received"])
    assert {type_of[e] for e in chats[0]} == {"page.viewed", "message.received"}
    assert len(chats[0]) == 6
    mixed = [i for p in _all_pages(store, keys, 50, types=["order.*", "page.viewed"]) for i in p]
    assert len(mixed) == 9
    since, until = T0 + timedelta(minutes=2), T0 + timedelta(minutes=4)
    window = [i for p in _all_pages(store, keys, 50, since=since, until=until) for i in p]
    assert window == ["e07", "e06", "e05", "e04"]
    assert _all_pages(store, keys, 5, types=["nothing.*"]) == [[]]
    assert _all_pages(store, ["email:nobody@mail.com"], 5) == [[]]


def test_event_hashes(store: Store, events: list[Event]) -> None:
    got = store.read(lambda tx: tx.event_hashes(["e01", "e11", "e99"]))
    assert got == {"e01": "hash-1", "e11": "hash-11"}


def _aggregate(chosen: list[Event]) -> EventAggregate:
    aggregate = EventAggregate.from_json(EventAggregate().to_json())
    for event in chosen:
        aggregate.fold(event)
    return EventAggregate.from_json(aggregate.to_json())


def test_aggregates_are_replaced_per_identifier(store: Store, events: list[Event]) -> None:
    first = {AMY_EMAIL: _aggregate(events[:2]), BOB: _aggregate([])}
    store.write(lambda tx: tx.put_aggregates(first))
    got = store.read(lambda tx: tx.aggregates([AMY_EMAIL, AMY_PHONE, BOB]))
    assert {k: v.to_json() for k, v in got.items()} == {k: v.to_json() for k, v in first.items()}
    replaced = {AMY_EMAIL: _aggregate(events[:5])}
    store.write(lambda tx: tx.put_aggregates(replaced))
    again = store.write(lambda tx: tx.aggregates([AMY_EMAIL]))
    assert again[AMY_EMAIL].to_json() == replaced[AMY_EMAIL].to_json()


def test_the_extremes_the_service_accepts_round_trip(store: Store) -> None:
    """The edges of the time range and of stored JSON come back as written (issue 9)."""
    from resolvers.stored_json import MAX_INT, MIN_INT
    from resolvers.timestamps import EARLIEST, LATEST

    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "t")
    data = {"max": MAX_INT, "min": MIN_INT, "tiny": 5e-324, "text": "\U0010ffff\u00e9"}
    made = [
        Event("early", "custom.x", EARLIEST, "s", (AMY_EMAIL,), data, "h1", AMY_EMAIL),
        Event("late", "custom.x", LATEST, "s", (AMY_EMAIL,), data, "h2", AMY_EMAIL),
    ]
    store.write(lambda tx: tx.append_events(made, [e.anchor for e in made], NOW))
    aggregate = _aggregate(made)
    store.write(lambda tx: tx.put_aggregates({AMY_EMAIL: aggregate}))

    page = store.read(lambda tx: tx.timeline([AMY_EMAIL], 10, None, (), None, None))
    assert page.events == [made[1], made[0]]
    window = store.read(lambda tx: tx.timeline([AMY_EMAIL], 10, None, (), EARLIEST, LATEST))
    assert [e.id for e in window.events] == ["early"]  # until is exclusive
    back = store.read(lambda tx: tx.aggregates([AMY_EMAIL]))[AMY_EMAIL]
    assert back.to_json() == aggregate.to_json()
    assert back.activity().first_at == EARLIEST and back.activity().last_at == LATEST
