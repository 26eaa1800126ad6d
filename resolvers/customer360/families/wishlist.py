"""Wishlists: products added and removed.

Everything about the ``wishlist.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from resolvers.customer360.event_fields import (
    Field,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    present,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    PRODUCT,
)
from resolvers.customer360.timeline_text import (
    product_name,
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "wishlist.added": PRODUCT,
    "wishlist.removed": PRODUCT,
}
TITLES = {
    "wishlist.added": "Added to wishlist",
    "wishlist.removed": "Removed from wishlist",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    sku = text_value(data, "sku")
    if sku:
        value = {"added": verb == "added", **present(data, "name", "category")}
        delta["wishlist"] = {sku: [at, eid, value]}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    return f"{'Added' if verb == 'added' else 'Removed'} {product_name(data)} " + (
        "to the wishlist" if verb == "added" else "from the wishlist"
    )


FAMILY = Family(
    prefix="wishlist",
    family="behaviour",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
