"""Builders and views shared by the contract tests (no fixtures here)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.engine import Engine
from app.services.customers import resolve
from app.store.protocol import Pair, Store
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import load_policy

START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
POLICY = load_policy(None)


def engine_for(store: Store) -> Engine:
    """The engine every contract test uses: default policy, region TW, a fixed clock."""
    return Engine(store, POLICY, Normaliser(POLICY, "TW"), clock=lambda: NOW)


def ident(kind: str, value: str) -> RawIdentifier:
    """One identifier as a channel sends it."""
    return RawIdentifier(kind, value)


def obs(
    obs_id: str,
    *identifiers: tuple[str, str],
    hours: float = 0,
    source: str = "crm",
    **attributes: Any,
) -> RawObservation:
    """An observation ``hours`` after START carrying ``(kind, value)`` identifiers."""
    return RawObservation(
        id=obs_id,
        source=source,
        observed_at=START + timedelta(hours=hours),
        identifiers=[RawIdentifier(k, v) for k, v in identifiers],
        attributes=attributes,
    )


def partition(store: Store) -> set[frozenset[str]]:
    """The identifier keys of each customer."""
    members: dict[str, set[str]] = {}
    for batch in store.scan_identifiers(1000):
        for state in batch:
            if state.customer_id is not None:
                members.setdefault(state.customer_id, set()).add(state.key)
    return {frozenset(keys) for keys in members.values()}


def membership(store: Store) -> dict[str, str | None]:
    """Each identifier key and its customer id."""
    return {s.key: s.customer_id for batch in store.scan_identifiers(1000) for s in batch}


def link_states(store: Store) -> dict[Pair, str]:
    """Each link's state by pair."""
    return {link.pair: link.state.value for batch in store.scan_links(1000) for link in batch}


def customer_of(engine: Engine, kind: str, value: str) -> str | None:
    """The customer of one identifier, through the resolve use case."""
    return resolve(engine, [RawIdentifier(kind, value)])[0].customer_id


def keys_of(*identifiers: tuple[str, str]) -> Iterable[str]:
    """Keys of already-normalised (kind, value) pairs."""
    return (f"{k}:{v}" for k, v in identifiers)


def raw_of(body: dict[str, Any]) -> RawObservation:
    """A demo generator's observation body as the API would parse it."""
    return RawObservation(
        id=body["id"],
        source=body["source"],
        observed_at=datetime.fromisoformat(body["observed_at"]),
        identifiers=[RawIdentifier(i["kind"], i["value"]) for i in body["identifiers"]],
        attributes=body["attributes"],
    )
