"""A graph database outage as the API's clients see it, against a real Bolt server.

The API runs over :class:`Neo4jStore` with the production driver settings
(:data:`DRIVER_DEFAULTS`) and a ``neo4j://`` (routing) URI, on a private ArcadeDB server.
Observations are stitched, then the server is killed with SIGKILL, a crash: no shutdown
hook, no clean close. During the outage ingest answers 503 with ``Retry-After`` and the
JSON error shape, within seconds, readiness answers 503 and liveness 200. The server is
then started again on the same directory and ports (the harness's ``halt``/``resume``), and
everything acknowledged before the crash must still be there, with ingest working again on
the same driver.

What this shows: the adapter acknowledges a write only after the server committed it, and it
recovers from a dead connection pool without a restart of the API. What it cannot show:
Neo4j's own durability. Killing a process leaves the operating system's file cache intact,
a power cut is not simulated, and ArcadeDB is not Neo4j (docs/arcadedb-compat.md).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from neo4j.exceptions import IncompleteCommit
from prometheus_client import REGISTRY

from app.api.main import create_app
from app.engine import Engine
from app.services.keys import create_key
from app.settings import Settings
from app.store.neo4j.store import DRIVER_DEFAULTS, Neo4jStore, _translated
from app.store.protocol import StoreOutcomeUnknown, StoreUnavailable
from tests.factories import engine as build_engine
from tests.factories import engine_for
from tests.support.arcadedb_server import ArcadeDBServer, arcadedb_available

# With DRIVER_DEFAULTS (5 s of transaction retries, backoff 1, 2, 4 s ± 20 %) a write
# against a refused port gives up after 5.6-8.4 s; the driver's own defaults took 30-60 s.
INGEST_DEADLINE_S = 15.0
READY_DEADLINE_S = 2.0

# Two people; the last record merges two customers of the second one.
PEOPLE = [
    ("crm-1", [("crm_id", "C0000001"), ("email", "Mei.Lin@gmail.com")]),
    ("shop-1", [("email", "meilin@gmail.com"), ("phone", "0928 617 504")]),
    ("crm-2", [("crm_id", "C0000002"), ("email", "wang.jie@yahoo.com.tw")]),
    ("line-2", [("line_id", "U4af4980629"), ("phone", "0933-222-111")]),
    ("shop-2", [("email", "Wang.Jie@yahoo.com.tw"), ("phone", "0933222111")]),
]
ALL_IDENTIFIERS = [pair for _, pairs in PEOPLE for pair in pairs]


def observation(record_id: str, identifiers: list[tuple[str, str]], day: int = 1) -> dict[str, Any]:
    """An observation body as a channel posts it."""
    return {
        "id": record_id,
        "source": record_id.split("-")[0],
        "observed_at": f"2026-03-{day:02d}T10:00:00Z",
        "identifiers": [{"kind": kind, "value": value} for kind, value in identifiers],
        "attributes": {},
    }


class Client:
    """The API over one engine, with one admin key."""

    def __init__(self, client: TestClient, engine: Engine) -> None:
        self.http = client
        self.headers = {"Authorization": f"Bearer {create_key(engine, 'ops', ['admin']).secret}"}

    def post(self, path: str, body: object) -> httpx.Response:
        response: httpx.Response = self.http.post(path, json=body, headers=self.headers)
        return response

    def resolve(self, identifiers: list[tuple[str, str]]) -> list[str | None]:
        body = {"identifiers": [{"kind": k, "value": v} for k, v in identifiers]}
        response = self.post("/v1/resolve", body)
        assert response.status_code == 200, response.text
        return [row["customer_id"] for row in response.json()["results"]]


@pytest.fixture
def server() -> Iterator[ArcadeDBServer]:
    """A private server: the test kills it, so it cannot be the session's."""
    usable, why = arcadedb_available()
    if not usable:
        pytest.skip(f"ArcadeDB cannot run here: {why}")
    with ArcadeDBServer(heap="512m") as started:
        yield started


def unavailable_errors() -> float:
    return REGISTRY.get_sample_value("c360_store_errors_total", {"kind": "unavailable"}) or 0.0


def assert_error_shape(response: httpx.Response, code: str) -> None:
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert "Traceback" not in response.text and "127.0.0.1" not in response.text


@pytest.mark.bolt
def test_an_outage_answers_503_fast_and_loses_nothing_acknowledged(
    server: ArcadeDBServer,
) -> None:
    # neo4j://, the routing driver, as in docker-compose.yml
    uri = server.bolt_uri.replace("bolt://", "neo4j://")
    store = Neo4jStore.connect(
        uri, server.user, server.password, server.database, startup_timeout_s=30
    )
    try:
        engine = engine_for(store)
        with TestClient(create_app(Settings(), engine=engine)) as http:
            api = Client(http, engine)

            # -- before: acknowledged writes ---------------------------------------------
            acknowledged = {}
            for record_id, identifiers in PEOPLE:
                response = api.post("/v1/observations", observation(record_id, identifiers))
                assert response.status_code == 200, response.text
                acknowledged[record_id] = response.json()
            customers = api.resolve(ALL_IDENTIFIERS)
            assert None not in customers and len(set(customers)) == 2  # two people
            assert acknowledged["shop-2"]["merged"]
            owner = dict(zip(ALL_IDENTIFIERS, customers, strict=True))

            # -- outage: the server crashes ----------------------------------------------
            server.halt(kill=True)
            errors_before = unavailable_errors()

            started = time.monotonic()
            lost = observation("shop-9", [("email", "chen.yu@gmail.com"), ("crm_id", "C0000001")])
            response = api.post("/v1/observations", lost)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert response.headers["Retry-After"] == "5"
            assert_error_shape(response, "store_unavailable")
            assert elapsed < INGEST_DEADLINE_S, f"503 took {elapsed:.1f} s"
            assert unavailable_errors() == errors_before + 1

            started = time.monotonic()
            ready = http.get("/readyz")
            assert ready.status_code == 503 and "Retry-After" in ready.headers
            assert_error_shape(ready, "store_unavailable")
            assert time.monotonic() - started < READY_DEADLINE_S
            assert http.get("/healthz").status_code == 200

            # -- recovery: the same data directory, the same Bolt address ----------------
            server.resume()
            deadline = time.monotonic() + 30
            while http.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "never ready again after the restart"
                time.sleep(0.2)

            assert api.resolve(ALL_IDENTIFIERS) == customers
            for record_id, identifiers in PEOPLE:
                again = api.post("/v1/observations", observation(record_id, identifiers))
                assert again.status_code == 200, again.text
                assert again.json()["status"] == "duplicate"
                # the customer it answered then, or the one that absorbed it since
                assert again.json()["customer_id"] == owner[identifiers[0]]
            # the refused record left nothing behind, and its retry is stitched now
            assert api.resolve([("email", "chen.yu@gmail.com")]) == [None]
            retried = api.post("/v1/observations", lost)
            assert retried.status_code == 200, retried.text
            assert retried.json()["status"] == "stitched"
            assert retried.json()["customer_id"] == customers[0]  # joined C0000001's customer
            assert store.counts()["observations"] == len(PEOPLE) + 1
    finally:
        store.close()


def test_a_store_that_never_answers_fails_start_up_within_its_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        port = sock.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="did not answer within 1 s"):
            Neo4jStore.connect(
                f"bolt://127.0.0.1:{port}", "neo4j", "x", "neo4j", startup_timeout_s=1.0
            )
        assert time.monotonic() - started < 5


def test_production_driver_settings_bound_the_wait() -> None:
    assert DRIVER_DEFAULTS["max_transaction_retry_time"] <= 10
    assert DRIVER_DEFAULTS["connection_timeout"] <= 10


def test_a_commit_cut_off_midway_is_reported_as_unknown_not_as_unwritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(StoreOutcomeUnknown, match="may have been applied"), _translated():
        raise IncompleteCommit("connection lost during commit")

    engine = build_engine()
    headers = {"Authorization": f"Bearer {create_key(engine, 'ops', ['admin']).secret}"}

    def cut_off(work: object) -> object:
        raise StoreOutcomeUnknown("connection lost during commit")

    monkeypatch.setattr(engine.store, "write", cut_off)
    with TestClient(create_app(Settings(), engine=engine)) as http:
        response = http.post(
            "/v1/observations",
            json=observation("crm-1", [("crm_id", "C0000001")]),
            headers=headers,
        )
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert_error_shape(response, "store_unavailable")
    assert "may have been applied" in response.json()["message"]
    assert "nothing was written" not in response.json()["message"]
