"""Test builders shared by the suites: engines over real stores, observations, partitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from app.engine import Engine
from app.store.protocol import Store
from app.store.sqlite.store import SqliteStore
from resolvers.identity.evidence import LinkRecord
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawIdentifier, RawObservation
from resolvers.identity.policy import MergePolicy, load_policy

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime = datetime(2026, 6, 1, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: float = 1.0) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def engine(
    store: Store | None = None, policy: MergePolicy | None = None, region: str = "TW"
) -> Engine:
    """An engine over a real store (an in-memory SQLite one unless given)."""
    policy = policy or load_policy()
    return Engine(
        store=store or SqliteStore(":memory:"),
        policy=policy,
        normaliser=Normaliser(policy, region),
        fx_rates={"USD": 32.0, "JPY": 0.21},
        clock=Clock(),
    )


def obs(
    record_id: str,
    *identifiers: tuple[str, str],
    day: float = 0,
    source: str = "crm",
    **attributes: Any,
) -> RawObservation:
    """An observation ``day`` days after T0."""
    return RawObservation(
        record_id,
        source,
        T0 + timedelta(days=day),
        [RawIdentifier(kind, value) for kind, value in identifiers],
        attributes,
    )


def partition(store: Store) -> list[list[str]]:
    """Customers as sorted lists of their identifier keys, sorted: comparable across stores."""
    groups: dict[str, list[str]] = {}
    for batch in store.scan_identifiers(1000):
        for state in batch:
            if state.customer_id:
                groups.setdefault(state.customer_id, []).append(state.key)
    return sorted(sorted(keys) for keys in groups.values())


def customer_of(store: Store, key: str) -> str | None:
    """The customer id an identifier key belongs to."""
    state = store.read(lambda tx: tx.identifiers([key])).get(key)
    return state.customer_id if state else None


def all_links(store: Store) -> list[LinkRecord]:
    """Every link."""
    return [link for batch in store.scan_links(1000) for link in batch]


def link_states(store: Store) -> list[tuple[str, str, str, str | None]]:
    """Every link's state and reason, sorted: comparable across stores."""
    return sorted((lk.a, lk.b, lk.state.value, lk.reason) for lk in all_links(store))


def keys_of(pairs: Iterable[Sequence[str]]) -> list[list[str]]:
    """Sorted groups."""
    return sorted(sorted(p) for p in pairs)


def wire(model: BaseModel) -> dict[str, Any]:
    """A read model as the API serves it: JSON types, only the fields it was given."""
    return model.model_dump(mode="json", exclude_unset=True)
