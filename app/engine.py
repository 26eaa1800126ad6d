"""The composition of what every use case needs: the store, the policy, the clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from app.settings import Settings
from app.store.protocol import Store
from resolvers.identity.changes import AuditEntry
from resolvers.identity.normalise import Normaliser
from resolvers.identity.policy import MergePolicy, load_policy


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


class Sink(Protocol):
    """Where committed changes are counted (Prometheus in the server; nowhere by default)."""

    def committed(self, audit: Sequence[AuditEntry], rejected: int) -> None:
        """Count what one committed unit of work did."""


class NoSink:
    """Counts nothing."""

    def committed(self, audit: Sequence[AuditEntry], rejected: int) -> None:
        """Do nothing."""


@dataclass
class Engine:
    """The store, the merge policy and the clock, as the use cases take them."""

    store: Store
    policy: MergePolicy
    normaliser: Normaliser
    account_currency: str = "TWD"
    fx_rates: Mapping[str, float] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=utc_now)
    sink: Sink = field(default_factory=NoSink)
    # whether records' parsed person evidence is kept as they are filed and met (off for a
    # policy preview: its transaction is rolled back, keeping would only write)
    keep_person_evidence: bool = True


def read_policy(path: Path | None) -> MergePolicy:
    """The policy in force: the defaults, with the file's tables laid over them."""
    return load_policy(path.read_text(encoding="utf-8") if path else None)


def open_store(settings: Settings, apply_schema: bool = True) -> Store:
    """The store the settings name (imported lazily: the Neo4j driver only when needed).

    SQLite creates its tables on open, always; ``apply_schema=False`` leaves a Neo4j schema
    to an explicit ``migrate()``.
    """
    if settings.store_kind == "sqlite":
        from app.store.sqlite.store import SqliteStore, path_of

        return SqliteStore(
            path_of(settings.store_url),
            synchronous=settings.sqlite_synchronous,
            cache_entries=settings.sqlite_cache_entries,
        )
    from app.store.neo4j.store import Neo4jStore

    password = settings.neo4j_password.get_secret_value() if settings.neo4j_password else ""
    return Neo4jStore.connect(
        settings.store_url,
        settings.neo4j_user,
        password,
        settings.neo4j_database,
        startup_timeout_s=settings.startup_timeout_s,
        apply_schema=apply_schema,
        max_transaction_retry_time=settings.neo4j_retry_s,
    )


def build_engine(settings: Settings, store: Store | None = None) -> Engine:
    """Build the engine from settings; the region the store's data was normalised with wins."""
    policy = read_policy(settings.policy_file)
    store = store or open_store(settings)
    region = settle_region(store, settings.default_region)
    return Engine(
        store=store,
        policy=policy,
        normaliser=Normaliser(policy, region),
        account_currency=settings.account_currency,
        fx_rates=policy.fx_rates,
    )


class RegionMismatch(Exception):
    """The configured default region differs from the one the stored data was normalised with."""


def settle_region(store: Store, configured: str | None) -> str | None:
    """Record the default region on first use; refuse a different one later."""
    stored = store.get_meta("default_region")
    if configured is None:
        return stored
    if stored is None:
        store.set_meta("default_region", configured)
        return configured
    if stored != configured:
        raise RegionMismatch(
            f"C360_DEFAULT_REGION is {configured} but this store's phone numbers were "
            f"normalised with {stored}; use {stored}, or a new store"
        )
    return stored
