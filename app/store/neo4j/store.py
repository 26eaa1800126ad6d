"""The Neo4j store: one driver, managed transactions, the schema applied at start-up."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, RoutingControl, Session
from neo4j.exceptions import (
    ConnectionPoolError,
    ConstraintError,
    DatabaseUnavailable,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_exponential

from app.store.codec import encode_time
from app.store.neo4j import records
from app.store.neo4j.graph import Neo4jGraph
from app.store.neo4j.queries import ALL_FILES, SCHEMA, Query
from app.store.protocol import ApiKeyRecord, StoreConflict, StoreUnavailable
from cypher import check_all, load, statements
from resolvers.evidence import CustomerState, IdentifierState, LinkRecord

T = TypeVar("T")
SCHEMA_VERSION = "1"
# A unit of work that loses a race on a new unique key (ConstraintError, which the driver
# does not retry) runs again this many times in all before the caller gets StoreConflict.
CONFLICT_ATTEMPTS = 5
_CONFLICT_BACKOFF_S = 0.02
_BOOTING = (ServiceUnavailable, SessionExpired, DatabaseUnavailable, StoreUnavailable)


@contextmanager
def _translated() -> Iterator[None]:
    """Driver errors as the store port's: unavailable (503, retry later) or conflict."""
    try:
        yield
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
        **driver_options: Any,
    ) -> Neo4jStore:
        """Open a driver, wait for the server (it may be booting), and apply the schema."""
        check_all(ALL_FILES)
        driver = GraphDatabase.driver(url, auth=(user, password), **driver_options)
        store = cls(driver, database)
        try:
            store._start(startup_timeout_s)
        except BaseException:
            driver.close()
            raise
        return store

    def _start(self, timeout_s: float) -> None:
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
                    self.migrate()
        except _BOOTING as error:
            raise StoreUnavailable(
                f"the graph database did not answer within {timeout_s:g} s: {error}"
            ) from error

    def migrate(self) -> None:
        """Apply the schema (constraints and indexes, all IF NOT EXISTS); safe to repeat."""
        for statement in statements(SCHEMA):
            # schema changes cannot share a transaction with data: one auto-commit each
            self._driver.execute_query(statement, database_=self._database)
        self.write(
            lambda g: g.execute(Query.INIT_META, name="schema_version", value=SCHEMA_VERSION)
        )

    # -- transactions ----------------------------------------------------------------------

    def _session(self) -> Session:
        # one bookmark manager for the whole driver: a read after a write sees it, also on
        # a cluster's secondaries
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
        )

    def write(self, work: Callable[[Neo4jGraph], T]) -> T:
        last: ConstraintError | None = None
        for attempt in range(CONFLICT_ATTEMPTS):
            if attempt:
                time.sleep(random.uniform(0, _CONFLICT_BACKOFF_S * 2**attempt))
            try:
                with _translated(), self._session() as session:
                    return session.execute_write(lambda tx: work(Neo4jGraph(tx, locking=True)))
            except ConstraintError as error:
                last = error
        raise StoreConflict(
            f"a concurrent writer kept creating the same records ({CONFLICT_ATTEMPTS} "
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
        self._query(Query.PING)

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
        after = ""
        while True:

            def page(g: Neo4jGraph, start: str = after) -> list[IdentifierState]:
                return g.identifier_page(start, batch_size)

            batch = self.read(page)
            if not batch:
                return
            yield batch
            after = batch[-1].key

    def scan_customers(self, batch_size: int) -> Iterator[list[CustomerState]]:
        after = ""
        while True:

            def page(g: Neo4jGraph, start: str = after) -> list[CustomerState]:
                return g.customer_page(start, batch_size)

            batch = self.read(page)
            if not batch:
                return
            yield batch
            after = batch[-1].id

    def scan_links(self, batch_size: int) -> Iterator[list[LinkRecord]]:
        after: str | None = ""
        while after is not None:

            def page(g: Neo4jGraph, start: str = after) -> tuple[list[LinkRecord], str | None]:
                return g.link_page(start, batch_size)

            batch, after = self.read(page)
            if batch:
                yield batch

    def counts(self) -> dict[str, int]:
        rows = self._query(Query.COUNT_GRAPH)
        return {name: int(value) for name, value in rows[0].items()}
