"""Reading the 360: the merged profile, the timeline and the context for agents.

Cost grows with one customer's data, never with the store: a profile reads the customer's
identifiers, the observations that carry them, and one event aggregate per identifier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.engine import Engine
from app.services.customers import customer_of_identifier, find_customer, identifier_key
from app.services.stitching import anchor_customer
from app.store.protocol import GraphReader, StoredObservation, TimelinePage
from resolvers.customer360.context import SUMMARY_CHARS, ContactView, build_context, fit_json
from resolvers.customer360.events import EVENT_TYPES, EventAggregate
from resolvers.customer360.profile import assemble_profile
from resolvers.customer360.read_model import Profile, TimelineItem
from resolvers.customer360.survivorship import AttributeEvidence, survive
from resolvers.customer360.timeline import describe
from resolvers.identity.evidence import CustomerState, IdentifierState
from resolvers.identity.observations import RawIdentifier

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


def profile(engine: Engine, customer_id: str) -> Profile:
    """The 360 profile of a customer (an absorbed id answers with the survivor)."""
    loaded = engine.store.read(lambda tx: _load(tx, find_customer(tx, customer_id)))
    return _assemble(engine, loaded, customer_id)


def served_profile(engine: Engine, tx: GraphReader, customer: CustomerState) -> dict[str, Any]:
    """The profile of a live customer exactly as ``GET /v1/customers/{id}`` serves it, read
    inside a caller's transaction (segments evaluate their conditions against it)."""
    profile = _assemble(engine, _load(tx, customer), customer.id)
    return profile.model_dump(mode="json", exclude_unset=True)


def profile_by_identifier(engine: Engine, raw: RawIdentifier) -> Profile:
    """The 360 profile of the customer holding an identifier."""
    key = identifier_key(engine, raw, ("query",))
    loaded = engine.store.read(lambda tx: _load(tx, customer_of_identifier(tx, key)[1]))
    out = _assemble(engine, loaded, loaded.customer.id)
    return out.model_copy(update={"matched_identifier": key})


def _assemble(engine: Engine, loaded: _Loaded, requested: str) -> Profile:
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
        now=engine.clock(),
        account_currency=engine.account_currency,
        sources=sources,
    )
    return out.model_copy(
        update={"requested_id": requested, "absorbed_ids": loaded.absorbed, "records": len(mine)}
    )


def _belongs(
    obs: StoredObservation, customer_id: str, states: dict[str, IdentifierState], engine: Engine
) -> bool:
    """A record's attributes are its most trusted linking identifier's customer's alone."""
    return anchor_customer(obs.identifiers, states, engine) == customer_id


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    """Which events of a customer to read: a page of them, newest first."""

    limit: int = 50
    before: tuple[datetime, str] | None = None  # the (time, id) the page starts after
    types: tuple[str, ...] = ()  # types or families (``order.*``); empty: every type
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True, slots=True)
class CustomerTimeline:
    """A page of a customer's timeline and the position the next page starts after."""

    customer_id: str
    items: list[TimelineItem]
    next_position: tuple[datetime, str] | None


def timeline(engine: Engine, customer_id: str, query: TimelineQuery) -> CustomerTimeline:
    """A page of the customer's events, newest first (an absorbed id reads the survivor's)."""

    def read(tx: GraphReader) -> tuple[str, TimelinePage]:
        customer = find_customer(tx, customer_id)
        keys = list(tx.members([customer.id]))
        page = tx.timeline(keys, query.limit, query.before, query.types, query.since, query.until)
        return customer.id, page

    survivor, page = engine.store.read(read)
    items = [describe(e, engine.account_currency) for e in page.events]
    return CustomerTimeline(survivor, items, page.next_cursor)


def context(
    engine: Engine,
    customer_id: str,
    *,
    max_chars: int | None = None,
    contacts: ContactView = "masked",
    text: bool = False,
) -> dict[str, Any]:
    """Compact context for a support agent or an LLM: rules, open issues, who, owns.

    With ``max_chars``, the summary (``text``) or the whole JSON document keeps within it.
    """

    def read(tx: GraphReader) -> tuple[_Loaded, Any]:
        customer = find_customer(tx, customer_id)
        loaded = _load(tx, customer)
        page = tx.timeline(list(loaded.members), CONTEXT_EVENTS, None, (), None, None)
        return loaded, page

    loaded, page = engine.store.read(read)
    full = _assemble(engine, loaded, customer_id)
    recent = [describe(e, engine.account_currency) for e in page.events]
    if text:  # the text is the summary alone: it may take the whole budget
        summary_chars = max_chars or SUMMARY_CHARS
    else:
        summary_chars = min(max_chars or SUMMARY_CHARS, SUMMARY_CHARS)
    built = build_context(
        full, recent, engine.clock(), contacts=contacts, summary_chars=summary_chars
    )
    return fit_json(built, max_chars) if max_chars is not None and not text else built
