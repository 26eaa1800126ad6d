"""Warranty: products registered, claims opened, updated and closed.

Everything about the ``warranty.*`` events in one place: what their data must hold, what one
event adds to a customer's aggregate, and how the timeline says it.
"""

from __future__ import annotations

from typing import Any

from resolvers.customer360.event_fields import (
    Field,
    day,
    ident,
    text,
)
from resolvers.customer360.event_values import (
    Data,
    Delta,
    present,
    registers,
    text_value,
)
from resolvers.customer360.families.family import Family

CLAIM = (
    Field("claim_id", ident, True),
    Field("serial", ident),
    Field("status", text(100)),
    Field("issue", text(1000)),
    Field("resolution", text(1000)),
)

SCHEMAS: dict[str, tuple[Field, ...]] = {
    "warranty.registered": (
        Field("serial", ident, True),
        Field("model", text(200), True),
        Field("product", text(300)),
        Field("category", text(100)),
        Field("purchased_at", day),
        Field("expires_at", day),
    ),
    "warranty.claim_opened": CLAIM,
    "warranty.claim_updated": CLAIM,
    "warranty.claim_closed": CLAIM,
}
TITLES = {
    "warranty.registered": "Warranty registered",
    "warranty.claim_opened": "Warranty claim opened",
    "warranty.claim_updated": "Warranty claim updated",
    "warranty.claim_closed": "Warranty claim closed",
}


def fold(delta: Delta, verb: str, data: Data, at: str, eid: str, _source: str) -> None:
    if verb == "registered":
        serial = text_value(data, "serial")
        if serial:
            fields = ("model", "product", "category", "purchased_at", "expires_at")
            delta["products"] = {serial: [at, eid, present(data, *fields)]}
        return
    claim_id = text_value(data, "claim_id")
    if claim_id is None or not verb.startswith("claim_"):
        return
    state = verb.removeprefix("claim_")
    entry: dict[str, Any] = {"first_at": at, "last_at": at, "state": [at, eid, state]}
    if state == "closed":
        entry["closed_at"] = at
    entry.update(registers(data, at, eid, "status", "serial", "issue", "resolution"))
    delta["claims"] = {claim_id: entry}


def sentence(event_type: str, verb: str, data: Data, _currency: str) -> str:
    if verb == "registered":
        line = f"Warranty registered for {data.get('model')} (serial {data.get('serial')})"
        return line + (f", valid until {data['expires_at']}" if data.get("expires_at") else "")
    state = verb.removeprefix("claim_")
    detail = {
        "opened": data.get("issue"),
        "updated": data.get("status"),
        "closed": data.get("resolution"),
    }.get(state)
    head = f"Warranty claim {data.get('claim_id')} {state}"
    return f"{head}: {detail}" if detail else head


FAMILY = Family(
    prefix="warranty",
    family="warranty",
    schemas=SCHEMAS,
    titles=TITLES,
    fold=fold,
    sentence=sentence,
)
