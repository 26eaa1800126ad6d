"""The layout of an event aggregate, how each part merges, and how its size stays bounded.

Stamps are fixed-width UTC strings (``resolvers.timestamps.stamp``); money is whole cents of
the account currency, so that sums are exact and independent of order. A register is
``[stamp, event id, value]`` and the latest event's value wins. Every key is optional.

    v                            format version; a different one means "rebuild from events"
    counts / custom              events by catalogue type / by custom type (100 most frequent)
    first_at, last_at            earliest and latest event
    family_first, family_last    the same by family
    sources                      {source: latest event}, the 64 most recent
    order_first_at/_last_at      earliest and latest order.placed or order.completed
    orders                       {order_id: ORDER}, the 2,000 most recently active orders;
    orders_sealed                older orders' figures, added up when they leave ``orders``
    sealed_categories            older orders' {category: [spend, quantity]}
    engaged, engaged_at          {channel: opens + clicks}, latest open, click or conversion
    conversion_value             sum of converted values
    unsubscribed                 {channel: register of the latest unsubscribe's source}
    viewed                       {category: product views}, the 200 largest
    cart                         register of the latest cart event
    wishlist                     {sku: register {added, name, category}}, 500 newest
    products                     {serial: register of the warranty registration}, 200 newest
    claims                       {claim_id: CLAIM}, 200 (open ones kept first)
    bookings, bookings_sealed    {booking_id: BOOKING}, 500 most recent; older ones' statuses
    conversations                {conversation_id: CONVERSATION}, 100 most recent;
    topics_sealed, sentiments_sealed   older conversations' topics and sentiments
    points_earned/_redeemed      sums of points
    balance, tier                registers of the latest reported balance and tier
    vouchers                     {voucher_id: VOUCHER}, 200 (issued ones kept first)
    consents                     {"channel:purpose": register {state, source}}

Caps keep a stored aggregate small; below them, results are exactly order-independent.
Past them an evicted entry's figures are sealed into running totals, so totals stay exact
unless a late event arrives for an entry already evicted (it then starts a new entry).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from resolvers.customer360.crdt import (
    Merge,
    add,
    add_each,
    earliest,
    keyed,
    last_writer,
    latest,
    record,
    top_counts,
)

VERSION = 1
ORDER_CAP = 2000
BOOKING_CAP = 500
CONVERSATION_CAP = 100
CLAIM_CAP = 200
VOUCHER_CAP = 200
PRODUCT_CAP = 200
WISHLIST_CAP = 500
CATEGORY_CAP = 200
TOPIC_CAP = 200
CUSTOM_TYPE_CAP = 100
SOURCE_CAP = 64

counter = keyed(add)
ORDER = record(
    {
        "first_at": earliest,
        "last_at": latest,
        "placed": latest,
        "completed": latest,
        "returned": latest,
        "full_return": latest,
        "value": last_writer,  # amount of the latest placed/completed event that gave one
        "mix": last_writer,  # {category: [spend, quantity]} of the latest one with items
        "refunded": add,
        "returned_mix": keyed(add_each),
    }
)
CLAIM = record(
    {
        "first_at": earliest,
        "last_at": latest,
        "closed_at": latest,
        "state": last_writer,
        "status": last_writer,
        "serial": last_writer,
        "issue": last_writer,
        "resolution": last_writer,
    }
)
BOOKING = record(
    {
        "last_at": latest,
        "state": last_writer,
        "scheduled_at": last_writer,
        "service": last_writer,
        "location": last_writer,
        "staff": last_writer,
    }
)
CONVERSATION = record(
    {
        "first_at": earliest,
        "last_at": latest,
        **dict.fromkeys(
            ("state", "channel", "topic", "sentiment", "outcome", "summary", "agent"), last_writer
        ),
    }
)
VOUCHER = record(
    {
        "first_at": earliest,
        "last_at": latest,
        "state": last_writer,
        "value": last_writer,
        "expires_at": last_writer,
        "description": last_writer,
    }
)
SEALED_ORDERS = ("orders", "placed", "completed", "returned", "counted", "revenue", "refunded")

SCHEMA: dict[str, Merge] = {
    "v": latest,
    "counts": counter,
    "custom": counter,
    "first_at": earliest,
    "last_at": latest,
    "family_first": keyed(earliest),
    "family_last": keyed(latest),
    "sources": keyed(latest),
    "order_first_at": earliest,
    "order_last_at": latest,
    "orders": keyed(ORDER),
    "orders_sealed": counter,
    "sealed_categories": keyed(add_each),
    "engaged": counter,
    "engaged_at": latest,
    "conversion_value": add,
    "unsubscribed": keyed(last_writer),
    "viewed": counter,
    "cart": last_writer,
    "wishlist": keyed(last_writer),
    "products": keyed(last_writer),
    "claims": keyed(CLAIM),
    "bookings": keyed(BOOKING),
    "bookings_sealed": counter,
    "conversations": keyed(CONVERSATION),
    "topics_sealed": counter,
    "sentiments_sealed": counter,
    "points_earned": add,
    "points_redeemed": add,
    "balance": last_writer,
    "tier": last_writer,
    "vouchers": keyed(VOUCHER),
    "consents": keyed(last_writer),
}
merge_state = record(SCHEMA)


def order_figures(entry: dict[str, Any]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """What one order adds to the totals, and its net {category: [spend, quantity]}.

    An order counts once, at the amount of its latest placed/completed event, net of what
    was refunded; a return without an amount or items refunds the whole order.
    """
    placed, completed = entry.get("placed", 0), entry.get("completed", 0)
    bought = 1 if placed or completed else 0
    value = entry["value"][2] if "value" in entry else None
    full = bool(entry.get("full_return"))
    refunded = max(entry.get("refunded", 0), value if full and value is not None else 0)
    net = max(0, value - refunded) if value is not None and bought else 0
    figures = {
        "orders": bought,
        "placed": placed,
        "completed": completed,
        "returned": entry.get("returned", 0),
        "counted": 1 if net > 0 else 0,
        "revenue": net,
        "refunded": refunded,
    }
    categories: dict[str, list[int]] = {}
    if bought and not full and "mix" in entry:
        back = entry.get("returned_mix", {})
        for category, (spend, quantity) in entry["mix"][2].items():
            less_spend, less_quantity = back.get(category, (0, 0))
            line = [max(0, spend - less_spend), max(0, quantity - less_quantity)]
            if line != [0, 0]:
                categories[category] = line
    return figures, categories


def trim(state: dict[str, Any]) -> None:
    """Bound every growing part of a state, sealing evicted orders, bookings, conversations."""
    for _, entry in _evict(state, "orders", ORDER_CAP, _by_activity):
        figures, categories = order_figures(entry)
        _add_to(state, "orders_sealed", {k: v for k, v in figures.items() if v})
        for category, line in categories.items():
            sealed = state.setdefault("sealed_categories", {})
            sealed[category] = add_each(sealed[category], line) if category in sealed else line
    for _, entry in _evict(state, "bookings", BOOKING_CAP, _by_activity):
        _add_to(state, "bookings_sealed", {entry["state"][2]: 1})
    for _, entry in _evict(state, "conversations", CONVERSATION_CAP, _by_activity):
        if "topic" in entry:
            _add_to(state, "topics_sealed", {entry["topic"][2]: 1})
        if "sentiment" in entry:
            _add_to(state, "sentiments_sealed", {entry["sentiment"][2]: 1})
    _evict(state, "claims", CLAIM_CAP, lambda k, e: (e["state"][2] != "closed", e["last_at"], k))
    _evict(
        state, "vouchers", VOUCHER_CAP, lambda k, e: (e["state"][2] == "issued", e["last_at"], k)
    )
    _evict(state, "products", PRODUCT_CAP, _by_register)
    _evict(state, "wishlist", WISHLIST_CAP, _by_register)
    _evict(state, "sources", SOURCE_CAP, lambda k, at: (at, k))
    for name, cap in (
        ("custom", CUSTOM_TYPE_CAP),
        ("viewed", CATEGORY_CAP),
        ("sealed_categories", CATEGORY_CAP),
        ("topics_sealed", TOPIC_CAP),
    ):
        if name in state:
            state[name] = top_counts(state[name], cap)


def _by_activity(key: str, entry: dict[str, Any]) -> tuple[str, str]:
    return (entry["last_at"], key)


def _by_register(key: str, register: list[Any]) -> tuple[str, str, str]:
    return (register[0], register[1], key)


def _evict(
    state: dict[str, Any], name: str, cap: int, order: Callable[[str, Any], Any]
) -> list[tuple[str, Any]]:
    """Remove the oldest entries of ``state[name]`` beyond ``cap``, answering them."""
    entries = state.get(name)
    if not entries or len(entries) <= cap:
        return []
    oldest = heapq.nsmallest(len(entries) - cap, entries.items(), key=lambda kv: order(*kv))
    for key, _ in oldest:
        del entries[key]
    return oldest


def _add_to(state: dict[str, Any], name: str, amounts: dict[str, int]) -> None:
    totals = state.setdefault(name, {})
    for key, value in amounts.items():
        totals[key] = add(totals.get(key, 0), value)
