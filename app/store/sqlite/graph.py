"""The SQLite transaction handle: reads and writes of the identity graph in one transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.protocol import (
    AuditRecord,
    Pair,
    ReviewLabel,
    StoredObservation,
    TimelinePage,
)
from app.store.sqlite.cache import TxLayer
from app.store.sqlite.retention import SqliteRetention
from app.store.sqlite.segments import SqliteSegments
from app.store.sqlite.webhooks import SqliteWebhooks
from resolvers.customer360.events import Event, EventAggregate
from resolvers.customer360.feed import Change, ChangeRecord, Topic
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.evidence import (
    PERSON_SOURCE,
    REVIEW_PREFIX,
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
)
from resolvers.identity.policy import Role
from resolvers.identity.resolution import awaits_review

_IDENTIFIER_COLUMNS = (
    "id, key, kind, customer_id, status, status_reason, first_seen_at, last_seen_at, "
    "neighbours, traits, variant, role, per_person, persons"
)
LINK_COLUMNS = (
    "l.a, l.b, l.state, l.reason, l.count, l.first_seen_at, l.last_seen_at, l.sources, "
    "l.observations, l.decided_by, l.decided_at, ia.key, ib.key"
)
LINK_JOIN = "links l JOIN identifiers ia ON ia.id = l.a JOIN identifiers ib ON ib.id = l.b"
# LinkRecord.set_aside, as a filter on the stored columns (a contract test holds them equal)
_WEIGHED = (
    " AND l.state <> 'suppressed' AND NOT (l.count = 0 AND l.state <> 'manual' "
    "AND l.sources = :person_sources AND substr(coalesce(l.reason, ''), 1, :prefix_length) "
    "= :review_prefix)"
)
_SET_ASIDE_PARAMETERS = {
    "person_sources": encode_json([PERSON_SOURCE]),
    "prefix_length": len(REVIEW_PREFIX),
    "review_prefix": REVIEW_PREFIX,
}
_KEYS_A_STATEMENT = 200  # blocking keys read by one statement (block_members)
_CUSTOMER_COLUMNS = (
    "id, anchor_key, anchor_first_seen_at, size, kind_counts, allowance, conflicts, linking, "
    "traits, created_at, updated_at"
)


def _json_list(values: Iterable[Any]) -> str:
    return encode_json(list(values))


def _stored_observation(row: Sequence[Any]) -> StoredObservation:
    """An observation from its row: id, source, observed_at, received_at, identifiers,
    attributes."""
    return StoredObservation(
        id=row[0],
        source=row[1],
        observed_at=decode_time(row[2]),
        received_at=decode_time(row[3]),
        identifiers=tuple(decode_json(row[4])),
        attributes=decode_json(row[5]),
    )


class SqliteGraph(SqliteSegments, SqliteWebhooks, SqliteRetention):
    """GraphWriter over one SQLite connection inside an open transaction."""

    def __init__(self, conn: sqlite3.Connection, layer: TxLayer | None = None) -> None:
        self.conn = conn
        self.layer = layer  # a write transaction's; None in a read transaction
        self.cache = layer if layer is not None and layer.enabled else None
        # identifier key -> row id; a cached write transaction shares the cache's (cache.py)
        self._rowid: dict[str, int] = self.cache.cache.rowids if self.cache is not None else {}

    # -- reads ---------------------------------------------------------------------------

    def identifiers(self, keys: Collection[str]) -> dict[str, IdentifierState]:
        if not keys:
            return {}
        cache = self.cache
        found: dict[str, IdentifierState] = {}
        missing: Collection[str] = keys
        if cache is not None:
            missing = []
            for key in keys:
                state = cache.identifier(key)
                if state is None:
                    missing.append(key)
                else:
                    found[key] = state
            if not missing:
                return found
        rows = self.conn.execute(
            f"SELECT {_IDENTIFIER_COLUMNS} FROM identifiers "
            "WHERE key IN (SELECT value FROM json_each(?))",
            (_json_list(missing),),
        )
        read = self._identifier_rows(rows)
        if cache is None:
            return read
        cache.read_identifiers(read)
        found.update(read)
        return found

    def members(self, customer_ids: Collection[str]) -> dict[str, IdentifierState]:
        if not customer_ids:
            return {}
        rows = self.conn.execute(
            f"SELECT {_IDENTIFIER_COLUMNS} FROM identifiers "
            "WHERE customer_id IN (SELECT value FROM json_each(?))",
            (_json_list(customer_ids),),
        )
        read = self._identifier_rows(rows)
        if self.cache is not None:
            self.cache.read_identifiers(read)
        return read

    def identifier_keys(self, after: str, limit: int) -> list[str]:
        rows = self.conn.execute(
            "SELECT key FROM identifiers WHERE key > ? ORDER BY key LIMIT ?", (after, limit)
        )
        return [row[0] for row in rows]

    def _identifier_rows(self, rows: Iterable[sqlite3.Row]) -> dict[str, IdentifierState]:
        out = {}
        for row in rows:
            key = row[1]
            self._rowid[key] = row[0]
            out[key] = IdentifierState(
                key=key,
                kind=row[2],
                customer_id=row[3],
                status=Status(row[4]),
                status_reason=row[5],
                first_seen_at=decode_time(row[6]),
                last_seen_at=decode_time(row[7]),
                neighbours=decode_json(row[8]),
                traits={k: tuple(v) for k, v in decode_json(row[9]).items()},
                variant=row[10],
                role=Role(row[11]),
                per_person=bool(row[12]),
                persons=decode_json(row[13]),
            )
        return out

    def customers(self, ids: Collection[str]) -> dict[str, CustomerState]:
        if not ids:
            return {}
        cache = self.cache
        if cache is None:
            return self._read_customers(ids)
        found: dict[str, CustomerState] = {}
        missing = []
        for cid in ids:
            known, customer = cache.customer(cid)
            if not known:
                missing.append(cid)
            elif customer is not None:
                found[cid] = customer
        if missing:
            read = self._read_customers(missing)
            cache.read_customers(read, missing)
            found.update(read)
        return found

    def _read_customers(self, ids: Collection[str]) -> dict[str, CustomerState]:
        rows = self.conn.execute(
            f"SELECT {_CUSTOMER_COLUMNS} FROM customers "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (_json_list(ids),),
        )
        return {
            row[0]: CustomerState(
                id=row[0],
                anchor_key=row[1],
                anchor_first_seen_at=decode_time(row[2]),
                size=row[3],
                kind_counts=decode_json(row[4]),
                allowance=decode_json(row[5]),
                conflicts=row[6],
                linking=row[7],
                traits={k: tuple(v) for k, v in decode_json(row[8]).items()},
                created_at=decode_time(row[9]),
                updated_at=decode_time(row[10]),
            )
            for row in rows
        }

    def links(self, pairs: Collection[Pair]) -> dict[Pair, LinkRecord]:
        if not pairs:
            return {}
        cache = self.cache
        found: dict[Pair, LinkRecord] = {}
        missing: Collection[Pair] = pairs
        if cache is not None:
            missing = []
            for pair in pairs:
                known, link = cache.link(pair)
                if not known:
                    missing.append(pair)
                elif link is not None:
                    found[pair] = link
            if not missing:
                return found
        self._ensure_rowids({key for pair in missing for key in pair})
        wanted = [
            [self._rowid[a], self._rowid[b]]
            for a, b in missing
            if a in self._rowid and b in self._rowid
        ]
        read: dict[Pair, LinkRecord] = {}
        if wanted:
            rows = self.conn.execute(
                f"SELECT {LINK_COLUMNS} FROM json_each(?) p "
                "JOIN links l ON l.a = p.value ->> 0 AND l.b = p.value ->> 1 "
                "JOIN identifiers ia ON ia.id = l.a JOIN identifiers ib ON ib.id = l.b",
                (encode_json(wanted),),
            )
            read = self.link_rows(rows)
        if cache is None:
            return read
        cache.read_links(read, missing)
        found.update(read)
        return found

    def links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        return self._links_touching(keys, "")

    def weighed_links_touching(self, keys: Collection[str]) -> dict[Pair, LinkRecord]:
        return self._links_touching(keys, _WEIGHED)

    def _links_touching(self, keys: Collection[str], weighed: str) -> dict[Pair, LinkRecord]:
        if not keys:
            return {}
        self._ensure_rowids(keys)
        ids = _json_list(self._rowid[k] for k in keys if k in self._rowid)
        rows = self.conn.execute(
            f"SELECT {LINK_COLUMNS} FROM {LINK_JOIN} "
            f"WHERE l.a IN (SELECT value FROM json_each(:ids)){weighed} "
            f"UNION ALL SELECT {LINK_COLUMNS} FROM {LINK_JOIN} "
            "WHERE l.b IN (SELECT value FROM json_each(:ids)) "
            f"AND l.a NOT IN (SELECT value FROM json_each(:ids)){weighed}",
            {"ids": ids, **(_SET_ASIDE_PARAMETERS if weighed else {})},
        )
        read = self.link_rows(rows)
        if self.cache is not None:
            self.cache.read_links(read)
        return read

    def link_rows(self, rows: Iterable[sqlite3.Row]) -> dict[Pair, LinkRecord]:
        out = {}
        for row in rows:
            a, b = row[11], row[12]
            self._rowid[a] = row[0]
            self._rowid[b] = row[1]
            out[(a, b)] = LinkRecord(
                a=a,
                b=b,
                state=LinkState(row[2]),
                reason=row[3],
                count=row[4],
                first_seen_at=decode_time(row[5]),
                last_seen_at=decode_time(row[6]),
                sources=tuple(decode_json(row[7])),
                observations=tuple((decode_time(t), i) for t, i in decode_json(row[8])),
                decided_by=row[9],
                decided_at=decode_time(row[10]) if row[10] else None,
            )
        return out

    def _ensure_rowids(self, keys: Iterable[str]) -> None:
        missing = [k for k in keys if k not in self._rowid]
        if missing:
            rows = self.conn.execute(
                "SELECT key, id FROM identifiers WHERE key IN (SELECT value FROM json_each(?))",
                (_json_list(missing),),
            )
            self._rowid.update(rows)

    def observation_hashes(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, body_hash FROM observations WHERE id IN (SELECT value FROM json_each(?))",
            (_json_list(ids),),
        )
        return dict(rows)

    def live_customer_ids(self, ids: Collection[str]) -> set[str]:
        if not ids:
            return set()
        rows = self.conn.execute(
            "SELECT id FROM customers WHERE id IN (SELECT value FROM json_each(?))",
            (_json_list(ids),),
        )
        return {row[0] for row in rows}

    def aliases(self, ids: Collection[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT old_id, customer_id FROM customer_aliases "
            "WHERE old_id IN (SELECT value FROM json_each(?))",
            (_json_list(ids),),
        )
        return dict(rows)

    def absorbed_into(self, customer_id: str) -> list[str]:
        """Ids that now answer with this customer."""
        rows = self.conn.execute(
            "SELECT old_id FROM customer_aliases WHERE customer_id = ? ORDER BY old_id",
            (customer_id,),
        )
        return [row[0] for row in rows]

    def observations_of(self, keys: Collection[str], limit: int) -> list[StoredObservation]:
        if not keys:
            return []
        self._ensure_rowids(keys)
        ids = _json_list(self._rowid[k] for k in keys if k in self._rowid)
        rows = self.conn.execute(
            "SELECT id, source, observed_at, received_at, identifiers, attributes "
            "FROM observations WHERE seq IN ("
            "  SELECT observation FROM observation_identifiers "
            "  WHERE identifier IN (SELECT value FROM json_each(?))) "
            "ORDER BY observed_at DESC, id DESC LIMIT ?",
            (ids, limit),
        )
        return [_stored_observation(row) for row in rows]

    def _each(
        self, keys: Collection[str], term: str, params: Callable[[str], Sequence[Any]]
    ) -> Iterator[Any]:
        """The rows of ``term`` for every key: one indexed range each, the terms UNION ALL'd
        in chunks (one statement for a record's few keys; SQLite allows 500 terms a compound
        select)."""
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), _KEYS_A_STATEMENT):
            chunk = ordered[start : start + _KEYS_A_STATEMENT]
            yield from self.conn.execute(
                " UNION ALL ".join([term] * len(chunk)),
                [value for key in chunk for value in params(key)],
            )

    def block_members(self, blocks: Collection[str], per_block: int) -> dict[str, list[str]]:
        # stopped at the cap: a window over whole keys cost what the largest keys hold, and
        # those grow with the store
        term = (
            "SELECT * FROM (SELECT block, observation FROM person_blocks WHERE block = ? "
            "ORDER BY observation LIMIT ?)"
        )
        members: dict[str, list[str]] = {}
        for block, oid in self._each(blocks, term, lambda block: (block, per_block)):
            members.setdefault(block, []).append(oid)
        return {block: sorted(ids) for block, ids in members.items()}

    def stored_observations(self, ids: Collection[str]) -> list[StoredObservation]:
        if not ids:
            return []
        rows = self.conn.execute(
            "SELECT id, source, observed_at, received_at, identifiers, attributes "
            "FROM observations WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (_json_list(set(ids)),),
        )
        return [_stored_observation(row) for row in rows]

    def person_evidence(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT observation, evidence FROM person_evidence "
            "WHERE observation IN (SELECT value FROM json_each(?))",
            (_json_list(set(ids)),),
        )
        return dict(rows)

    def history(
        self, customer_ids: Collection[str], limit: int, before: int | None
    ) -> list[AuditRecord]:
        if not customer_ids:
            return []
        rows = self.conn.execute(
            "SELECT seq, at, actor, action, reason, customer_ids, before, after FROM audit "
            "WHERE seq IN (SELECT audit FROM audit_customers "
            "              WHERE customer_id IN (SELECT value FROM json_each(?))) "
            "AND seq < ? ORDER BY seq DESC LIMIT ?",
            (_json_list(customer_ids), before if before is not None else 2**62, limit),
        )
        return [
            AuditRecord(
                seq=row[0],
                entry=AuditEntry(
                    at=decode_time(row[1]),
                    actor=row[2],
                    action=row[3],
                    reason=row[4],
                    customer_ids=tuple(decode_json(row[5])),
                    before=decode_json(row[6]),
                    after=decode_json(row[7]),
                ),
            )
            for row in rows
        ]

    def conflicts(self, limit: int, after: Pair | None) -> list[LinkRecord]:
        start = after or ("", "")
        # a range of the queue's index (schema.sql), never a sort of every conflicting link
        rows = self.conn.execute(
            # CROSS JOIN keeps the queue the outer loop: left to itself the planner starts
            # from the conflict index and sorts every conflicting link again
            f"SELECT {LINK_COLUMNS} FROM review_queue q "
            "CROSS JOIN identifiers ia ON ia.key = q.a_key "
            "CROSS JOIN identifiers ib ON ib.key = q.b_key "
            "CROSS JOIN links l ON l.a = ia.id AND l.b = ib.id "
            "WHERE (q.a_key, q.b_key) > (?, ?) AND l.conflict = 1 "
            "ORDER BY q.a_key, q.b_key LIMIT ?",
            (start[0], start[1], limit),
        )
        return list(self.link_rows(rows).values())

    def event_hashes(self, ids: Collection[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, body_hash FROM events WHERE id IN (SELECT value FROM json_each(?))",
            (_json_list(ids),),
        )
        return dict(rows)

    def aggregates(self, keys: Collection[str]) -> dict[str, EventAggregate]:
        if not keys:
            return {}
        rows = self.conn.execute(
            "SELECT i.key, a.data FROM aggregates a JOIN identifiers i ON i.id = a.identifier "
            "WHERE i.key IN (SELECT value FROM json_each(?))",
            (_json_list(keys),),
        )
        return {row[0]: EventAggregate.from_json(decode_json(row[1])) for row in rows}

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
        self._ensure_rowids(keys)
        clauses = ["e.anchor IN (SELECT value FROM json_each(?))"]
        params: list[Any] = [_json_list(self._rowid[k] for k in keys if k in self._rowid)]
        if before is not None:
            clauses.append("(e.occurred_at, e.id) < (?, ?)")
            params += [encode_time(before[0]), before[1]]
        if since is not None:
            clauses.append("e.occurred_at >= ?")
            params.append(encode_time(since))
        if until is not None:
            clauses.append("e.occurred_at < ?")
            params.append(encode_time(until))
        exact = [t for t in types if not t.endswith(".*")]
        prefixes = [t[:-1] for t in types if t.endswith(".*")]
        if types:
            ors = []
            if exact:
                ors.append("e.type IN (SELECT value FROM json_each(?))")
                params.append(_json_list(exact))
            for prefix in prefixes:
                ors.append("substr(e.type, 1, ?) = ?")
                params += [len(prefix), prefix]
            clauses.append("(" + " OR ".join(ors) + ")")
        params.append(limit + 1)
        rows = self.conn.execute(
            "SELECT e.id, e.type, e.occurred_at, e.source, e.identifiers, e.data, e.body_hash, "
            "i.key FROM events e JOIN identifiers i ON i.id = e.anchor WHERE "
            + " AND ".join(clauses)
            + " ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?",
            params,
        ).fetchall()
        events = [
            Event(
                id=row[0],
                type=row[1],
                occurred_at=decode_time(row[2]),
                source=row[3],
                identifiers=tuple(decode_json(row[4])),
                data=decode_json(row[5]),
                body_hash=row[6],
                anchor=row[7],
            )
            for row in rows[:limit]
        ]
        more = len(rows) > limit
        cursor = (events[-1].occurred_at, events[-1].id) if more and events else None
        return TimelinePage(events, cursor)

    def changes(
        self, after: int, limit: int, customer_ids: Collection[str] | None = None
    ) -> list[ChangeRecord]:
        columns = "seq, at, type, topic, customer_ids, data"
        if customer_ids is None:
            rows = self.conn.execute(
                f"SELECT {columns} FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        elif not customer_ids:
            return []
        else:
            rows = self.conn.execute(
                f"SELECT {columns} FROM changes WHERE seq IN ("
                "  SELECT change FROM change_customers "
                "  WHERE customer_id IN (SELECT value FROM json_each(?)) AND change > ?"
                ") ORDER BY seq LIMIT ?",
                (_json_list(sorted(set(customer_ids))), after, limit),
            ).fetchall()
        return [
            ChangeRecord(
                seq=row[0],
                change=Change(
                    type=row[2],
                    topic=Topic(row[3]),
                    at=decode_time(row[1]),
                    customer_ids=tuple(decode_json(row[4])),
                    data=decode_json(row[5]),
                ),
            )
            for row in rows
        ]

    def last_change(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0])

    # -- writes --------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> None:
        c = self.conn
        cache = self.cache
        graph = bool(
            changes.identifiers
            or changes.customers
            or changes.deleted_customers
            or changes.links
            or changes.deleted_links
        )
        if self.layer is not None and (graph or changes.repoint):
            self.layer.wrote_graph = True
        if cache is not None:
            cache.repoint(changes.repoint)
            if graph:
                cache.wrote(
                    changes.at,
                    changes.identifiers,
                    changes.customers,
                    changes.deleted_customers,
                    changes.links,
                    changes.deleted_links,
                )
        if changes.repoint:
            c.executemany(
                "UPDATE identifiers SET customer_id = ? WHERE customer_id = ?",
                [(new, old) for old, new in changes.repoint.items()],
            )
        self._write_identifiers(changes)
        if changes.deleted_links:
            self._ensure_rowids({k for pair in changes.deleted_links for k in pair})
            c.executemany(
                "DELETE FROM links WHERE a = ? AND b = ?",
                [(self._rowid[a], self._rowid[b]) for a, b in sorted(changes.deleted_links)],
            )
        self._write_links(changes)
        self._write_customers(changes)
        if changes.aliases:
            rows = [(old, new, encode_time(changes.at)) for old, new in changes.aliases.items()]
            c.executemany(
                "INSERT INTO customer_aliases (old_id, customer_id, at) VALUES (?, ?, ?) "
                "ON CONFLICT (old_id) DO UPDATE SET customer_id = excluded.customer_id, "
                "at = excluded.at",
                rows,
            )
            c.executemany(
                "UPDATE customer_aliases SET customer_id = ? WHERE customer_id = ?",
                [(new, old) for old, new in changes.aliases.items()],
            )
        self._write_observations(changes)
        self._write_audit(changes.audit)
        self._write_feed(changes.feed)
        if changes.person_blocks:
            c.executemany(
                "INSERT OR IGNORE INTO person_blocks (block, observation) VALUES (?, ?)",
                [(k, oid) for oid, keys in changes.person_blocks.items() for k in keys],
            )
        if changes.person_evidence:
            # unchanged texts (a record filed again under the same policy) are not rewritten
            c.executemany(
                "INSERT INTO person_evidence (observation, evidence) VALUES (?, ?) "
                "ON CONFLICT (observation) DO UPDATE SET evidence = excluded.evidence "
                "WHERE evidence != excluded.evidence",
                list(changes.person_evidence.items()),
            )

    def _write_identifiers(self, changes: ChangeSet) -> None:
        inserts, updates = [], []
        fresh = [k for k in changes.identifiers if k in changes.new_identifiers]
        next_id = self._next_rowid("identifiers", "id") if fresh else 0
        for key, s in changes.identifiers.items():
            values = (
                s.kind,
                s.customer_id,
                s.status.value,
                s.status_reason,
                encode_time(s.first_seen_at),
                encode_time(s.last_seen_at),
                encode_json(s.neighbours),
                encode_json(s.traits),
                s.variant,
                s.role.value,
                int(s.per_person),
                encode_json(s.persons),
            )
            if key in changes.new_identifiers:
                self._rowid[key] = next_id
                inserts.append((next_id, key, *values))
                next_id += 1
            else:
                updates.append((*values, key))
        if inserts:
            self.conn.executemany(
                f"INSERT INTO identifiers ({_IDENTIFIER_COLUMNS}) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
        if updates:
            self.conn.executemany(
                "UPDATE identifiers SET kind = ?, customer_id = ?, status = ?, status_reason = ?, "
                "first_seen_at = ?, last_seen_at = ?, neighbours = ?, traits = ?, variant = ?, "
                "role = ?, per_person = ?, persons = ? WHERE key = ?",
                updates,
            )

    def _write_links(self, changes: ChangeSet) -> None:
        if not changes.links:
            return
        self._ensure_rowids({k for pair in changes.links for k in pair})
        inserts, updates = [], []
        for pair, link in changes.links.items():
            values = (
                link.state.value,
                link.reason,
                int(awaits_review(link.state, link.reason)),
                link.count,
                encode_time(link.first_seen_at),
                encode_time(link.last_seen_at),
                encode_json(list(link.sources)),
                encode_json([[encode_time(t), i] for t, i in link.observations]),
                link.decided_by,
                encode_time(link.decided_at) if link.decided_at else None,
            )
            ids = (self._rowid[pair[0]], self._rowid[pair[1]])
            if pair in changes.new_links:
                inserts.append((*ids, *values))
            else:
                updates.append((*values, *ids))
        if inserts:
            self.conn.executemany(
                "INSERT INTO links (a, b, state, reason, conflict, count, first_seen_at, "
                "last_seen_at, sources, observations, decided_by, decided_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                inserts,
            )
        if updates:
            self.conn.executemany(
                "UPDATE links SET state = ?, reason = ?, conflict = ?, count = ?, "
                "first_seen_at = ?, last_seen_at = ?, sources = ?, observations = ?, "
                "decided_by = ?, decided_at = ? WHERE a = ? AND b = ?",
                updates,
            )

    def _write_customers(self, changes: ChangeSet) -> None:
        rows = []
        for cid, cust in changes.customers.items():
            rows.append(
                (
                    cid,
                    cust.anchor_key,
                    encode_time(cust.anchor_first_seen_at),
                    cust.size,
                    encode_json(cust.kind_counts),
                    encode_json(cust.allowance),
                    cust.conflicts,
                    cust.linking,
                    encode_json(cust.traits),
                    encode_time(cust.created_at or changes.at),
                    encode_time(cust.updated_at or changes.at),
                )
            )
        if rows:
            self.conn.executemany(
                f"INSERT INTO customers ({_CUSTOMER_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (id) DO UPDATE SET anchor_key = excluded.anchor_key, "
                "anchor_first_seen_at = excluded.anchor_first_seen_at, size = excluded.size, "
                "kind_counts = excluded.kind_counts, allowance = excluded.allowance, "
                "conflicts = excluded.conflicts, linking = excluded.linking, "
                "traits = excluded.traits, updated_at = excluded.updated_at",
                rows,
            )
        if changes.new_customers:
            self.conn.execute(
                "DELETE FROM customer_aliases WHERE old_id IN (SELECT value FROM json_each(?))",
                (_json_list(changes.new_customers),),
            )
        if changes.deleted_customers:
            self.conn.execute(
                "DELETE FROM customers WHERE id IN (SELECT value FROM json_each(?))",
                (_json_list(changes.deleted_customers),),
            )

    def _write_observations(self, changes: ChangeSet) -> None:
        if not changes.observations:
            return
        self._ensure_rowids({key for obs in changes.observations for key in obs.keys})
        seq = self._next_rowid("observations", "seq")
        received = encode_time(changes.at)
        rows: list[tuple[Any, ...]] = []
        members: list[tuple[int, int]] = []
        for obs in changes.observations:
            rows.append(
                (
                    seq,
                    obs.id,
                    obs.source,
                    encode_time(obs.observed_at),
                    received,
                    obs.body_hash,
                    encode_json(obs.keys),
                    encode_json(obs.attributes),
                    encode_json([[i.index, i.kind, i.reason] for i in obs.ignored])
                    if obs.ignored
                    else None,
                )
            )
            members.extend((self._rowid[key], seq) for key in obs.keys)
            seq += 1
        self.conn.executemany(
            "INSERT INTO observations (seq, id, source, observed_at, received_at, body_hash, "
            "identifiers, attributes, ignored) VALUES (?,?,?,?,?,?,?,?,?)",
            rows,
        )
        self.conn.executemany(
            "INSERT OR IGNORE INTO observation_identifiers (identifier, observation) VALUES (?, ?)",
            members,
        )

    def _write_audit(self, entries: Sequence[AuditEntry]) -> None:
        rows = [
            (
                (
                    encode_time(e.at),
                    e.actor,
                    e.action,
                    e.reason,
                    encode_json(list(e.customer_ids)),
                    encode_json(e.before),
                    encode_json(e.after),
                ),
                e.customer_ids,
            )
            for e in entries
        ]
        columns = ("at", "actor", "action", "reason", "customer_ids", "before", "after")
        self._append_numbered("audit", columns, "audit_customers", "audit", rows)

    def _write_feed(self, feed: Sequence[Change]) -> None:
        rows = [
            (
                (
                    encode_time(c.at),
                    c.type,
                    c.topic.value,
                    encode_json(list(c.customer_ids)),
                    encode_json(c.data),
                ),
                c.customer_ids,
            )
            for c in feed
        ]
        columns = ("at", "type", "topic", "customer_ids", "data")
        self._append_numbered("changes", columns, "change_customers", "change", rows)

    def _append_numbered(
        self,
        table: str,
        columns: Sequence[str],
        index_table: str,
        index_column: str,
        rows: Sequence[tuple[tuple[Any, ...], Sequence[str]]],
    ) -> None:
        """Append rows numbered after the table's last (``seq``), each indexed by the customers
        it names, so a customer's entries read back in order (audit history, change feed)."""
        if not rows:
            return
        first = self._next_rowid(table, "seq")
        self.conn.executemany(
            f"INSERT INTO {table} (seq, {', '.join(columns)}) "
            f"VALUES ({', '.join('?' * (len(columns) + 1))})",
            [(first + n, *values) for n, (values, _) in enumerate(rows)],
        )
        self.conn.executemany(
            f"INSERT OR IGNORE INTO {index_table} (customer_id, {index_column}) VALUES (?, ?)",
            [(cid, first + n) for n, (_, cids) in enumerate(rows) for cid in set(cids)],
        )

    def append_events(
        self, events: Sequence[Event], anchors: Sequence[str], received_at: datetime
    ) -> None:
        if not events:
            return
        self._ensure_rowids(set(anchors))
        seq = self._next_rowid("events", "seq")
        rows = []
        for event, anchor in zip(events, anchors, strict=True):
            rows.append(
                (
                    seq,
                    event.id,
                    event.type,
                    encode_time(event.occurred_at),
                    encode_time(received_at),
                    event.source,
                    self._rowid[anchor],
                    encode_json(list(event.identifiers)),
                    encode_json(event.data),
                    event.body_hash,
                )
            )
            seq += 1
        self.conn.executemany(
            "INSERT INTO events (seq, id, type, occurred_at, received_at, source, anchor, "
            "identifiers, data, body_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def put_aggregates(self, aggregates: dict[str, EventAggregate]) -> None:
        if not aggregates:
            return
        self._ensure_rowids(aggregates)
        self.conn.executemany(
            "INSERT INTO aggregates (identifier, data) VALUES (?, ?) "
            "ON CONFLICT (identifier) DO UPDATE SET data = excluded.data",
            [(self._rowid[k], encode_json(a.to_json())) for k, a in aggregates.items()],
        )

    def add_review_labels(self, labels: Sequence[ReviewLabel]) -> None:
        self.conn.executemany(
            "INSERT INTO review_labels (a, b, decision, reason, actor, at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(x.a, x.b, x.decision, x.reason, x.actor, encode_time(x.at)) for x in labels],
        )

    def _next_rowid(self, table: str, column: str) -> int:
        row = self.conn.execute(f"SELECT coalesce(max({column}), 0) + 1 FROM {table}").fetchone()
        return int(row[0])
