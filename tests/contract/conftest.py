"""The stores under contract: SQLite always; graph stores when a server can be had.

``bolt``: an ArcadeDB server started on loopback (one per session, wiped between tests), a
Bolt-compatibility check, not a Neo4j parity claim. ``neo4j``: a true Neo4j 5 from
``C360_TEST_NEO4J_URI`` (the suite deletes everything in that database) or a
testcontainers ``neo4j:5.26-community`` when a Docker engine answers. Unavailable stores are
skipped with the reason, never passed silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase

from app.store.neo4j.store import Neo4jStore
from app.store.protocol import Store
from app.store.sqlite.store import SqliteStore
from tests.factories import Reset
from tests.support.arcadedb_server import ArcadeDBServer, arcadedb_available

NEO4J_IMAGE = "neo4j:5.26-community"
NO_NEO4J = "no Docker engine and C360_TEST_NEO4J_URI unset"
# Short driver back-off for tests: ArcadeDB aborts (instead of blocking) conflicting writers,
# and the driver's default first retry waits a second. Real WorkspaceConfig keys, but
# undocumented: tests only.
FAST_RETRIES: dict[str, Any] = {"initial_retry_delay": 0.01, "retry_delay_multiplier": 1.5}

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("bolt", id="bolt", marks=pytest.mark.bolt),
    pytest.param("neo4j", id="neo4j", marks=pytest.mark.neo4j),
]
GRAPH_STORES = STORES[1:]


@pytest.fixture(scope="session")
def arcadedb() -> Iterator[ArcadeDBServer]:
    """One ArcadeDB server for the session."""
    usable, why = arcadedb_available()
    if not usable:
        pytest.skip(f"ArcadeDB cannot run here: {why}")
    with ArcadeDBServer() as server:
        yield server


@pytest.fixture(scope="session")
def bolt_store(arcadedb: ArcadeDBServer) -> Iterator[Neo4jStore]:
    """The Neo4j adapter over ArcadeDB's Bolt endpoint."""
    store = Neo4jStore.connect(
        arcadedb.bolt_uri,
        arcadedb.user,
        arcadedb.password,
        arcadedb.database,
        startup_timeout_s=30,
        **FAST_RETRIES,
    )
    yield store
    store.close()


def _docker_engine_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[tuple[str, str, str, str]]:
    """(uri, user, password, database) of a true Neo4j 5."""
    uri = os.environ.get("C360_TEST_NEO4J_URI")
    if uri:
        yield (
            uri,
            os.environ.get("C360_TEST_NEO4J_USER", "neo4j"),
            os.environ.get("C360_TEST_NEO4J_PASSWORD", ""),
            os.environ.get("C360_TEST_NEO4J_DATABASE", "neo4j"),
        )
        return
    if not _docker_engine_answers():
        pytest.skip(NO_NEO4J)
    from testcontainers.community.neo4j import Neo4jContainer

    with Neo4jContainer(NEO4J_IMAGE, password="contract-tests") as container:
        yield (container.get_connection_url(), "neo4j", "contract-tests", "neo4j")


@pytest.fixture(scope="session")
def neo4j_store(neo4j_server: tuple[str, str, str, str]) -> Iterator[Neo4jStore]:
    """The Neo4j adapter over a true Neo4j."""
    uri, user, password, database = neo4j_server
    store = Neo4jStore.connect(uri, user, password, database, startup_timeout_s=120)
    yield store
    store.close()


@pytest.fixture(scope="session")
def neo4j_wipe(neo4j_server: tuple[str, str, str, str]) -> Iterator[Callable[[], None]]:
    """Delete every node of the test database (constraints and indexes stay)."""
    uri, user, password, database = neo4j_server
    with GraphDatabase.driver(uri, auth=(user, password)) as driver:

        def wipe() -> None:
            # CALL {} IN TRANSACTIONS needs an auto-commit transaction: session.run
            with driver.session(database=database) as session:
                session.run(
                    "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
                ).consume()

        yield wipe


def _graph_store(request: pytest.FixtureRequest, name: str) -> Store:
    """The named graph store, emptied, its schema and meta in place."""
    if name == "bolt":
        request.getfixturevalue("arcadedb").wipe()
        graph: Neo4jStore = request.getfixturevalue("bolt_store")
    else:
        request.getfixturevalue("neo4j_wipe")()
        graph = request.getfixturevalue("neo4j_store")
    graph.migrate()
    return graph


@pytest.fixture(params=STORES)
def reset(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Reset]:
    """A function that gives the parametrised store, empty (call it again to start over)."""
    opened: list[SqliteStore] = []

    def fresh() -> Store:
        if request.param != "sqlite":
            return _graph_store(request, request.param)
        store = SqliteStore(str(tmp_path / f"c360-{len(opened)}.db"))
        opened.append(store)
        return store

    yield fresh
    for store in opened:
        store.close()


@pytest.fixture
def store(reset: Reset) -> Store:
    """The parametrised store, empty."""
    return reset()


@pytest.fixture(params=GRAPH_STORES)
def graph_reset(request: pytest.FixtureRequest) -> Reset:
    """Like ``reset``, for the graph stores only."""
    return lambda: _graph_store(request, request.param)
