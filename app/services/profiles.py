"""Reading the 360: the merged profile, the timeline and the context for agents.

Cost grows with one customer's data, never with the store: a profile reads the customer's
identifiers, the observations that carry them, and one event aggregate per identifier.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.engine import Engine
from app.errors import Unprocessable
from app.schemas import parse_time
from app.services.customers import customer_of_identifier, find_customer, identifier_key
from app.store.protocol import GraphReader, StoredObservation
from resolvers.context import build_context
from resolvers.events import EVENT_TYPES, EventAggregate
from resolvers.evidence import CustomerState, IdentifierState
from resolvers.observations import RawIdentifier
from resolvers.profile import assemble_profile
from resolvers.survivorship import AttributeEvidence, survive
from resolvers.timeline import describe

OBSERVATIONS_READ = 1000
CONTEXT_EVENTS = 50
FAMILIES = frozenset(t.split(".", 1)[0] for t in EVENT_TYPES) | {"custom"}


@dataclass(frozen=True, slots=True)
class _Loaded:
    customer: CustomerState
    members: dict[str, IdentifierState]
    observations: list[StoredObservation]
    others: dict[str, IdentifierState]
    aggregates: dict[str, EventAggregate]
    absorbed: list[str]


def _load(tx: GraphReader, customer: CustomerState) -> _Loaded:
    members = tx.members([customer.id])
    observations = tx.observations_of(list(members), OBSERVATIONS_READ)
    outside = {k for o in observations for k in o.identifiers if k not in members}
    return _Loaded(
        customer=customer,
        members=members,
        observations=observations,
        others=tx.identifiers(outside),
        aggregates=tx.aggregates(list(members)),
        absorbed=tx.absorbed_into(customer.id),
    )


def profile(engine: Engine, customer_id: str) -> dict[str, Any]:
    """The 360 profile of a customer (an absorbed id answers with the survivor)."""
    loaded = engine.store.read(lambda tx: _load(tx, find_customer(tx, customer_id)))
    return _assemble(engine, loaded, customer_id)


def served_profile(engine: Engine, tx: GraphReader, customer: CustomerState) -> dict[str, Any]:
    """The profile of a live customer exactly as ``GET /v1/customers/{id}`` serves it, read
    inside a caller's transaction (segments evaluate their conditions against it)."""
    return _assemble(engine, _load(tx, customer), customer.id)


def profile_by_identifier(engine: Engine, raw: RawIdentifier) -> dict[str, Any]:
    """The 360 profile of the customer holding an identifier."""
    key = identifier_key(engine, raw, ("query",))
    loaded = engine.store.read(lambda tx: _load(tx, customer_of_identifier(tx, key)[1]))
    out = _assemble(engine, loaded, loaded.customer.id)
    out["matched_identifier"] = key
    return out


def _assemble(engine: Engine, loaded: _Loaded, requested: str) -> dict[str, Any]:
    customer = loaded.customer
    states = {**loaded.others, **loaded.members}
    mine = [o for o in loaded.observations if _belongs(o, customer.id, states, engine)]
    evidence = [AttributeEvidence(o.id, o.source, o.observed_at, o.attributes) for o in mine]
    sources: dict[str, datetime] = {}
    for o in mine:
        if o.source not in sources or o.observed_at > sources[o.source]:
            sources[o.source] = o.observed_at
    out = assemble_profile(
        customer.id,
        [loaded.members[k] for k in sorted(loaded.members)],
        survive(evidence, engine.policy.survivorship),
        EventAggregate.combine(loaded.aggregates.values()),
        engine.clock(),
        engine.account_currency,
        sources=sources,
    )
    out["requested_id"] = requested
    out["absorbed_ids"] = loaded.absorbed
    out["records"] = len(mine)
    return out


def _belongs(
    obs: StoredObservation, customer_id: str, states: dict[str, IdentifierState], engine: Engine
) -> bool:
    """A record's attributes are its most trusted linking identifier's customer's alone."""
    best: IdentifierState | None = None
    for key in obs.identifiers:
        state = states.get(key)
        if state is None or not state.live or state.customer_id is None:
            continue
        if best is None or engine.policy.priority(state.kind) > engine.policy.priority(best.kind):
            best = state
    return best is not None and best.customer_id == customer_id


def timeline(
    engine: Engine,
    customer_id: str,
    limit: int,
    cursor: str | None,
    types: str | None,
    since: str | None,
    until: str | None,
) -> dict[str, Any]:
    """A page of the customer's events, newest first."""
    before = _decode_cursor(cursor) if cursor else None
    wanted = _types(types)
    start, end = _time("since", since), _time("until", until)

    def read(tx: GraphReader) -> tuple[str, Any]:
        customer = find_customer(tx, customer_id)
        keys = list(tx.members([customer.id]))
        return customer.id, tx.timeline(keys, limit, before, wanted, start, end)

    survivor, page = engine.store.read(read)
    return {
        "customer_id": survivor,
        "items": [describe(e, engine.account_currency) for e in page.events],
        "next_cursor": _encode_cursor(page.next_cursor) if page.next_cursor else None,
    }


def context(engine: Engine, customer_id: str) -> dict[str, Any]:
    """Compact context for a support agent or an LLM: who, owns, open issues, rules."""

    def read(tx: GraphReader) -> tuple[_Loaded, Any]:
        customer = find_customer(tx, customer_id)
        loaded = _load(tx, customer)
        page = tx.timeline(list(loaded.members), CONTEXT_EVENTS, None, (), None, None)
        return loaded, page

    loaded, page = engine.store.read(read)
    full = _assemble(engine, loaded, customer_id)
    recent = [describe(e, engine.account_currency) for e in page.events]
    return build_context(full, recent, engine.clock())


def _types(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    out = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        family = item[:-2] if item.endswith(".*") else None
        if item in EVENT_TYPES or (family in FAMILIES) or item.startswith("custom."):
            out.append(item)
        else:
            raise Unprocessable(
                f"unknown event type {item!r}: name a type (order.placed) or a family (order.*)",
                code="invalid_types",
            )
    return tuple(out)


def _time(name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as error:
        raise Unprocessable(
            f"{name}: an ISO-8601 time with a zone ({error})", code="invalid_time"
        ) from None


def _encode_cursor(position: tuple[datetime, str]) -> str:
    text = f"{position[0].isoformat()}|{position[1]}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        moment, _, event_id = text.partition("|")
        when = datetime.fromisoformat(moment)
        if when.tzinfo is None or not event_id:
            raise ValueError("incomplete cursor")
        return when, event_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Unprocessable(
            "cursor is the next_cursor of a previous page", code="bad_cursor"
        ) from None
