"""Event aggregates: order-independent folding, lawful merging, exact JSON, and their figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import resolvers.customer360.aggregates.state as layout
from resolvers.customer360.events import Event, EventAggregate, RawEvent, make_event, validate_event

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RATES = {"USD": 32.0, "JPY": 0.21}


def event(
    event_id: str, event_type: str, hours: float, data: dict[str, Any], source: str = "eshop"
) -> Event:
    """A validated event ``hours`` after T0."""
    raw = RawEvent(event_id, event_type, T0 + timedelta(hours=hours), source, (), data)
    checked_type, normalised = validate_event(raw, "TWD", RATES)
    return make_event(raw, ["email:a@b.c"], checked_type, normalised, anchor="email:a@b.c")


def fold(events: Sequence[Event]) -> EventAggregate:
    """An aggregate of these events, folded in the given order."""
    aggregate = EventAggregate()
    for item in events:
        aggregate.fold(item)
    return aggregate


# -- strategies: events of every family over small pools, so that they collide -----------------

money = st.integers(0, 300_000).map(lambda cents: cents / 100)
currency = st.sampled_from(["TWD", "USD", "JPY"])
category = st.sampled_from(["kettles", "Kettles", "tea", "mugs"])
item = st.fixed_dictionaries(
    {
        "sku": st.sampled_from(["K1", "K2", "T1"]),
        "quantity": st.integers(1, 3),
        "unit_price": money,
    },
    optional={"category": category, "name": st.just("Kettle")},
)
priced = {"currency": currency}
order = st.fixed_dictionaries(
    {"order_id": st.sampled_from(["o1", "o2", "o3"]), **priced},
    optional={"total": money, "items": st.lists(item, max_size=2)},
)
campaign = st.fixed_dictionaries(
    {
        "campaign_id": st.sampled_from(["c1", "c2"]),
        "channel": st.sampled_from(["email", "sms", "line"]),
    }
)
cart = st.fixed_dictionaries(
    {"items": st.lists(item, max_size=2), **priced},
    optional={"cart_id": st.just("k1"), "total": money},
)
product = st.fixed_dictionaries(
    {"sku": st.sampled_from(["K1", "K2"])}, optional={"category": category, "name": st.just("K")}
)
claim = st.fixed_dictionaries(
    {"claim_id": st.sampled_from(["cl1", "cl2"])},
    optional={"status": st.sampled_from(["received", "in repair"]), "issue": st.just("leaks")},
)
when = st.integers(0, 400).map(lambda h: (T0 + timedelta(hours=h)).isoformat())
booking = st.fixed_dictionaries(
    {"booking_id": st.sampled_from(["b1", "b2"]), "scheduled_at": when},
    optional={"service": st.sampled_from(["haircut", "repair"])},
)
conversation = st.fixed_dictionaries(
    {"conversation_id": st.sampled_from(["v1", "v2", "v3"]), "channel": st.just("line")},
    optional={
        "topic": st.sampled_from(["delivery", "refund"]),
        "sentiment": st.sampled_from(["positive", "negative"]),
        "summary": st.text(max_size=300),
    },
)
points = st.fixed_dictionaries(
    {"points": st.integers(1, 500)}, optional={"balance_after": st.integers(-10, 5000)}
)
voucher = st.fixed_dictionaries(
    {"voucher_id": st.sampled_from(["V1", "V2"]), "currency": st.just("TWD")},
    optional={"value": money, "expires_at": st.just("2026-12-31")},
)
consent = st.fixed_dictionaries(
    {"channel": st.sampled_from(["sms", "any"]), "purpose": st.sampled_from(["marketing", "any"])}
)
PAYLOADS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "order.placed": order,
    "order.completed": order,
    "order.returned": order,
    **{
        f"marketing.{v}": campaign for v in ("sent", "opened", "clicked", "bounced", "unsubscribed")
    },
    "marketing.converted": campaign.map(lambda d: {**d, "value": 10, "currency": "USD"}),
    "web.product_viewed": product,
    "web.searched": st.just({"query": "kettle"}),
    "cart.updated": cart,
    "cart.abandoned": cart,
    "wishlist.added": product,
    "wishlist.removed": product,
    "warranty.registered": st.fixed_dictionaries(
        {"serial": st.sampled_from(["S1", "S2"]), "model": st.sampled_from(["M1", "M2"])}
    ),
    "warranty.claim_opened": claim,
    "warranty.claim_updated": claim,
    "warranty.claim_closed": claim,
    **{
        f"booking.{v}": booking
        for v in ("booked", "rescheduled", "cancelled", "attended", "no_show")
    },
    "conversation.opened": conversation,
    "conversation.closed": conversation,
    "loyalty.points_earned": points,
    "loyalty.points_redeemed": points,
    "loyalty.tier_changed": st.fixed_dictionaries({"tier": st.sampled_from(["Silver", "Gold"])}),
    "loyalty.voucher_issued": voucher,
    "loyalty.voucher_redeemed": voucher,
    "loyalty.voucher_expired": voucher,
    "consent.granted": consent,
    "consent.revoked": consent,
    "custom.store_visit": st.just({"store": "Taipei"}),
}
spec = st.sampled_from(sorted(PAYLOADS)).flatmap(
    lambda t: st.tuples(
        st.just(t),
        PAYLOADS[t],
        st.integers(0, 24),  # few distinct hours: ties are settled by event id
        st.sampled_from(["eshop", "pos", "crm"]),
    )
)


@st.composite
def event_lists(draw: st.DrawFn, max_size: int = 40) -> list[Event]:
    """Events with unique ids across every family."""
    specs = draw(st.lists(spec, max_size=max_size))
    return [
        event(f"e{index:03d}", event_type, hours, data, source)
        for index, (event_type, data, hours, source) in enumerate(specs)
    ]


PROPERTY = settings(max_examples=150, deadline=None)


# -- the laws -----------------------------------------------------------------------------------


@PROPERTY
@given(events=event_lists(), data=st.data())
def test_folding_in_any_order_gives_the_same_aggregate(events: list[Event], data: Any) -> None:
    shuffled = data.draw(st.permutations(events))
    assert fold(shuffled).to_json() == fold(events).to_json()


@PROPERTY
@given(events=event_lists(), data=st.data())
def test_folding_two_halves_and_merging_equals_folding_all(events: list[Event], data: Any) -> None:
    sides = data.draw(st.lists(st.booleans(), min_size=len(events), max_size=len(events)))
    left = [e for e, side in zip(events, sides, strict=True) if side]
    right = [e for e, side in zip(events, sides, strict=True) if not side]
    assert fold(left).merge(fold(right)).to_json() == fold(events).to_json()


@PROPERTY
@given(a=event_lists(20), b=event_lists(20))
def test_merge_is_commutative(a: list[Event], b: list[Event]) -> None:
    b = [_renamed(e, "b") for e in b]
    assert fold(a).merge(fold(b)).to_json() == fold(b).merge(fold(a)).to_json()


@PROPERTY
@given(a=event_lists(15), b=event_lists(15), c=event_lists(15))
def test_merge_is_associative(a: list[Event], b: list[Event], c: list[Event]) -> None:
    x, y, z = fold(a), fold([_renamed(e, "b") for e in b]), fold([_renamed(e, "c") for e in c])
    assert x.merge(y).merge(z).to_json() == x.merge(y.merge(z)).to_json()
    assert EventAggregate.combine([x, y, z]).to_json() == x.merge(y).merge(z).to_json()


@PROPERTY
@given(events=event_lists())
def test_json_round_trips_exactly_through_text(events: list[Event]) -> None:
    aggregate = fold(events)
    text = orjson.dumps(aggregate.to_json(), option=orjson.OPT_SORT_KEYS)
    again = EventAggregate.from_json(orjson.loads(text))
    assert again.to_json() == aggregate.to_json()
    assert orjson.dumps(again.to_json(), option=orjson.OPT_SORT_KEYS) == text
    assert again == aggregate


@PROPERTY
@given(events=event_lists(20))
def test_merge_leaves_its_inputs_alone(events: list[Event]) -> None:
    half = len(events) // 2
    left, right = fold(events[:half]), fold(events[half:])
    before = (left.to_json(), right.to_json())
    merged = left.merge(right)
    merged.fold(event("zzz", "order.placed", 1, {"order_id": "o1", "total": 1, "currency": "TWD"}))
    assert (left.to_json(), right.to_json()) == before


def _renamed(e: Event, prefix: str) -> Event:
    """The same event under another id, so that parts of a merge hold distinct events."""
    return Event(
        f"{prefix}{e.id}", e.type, e.occurred_at, e.source, e.identifiers, e.data, e.body_hash
    )


# -- orders ----------------------------------------------------------------------------------


def test_an_order_counts_once_at_the_amount_of_its_latest_event() -> None:
    events = [
        event("e1", "order.placed", 0, {"order_id": "1", "total": 1000, "currency": "TWD"}),
        event("e2", "order.completed", 5, {"order_id": "1", "total": 900, "currency": "TWD"}),
        event("e3", "order.completed", 6, {"order_id": "2"}),
        event("e4", "order.placed", 4, {"order_id": "2", "total": 10, "currency": "USD"}),
    ]
    totals = fold(events).orders()
    assert (totals.orders, totals.placed, totals.completed, totals.counted) == (2, 2, 2, 2)
    # order 1 at its completed amount; order 2's completion has no amount: its placed one holds
    assert totals.revenue_cents == 90_000 + 32_000
    assert totals.first_at == T0 and totals.last_at == T0 + timedelta(hours=6)


def test_returns_are_refunded_from_revenue() -> None:
    items = [
        {"sku": "K", "category": "kettles", "quantity": 2, "unit_price": 500},
        {"sku": "T", "category": "tea", "quantity": 1, "unit_price": 200},
    ]
    events = [
        event("e1", "order.placed", 0, {"order_id": "1", "items": items, "currency": "TWD"}),
        event(
            "e2",
            "order.returned",
            9,
            {"order_id": "1", "currency": "TWD", "items": [items[0] | {"quantity": 1}]},
        ),
        event("e3", "order.placed", 1, {"order_id": "2", "total": 300, "currency": "TWD"}),
        event("e4", "order.returned", 2, {"order_id": "2"}),
        event("e5", "order.returned", 3, {"order_id": "9", "total": 50, "currency": "TWD"}),
    ]
    totals = fold(events).orders()
    # order 1: 1,200 less one kettle (500); order 2 returned whole; order 9 predates our data
    assert totals.revenue_cents == 70_000
    assert totals.refunded_cents == 50_000 + 30_000 + 5_000
    assert (totals.orders, totals.returned, totals.counted) == (2, 3, 1)
    assert totals.categories == {"kettles": (50_000, 1), "tea": (20_000, 1)}


def test_evicted_orders_are_sealed_so_totals_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    events = []
    for n in range(12):
        data = {"order_id": str(n), "currency": "TWD", "total": 100 + n}
        data["items"] = [{"sku": "K", "category": f"c{n % 3}", "quantity": 1, "unit_price": 10}]
        events.append(event(f"p{n:02d}", "order.placed", n, data))
        events.append(event(f"c{n:02d}", "order.completed", n + 0.5, {"order_id": str(n)}))
    events.append(event("r", "order.returned", 12.7, {"order_id": "11"}))
    exact = fold(events).orders()
    monkeypatch.setattr(layout, "ORDER_CAP", 3)
    capped = fold(events)
    assert len(capped.to_json()["orders"]) == 3
    assert capped.orders() == exact
    assert exact.revenue_cents == sum(100 + n for n in range(11)) * 100


# -- the other families ---------------------------------------------------------------------


def test_marketing_engagement_by_channel() -> None:
    events = [
        event("e1", "marketing.sent", 0, {"campaign_id": "c", "channel": "email"}),
        event("e2", "marketing.opened", 1, {"campaign_id": "c", "channel": "email"}),
        event("e3", "marketing.clicked", 2, {"campaign_id": "c", "channel": "line"}),
        event("e4", "marketing.opened", 3, {"campaign_id": "c", "channel": "line"}),
        event(
            "e5",
            "marketing.converted",
            4,
            {"campaign_id": "c", "channel": "line", "value": 5, "currency": "USD"},
        ),
        event("e6", "marketing.unsubscribed", 5, {"campaign_id": "c", "channel": "sms"}),
    ]
    seen = fold(events).marketing()
    counts = (seen.sent, seen.opened, seen.clicked, seen.converted, seen.unsubscribed)
    assert counts == (1, 2, 1, 1, 1)
    assert seen.engaged == {"email": 1, "line": 2}
    assert seen.engaged_at == T0 + timedelta(hours=4)
    assert seen.conversion_value_cents == 16_000
    assert seen.unsubscribes == {"sms": (T0 + timedelta(hours=5), "e6", "eshop")}


def test_the_latest_cart_wins_by_time_then_event_id() -> None:
    line = [{"sku": "K", "quantity": 1, "unit_price": 5}]
    events = [
        event("e1", "cart.abandoned", 3, {"items": line, "currency": "TWD"}),
        event("e2", "cart.updated", 3, {"items": line * 2, "currency": "TWD"}),
        event("e0", "cart.updated", 1, {"items": [], "currency": "TWD"}),
    ]
    for ordering in (events, events[::-1]):
        cart = fold(ordering).behaviour().cart
        assert cart is not None and cart.event_id == "e2" and not cart.abandoned


def test_wishlist_keeps_the_latest_add_or_remove_per_sku() -> None:
    events = [
        event("e1", "wishlist.added", 0, {"sku": "K1", "name": "Kettle"}),
        event("e2", "wishlist.removed", 1, {"sku": "K1"}),
        event("e3", "wishlist.added", 2, {"sku": "K2"}),
        event("e4", "wishlist.added", 3, {"sku": "K1", "name": "Kettle"}),
        event("e5", "wishlist.removed", 4, {"sku": "K2"}),
    ]
    assert [w.sku for w in fold(events).behaviour().wishlist] == ["K1"]


def test_claims_follow_their_latest_event() -> None:
    events = [
        event("e1", "warranty.claim_opened", 0, {"claim_id": "A", "issue": "leaks"}),
        event("e2", "warranty.claim_updated", 2, {"claim_id": "A", "status": "in repair"}),
        event("e3", "warranty.claim_opened", 1, {"claim_id": "B"}),
        event("e4", "warranty.claim_closed", 3, {"claim_id": "B", "resolution": "replaced"}),
    ]
    claims = {c.claim_id: c for c in fold(events).claims()}
    assert claims["A"].is_open and claims["A"].status == "in repair"
    assert claims["A"].issue == "leaks" and claims["A"].opened_at == T0
    assert not claims["B"].is_open and claims["B"].closed_at == T0 + timedelta(hours=3)


def test_bookings_keep_the_latest_status_and_schedule() -> None:
    events = [
        event(
            "e1", "booking.booked", 0, {"booking_id": "B", "scheduled_at": "2026-02-01T10:00:00Z"}
        ),
        event(
            "e2",
            "booking.rescheduled",
            1,
            {"booking_id": "B", "scheduled_at": "2026-02-03T10:00:00Z"},
        ),
        event("e3", "booking.attended", 900, {"booking_id": "B"}),
    ]
    (booking,), sealed = fold(events[::-1]).bookings()
    assert booking.status == "attended" and sealed == {}
    assert booking.scheduled_at == datetime(2026, 2, 3, 10, tzinfo=UTC)


def test_the_20_newest_conversations_are_kept_with_short_summaries() -> None:
    events = [
        event(
            f"e{n:02d}",
            "conversation.opened",
            n,
            {"conversation_id": f"c{n:02d}", "channel": "line", "topic": "t", "summary": "x" * 400},
        )
        for n in range(25)
    ]
    seen = fold(events).conversations()
    assert [c.conversation_id for c in seen.recent] == [f"c{n:02d}" for n in range(24, 4, -1)]
    assert all(c.summary is not None and len(c.summary) == 280 for c in seen.recent)
    assert seen.topics == {"t": 25}


def test_evicted_conversations_keep_their_topics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "CONVERSATION_CAP", 2)
    events = [
        event(f"e{n}", "conversation.closed", n, {"conversation_id": f"c{n}", "channel": "sms",
              "topic": "refund" if n % 2 else "delivery", "sentiment": "negative"})
        for n in range(5)
    ]  # fmt: skip
    seen = fold(events).conversations()
    assert seen.topics == {"delivery": 3, "refund": 2}
    assert seen.sentiments == {"negative": 5}


def test_loyalty_sums_points_and_keeps_the_latest_balance_tier_and_voucher_state() -> None:
    events = [
        event("e1", "loyalty.points_earned", 0, {"points": 100, "balance_after": 100}),
        event("e2", "loyalty.points_redeemed", 2, {"points": 30, "balance_after": 70}),
        event("e3", "loyalty.points_earned", 1, {"points": 5}),
        event("e4", "loyalty.tier_changed", 3, {"tier": "Gold", "previous_tier": "Silver"}),
        event("e5", "loyalty.tier_changed", 1, {"tier": "Silver"}),
        event(
            "e6", "loyalty.voucher_issued", 0, {"voucher_id": "V", "value": 50, "currency": "TWD"}
        ),
        event("e7", "loyalty.voucher_redeemed", 4, {"voucher_id": "V"}),
    ]
    loyalty = fold(events).loyalty()
    assert (loyalty.earned, loyalty.redeemed) == (105, 30)
    assert (loyalty.balance, loyalty.tier) == (70, "Gold")
    (voucher,) = loyalty.vouchers
    assert voucher.state == "redeemed" and voucher.value == 50


def test_consents_are_last_writer_wins_with_ties_broken_by_event_id() -> None:
    data = {"channel": "sms", "purpose": "marketing"}
    events = [
        event("e2", "consent.granted", 1, data, source="crm"),
        event("e1", "consent.revoked", 1, data, source="pos"),
        event("e0", "consent.revoked", 0, data),
    ]
    for ordering in (events, events[::-1]):
        (consent,) = fold(ordering).consents()
        assert (consent.state, consent.source, consent.event_id) == ("granted", "crm", "e2")


def test_activity_by_family_and_source() -> None:
    events = [
        event("e1", "web.searched", 2, {"query": "k"}, source="web"),
        event("e2", "custom.store_visit", 1, {}, source="pos"),
        event("e3", "web.product_viewed", 5, {"sku": "K", "category": "Kettles"}, source="web"),
    ]
    aggregate = fold(events)
    activity = aggregate.activity()
    assert activity.first_at == T0 + timedelta(hours=1)
    assert activity.last_at == T0 + timedelta(hours=5)
    assert activity.families["behaviour"] == (T0 + timedelta(hours=2), T0 + timedelta(hours=5))
    assert activity.sources == {"pos": T0 + timedelta(hours=1), "web": T0 + timedelta(hours=5)}
    assert activity.custom == {"custom.store_visit": 1}
    assert aggregate.behaviour().viewed == {"kettles": 1}


def test_counters_drop_their_smallest_entries_past_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout, "CATEGORY_CAP", 2)
    views = ["c", "c", "c", "b", "b", "a"]  # past the cap, the order of arrival matters
    events = [
        event(f"e{n}", "web.product_viewed", n, {"sku": "K", "category": c})
        for n, c in enumerate(views)
    ]
    assert fold(events).behaviour().viewed == {"b": 2, "c": 3}


# -- the stored form ----------------------------------------------------------------------------


def test_an_empty_aggregate_round_trips_and_reads_as_nothing() -> None:
    empty = EventAggregate()
    assert empty.empty and EventAggregate.from_json(empty.to_json()) == empty
    assert empty.orders().orders == 0 and empty.behaviour().cart is None
    assert EventAggregate.combine([]).to_json() == empty.to_json()


def test_another_format_or_unknown_parts_are_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        EventAggregate.from_json({"v": 99})
    with pytest.raises(ValueError, match="unknown"):
        EventAggregate.from_json({"v": 1, "mystery": 1})


def test_to_json_is_a_copy() -> None:
    aggregate = fold([event("e1", "web.searched", 0, {"query": "k"})])
    document = aggregate.to_json()
    document["counts"]["web.searched"] = 99
    assert aggregate.to_json()["counts"]["web.searched"] == 1


# -- bounds (issue 9): totals at the documented per-event bounds stay 64-bit JSON numbers -------


def test_totals_saturate_rather_than_overflow_at_the_bounds() -> None:
    from resolvers.customer360.crdt import CEILING
    from resolvers.customer360.event_fields import MAX_AMOUNT, MAX_POINTS, MAX_QUANTITY

    line = {"sku": "K1", "category": "kettles", "quantity": MAX_QUANTITY, "unit_price": MAX_AMOUNT}
    big = {"total": MAX_AMOUNT, "currency": "USD", "items": [line] * 3}
    events = [
        event(f"o{n}", "order.placed", n, {**big, "order_id": f"o{n}"}) for n in range(40)
    ] + [event(f"p{n}", "loyalty.points_earned", n, {"points": MAX_POINTS}) for n in range(40)]
    aggregate = fold(events)
    text = orjson.dumps(aggregate.to_json())  # a figure past 64 bits would raise here
    assert EventAggregate.from_json(orjson.loads(text)) == aggregate
    totals = aggregate.orders()
    assert totals.revenue_cents == 40 * MAX_AMOUNT * 32 * 100  # exact while it fits
    assert totals.categories["kettles"][0] == CEILING  # 40 x 3 x 10^18 x 32 does not
    assert aggregate.loyalty().earned == 40 * MAX_POINTS
