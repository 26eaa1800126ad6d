"""Finding customers from what an agent or a support screen was told: an id or any identifier."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from app.engine import Engine
from app.errors import NotFound
from app.services.customers import find_customer
from app.store.protocol import GraphReader
from resolvers.errors import InvalidIdentifier
from resolvers.identity.customer_ids import looks_like_id


@dataclass(frozen=True, slots=True)
class Match:
    """A customer a query names, and how: by its id or by one of its identifiers."""

    customer_id: str
    matched: str  # "customer_id", or the identifier kind the query was read as
    key: str | None  # the identifier key matched (None for an id)


def search_customers(engine: Engine, query: str, limit: int = 10) -> list[Match]:
    """Customers a free-text query names: a customer id (absorbed ids too), ``kind:value``,
    or a value read as every identifier kind it normalises as (an e-mail, a phone, a CRM id…).

    Matches come in kind-trust order, one per customer; an unknown value matches nothing.
    """
    text = query.strip()
    keys: dict[str, str] = {}
    kind, sep, value = text.partition(":")
    explicit = bool(sep) and engine.policy.kind(kind) is not None
    for candidate in [kind] if explicit else sorted(engine.policy.kinds):
        try:
            found = engine.normaliser.normalise(candidate, value if explicit else text)
        except InvalidIdentifier:
            continue
        for item in found or ():
            keys.setdefault(item.identifier.key, candidate)

    def read(tx: GraphReader) -> list[Match]:
        out: list[Match] = []
        if looks_like_id(text):
            with contextlib.suppress(NotFound):
                out.append(Match(find_customer(tx, text).id, "customer_id", None))
        states = tx.identifiers(list(keys))
        ranked = sorted(
            (s for s in states.values() if s.customer_id is not None),
            key=lambda s: (-engine.policy.priority(s.kind), s.key),
        )
        for state in ranked:
            assert state.customer_id is not None
            out.append(Match(find_customer(tx, state.customer_id).id, keys[state.key], state.key))
        unique: dict[str, Match] = {}
        for match in out:
            unique.setdefault(match.customer_id, match)
        return list(unique.values())[:limit]

    return engine.store.read(read)
