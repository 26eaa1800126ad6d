"""Web behaviour: pages and products viewed, searches.

Everything about the ``web.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from resolvers.customer360.event_fields import (
    Field,
    text,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    category_key,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    PRODUCT,
)
from resolvers.customer360.timeline_text import (
    product_name,
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "web.page_viewed": (Field("url", text(2048), True), Field("title", text(300))),
    "web.product_viewed": PRODUCT,
    "web.searched": (Field("query", text(500), True),),
}
TITLES = {
    "web.page_viewed": "Page viewed",
    "web.product_viewed": "Product viewed",
    "web.searched": "Searched",
}


def fold(delta: Delta, verb: str, data: Data, _at: str, _eid: str, _source: str) -> None:
    category = category_key(data.get("category"))
    if verb == "product_viewed" and category:
        delta["viewed"] = {category: 1}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    if verb == "searched":
        return f'Searched for "{data.get("query")}"'
    if verb == "product_viewed":
        return f"Viewed {product_name(data)}"
    return f"Viewed {data.get('title') or data.get('url')}"


FAMILY = Family(
    prefix="web",
    family="behaviour",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
