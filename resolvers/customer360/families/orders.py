"""Orders: placed, completed and returned, with their lines and amounts.

Everything about the ``order.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from typing import Any

from resolvers.customer360.event_fields import (
    Field,
    ident,
    items,
    text,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    category_mix,
    cents,
    order_lines,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.families.vocabulary import (
    MONEY,
)
from resolvers.customer360.timeline_text import (
    count_items,
    money_of,
)

ORDER = (
    Field("order_id", ident, True),
    Field("items", items),
    *MONEY,
    Field("store", text(200)),
    Field("channel", text(100)),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "order.placed": ORDER,
    "order.completed": ORDER,
    "order.returned": ORDER,
}
TITLES = {
    "order.placed": "Order placed",
    "order.completed": "Order completed",
    "order.returned": "Order returned",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    order_id = text_value(data, "order_id")
    if order_id is None:
        return
    entry: dict[str, Any] = {"first_at": at, "last_at": at}
    lines = order_lines(data.get("items"))
    if verb in ("placed", "completed"):
        entry[verb] = 1
        amount = cents(data.get("total_account"))
        if amount is None and lines:
            amount = sum(spend for _, spend, _ in lines)
        if amount is not None:
            entry["value"] = [at, eid, amount]
        mix = category_mix(lines)
        if lines:
            entry["mix"] = [at, eid, mix]
        delta["order_first_at"] = delta["order_last_at"] = at
    elif verb == "returned":
        entry["returned"] = 1
        refund = cents(data.get("total_account"))
        if refund is None and lines:
            refund = sum(spend for _, spend, _ in lines)
        if refund is None:
            entry["full_return"] = 1
        else:
            entry["refunded"] = refund
        if lines:
            entry["returned_mix"] = category_mix(lines)
    delta["orders"] = {order_id: entry}


def sentence(event_type: str, verb: str, data: Data, currency: str) -> str:
    amount = money_of(data, currency)
    if verb == "returned" and amount:
        amount = f"{amount} refunded"
    parts = [p for p in (count_items(data), amount) if p]
    head = f"Order {data.get('order_id')} {verb}"
    return f"{head}: {', '.join(parts)}" if parts else head


FAMILY = Family(
    prefix="order",
    family="sales",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
