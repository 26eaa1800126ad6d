"""The change feed through the store port: what each use case appends, in commit order."""

from __future__ import annotations

from datetime import timedelta

from app.services.events import record_events
from app.services.stewardship import suppress_link
from app.services.stitching import stitch
from app.store.protocol import Store
from resolvers.customer360.events import RawEvent
from resolvers.customer360.feed import ChangeRecord, Topic
from tests.factories import START, customer_of, engine_for, ident, obs


def _feed(store: Store, after: int = 0, customers: list[str] | None = None) -> list[ChangeRecord]:
    return store.read(lambda tx: tx.changes(after, 100, customers))


def _order(n: int, kind: str, value: str) -> RawEvent:
    return RawEvent(
        id=f"ord-{n}",
        type="order.placed",
        occurred_at=START + timedelta(days=n),
        source="eshop",
        identifiers=[ident(kind, value)],
        data={"order_id": str(n), "total": 100 * n, "currency": "TWD"},
    )


def test_an_empty_store_has_an_empty_feed(store: Store) -> None:
    assert _feed(store) == []
    assert store.read(lambda tx: tx.last_change()) == 0


def test_stitching_reports_updated_profiles_and_merges_in_commit_order(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
    stitch(engine, [obs("o2", ("phone", "0912000111"), hours=1)], "crm")
    amy = customer_of(engine, "email", "amy@mail.com")
    phone_customer = customer_of(engine, "phone", "0912000111")
    assert amy and phone_customer and amy != phone_customer
    stitch(engine, [obs("o3", ("email", "amy@mail.com"), ("phone", "0912000111"), hours=2)], "t")

    feed = _feed(store)
    assert [r.seq for r in feed] == sorted(r.seq for r in feed)
    assert len({r.seq for r in feed}) == len(feed)
    assert [(r.change.type, r.change.customer_id) for r in feed] == [
        ("customer.updated", amy),
        ("customer.updated", phone_customer),
        ("customer.merged", amy),
        ("customer.updated", amy),
    ]
    merged = feed[2].change
    assert merged.topic is Topic.MERGED
    assert merged.data["absorbed"] == [phone_customer]
    assert set(merged.customer_ids) == {amy, phone_customer}
    assert feed[3].change.data["observations"] == ["o3"]
    assert store.read(lambda tx: tx.last_change()) == feed[-1].seq


def test_a_customer_filter_follows_every_change_that_names_it(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
    stitch(engine, [obs("o2", ("email", "bob@mail.com"))], "crm")
    stitch(engine, [obs("o3", ("phone", "0912000111"))], "crm")
    absorbed = customer_of(engine, "phone", "0912000111")
    stitch(engine, [obs("o4", ("email", "amy@mail.com"), ("phone", "0912000111"), hours=1)], "t")
    assert absorbed is not None

    mine = _feed(store, customers=[absorbed])
    assert [r.change.type for r in mine] == ["customer.updated", "customer.merged"]
    everything = _feed(store)
    after_first = _feed(store, after=everything[0].seq)
    assert after_first == everything[1:]
    assert _feed(store, customers=[]) == []


def test_recorded_events_reach_the_feed_once(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"))], "crm")
    amy = customer_of(engine, "email", "amy@mail.com")
    start = store.read(lambda tx: tx.last_change())
    record_events(engine, [_order(1, "email", "amy@mail.com")], "eshop")
    record_events(engine, [_order(1, "email", "amy@mail.com")], "eshop")  # a retry

    timeline = [r.change for r in _feed(store, after=start)]
    assert [(c.type, c.topic, c.customer_id) for c in timeline] == [
        ("order.placed", Topic.TIMELINE, amy)
    ]
    assert timeline[0].data["event_id"] == "ord-1"
    assert timeline[0].data["data"]["total"] == 100


def test_a_steward_cut_reports_the_split_and_both_parts(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", ("email", "amy@mail.com"), ("phone", "0912000111"))], "crm")
    before = customer_of(engine, "email", "amy@mail.com")
    start = store.read(lambda tx: tx.last_change())
    suppress_link(
        engine, ident("email", "amy@mail.com"), ident("phone", "0912000111"), "two people", "st"
    )
    other = customer_of(engine, "phone", "0912000111")
    assert before is not None and other is not None and other != before

    changes = [r.change for r in _feed(store, after=start)]
    split = [c for c in changes if c.topic is Topic.SPLIT]
    assert len(split) == 1
    assert split[0].customer_id == before
    assert sorted(split[0].data["parts"]) == sorted([before, other])
    updated = {c.customer_id for c in changes if c.type == "customer.updated"}
    assert updated == {before, other}
    assert all(c.data.get("action") == "suppress_link" for c in changes if c.topic is Topic.PROFILE)
