"""The hot identity graph kept in memory between write transactions of one store instance.

A stitch reads the identifiers, customers and links its batch touches; the previous batch
usually wrote most of them. The cache keeps what committed write transactions read and wrote,
so the next one reads them from memory instead of decoding rows again.

It is correct only for the database state it was filled from. Every write transaction that
changes the graph bumps the store's generation (``meta.graph_generation``) inside the
transaction; a write transaction starts by reading it, and when it is not the generation the
cache was left at (another store instance, another worker process or a steward's command
wrote since), the cache is dropped. A transaction's reads and writes go to a layer of its
own, merged into the cache only after it commits; a rollback drops the cache.

Values are handed out as copies and taken in as copies: callers mutate the states they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import islice
from typing import TypeVar

from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord

Pair = tuple[str, str]
K = TypeVar("K")
V = TypeVar("V")

# entries of each kind kept (about 60 MB of identifiers, 55 MB of customers and 15 MB of
# links at 100,000); the oldest written go first. C360_SQLITE_CACHE_ENTRIES sets it.
CACHE_ENTRIES = 100_000
BYPASS_AFTER = 2


def copy_identifier(s: IdentifierState) -> IdentifierState:
    """An independent copy (its dicts copied; the tuples inside are immutable)."""
    return IdentifierState(
        s.key,
        s.kind,
        s.first_seen_at,
        s.last_seen_at,
        s.status,
        s.status_reason,
        s.customer_id,
        dict(s.neighbours),
        dict(s.traits),
        s.variant,
        s.role,
        s.per_person,
        dict(s.persons),
    )


def copy_customer(c: CustomerState) -> CustomerState:
    """An independent copy (its dicts copied)."""
    return CustomerState(
        c.id,
        c.anchor_key,
        c.anchor_first_seen_at,
        c.size,
        dict(c.kind_counts),
        dict(c.allowance),
        c.conflicts,
        c.linking,
        dict(c.traits),
        c.created_at,
        c.updated_at,
    )


def copy_link(link: LinkRecord) -> LinkRecord:
    """An independent copy (every field is immutable)."""
    return LinkRecord(
        link.a,
        link.b,
        link.first_seen_at,
        link.last_seen_at,
        link.count,
        link.sources,
        link.observations,
        link.state,
        link.reason,
        link.decided_by,
        link.decided_at,
    )


class GraphCache:
    """Committed identifier, customer and link states of one database generation.

    ``None`` for a customer or a link means known absent. Only write transactions use it,
    under the store's write lock, so it needs no lock of its own.
    """

    def __init__(self, limit: int = CACHE_ENTRIES) -> None:
        self.limit = limit
        self.generation: int | None = None
        self.identifiers: dict[str, IdentifierState] = {}
        self.members: dict[str, set[str]] = {}  # customer id -> cached keys pointing at it
        self.customers: dict[str, CustomerState | None] = {}
        self.links: dict[Pair, LinkRecord | None] = {}
        # identifier key -> row id: row ids never change once committed, and identifiers are
        # never deleted, so these survive another writer's commits (not a rollback of ours)
        self.rowids: dict[str, int] = {}
        self.drops = 0
        self.foreign = 0  # transactions in a row that found another writer's generation

    def clear(self, rowids: bool = True) -> None:
        """Forget every state (and the row ids too, unless told to keep them)."""
        if self.identifiers or self.customers or self.links:
            self.drops += 1
        self.generation = None
        self.identifiers.clear()
        self.members.clear()
        self.customers.clear()
        self.links.clear()
        if rowids:
            self.rowids.clear()

    def begin(self, generation: int) -> TxLayer:
        """A layer for one write transaction; the cache is dropped if another writer moved
        the generation since this store's last commit.

        When other writers moved it before each of the last ``BYPASS_AFTER`` transactions
        (several workers writing in turn), the layer is disabled: keeping a cache that the
        next transaction drops would only cost copies. One transaction that finds the
        generation where it left it enables it again.
        """
        if generation != self.generation:
            if self.generation is not None:
                self.foreign += 1
            self.clear(rowids=False)
            self.generation = generation
        else:
            self.foreign = 0
        return TxLayer(self, enabled=self.foreign < BYPASS_AFTER)

    def commit(self, layer: TxLayer, generation: int) -> None:
        """Take in what a committed transaction read and wrote; it left ``generation``."""
        self.generation = generation
        if not layer.enabled:
            return  # the cache was dropped when the transaction began: it holds nothing
        for cid in layer.forget:
            self.customers.pop(cid, None)
        for key, state in layer.identifiers.items():
            self._put_identifier(key, state)
        for cid, customer in layer.customers.items():
            _put(self.customers, cid, customer)
        for pair, link in layer.links.items():
            _put(self.links, pair, link)
        self._bound()

    def _put_identifier(self, key: str, state: IdentifierState) -> None:
        old = self.identifiers.pop(key, None)
        if old is not None and old.customer_id is not None and old.customer_id != state.customer_id:
            owned = self.members.get(old.customer_id)
            if owned is not None:
                owned.discard(key)
                if not owned:
                    del self.members[old.customer_id]
        self.identifiers[key] = state
        if state.customer_id is not None:
            self.members.setdefault(state.customer_id, set()).add(key)

    def _bound(self) -> None:
        excess = len(self.identifiers) - self.limit
        if excess > 0:
            for key in _oldest(self.identifiers, excess):
                state = self.identifiers.pop(key)
                if state.customer_id is not None:
                    owned = self.members.get(state.customer_id)
                    if owned is not None:
                        owned.discard(key)
                        if not owned:
                            del self.members[state.customer_id]
        _trim(self.customers, self.limit)
        _trim(self.links, self.limit)
        if len(self.rowids) > 4 * self.limit:
            self.rowids.clear()


class TxLayer:
    """What one write transaction read and wrote, over the cache of committed states."""

    def __init__(self, cache: GraphCache, enabled: bool = True) -> None:
        self.cache = cache
        self.enabled = enabled
        self.identifiers: dict[str, IdentifierState] = {}
        self.customers: dict[str, CustomerState | None] = {}
        self.links: dict[Pair, LinkRecord | None] = {}
        self.forget: set[str] = set()  # customers whose stored row the cache cannot know
        self.wrote_graph = False

    def identifier(self, key: str) -> IdentifierState | None:
        """A copy of the identifier's state, or None when it is not cached."""
        state = self.identifiers.get(key) or self.cache.identifiers.get(key)
        return None if state is None else copy_identifier(state)

    def customer(self, cid: str) -> tuple[bool, CustomerState | None]:
        """(known, a copy of the customer or None when known absent)."""
        known, found = self._raw_customer(cid)
        return known, None if found is None else copy_customer(found)

    def _raw_customer(self, cid: str) -> tuple[bool, CustomerState | None]:
        found = self.customers.get(cid, _MISSING)
        if found is _MISSING and cid not in self.forget:
            found = self.cache.customers.get(cid, _MISSING)
        if isinstance(found, _Missing):
            return False, None
        return True, found

    def link(self, pair: Pair) -> tuple[bool, LinkRecord | None]:
        """(known, a copy of the link or None when known absent)."""
        found = self.links.get(pair, _MISSING)
        if found is _MISSING:
            found = self.cache.links.get(pair, _MISSING)
        if isinstance(found, _Missing):
            return False, None
        return True, None if found is None else copy_link(found)

    # -- what the transaction read -------------------------------------------------------

    def read_identifiers(self, states: Mapping[str, IdentifierState]) -> None:
        """Keep copies of states read from the database inside the transaction."""
        for key, state in states.items():
            self.identifiers[key] = copy_identifier(state)

    def read_customers(self, customers: Mapping[str, CustomerState], asked: Iterable[str]) -> None:
        """Keep copies of customers read, and which of those asked for do not exist."""
        for cid in asked:
            found = customers.get(cid)
            self.customers[cid] = None if found is None else copy_customer(found)
            self.forget.discard(cid)

    def read_links(self, links: Mapping[Pair, LinkRecord], asked: Iterable[Pair] = ()) -> None:
        """Keep copies of links read, and which of those asked for do not exist."""
        for pair, link in links.items():
            self.links[pair] = copy_link(link)
        for pair in asked:
            if pair not in links:
                self.links[pair] = None

    # -- what it wrote ---------------------------------------------------------------------

    def repoint(self, moves: Mapping[str, str]) -> None:
        """Members of absorbed customers now point at their survivors (applied in order, as
        the store's UPDATEs are)."""
        if not moves:
            return
        self.wrote_graph = True
        order = {old: i for i, old in enumerate(moves)}
        for old in moves:
            for key in self.cache.members.get(old, ()):
                if key not in self.identifiers:
                    self.identifiers[key] = copy_identifier(self.cache.identifiers[key])
        for state in self.identifiers.values():
            last = -1
            cid = state.customer_id
            while cid is not None and order.get(cid, -1) > last:
                last = order[cid]
                cid = moves[cid]
            state.customer_id = cid

    def wrote(
        self,
        at: datetime,
        identifiers: Mapping[str, IdentifierState],
        customers: Mapping[str, CustomerState],
        deleted_customers: Iterable[str],
        links: Mapping[Pair, LinkRecord],
        deleted_links: Iterable[Pair],
    ) -> None:
        """Note what ``apply`` wrote, in the order the store writes it."""
        self.wrote_graph = True
        for key, state in identifiers.items():
            self.identifiers[key] = copy_identifier(state)
        for cid, customer in customers.items():
            # the store keeps a stored customer's created_at, and stamps missing times with
            # the change's: cache what the row will hold, or nothing when that is unknown
            known, prior = self._raw_customer(cid)
            if not known:
                self.customers.pop(cid, None)
                self.forget.add(cid)
                continue
            kept = copy_customer(customer)
            kept.created_at = prior.created_at if prior is not None else customer.created_at or at
            kept.updated_at = customer.updated_at or at
            self.customers[cid] = kept
        for cid in deleted_customers:
            self.customers[cid] = None
        for pair in deleted_links:
            self.links[pair] = None
        for pair, link in links.items():
            self.links[pair] = copy_link(link)


class _Missing:
    pass


_MISSING = _Missing()


def _put(table: dict[K, V], key: K, value: V) -> None:
    table.pop(key, None)
    table[key] = value


def _oldest(table: Mapping[K, object], n: int) -> list[K]:
    return list(islice(table, n))


def _trim(table: dict[K, V], limit: int) -> None:
    excess = len(table) - limit
    if excess > 0:
        for key in _oldest(table, excess):
            del table[key]
