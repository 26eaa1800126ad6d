"""Test factories shared by every suite: one meaning of time, of an engine, of a partition.

Time: observations are placed ``hours`` after START; the engine's clock reads NOW (later than
any observation a test makes) until a test moves it. A partition is the set of customers,
each the frozenset of its identifier keys, so it compares across stores and runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from app.engine import Engine
from app.services.customers import resolve
from app.store.protocol import Pair, Store
from app.store.sqlite.store import SqliteStore
from resolvers.customer360.read_model import Profile, TimelineItem
from resolvers.identity.evidence import LinkRecord
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import MergePolicy, load_policy

START = datetime(2024, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 6, 1, tzinfo=UTC)
FX_RATES = {"USD": 32.0, "JPY": 0.21}
POLICY = load_policy(None)
Reset = Callable[[], Store]  # gives the store under test, empty (contract fixtures)


class Clock:
    """A clock tests move by hand; it reads NOW until told otherwise."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def engine(
    store: Store | None = None,
    policy: MergePolicy | None = None,
    region: str = "TW",
    clock: Clock | None = None,
) -> Engine:
    """An engine over a real store (an in-memory SQLite one unless given), its clock at NOW."""
    policy = policy or POLICY
    return Engine(
        store=store or SqliteStore(":memory:"),
        policy=policy,
        normaliser=Normaliser(policy, region),
        fx_rates=FX_RATES,
        clock=clock or Clock(),
    )


def engine_for(store: Store) -> Engine:
    """An engine over this store, everything else as ``engine`` makes it."""
    return engine(store)


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
    if "day" in attributes or "days" in attributes:
        raise TypeError("obs() places a record in hours after START: pass hours=24 * days")
    return RawObservation(
        id=obs_id,
        source=source,
        observed_at=START + timedelta(hours=hours),
        identifiers=[RawIdentifier(k, v) for k, v in identifiers],
        attributes=attributes,
    )


def observation_body(
    record_id: str,
    *identifiers: tuple[str, str],
    at: str = "2026-03-01T10:00:00Z",
    **attributes: Any,
) -> dict[str, Any]:
    """An observation as a channel posts it to the API."""
    return {
        "id": record_id,
        "source": "crm",
        "observed_at": at,
        "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
        "attributes": attributes,
    }


def raw_of(body: dict[str, Any]) -> RawObservation:
    """A demo generator's observation body as the API would parse it."""
    return RawObservation(
        id=body["id"],
        source=body["source"],
        observed_at=datetime.fromisoformat(body["observed_at"]),
        identifiers=[RawIdentifier(i["kind"], i["value"]) for i in body["identifiers"]],
        attributes=body["attributes"],
    )


def partition(store: Store) -> set[frozenset[str]]:
    """The customers, each the identifier keys it holds."""
    members: dict[str, set[str]] = {}
    for batch in store.scan_identifiers(1000):
        for state in batch:
            if state.customer_id is not None:
                members.setdefault(state.customer_id, set()).add(state.key)
    return {frozenset(keys) for keys in members.values()}


def membership(store: Store) -> dict[str, str | None]:
    """Each identifier key and its customer id."""
    return {s.key: s.customer_id for batch in store.scan_identifiers(1000) for s in batch}


def all_links(store: Store) -> list[LinkRecord]:
    """Every link."""
    return [link for batch in store.scan_links(1000) for link in batch]


def link_states(store: Store) -> dict[Pair, str]:
    """Each link's state by pair."""
    return {link.pair: link.state.value for link in all_links(store)}


def link_decisions(store: Store) -> dict[Pair, tuple[str, str | None]]:
    """Each link's state and the reason recorded with it, by pair."""
    return {link.pair: (link.state.value, link.reason) for link in all_links(store)}


def customer_of(engine: Engine, kind: str, value: str) -> str | None:
    """The customer of one identifier, through the resolve use case."""
    return resolve(engine, [RawIdentifier(kind, value)])[0].customer_id


def keys_of(*identifiers: tuple[str, str]) -> Iterable[str]:
    """Keys of already-normalised (kind, value) pairs."""
    return (f"{k}:{v}" for k, v in identifiers)


def profile_of(document: Mapping[str, Any]) -> Profile:
    """A profile document (as the API serves it) read back into the typed profile."""
    return Profile.model_validate(document)


def items_of(documents: Iterable[Mapping[str, Any]]) -> list[TimelineItem]:
    """Timeline item documents read back into typed items."""
    return [TimelineItem.model_validate(d) for d in documents]


def wire(model: BaseModel) -> dict[str, Any]:
    """A read model as the API serves it: JSON types, only the fields it was given."""
    return model.model_dump(mode="json", exclude_unset=True)
