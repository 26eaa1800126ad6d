"""Loyalty: points earned and redeemed, tiers, vouchers.

Everything about the ``loyalty.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from typing import Any

from resolvers.customer360.event_fields import (
    MAX_POINTS,
    Field,
    amount,
    bounded,
    currency,
    day_or_moment,
    ident,
    positive,
    text,
    whole,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    is_whole,
    present,
    registers,
    text_value,
)
from resolvers.customer360.families.family import Family
from resolvers.customer360.timeline_text import (
    money_of,
    when,
)

POINTS = (
    Field("points", bounded(positive, MAX_POINTS), True),
    Field("balance_after", bounded(whole, MAX_POINTS * 1000)),
    Field("reason", text(300)),
)

VOUCHER = (
    Field("voucher_id", ident, True),
    Field("value", amount),
    Field("currency", currency),
    Field("expires_at", day_or_moment),
    Field("description", text(500)),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "loyalty.points_earned": POINTS,
    "loyalty.points_redeemed": POINTS,
    "loyalty.tier_changed": (Field("tier", text(100), True), Field("previous_tier", text(100))),
    "loyalty.voucher_issued": VOUCHER,
    "loyalty.voucher_redeemed": VOUCHER,
    "loyalty.voucher_expired": VOUCHER,
}
TITLES = {
    "loyalty.points_earned": "Points earned",
    "loyalty.points_redeemed": "Points redeemed",
    "loyalty.tier_changed": "Tier changed",
    "loyalty.voucher_issued": "Voucher issued",
    "loyalty.voucher_redeemed": "Voucher redeemed",
    "loyalty.voucher_expired": "Voucher expired",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    points = data.get("points")
    if verb in ("points_earned", "points_redeemed") and is_whole(points):
        delta[verb] = points
    if is_whole(data.get("balance_after")):
        delta["balance"] = [at, eid, data["balance_after"]]
    if verb == "tier_changed" and text_value(data, "tier"):
        delta["tier"] = [at, eid, data["tier"]]
    voucher_id = text_value(data, "voucher_id")
    if voucher_id and verb.startswith("voucher_"):
        state = verb.removeprefix("voucher_")
        entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, state]}
        if data.get("value") is not None:
            entry["value"] = [at, eid, present(data, "value", "currency", "value_account")]
        entry.update(registers(data, at, eid, "expires_at", "description"))
        delta["vouchers"] = {voucher_id: entry}


def sentence(event_type: str, verb: str, data: Data, currency: str) -> str:
    if verb.startswith("points_"):
        done = "Earned" if verb == "points_earned" else "Redeemed"
        line = f"{done} {data.get('points', 0):,} points"
        if data.get("balance_after") is not None:
            line += f" (balance {data['balance_after']:,})"
        return line + (f" for {data['reason']}" if data.get("reason") else "")
    if verb == "tier_changed":
        previous = data.get("previous_tier")
        return (
            f"Tier changed {'from ' + str(previous) + ' ' if previous else ''}to {data.get('tier')}"
        )
    state = verb.removeprefix("voucher_")
    line = f"Voucher {data.get('voucher_id')} {state}"
    extra = [p for p in (money_of(data, currency, "value"), data.get("description")) if p]
    if state == "issued" and data.get("expires_at"):
        extra.append(f"expires {when(data['expires_at'])}")
    return f"{line}: {', '.join(extra)}" if extra else line


FAMILY = Family(
    prefix="loyalty",
    family="loyalty",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
