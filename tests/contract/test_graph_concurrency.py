"""Concurrent writers on a graph store: no lost update can leave a customer half-merged.

Four threads stitch overlapping observations at once. Stitching is order-independent, so
the outcome must equal one writer's (SQLite, in order), and verify must find no drift.
On ArcadeDB conflicting writers abort and re-run; on Neo4j they wait on the lock writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from app.demo.channels import generate_observations
from app.services.stitching import stitch
from app.services.verification import verify
from app.store.protocol import GraphWriter, Store, StoreConflict, TornRead
from app.store.sqlite.store import SqliteStore
from resolvers.identity.changes import ChangeSet
from resolvers.identity.observations import RawObservation
from tests.factories import NOW, Reset, engine_for, link_states, obs, partition, raw_of

THREADS = 4
BATCH = 5


class _CountingStore:
    """Counts how often units of work run (more runs than writes: conflicts were retried)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.runs = 0
        self.writes = 0
        self._lock = threading.Lock()

    def write(self, work: Callable[[Any], Any]) -> Any:
        with self._lock:
            self.writes += 1

        def counted(tx: Any) -> Any:
            with self._lock:
                self.runs += 1
            return work(tx)

        return self.store.write(counted)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def test_concurrent_stitching_equals_one_writer(graph_reset: Reset) -> None:
    raws: list[RawObservation] = [raw_of(o.body) for o in generate_observations(40, seed=5)]
    reference = SqliteStore(":memory:")
    stitch(engine_for(reference), raws, "test")

    graph = _CountingStore(graph_reset())
    engine = engine_for(graph)  # type: ignore[arg-type]
    errors: list[BaseException] = []
    shares = [raws[i::THREADS] for i in range(THREADS)]
    start = threading.Barrier(THREADS)

    def writer(share: list[RawObservation]) -> None:
        try:
            start.wait()
            for i in range(0, len(share), BATCH):
                stitch(engine, share[i : i + BATCH], "test")
        except BaseException as error:  # reported below, with the thread's error
            import traceback

            traceback.print_exc()
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    report = verify(engine)
    assert report.clean, report.drift
    assert partition(graph.store) == partition(reference)
    assert link_states(graph.store) == link_states(reference)
    assert graph.store.counts() == reference.counts()
    reference.close()


def test_what_a_writer_read_cannot_change_before_it_commits(graph_reset: Reset) -> None:
    """T1 reads a customer and writes something else; T2 changes the customer meanwhile.

    Serialisable outcomes only: T2 first and T1 saw its change, or T1 first. Without the
    lock write on read, ArcadeDB would commit both with T1 acting on what it read before T2
    (write skew); Neo4j would make T2 wait for T1 instead.
    """
    store = graph_reset()
    key = "email:amy@mail.com"
    founded = stitch(engine_for(store), [obs("o1", ("email", "amy@mail.com"))], "test")
    cid = founded[0].customer_id or ""
    t1_read, t2_done = threading.Event(), threading.Event()
    seen: list[int] = []
    committed: list[str] = []

    def t1(tx: GraphWriter) -> None:
        size = tx.customers([cid])[cid].size
        seen.append(size)
        t1_read.set()
        t2_done.wait(timeout=2)  # Neo4j: T2 is waiting for this transaction's lock
        state = tx.identifiers([key])[key]
        tx.apply(ChangeSet(at=NOW, identifiers={key: replace(state, status_reason=f"{size}")}))

    def t2(tx: GraphWriter) -> None:
        customer = tx.customers([cid])[cid]
        tx.apply(ChangeSet(at=NOW, customers={cid: replace(customer, size=customer.size + 1)}))

    def first() -> None:
        store.write(t1)
        committed.append("t1")

    thread = threading.Thread(target=first)
    thread.start()
    assert t1_read.wait(timeout=30)
    store.write(t2)
    committed.append("t2")
    t2_done.set()
    thread.join(timeout=60)
    final = store.read(lambda tx: tx.identifiers([key])[key].status_reason)
    if committed == ["t2", "t1"]:
        assert final == "2", f"T1 committed after T2 but acted on a stale read: {seen}"
    else:
        assert committed == ["t1", "t2"] and final == "1"


def test_a_torn_read_runs_the_unit_of_work_again_then_gives_up(graph_reset: Reset) -> None:
    """A read that does not hang together (weak isolation) re-runs the unit from scratch."""
    store = graph_reset()
    runs: list[int] = []

    def torn_once(tx: GraphWriter) -> str:
        runs.append(1)
        if len(runs) == 1:
            raise TornRead("a link names an identifier the transaction cannot read")
        return "done"

    assert store.write(torn_once) == "done"
    assert len(runs) == 2

    def always_torn(tx: GraphWriter) -> None:
        raise TornRead("never hangs together")

    with pytest.raises(StoreConflict, match="never hangs together"):
        store.write(always_torn)
