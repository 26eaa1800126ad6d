"""The store port: what the use cases need from a database, and nothing about which one.

A unit of work runs as a function of a transaction-scoped handle (``store.write(work)``),
so that a store whose driver retries transactions (Neo4j) can run it again: ``work`` must
read what it needs through the handle and have no effect outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from app.store.retention import RetentionReads, RetentionWrites
from app.store.segments import SegmentReads, SegmentWrites
from app.store.webhooks import WebhookReads, WebhookWrites
from resolvers.customer360.events import Event, EventAggregate
from resolvers.customer360.feed import ChangeRecord
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord

T = TypeVar("T")
Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """An observation as kept: the evidence behind links and attribute values."""

    id: str
    source: str
    observed_at: datetime
    received_at: datetime
    identifiers: tuple[str, ...]
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit entry with its place in the log."""

    seq: int
    entry: AuditEntry


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as stored: never the key itself, only its hash."""

    id: str
    name: str
    prefix: str
    digest: str
    scopes: tuple[str, ...]
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewLabel:
    """A steward's answer to a review item: a labelled pair of identifiers.

    ``a`` and ``b`` are identifier keys in key order; ``decision`` is ``link``, ``never`` or
    ``skip``. Labels are what ``c360 match train`` and the policy preview measure against.
    """

    a: str
    b: str
    decision: str
    reason: str
    actor: str
    at: datetime


@dataclass(frozen=True, slots=True)
class TimelinePage:
    """Events of a set of identifiers, newest first, and where the next page starts."""

    events: list[Event]
    next_cursor: tuple[datetime, str] | None


class GraphReader(SegmentReads, WebhookReads, RetentionReads, Protocol):
    """Reads inside a transaction (or a consistent read snapshot)."""

    def identifiers(self, keys: Collection[str]) -> dict[str, IdentifierState]:
        """Identifier states by key; unknown keys are absent."""
        ...

    def customers(self, ids: Collection[str]) -> dict[str, CustomerState]:
        """Live customers by id; absorbed or unknown ids are absent."""
        ...

    def members(self, customer_ids: Collection[str]) -> dict[str, IdentifierState]:
        """Every identifier of the given customers."""
        ...

    def identifier_keys(self, after: str, limit: int) -> list[str]:
        """The next ``limit`` identifier keys after ``after``, in key order."""
        ...

    def links(self, pairs: Collection[Pair]) -> dict[Pair, LinkRecord]:
        """Links by their (sorted) key pair; unknown pairs are absent."""
        ...

    def links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        """Every link with at least one end among ``keys``."""
        ...

    def weighed_links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        """The links with an end among ``keys`` that canonical resolution weighs: those not
        set aside (``LinkRecord.set_aside``: a steward's cut, a proposal awaiting review).
        A large store holds many more proposals than links that join, and re-resolving
        reads none of them."""
        ...

    def observation_hashes(self, ids: Collection[str]) -> dict[str, str]:
        """Body hashes of stored observations by id."""
        ...

    def live_customer_ids(self, ids: Collection[str]) -> set[str]:
        """Which of these ids are live customers."""
        ...

    def aliases(self, ids: Collection[str]) -> dict[str, str | None]:
        """Absorbed ids and the customer each now answers with (None: dissolved)."""
        ...

    def absorbed_into(self, customer_id: str) -> list[str]:
        """Ids that were absorbed by merges and now answer with this customer."""
        ...

    def observations_of(self, keys: Collection[str], limit: int) -> list[StoredObservation]:
        """Observations carrying any of these identifiers, newest first."""
        ...

    def block_members(self, blocks: Collection[str], per_block: int) -> dict[str, list[str]]:
        """The first ``per_block`` observation ids by id filed under each of these blocking
        keys, in id order (a key nothing is filed under is left out)."""
        ...

    def stored_observations(self, ids: Collection[str]) -> list[StoredObservation]:
        """These observations as stored, in id order (ids not stored are left out)."""
        ...

    def person_evidence(self, ids: Collection[str]) -> dict[str, str]:
        """The person evidence kept for these observations, as the text last written
        (``ChangeSet.person_evidence``); observations with none are left out."""
        ...

    def history(
        self, customer_ids: Collection[str], limit: int, before: int | None
    ) -> list[AuditRecord]:
        """Audit entries naming any of these customers, newest first, before a sequence."""
        ...

    def conflicts(self, limit: int, after: Pair | None) -> list[LinkRecord]:
        """Links rejected by a limit or attach rule, waiting for a steward, in key order."""
        ...

    def event_hashes(self, ids: Collection[str]) -> dict[str, str]:
        """Body hashes of stored events by id."""
        ...

    def aggregates(self, keys: Collection[str]) -> dict[str, EventAggregate]:
        """Per-identifier event aggregates by key."""
        ...

    def timeline(
        self,
        keys: Collection[str],
        limit: int,
        before: tuple[datetime, str] | None,
        types: Collection[str],
        since: datetime | None,
        until: datetime | None,
    ) -> TimelinePage:
        """Events anchored on these identifiers, newest first, paged by (time, id)."""
        ...

    def changes(
        self, after: int, limit: int, customer_ids: Collection[str] | None = None
    ) -> list[ChangeRecord]:
        """The feed after a sequence number, oldest first; with ``customer_ids``, only the
        changes that name any of them."""
        ...

    def last_change(self) -> int:
        """The sequence number of the newest change in the feed (0 when it is empty)."""
        ...


class GraphWriter(GraphReader, SegmentWrites, WebhookWrites, RetentionWrites, Protocol):
    """Reads and writes inside one atomic transaction."""

    def apply(self, changes: ChangeSet) -> None:
        """Write a ChangeSet (see its docstring for the order)."""
        ...

    def append_events(
        self, events: Sequence[Event], anchors: Sequence[str], received_at: datetime
    ) -> None:
        """Store new events, each anchored on one identifier key."""
        ...

    def put_aggregates(self, aggregates: dict[str, EventAggregate]) -> None:
        """Replace per-identifier event aggregates."""
        ...

    def add_review_labels(self, labels: Sequence[ReviewLabel]) -> None:
        """Record stewards' answers to review items, in the order given."""
        ...


class Store(Protocol):
    """One database behind the service."""

    kind: str

    def write(self, work: Callable[[GraphWriter], T]) -> T:
        """Run ``work`` in one write transaction; all of it commits or none."""
        ...

    def read(self, work: Callable[[GraphReader], T]) -> T:
        """Run ``work`` against one consistent read view."""
        ...

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    def get_meta(self, name: str) -> str | None:
        """A value the store keeps about itself (schema version, default region)."""
        ...

    def set_meta(self, name: str, value: str) -> None:
        """Record a value about the store."""
        ...

    def create_key(self, record: ApiKeyRecord) -> None:
        """Store a new API key record."""
        ...

    def key_by_digest(self, digest: str) -> ApiKeyRecord | None:
        """The key with this hash, revoked or not."""
        ...

    def list_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        ...

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        """Revoke a key; False when there is no such live key."""
        ...

    def scan_identifiers(self, batch_size: int) -> Iterator[list[IdentifierState]]:
        """Every identifier, in key order, a batch at a time."""
        ...

    def scan_customers(self, batch_size: int) -> Iterator[list[CustomerState]]:
        """Every live customer, in id order, a batch at a time."""
        ...

    def scan_links(self, batch_size: int) -> Iterator[list[LinkRecord]]:
        """Every link, a batch at a time."""
        ...

    def review_labels(self) -> list[ReviewLabel]:
        """Every steward answer to a review item, oldest first."""
        ...

    def counts(self) -> dict[str, int]:
        """Sizes of the store: identifiers, customers, links, observations, events."""
        ...


class StoreUnavailable(Exception):
    """The database cannot be reached now; the caller may retry later."""


class StoreOutcomeUnknown(StoreUnavailable):
    """The database was lost while a commit was in flight: it may or may not have applied.

    Retrying the same records is safe: observations and events are idempotent by id.
    """


class StoreConflict(Exception):
    """A concurrent writer changed what this unit of work read; run it again."""


class TornRead(Exception):
    """What a unit of work read does not hang together: a concurrent writer was changing it.

    A store whose transactions are serialisable never shows one. A Bolt server with weaker
    isolation (ArcadeDB) can: a link visible before the identifier it names. The store runs
    the unit of work again from a fresh read, and answers StoreConflict if it keeps failing.
    """
