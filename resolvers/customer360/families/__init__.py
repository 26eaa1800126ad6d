"""Timeline event families, one module each, and the registries built from them.

A family module (``orders.py``…) holds everything about its events. The registries here are
what validation (``event_schemas``), the aggregate (``aggregates.deltas``) and the timeline
(``timeline``) look types up in.
"""

from __future__ import annotations

from resolvers.customer360.event_fields import Field
from resolvers.customer360.families import (
    booking,
    cart,
    consent,
    conversation,
    loyalty,
    marketing,
    orders,
    warranty,
    web,
    wishlist,
)
from resolvers.customer360.families.family import Builder, Family, Sentence

ALL: tuple[Family, ...] = (
    orders.FAMILY,
    marketing.FAMILY,
    web.FAMILY,
    cart.FAMILY,
    wishlist.FAMILY,
    warranty.FAMILY,
    booking.FAMILY,
    conversation.FAMILY,
    loyalty.FAMILY,
    consent.FAMILY,
)
FAMILIES: dict[str, str] = {f.prefix: f.family for f in ALL} | {"custom": "custom"}
SCHEMAS: dict[str, tuple[Field, ...]] = {t: fields for f in ALL for t, fields in f.schemas.items()}
TITLES: dict[str, str] = {t: title for f in ALL for t, title in f.titles.items()}
BUILDERS: dict[str, Builder] = {f.prefix: f.fold for f in ALL}
SENTENCES: dict[str, Sentence] = {f.prefix: f.sentence for f in ALL}
