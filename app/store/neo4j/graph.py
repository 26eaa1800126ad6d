"""The Neo4j transaction handle: reads and writes of the identity graph in one transaction.

Every read sends its whole key list as one parameter and every write is one ``UNWIND $rows``
statement, so a unit of work costs a few round trips whatever its size.

A handle opened for writing locks what it reads (see ``docs/operations.md``): identifiers,
customers and their members are read by a statement that first bumps ``lock_version`` on
them. Neo4j then makes a concurrent writer of the same nodes wait until this transaction
ends (and reads after the wait see its commit); ArcadeDB aborts the later committer with a
TransientError and the driver runs it again. Either way no unit of work decides from a
value that another one changes before it commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from app.store.codec import decode_json, encode_json, encode_time
from app.store.neo4j import records
from app.store.neo4j.queries import Query
from app.store.neo4j.retention import Neo4jRetention
from app.store.neo4j.segments import Neo4jSegments
from app.store.neo4j.webhooks import Neo4jWebhooks
from app.store.protocol import (
    AuditRecord,
    Pair,
    ReviewLabel,
    StoredObservation,
    TimelinePage,
)
from cypher import load
from resolvers.customer360.events import Event, EventAggregate
from resolvers.customer360.feed import Change, ChangeRecord
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.evidence import (
    PERSON_SOURCE,
    REVIEW_PREFIX,
    CustomerState,
    IdentifierState,
    LinkRecord,
)

AUDIT_COUNTER = "audit"
CHANGES_COUNTER = "changes"
REVIEW_COUNTER = "review"
_NO_SEQ = 2**62


def _in_order(mapping: Mapping[str, str | None]) -> list[list[dict[str, str | None]]]:
    """Rows old→new as batches: one batch, or one row a batch when a target is also a source.

    A chain (a→b, b→c) must apply row after row as the SQLite adapter does; in one
    statement Neo4j may match every row before it writes any.
    """
    rows = [{"old": old, "new": new} for old, new in mapping.items()]
    chained = any(new in mapping for new in mapping.values() if new is not None)
    return [[row] for row in rows] if chained else [rows]


_MAX_LIMIT = 1_000_000


class Neo4jGraph(Neo4jSegments, Neo4jWebhooks, Neo4jRetention):
    """GraphWriter over one managed Neo4j transaction."""

    def __init__(self, tx: ManagedTransaction, locking: bool) -> None:
        self._tx = tx
        self._locking = locking
        self._locked_keys: set[str] = set()
        self._locked_customers: set[str] = set()

    # -- plumbing --------------------------------------------------------------------------

    def fetch(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        """Run a named query; every row, read inside the transaction."""
        return self._tx.run(load(query), params).data()

    def execute(self, query: Query, **params: Any) -> None:
        """Run a named query for its effect."""
        self._tx.run(load(query), params).consume()

    def _lock_keys(self, keys: Collection[str]) -> list[dict[str, Any]]:
        """Lock identifiers not locked yet by this transaction; their rows."""
        fresh = sorted(k for k in set(keys) if k not in self._locked_keys)
        if not fresh:
            return []
        rows = self.fetch(Query.LOCK_IDENTIFIERS, keys=fresh)
        self._locked_keys.update(row["i"]["key"] for row in rows)
        return rows

    def _lock_customers(self, ids: Collection[str]) -> list[dict[str, Any]]:
        fresh = sorted(c for c in set(ids) if c not in self._locked_customers)
        if not fresh:
            return []
        rows = self.fetch(Query.LOCK_CUSTOMERS, ids=fresh)
        self._locked_customers.update(row["c"]["id"] for row in rows)
        return rows

    # -- reads -----------------------------------------------------------------------------

    def identifiers(self, keys: Collection[str]) -> dict[str, IdentifierState]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        if self._locking:
            held = [k for k in wanted if k in self._locked_keys]
            rows = self._lock_keys(wanted)
            if held:
                rows += self.fetch(Query.READ_IDENTIFIERS, keys=held)
        else:
            rows = self.fetch(Query.READ_IDENTIFIERS, keys=wanted)
        return {row["i"]["key"]: records.identifier_of(row["i"]) for row in rows}

    def customers(self, ids: Collection[str]) -> dict[str, CustomerState]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        if self._locking:
            held = [c for c in wanted if c in self._locked_customers]
            rows = self._lock_customers(wanted)
            if held:
                rows += self.fetch(Query.READ_CUSTOMERS, ids=held)
        else:
            rows = self.fetch(Query.READ_CUSTOMERS, ids=wanted)
        return {row["c"]["id"]: records.customer_of(row["c"]) for row in rows}

    def members(self, customer_ids: Collection[str]) -> dict[str, IdentifierState]:
        wanted = sorted(set(customer_ids))
        if not wanted:
            return {}
        if self._locking:
            # the customers first: whoever changes a membership holds its customer's lock
            self._lock_customers(wanted)
            rows = self.fetch(Query.LOCK_MEMBERS, ids=wanted)
            self._locked_keys.update(row["i"]["key"] for row in rows)
        else:
            rows = self.fetch(Query.READ_MEMBERS, ids=wanted)
        return {row["i"]["key"]: records.identifier_of(row["i"]) for row in rows}

    def links(self, pairs: Collection[Pair]) -> dict[Pair, LinkRecord]:
        if not pairs:
            return {}
        if self._locking:
            # whoever writes a link holds both its ends
            self._lock_keys({k for pair in pairs for k in pair})
        rows = self.fetch(Query.READ_LINKS, pairs=[{"a": a, "b": b} for a, b in sorted(pairs)])
        return self._link_rows(rows)

    def links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        if not keys:
            return {}
        if self._locking:
            self._lock_keys(keys)
        return self._link_rows(self.fetch(Query.READ_LINKS_TOUCHING, keys=sorted(set(keys))))

    def weighed_links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        if not keys:
            return {}
        if self._locking:
            self._lock_keys(keys)
        rows = self.fetch(
            Query.READ_WEIGHED_LINKS_TOUCHING,
            keys=sorted(set(keys)),
            person_sources=encode_json([PERSON_SOURCE]),
            review_prefix=REVIEW_PREFIX,
        )
        return self._link_rows(rows)

    @staticmethod
    def _link_rows(rows: Sequence[Mapping[str, Any]]) -> dict[Pair, LinkRecord]:
        return {(row["a"], row["b"]): records.link_of(row["a"], row["b"], row["l"]) for row in rows}

    def observation_hashes(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.fetch(Query.READ_OBSERVATION_HASHES, ids=sorted(set(ids)))
        return {row["id"]: row["body_hash"] for row in rows}

    def live_customer_ids(self, ids: Collection[str]) -> set[str]:
        if not ids:
            return set()
        return {row["id"] for row in self.fetch(Query.READ_LIVE_CUSTOMER_IDS, ids=sorted(set(ids)))}

    def aliases(self, ids: Collection[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        rows = self.fetch(Query.READ_ALIASES, ids=sorted(set(ids)))
        return {row["old_id"]: row["customer_id"] for row in rows}

    def absorbed_into(self, customer_id: str) -> list[str]:
        """Ids that now answer with this customer."""
        rows = self.fetch(Query.READ_ABSORBED_INTO, customer_id=customer_id)
        return sorted(row["old_id"] for row in rows)

    def observations_of(self, keys: Collection[str], limit: int) -> list[StoredObservation]:
        if not keys:
            return []
        # ArcadeDB answers nothing for a LIMIT of 2**62 ("every record"): cap it
        rows = self.fetch(
            Query.READ_OBSERVATIONS_OF, keys=sorted(set(keys)), limit=min(limit, _MAX_LIMIT)
        )
        found = [records.stored_observation_of(row["o"]) for row in rows]
        return sorted(found, key=lambda o: (o.observed_at, o.id), reverse=True)

    def block_members(self, blocks: Collection[str], per_block: int) -> dict[str, list[str]]:
        if not blocks:
            return {}
        rows = self.fetch(Query.READ_BLOCK_MEMBERS, blocks=sorted(set(blocks)), limit=per_block)
        return {row["key"]: sorted(row["ids"]) for row in rows if row["ids"]}

    def stored_observations(self, ids: Collection[str]) -> list[StoredObservation]:
        if not ids:
            return []
        rows = self.fetch(Query.READ_STORED_OBSERVATIONS, ids=sorted(set(ids)))
        found = [records.stored_observation_of(row["o"]) for row in rows]
        return sorted(found, key=lambda o: o.id)

    def person_evidence(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.fetch(Query.READ_PERSON_EVIDENCE, ids=sorted(set(ids)))
        return {row["id"]: row["evidence"] for row in rows}

    def history(
        self, customer_ids: Collection[str], limit: int, before: int | None
    ) -> list[AuditRecord]:
        if not customer_ids:
            return []
        rows = self.fetch(
            Query.READ_HISTORY,
            ids=sorted(set(customer_ids)),
            before=before if before is not None else _NO_SEQ,
            limit=limit,
        )
        found = [records.audit_of(row["entry"]) for row in rows]
        return sorted(found, key=lambda r: r.seq, reverse=True)

    def changes(
        self, after: int, limit: int, customer_ids: Collection[str] | None = None
    ) -> list[ChangeRecord]:
        if customer_ids is None:
            rows = self.fetch(Query.READ_CHANGES, after=after, limit=limit)
        elif not customer_ids:
            return []
        else:
            rows = self.fetch(
                Query.READ_CHANGES_OF, ids=sorted(set(customer_ids)), after=after, limit=limit
            )
        found = [records.change_of(row["change"]) for row in rows]
        return sorted(found, key=lambda r: r.seq)

    def last_change(self) -> int:
        rows = self.fetch(Query.READ_LAST_CHANGE, name=CHANGES_COUNTER)
        return int(rows[0]["value"]) if rows else 0

    def conflicts(self, limit: int, after: Pair | None) -> list[LinkRecord]:
        start = after or ("", "")
        rows = self.fetch(Query.READ_CONFLICTS, after_a=start[0], after_b=start[1], limit=limit)
        return sorted(self._link_rows(rows).values(), key=lambda link: link.pair)

    def event_hashes(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.fetch(Query.READ_EVENT_HASHES, ids=sorted(set(ids)))
        return {row["id"]: row["body_hash"] for row in rows}

    def aggregates(self, keys: Collection[str]) -> dict[str, EventAggregate]:
        if not keys:
            return {}
        if self._locking:
            # read-modify-write of an aggregate is guarded by its identifier's lock, which
            # also covers an aggregate that does not exist yet
            self._lock_keys(keys)
        rows = self.fetch(Query.READ_AGGREGATES, keys=sorted(set(keys)))
        return {row["key"]: EventAggregate.from_json(decode_json(row["data"])) for row in rows}

    def timeline(
        self,
        keys: Collection[str],
        limit: int,
        before: tuple[datetime, str] | None,
        types: Collection[str],
        since: datetime | None,
        until: datetime | None,
    ) -> TimelinePage:
        if not keys:
            return TimelinePage([], None)
        rows = self.fetch(
            Query.READ_TIMELINE,
            keys=sorted(set(keys)),
            limit=limit + 1,
            before_at=encode_time(before[0]) if before else None,
            before_id=before[1] if before else None,
            since=encode_time(since) if since else None,
            until=encode_time(until) if until else None,
            any_type=not types,
            types=sorted(t for t in types if not t.endswith(".*")),
            prefixes=sorted(t[:-1] for t in types if t.endswith(".*")),
        )
        found = sorted(
            (records.event_of(row["e"]) for row in rows),
            key=lambda e: (e.occurred_at, e.id),
            reverse=True,
        )
        events = found[:limit]
        more = len(found) > limit
        cursor = (events[-1].occurred_at, events[-1].id) if more and events else None
        return TimelinePage(events, cursor)

    # -- scans (one page each, for the store) ----------------------------------------------

    def identifier_keys(self, after: str, limit: int) -> list[str]:
        return [r["key"] for r in self.fetch(Query.SCAN_IDENTIFIER_KEYS, after=after, limit=limit)]

    def identifier_page(self, after: str, limit: int) -> list[IdentifierState]:
        """The next identifiers in key order."""
        keys = self.identifier_keys(after, limit)
        found = self.identifiers(keys)
        return [found[k] for k in keys if k in found]

    def customer_page(self, after: str, limit: int) -> list[CustomerState]:
        """The next live customers in id order."""
        ids = [r["id"] for r in self.fetch(Query.SCAN_CUSTOMER_IDS, after=after, limit=limit)]
        found = self.customers(ids)
        return [found[c] for c in ids if c in found]

    def link_page(self, after: str, limit: int) -> tuple[list[LinkRecord], str | None]:
        """The links of the next identifiers in key order, and the last key (None: done)."""
        keys = self.identifier_keys(after, limit)
        if not keys:
            return [], None
        links = self._link_rows(self.fetch(Query.READ_LINKS_FROM, keys=keys))
        return sorted(links.values(), key=lambda link: link.pair), keys[-1]

    # -- writes ----------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> None:
        if changes.repoint:
            for rows in _in_order(changes.repoint):
                self.execute(Query.REPOINT_MEMBERS, rows=rows)
        self._write_identifiers(changes)
        if changes.deleted_links:
            rows = [{"a": a, "b": b} for a, b in sorted(changes.deleted_links)]
            self.execute(Query.DELETE_LINKS, rows=rows)
        self._write_links(changes)
        self._write_customers(changes)
        if changes.aliases:
            at = encode_time(changes.at)
            self.execute(
                Query.UPSERT_ALIASES,
                rows=[{"old": o, "new": n, "at": at} for o, n in changes.aliases.items()],
            )
            for rows in _in_order(changes.aliases):
                self.execute(Query.REDIRECT_ALIASES, rows=rows)
        if changes.observations:
            rows = [records.observation_row(o, changes.at) for o in changes.observations]
            self.execute(Query.CREATE_OBSERVATIONS, rows=rows)
        self._write_audit(changes.audit)
        self._write_feed(changes.feed)
        if changes.person_blocks:
            filed = [
                {"block": block, "observation": oid}
                for oid, blocks in sorted(changes.person_blocks.items())
                for block in blocks
            ]
            self.execute(Query.CREATE_PERSON_BLOCKS, rows=sorted(filed, key=lambda r: r["block"]))
        if changes.person_evidence:
            rows = [
                {"observation": oid, "evidence": text}
                for oid, text in sorted(changes.person_evidence.items())
            ]
            self.execute(Query.SET_PERSON_EVIDENCE, rows=rows)

    def _write_identifiers(self, changes: ChangeSet) -> None:
        created: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        for key, state in changes.identifiers.items():
            row = {"key": key, "props": records.identifier_props(state)}
            (created if key in changes.new_identifiers else updated).append(row)
        if created:
            self.execute(Query.CREATE_IDENTIFIERS, rows=created)
            # created here: no other transaction can see them before this one commits
            self._locked_keys.update(row["key"] for row in created)
        if updated:
            self.execute(Query.UPDATE_IDENTIFIERS, rows=updated)

    def _write_links(self, changes: ChangeSet) -> None:
        created: list[dict[str, Any]] = []
        updated: list[dict[str, Any]] = []
        for pair, link in changes.links.items():
            row = {"a": pair[0], "b": pair[1], "props": records.link_props(link)}
            (created if pair in changes.new_links else updated).append(row)
        if created:
            self.execute(Query.CREATE_LINKS, rows=created)
        if updated:
            self.execute(Query.UPDATE_LINKS, rows=updated)

    def _write_customers(self, changes: ChangeSet) -> None:
        if changes.customers:
            rows = [records.customer_row(c, changes.at) for c in changes.customers.values()]
            self.execute(Query.UPSERT_CUSTOMERS, rows=rows)
            self._locked_customers.update(changes.customers)
        if changes.new_customers:
            self.execute(Query.DELETE_ALIASES, ids=sorted(changes.new_customers))
        if changes.deleted_customers:
            self.execute(Query.DELETE_CUSTOMERS, ids=sorted(changes.deleted_customers))
            self._locked_customers -= changes.deleted_customers

    def _write_audit(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        rows = self.fetch(Query.NEXT_SEQUENCE, name=AUDIT_COUNTER, n=len(entries))
        first = int(rows[0]["value"]) - len(entries) + 1
        self.execute(
            Query.CREATE_AUDIT_ENTRIES,
            rows=[records.audit_row(first + i, entry) for i, entry in enumerate(entries)],
        )

    def _write_feed(self, feed: Sequence[Change]) -> None:
        if not feed:
            return
        rows = self.fetch(Query.NEXT_SEQUENCE, name=CHANGES_COUNTER, n=len(feed))
        first = int(rows[0]["value"]) - len(feed) + 1
        self.execute(
            Query.CREATE_CHANGES,
            rows=[records.change_row(first + i, change) for i, change in enumerate(feed)],
        )

    def add_review_labels(self, labels: Sequence[ReviewLabel]) -> None:
        if not labels:
            return
        rows = self.fetch(Query.NEXT_SEQUENCE, name=REVIEW_COUNTER, n=len(labels))
        first = int(rows[0]["value"]) - len(labels) + 1
        self.execute(
            Query.CREATE_REVIEW_LABELS,
            rows=[
                {"seq": first + i, "props": records.review_props(x)} for i, x in enumerate(labels)
            ],
        )

    def append_events(
        self, events: Sequence[Event], anchors: Sequence[str], received_at: datetime
    ) -> None:
        if not events:
            return
        rows = [
            records.event_row(event, anchor, received_at)
            for event, anchor in zip(events, anchors, strict=True)
        ]
        self.execute(Query.CREATE_EVENTS, rows=rows)

    def put_aggregates(self, aggregates: dict[str, EventAggregate]) -> None:
        if not aggregates:
            return
        rows = [{"key": k, "data": encode_json(a.to_json())} for k, a in sorted(aggregates.items())]
        self.execute(Query.UPSERT_AGGREGATES, rows=rows)
