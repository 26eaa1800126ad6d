"""`c360 migrate` on a graph store: applies cypher/schema.cypher, reports it, safe to repeat.

Runs the command line in-process against a database of its own on the session's ArcadeDB
server (created empty, dropped afterwards), so the other contract tests' database is untouched.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from neo4j import GraphDatabase

from app.cli import main
from cypher import statements
from tests.support.arcadedb_server import ArcadeDBServer

DATABASE = "migrate_check"
SCHEMA = statements("schema")
CONSTRAINTS = {s.split()[2] for s in SCHEMA if s.startswith("CREATE CONSTRAINT")}
INDEXES = {s.split()[2] for s in SCHEMA if s.startswith("CREATE INDEX")}


@pytest.fixture
def empty_database(
    arcadedb: ArcadeDBServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ArcadeDBServer]:
    """An empty database, named to `c360` through its environment."""
    if DATABASE in arcadedb.list_databases():
        arcadedb.drop_database(DATABASE)
    arcadedb.create_database(DATABASE)
    for name, value in {
        "C360_STORE_URL": arcadedb.bolt_uri,
        "C360_NEO4J_USER": arcadedb.user,
        "C360_NEO4J_PASSWORD": arcadedb.password,
        "C360_NEO4J_DATABASE": DATABASE,
        "C360_STARTUP_TIMEOUT_S": "30",
    }.items():
        monkeypatch.setenv(name, value)
    yield arcadedb
    arcadedb.drop_database(DATABASE)


def schema_of(server: ArcadeDBServer) -> tuple[set[str], set[str], list[str]]:
    """Constraint names, index names (not a constraint's own) and the recorded version."""
    with GraphDatabase.driver(server.bolt_uri, auth=server.auth) as driver:
        constraints = driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=DATABASE)
        indexes = driver.execute_query(
            "SHOW INDEXES YIELD name, owningConstraint WHERE owningConstraint IS NULL RETURN name",
            database_=DATABASE,
        )
        version = driver.execute_query(
            "MATCH (m:Meta {name: 'schema_version'}) RETURN m.value AS v", database_=DATABASE
        )
    return (
        {r["name"] for r in constraints.records},
        {r["name"] for r in indexes.records},
        [r["v"] for r in version.records],
    )


@pytest.mark.bolt
def test_migrate_creates_the_schema_once_and_says_what_it_did(
    empty_database: ArcadeDBServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert schema_of(empty_database) == (set(), set(), [])

    assert main(["migrate"]) == 0
    first = capsys.readouterr().out
    assert f"{len(SCHEMA)} statements applied" in first
    assert f"created {len(CONSTRAINTS)} constraint(s) and {len(INDEXES)} index(es)" in first
    assert schema_of(empty_database) == (CONSTRAINTS, INDEXES, ["1"])

    assert main(["migrate"]) == 0
    second = capsys.readouterr().out
    assert re.search(r"schema version 1: \d+ statements applied, nothing to create", second)
    assert schema_of(empty_database) == (CONSTRAINTS, INDEXES, ["1"])


def test_migrate_against_no_server_fails_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        monkeypatch.setenv("C360_STORE_URL", f"bolt://127.0.0.1:{sock.getsockname()[1]}")
        monkeypatch.setenv("C360_NEO4J_PASSWORD", "x")
        monkeypatch.setenv("C360_STARTUP_TIMEOUT_S", "0.5")

        assert main(["migrate"]) == 1
    err = capsys.readouterr().err
    assert "the store cannot be reached" in err and "Traceback" not in err
