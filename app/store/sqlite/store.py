"""The embedded SQLite store: stdlib ``sqlite3`` in WAL mode, one writer at a time."""

from __future__ import annotations

import logging
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TypeVar

from app.store.codec import decode_json, decode_time, encode_json, encode_time
from app.store.paging import cursor_pages, keyset_pages
from app.store.protocol import ApiKeyRecord, ReviewLabel, StoreUnavailable
from app.store.sqlite.cache import CACHE_ENTRIES, GraphCache
from app.store.sqlite.checkpoint import BACKSTOP_PAGES, Checkpointer
from app.store.sqlite.graph import LINK_COLUMNS, LINK_JOIN, SqliteGraph
from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord

T = TypeVar("T")
log = logging.getLogger(__name__)
SCHEMA_VERSION = "1"
# Acknowledged means durable: with FULL, every commit syncs the WAL before it returns, so a
# power loss or OS crash keeps what was answered. NORMAL syncs only at checkpoints (a crash of
# the process alone loses nothing either way); it is C360_SQLITE_SYNCHRONOUS=normal.
SYNCHRONOUS = ("full", "normal")
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA busy_timeout = 30000",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -262144",
    "PRAGMA mmap_size = 1073741824",
)


def path_of(url: str) -> str:
    """The file path of a ``sqlite:///path`` URL (``sqlite:///:memory:`` for memory)."""
    if not url.startswith("sqlite:///"):
        raise ValueError("a SQLite store URL is written sqlite:///path/to/file.db")
    path = url[len("sqlite:///") :]
    if not path:
        raise ValueError("the SQLite store URL names no file")
    return path


class SqliteStore:
    """Store over one SQLite database file; safe across threads and processes."""

    kind = "sqlite"

    def __init__(
        self,
        path: str,
        synchronous: str = "full",
        cache_entries: int = CACHE_ENTRIES,
        background_checkpoint: bool = True,
    ) -> None:
        if synchronous not in SYNCHRONOUS:
            raise ValueError(f"synchronous is one of {', '.join(SYNCHRONOUS)}")
        self.path = path
        self.synchronous = synchronous
        self._memory = path == ":memory:"
        if not self._memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.RLock()
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._shared: sqlite3.Connection | None = None
        self._closed = False
        # WAL checkpoints on a thread of their own (checkpoint.py); a memory store has no WAL
        self.checkpointer = (
            Checkpointer(partial(_connect, path), path)
            if background_checkpoint and not self._memory
            else None
        )
        if self.checkpointer is not None:
            # a store dropped without close() stops its thread (which holds only the path)
            weakref.finalize(self, self.checkpointer.close)
        with self._write_lock:
            conn = self._connection()
            conn.executescript(resources.files(__package__).joinpath("schema.sql").read_text())
            _add_columns(conn)
            _fill_review_queue(conn)
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)",
                (SCHEMA_VERSION,),
            )
            # bumped by every write transaction that changes the graph (see cache.py);
            # a database from before the cache gains it here
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES ('graph_generation', '0')"
            )
        self.cache = GraphCache(cache_entries)

    # -- connections ---------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreUnavailable("the store is closed")
        if self._memory:
            if self._shared is None:
                self._shared = self._open()
            return self._shared
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        conn = _connect(self.path)
        for pragma in _PRAGMAS:
            conn.execute(pragma)
        conn.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")  # one of SYNCHRONOUS
        if self.checkpointer is not None:
            # the thread checkpoints after each commit; a writer does only past the backstop
            conn.execute(f"PRAGMA wal_autocheckpoint = {BACKSTOP_PAGES}")
        self._connections.append(conn)
        return conn

    def write(self, work: Callable[[SqliteGraph], T]) -> T:
        with self._write_lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                raise StoreUnavailable(f"the database is busy: {error}") from error
            cache = self.cache
            try:
                generation = _generation(conn)
                layer = cache.begin(generation)
                graph = SqliteGraph(conn, layer)
                result = work(graph)
                if layer.wrote_graph:
                    generation += 1
                    conn.execute(
                        "INSERT INTO meta (name, value) VALUES ('graph_generation', ?) "
                        "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        (str(generation),),
                    )
                conn.execute("COMMIT")
            except BaseException:
                cache.clear()
                conn.execute("ROLLBACK")
                raise
            cache.commit(layer, generation)
            if self.checkpointer is not None:
                self.checkpointer.kick()
            return result

    def read(self, work: Callable[[SqliteGraph], T]) -> T:
        lock = self._write_lock if self._memory else None
        if lock is not None:
            lock.acquire()
        try:
            conn = self._connection()
            conn.execute("BEGIN")
            try:
                return work(SqliteGraph(conn))
            finally:
                conn.execute("ROLLBACK")
        finally:
            if lock is not None:
                lock.release()

    def ping(self) -> None:
        try:
            self.read(lambda g: g.conn.execute("SELECT 1").fetchone())
        except sqlite3.Error as error:
            raise StoreUnavailable(str(error)) from error

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        with self._write_lock:
            self._closed = True
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    # -- meta and keys -------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        row = self.read(
            lambda g: g.conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        )
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self.write(
            lambda g: g.conn.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
        )

    def create_key(self, record: ApiKeyRecord) -> None:
        self.write(
            lambda g: g.conn.execute(
                "INSERT INTO api_keys (id, name, prefix, digest, scopes, created_at, revoked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (
                    record.id,
                    record.name,
                    record.prefix,
                    record.digest,
                    encode_json(list(record.scopes)),
                    encode_time(record.created_at),
                ),
            )
        )

    def key_by_digest(self, digest: str) -> ApiKeyRecord | None:
        rows = self.read(
            lambda g: g.conn.execute(
                "SELECT id, name, prefix, digest, scopes, created_at, revoked_at FROM api_keys "
                "WHERE digest = ?",
                (digest,),
            ).fetchall()
        )
        return _key(rows[0]) if rows else None

    def list_keys(self) -> list[ApiKeyRecord]:
        rows = self.read(
            lambda g: g.conn.execute(
                "SELECT id, name, prefix, digest, scopes, created_at, revoked_at FROM api_keys "
                "ORDER BY created_at, id"
            ).fetchall()
        )
        return [_key(row) for row in rows]

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        cursor = self.write(
            lambda g: g.conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (encode_time(at), key_id),
            )
        )
        return cursor.rowcount == 1

    # -- scans ---------------------------------------------------------------------------

    def scan_identifiers(self, batch_size: int) -> Iterator[list[IdentifierState]]:
        def page(g: SqliteGraph, start: str) -> list[IdentifierState]:
            keys = g.identifier_keys(start, batch_size)
            found = g.identifiers(keys)
            return [found[key] for key in keys]

        def fetch(start: str) -> list[IdentifierState]:
            return self.read(lambda g: page(g, start))

        return keyset_pages(fetch, "", lambda state: state.key)

    def scan_customers(self, batch_size: int) -> Iterator[list[CustomerState]]:
        def page(g: SqliteGraph, start: str) -> list[CustomerState]:
            rows = g.conn.execute(
                "SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?", (start, batch_size)
            ).fetchall()
            found = g.customers([r[0] for r in rows])
            return [found[r[0]] for r in rows]

        def fetch(start: str) -> list[CustomerState]:
            return self.read(lambda g: page(g, start))

        return keyset_pages(fetch, "", lambda customer: customer.id)

    def scan_links(self, batch_size: int) -> Iterator[list[LinkRecord]]:
        def page(
            g: SqliteGraph, start: tuple[int, int]
        ) -> tuple[list[LinkRecord], tuple[int, int] | None]:
            rows = g.conn.execute(
                f"SELECT {LINK_COLUMNS} FROM {LINK_JOIN} WHERE (l.a, l.b) > (?, ?) "
                "ORDER BY l.a, l.b LIMIT ?",
                (start[0], start[1], batch_size),
            ).fetchall()
            tail = (rows[-1][0], rows[-1][1]) if rows else None
            return list(g.link_rows(rows).values()), tail

        def fetch(start: tuple[int, int]) -> tuple[list[LinkRecord], tuple[int, int] | None]:
            return self.read(lambda g: page(g, start))

        return cursor_pages(fetch, (0, 0))

    def review_labels(self) -> list[ReviewLabel]:
        rows = self.read(
            lambda g: g.conn.execute(
                "SELECT a, b, decision, reason, actor, at FROM review_labels ORDER BY seq"
            ).fetchall()
        )
        return [ReviewLabel(r[0], r[1], r[2], r[3], r[4], decode_time(r[5])) for r in rows]

    def counts(self) -> dict[str, int]:
        def count(g: SqliteGraph) -> dict[str, int]:
            out = {}
            for table in ("identifiers", "customers", "links", "observations", "events"):
                out[table] = int(g.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            return out

        return self.read(count)


def _connect(path: str) -> sqlite3.Connection:
    """A connection to the database file, in autocommit (transactions are begun by hand)."""
    try:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    except sqlite3.Error as error:
        raise StoreUnavailable(f"cannot open the SQLite database: {error}") from error


def _generation(conn: sqlite3.Connection) -> int:
    """The graph's generation, read inside the open transaction."""
    row = conn.execute("SELECT value FROM meta WHERE name = 'graph_generation'").fetchone()
    return int(row[0]) if row else 0


def _key(row: tuple[str, str, str, str, str, str, str | None]) -> ApiKeyRecord:
    return ApiKeyRecord(
        id=row[0],
        name=row[1],
        prefix=row[2],
        digest=row[3],
        scopes=tuple(decode_json(row[4])),
        created_at=decode_time(row[5]),
        revoked_at=decode_time(row[6]) if row[6] else None,
    )


# Columns added to a table after stores were first created with it: `CREATE TABLE IF NOT
# EXISTS` leaves an existing table as it was, so a store from before gains them here.
ADDED_COLUMNS = (("webhook_endpoints", "after_seq", "INTEGER"),)


def _fill_review_queue(conn: sqlite3.Connection) -> None:
    """Give a store from before the review queue table its queue (the triggers keep it since).

    The queue is empty while links await review only in such a store: one statement fills
    it, so a process opening the store at the same time sees it whole or not at all."""
    behind = conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM review_queue) "
        "AND EXISTS (SELECT 1 FROM links WHERE conflict = 1)"
    ).fetchone()[0]
    if behind:
        filled = conn.execute(
            "INSERT OR IGNORE INTO review_queue (a_key, b_key) "
            f"SELECT ia.key, ib.key FROM {LINK_JOIN} WHERE l.conflict = 1"
        ).rowcount
        log.info("review queue: %d links awaiting review listed in key order", filled)


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, column, declaration in ADDED_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            try:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            except sqlite3.OperationalError as error:
                # another process opening the same database added it first
                if "duplicate column" not in str(error):
                    raise
