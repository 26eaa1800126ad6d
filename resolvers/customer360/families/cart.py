"""Carts: updated and abandoned.

Everything about the ``cart.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from collections.abc import Mapping

from resolvers.customer360.event_fields import (
    Field,
    ident,
    items,
)
from resolvers.customer360.event_values import (
    CART_ITEMS,
    ITEM_FIELDS,
    Data,
    Delta,
    present,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    MONEY,
)
from resolvers.customer360.timeline_text import (
    count_items,
    money_of,
)

CART = (Field("cart_id", ident), Field("items", items, True), *MONEY)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "cart.updated": CART,
    "cart.abandoned": CART,
}
TITLES = {
    "cart.updated": "Cart updated",
    "cart.abandoned": "Cart abandoned",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    raw_items = data.get("items")
    kept = raw_items[:CART_ITEMS] if isinstance(raw_items, list) else []
    cart = {
        "abandoned": verb == "abandoned",
        "items": [
            {k: item[k] for k in ITEM_FIELDS if item.get(k) is not None}
            for item in kept
            if isinstance(item, Mapping)
        ],
        **present(data, "cart_id", "total", "currency", "total_account"),
    }
    delta["cart"] = [at, eid, cart]


def sentence(event_type: str, verb: str, data: Data, currency: str) -> str:
    parts = [p for p in (count_items(data) or "empty", money_of(data, currency)) if p]
    return f"Cart {verb}: {', '.join(parts)}"


FAMILY = Family(
    prefix="cart",
    family="behaviour",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
