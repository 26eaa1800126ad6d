"""Reading event data for an aggregate: text, amounts in cents, order lines, category mixes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any, TypeGuard

from resolvers.customer360.crdt import CEILING, add

if TYPE_CHECKING:
    pass

SUMMARY_CHARS = 280
CART_ITEMS = 50
ITEM_FIELDS = ("sku", "name", "category", "quantity", "unit_price")

Delta = dict[str, Any]
Data = Mapping[str, Any]


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def category_key(value: Any) -> str | None:
    """Categories group case-blind: "Kettles" and "kettles" are one interest."""
    if not isinstance(value, str):
        return None
    return value.strip().casefold() or None


def text_value(data: Data, key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def present(data: Data, *keys: str) -> dict[str, Any]:
    return {k: data[k] for k in keys if data.get(k) is not None}


def registers(data: Data, at: str, eid: str, *keys: str) -> dict[str, Any]:
    return {k: [at, eid, data[k]] for k in keys if data.get(k) is not None}


def is_whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def cents(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int((Decimal(str(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def order_lines(raw: Any) -> list[tuple[str | None, int, int]]:
    """(category, spend in cents, quantity) of each well-formed item."""
    lines: list[tuple[str | None, int, int]] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, Mapping):
            continue
        quantity, price = item.get("quantity"), cents(item.get("unit_price_account"))
        if is_whole(quantity) and price is not None:
            lines.append(
                (category_key(item.get("category")), min(price * quantity, CEILING), quantity)
            )
    return lines


def category_mix(lines: list[tuple[str | None, int, int]]) -> dict[str, list[int]]:
    mix: dict[str, list[int]] = {}
    for category, spend, quantity in lines:
        if category:
            line = mix.setdefault(category, [0, 0])
            line[0] = add(line[0], spend)
            line[1] = add(line[1], quantity)
    return mix
