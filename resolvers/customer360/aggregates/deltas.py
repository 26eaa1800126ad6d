"""What one event adds to an aggregate, written as a small state to merge in."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, TypeGuard

from resolvers.customer360.aggregates.crdt import CEILING, add
from resolvers.customer360.event_schemas import family_of
from resolvers.timestamps import stamp

if TYPE_CHECKING:
    from resolvers.customer360.events import Event

SUMMARY_CHARS = 280
CART_ITEMS = 50
ITEM_FIELDS = ("sku", "name", "category", "quantity", "unit_price")

Delta = dict[str, Any]
Data = Mapping[str, Any]


def delta_of(event: Event) -> Delta:
    """The state of an aggregate that holds this one event."""
    at, eid = stamp(event.occurred_at), event.id
    family = family_of(event.type)
    delta: Delta = {
        "first_at": at,
        "last_at": at,
        "family_first": {family: at},
        "family_last": {family: at},
        "sources": {event.source: at},
    }
    if family == "custom":
        delta["custom"] = {event.type: 1}
        return delta
    delta["counts"] = {event.type: 1}
    prefix, _, verb = event.type.partition(".")
    builder = BUILDERS.get(prefix)
    if builder is not None:
        builder(delta, verb, event.data, at, eid, event.source)
    return delta


def _orders(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    order_id = _text(data, "order_id")
    if order_id is None:
        return
    entry: dict[str, Any] = {"first_at": at, "last_at": at}
    lines = _lines(data.get("items"))
    if verb in ("placed", "completed"):
        entry[verb] = 1
        amount = _cents(data.get("total_account"))
        if amount is None and lines:
            amount = sum(spend for _, spend, _ in lines)
        if amount is not None:
            entry["value"] = [at, eid, amount]
        mix = _mix(lines)
        if lines:
            entry["mix"] = [at, eid, mix]
        delta["order_first_at"] = delta["order_last_at"] = at
    elif verb == "returned":
        entry["returned"] = 1
        refund = _cents(data.get("total_account"))
        if refund is None and lines:
            refund = sum(spend for _, spend, _ in lines)
        if refund is None:
            entry["full_return"] = 1
        else:
            entry["refunded"] = refund
        if lines:
            entry["returned_mix"] = _mix(lines)
    delta["orders"] = {order_id: entry}


def _marketing(delta: Delta, verb: str, data: Data, at: str, eid: str, source: str) -> None:
    channel = _text(data, "channel")
    if channel and verb in ("opened", "clicked"):
        delta["engaged"] = {channel: 1}
    if verb in ("opened", "clicked", "converted"):
        delta["engaged_at"] = at
    value = _cents(data.get("value_account"))
    if verb == "converted" and value:
        delta["conversion_value"] = value
    if channel and verb == "unsubscribed":
        delta["unsubscribed"] = {channel: [at, eid, source]}


def _web(delta: Delta, verb: str, data: Data, _at: str, _eid: str, _source: str) -> None:
    category = category_key(data.get("category"))
    if verb == "product_viewed" and category:
        delta["viewed"] = {category: 1}


def _cart(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    raw_items = data.get("items")
    kept = raw_items[:CART_ITEMS] if isinstance(raw_items, list) else []
    cart = {
        "abandoned": verb == "abandoned",
        "items": [
            {k: item[k] for k in ITEM_FIELDS if item.get(k) is not None}
            for item in kept
            if isinstance(item, Mapping)
        ],
        **_present(data, "cart_id", "total", "currency", "total_account"),
    }
    delta["cart"] = [at, eid, cart]


def _wishlist(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    sku = _text(data, "sku")
    if sku:
        value = {"added": verb == "added", **_present(data, "name", "category")}
        delta["wishlist"] = {sku: [at, eid, value]}


def _warranty(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    if verb == "registered":
        serial = _text(data, "serial")
        if serial:
            fields = ("model", "product", "category", "purchased_at", "expires_at")
            delta["products"] = {serial: [at, eid, _present(data, *fields)]}
        return
    claim_id = _text(data, "claim_id")
    if claim_id is None or not verb.startswith("claim_"):
        return
    state = verb.removeprefix("claim_")
    entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, state]}
    if state == "closed":
        entry["closed_at"] = at
    entry.update(_registers(data, at, eid, "status", "serial", "issue", "resolution"))
    delta["claims"] = {claim_id: entry}


def _booking(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    booking_id = _text(data, "booking_id")
    if booking_id:
        entry: dict[str, Any] = {"last_at": at, "state": [at, eid, verb]}
        entry.update(_registers(data, at, eid, "scheduled_at", "service", "location", "staff"))
        delta["bookings"] = {booking_id: entry}


def _conversation(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    conversation_id = _text(data, "conversation_id")
    if conversation_id is None:
        return
    entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, verb]}
    fields = ("channel", "topic", "sentiment", "outcome", "agent")
    entry.update(_registers(data, at, eid, *fields))
    summary = _text(data, "summary")
    if summary:
        entry["summary"] = [at, eid, shorten(summary, SUMMARY_CHARS)]
    delta["conversations"] = {conversation_id: entry}


def _loyalty(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    points = data.get("points")
    if verb in ("points_earned", "points_redeemed") and _is_whole(points):
        delta[verb] = points
    if _is_whole(data.get("balance_after")):
        delta["balance"] = [at, eid, data["balance_after"]]
    if verb == "tier_changed" and _text(data, "tier"):
        delta["tier"] = [at, eid, data["tier"]]
    voucher_id = _text(data, "voucher_id")
    if voucher_id and verb.startswith("voucher_"):
        state = verb.removeprefix("voucher_")
        entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, state]}
        if data.get("value") is not None:
            entry["value"] = [at, eid, _present(data, "value", "currency", "value_account")]
        entry.update(_registers(data, at, eid, "expires_at", "description"))
        delta["vouchers"] = {voucher_id: entry}


def _consent(delta: Delta, verb: str, data: Data, at: str, eid: str, source: str) -> None:
    channel, purpose = _text(data, "channel"), _text(data, "purpose")
    if channel and purpose:
        delta["consents"] = {f"{channel}:{purpose}": [at, eid, {"state": verb, "source": source}]}


Builder = Callable[[Delta, str, Data, str, str, str], None]
BUILDERS: dict[str, Builder] = {
    "order": _orders,
    "marketing": _marketing,
    "web": _web,
    "cart": _cart,
    "wishlist": _wishlist,
    "warranty": _warranty,
    "booking": _booking,
    "conversation": _conversation,
    "loyalty": _loyalty,
    "consent": _consent,
}


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def category_key(value: Any) -> str | None:
    """Categories group case-blind: "Kettles" and "kettles" are one interest."""
    if not isinstance(value, str):
        return None
    return value.strip().casefold() or None


def _text(data: Data, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _present(data: Data, *keys: str) -> dict[str, Any]:
    return {k: data[k] for k in keys if data.get(k) is not None}


def _registers(data: Data, at: str, eid: str, *keys: str) -> dict[str, Any]:
    return {k: [at, eid, data[k]] for k in keys if data.get(k) is not None}


def _is_whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _cents(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _lines(raw: Any) -> list[tuple[str | None, int, int]]:
    """(category, spend in cents, quantity) of each well-formed item."""
    lines: list[tuple[str | None, int, int]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        quantity, price = item.get("quantity"), _cents(item.get("unit_price_account"))
        if _is_whole(quantity) and price is not None:
            lines.append(
                (category_key(item.get("category")), min(price * quantity, CEILING), quantity)
            )
    return lines


def _mix(lines: list[tuple[str | None, int, int]]) -> dict[str, list[int]]:
    mix: dict[str, list[int]] = {}
    for category, spend, quantity in lines:
        if category:
            line = mix.setdefault(category, [0, 0])
            line[0] = add(line[0], spend)
            line[1] = add(line[1], quantity)
    return mix
