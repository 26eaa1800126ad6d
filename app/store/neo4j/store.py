"""The Neo4j store: one driver, managed transactions, the schema applied at start-up."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from neo4j import READ_ACCESS, Driver, GraphDatabase, RoutingControl, Session
from neo4j.exceptions import (
    ClientError,
    ConnectionPoolError,
    ConstraintError,
    DatabaseUnavailable,
    IncompleteCommit,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from app.store.codec import encode_time
from app.store.neo4j import records
from app.store.neo4j.graph import Neo4jGraph
from app.store.neo4j.queries import ALL_FILES, SCHEMA, Query
from app.store.paging import cursor_pages, keyset_pages
from app.store.protocol import (
    ApiKeyRecord,
    ReviewLabel,
    StoreConflict,
    StoreOutcomeUnknown,
    StoreUnavailable,
    TornRead,
)
from cypher import check_all, load, statements
from resolvers.identity.evidence import CustomerState, IdentifierState, LinkRecord

T = TypeVar("T")
SCHEMA_VERSION = "1"
# A unit of work that loses a race to a concurrent writer in a way the driver does not
# retry runs again, from a fresh read, up to this many times in all before the caller gets
# StoreConflict. Such races: a new unique key another writer created first
# (ConstraintError), and a record another writer deleted while this one was reading it
# (EntityNotFound: a server without Neo4j's read locks, such as ArcadeDB, shows it), and
# a read that does not hang together (TornRead, raised where a use case finds one).
CONFLICT_ATTEMPTS = 10
_CONFLICT_BACKOFF_S = 0.02
_CONFLICT_BACKOFF_CAP_S = 1.0
_LOST_RECORD = "Neo.ClientError.Statement.EntityNotFound"


def lost_race(error: Exception) -> bool:
    """Whether a failed unit of work lost a race with another writer and may run again."""
    return isinstance(error, ConstraintError) or (
        isinstance(error, ClientError) and error.code == _LOST_RECORD
    )


_BOOTING = (ServiceUnavailable, SessionExpired, DatabaseUnavailable, StoreUnavailable)
# Driver settings that bound how long a request waits on a database that is down, so that
# the API answers 503 within seconds. The driver's defaults (30 s of transaction retries,
# 30 s to open a connection) held a write for 30-60 s against a stopped server (measured on
# ArcadeDB, connection refused); with these it takes 5-9 s. Callers may override them.
DRIVER_DEFAULTS: dict[str, Any] = {
    # retries of transient failures (contention, leader switch, unreachable server) by
    # managed transactions, counted from the first failure; backoff 1 s, 2 s, 4 s (±20 %)
    "max_transaction_retry_time": 5.0,
    # one TCP connect + Bolt handshake; a blackholed host would otherwise stall 30 s a try
    "connection_timeout": 5.0,
}


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """What one application of ``cypher/schema.cypher`` did."""

    statements: int
    constraints_added: int
    indexes_added: int
    schema_version: str

    def describe(self) -> str:
        """One line for ``c360 migrate``."""
        if self.constraints_added or self.indexes_added:
            done = (
                f"created {self.constraints_added} constraint(s) and {self.indexes_added} index(es)"
            )
        else:
            done = "nothing to create: every constraint and index was already there"
        return (
            f"neo4j store schema version {self.schema_version}: "
            f"{self.statements} statements applied, {done}"
        )


@contextmanager
def _translated() -> Iterator[None]:
    """Driver errors as the store port's: unavailable (503, retry later) or conflict."""
    try:
        yield
    except IncompleteCommit as error:
        # a subclass of ServiceUnavailable, so caught first: here "nothing was written" is
        # not known
        raise StoreOutcomeUnknown(
            f"the connection was lost while committing; the write may have been applied: {error}"
        ) from error
    except (ServiceUnavailable, SessionExpired, ConnectionPoolError) as error:
        raise StoreUnavailable(f"the graph database cannot be reached: {error}") from error
    except TransientError as error:
        # still failing after the driver's own retries: contention, or a database that is
        # down or changing leader
        if (error.code or "").startswith("Neo.TransientError.Transaction."):
            raise StoreConflict(f"concurrent writers kept colliding: {error}") from error
        raise StoreUnavailable(f"the graph database is not available: {error}") from error


class Neo4jStore:
    """Store over a Neo4j 5 database (or any Bolt server that runs its Cypher)."""

    kind = "neo4j"

    def __init__(self, driver: Driver, database: str) -> None:
        self._driver = driver
        self._database = database

    @classmethod
    def connect(
        cls,
        url: str,
        user: str,
        password: str,
        database: str,
        startup_timeout_s: float = 60.0,
        apply_schema: bool = True,
        **driver_options: Any,
    ) -> Neo4jStore:
        """Open a driver, wait for the server (it may be booting), and apply the schema.

        ``driver_options`` are ``neo4j`` driver settings laid over :data:`DRIVER_DEFAULTS`.
        With ``apply_schema=False`` the schema is left to an explicit :meth:`migrate`.
        """
        check_all(ALL_FILES)
        options = {**DRIVER_DEFAULTS, **driver_options}
        driver = GraphDatabase.driver(url, auth=(user, password), **options)
        store = cls(driver, database)
        try:
            store._start(startup_timeout_s, apply_schema)
        except BaseException:
            driver.close()
            raise
        return store

    def _start(self, timeout_s: float, apply_schema: bool) -> None:
        retrying = Retrying(
            stop=stop_after_delay(timeout_s),
            wait=wait_exponential(multiplier=0.25, max=4.0),
            retry=retry_if_exception_type(_BOOTING),
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    self._driver.verify_connectivity()
                    if apply_schema:
                        self.migrate()
        except _BOOTING as error:
            raise StoreUnavailable(
                f"the graph database did not answer within {timeout_s:g} s: {error}"
            ) from error

    def migrate(self) -> SchemaReport:
        """Apply the schema (constraints and indexes, all IF NOT EXISTS); safe to repeat.

        Records the schema version unless one is recorded, and reports what was created.
        """
        constraints = indexes = 0
        scripts = statements(SCHEMA)
        with _translated():
            for statement in scripts:
                # schema changes cannot share a transaction with data: one each
                summary = self._driver.execute_query(statement, database_=self._database).summary
                constraints += summary.counters.constraints_added
                indexes += summary.counters.indexes_added
        self.write(
            lambda g: g.execute(Query.INIT_META, name="schema_version", value=SCHEMA_VERSION)
        )
        version = self.get_meta("schema_version") or SCHEMA_VERSION
        return SchemaReport(len(scripts), constraints, indexes, version)

    # -- transactions ----------------------------------------------------------------------

    def _session(self) -> Session:
        # one bookmark manager for the whole driver: a read after a write sees it, also on
        # a cluster's secondaries
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        )

    def write(self, work: Callable[[Neo4jGraph], T]) -> T:
        last: Exception | None = None
        for attempt in range(CONFLICT_ATTEMPTS):
            if attempt:
                ceiling = min(_CONFLICT_BACKOFF_CAP_S, _CONFLICT_BACKOFF_S * 2**attempt)
                time.sleep(random.uniform(0, ceiling))
            try:
                with _translated(), self._session() as session:
                    return session.execute_write(lambda tx: work(Neo4jGraph(tx, locking=True)))
            except TornRead as error:
                last = error
            except ClientError as error:
                if not lost_race(error):
                    raise
                last = error
        raise StoreConflict(
            f"concurrent writers kept changing the same records ({CONFLICT_ATTEMPTS} "
            f"attempts): {last}"
        ) from last

    def read(self, work: Callable[[Neo4jGraph], T]) -> T:
        with _translated(), self._session() as session:
            return session.execute_read(lambda tx: work(Neo4jGraph(tx, locking=False)))

    def _query(self, query: Query, **params: Any) -> list[dict[str, Any]]:
        """One read-only statement, routed to a reader."""
        with _translated():
            result = self._driver.execute_query(
                load(query), params, database_=self._database, routing_=RoutingControl.READ
            )
        return [record.data() for record in result.records]

    def ping(self) -> None:
        """One read round trip, without the driver's retries: readiness is the state now.

        A second attempt follows at once, because the first may have drawn a pooled
        connection the server closed (it restarted); the failure discards those.
        """
        for attempt in (1, 2):
            try:
                with (
                    _translated(),
                    self._driver.session(
                        database=self._database, default_access_mode=READ_ACCESS
                    ) as session,
                ):
                    session.run(load(Query.PING)).consume()
                return
            except StoreUnavailable:
                if attempt == 2:
                    raise

    def close(self) -> None:
        self._driver.close()

    # -- meta and keys ---------------------------------------------------------------------

    def get_meta(self, name: str) -> str | None:
        rows = self._query(Query.READ_META, name=name)
        return str(rows[0]["value"]) if rows else None

    def set_meta(self, name: str, value: str) -> None:
        self.write(lambda g: g.execute(Query.UPSERT_META, name=name, value=value))

    def create_key(self, record: ApiKeyRecord) -> None:
        props = records.api_key_props(record)
        self.write(lambda g: g.execute(Query.CREATE_API_KEY, id=record.id, props=props))

    def key_by_digest(self, digest: str) -> ApiKeyRecord | None:
        rows = self._query(Query.READ_API_KEY_BY_DIGEST, digest=digest)
        return records.api_key_of(rows[0]["k"]) if rows else None

    def list_keys(self) -> list[ApiKeyRecord]:
        found = [records.api_key_of(row["k"]) for row in self._query(Query.READ_API_KEYS)]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def revoke_key(self, key_id: str, at: datetime) -> bool:
        rows = self.write(lambda g: g.fetch(Query.REVOKE_API_KEY, id=key_id, at=encode_time(at)))
        return len(rows) == 1

    # -- scans -----------------------------------------------------------------------------

    def scan_identifiers(self, batch_size: int) -> Iterator[list[IdentifierState]]:
        def fetch(start: str) -> list[IdentifierState]:
            return self.read(lambda g: g.identifier_page(start, batch_size))

        return keyset_pages(fetch, "", lambda state: state.key)

    def scan_customers(self, batch_size: int) -> Iterator[list[CustomerState]]:
        def fetch(start: str) -> list[CustomerState]:
            return self.read(lambda g: g.customer_page(start, batch_size))

        return keyset_pages(fetch, "", lambda customer: customer.id)

    def scan_links(self, batch_size: int) -> Iterator[list[LinkRecord]]:
        def fetch(start: str) -> tuple[list[LinkRecord], str | None]:
            return self.read(lambda g: g.link_page(start, batch_size))

        return cursor_pages(fetch, "")

    def review_labels(self) -> list[ReviewLabel]:
        return [records.review_label_of(row["r"]) for row in self._query(Query.READ_REVIEW_LABELS)]

    def counts(self) -> dict[str, int]:
        rows = self._query(Query.COUNT_GRAPH)
        return {name: int(value) for name, value in rows[0].items()}
