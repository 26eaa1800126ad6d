"""The SQLite store's cache of the hot graph: never a state the database does not hold."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.demo.channels import generate_observations
from app.engine import build_engine
from app.services.stewardship import block, suppress_link
from app.services.stitching import stitch
from app.settings import Settings
from app.store.sqlite.cache import copy_customer, copy_identifier, copy_link
from app.store.sqlite.graph import SqliteGraph
from app.store.sqlite.store import SqliteStore
from resolvers.identity.evidence import (
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
    pair_of,
)
from resolvers.identity.policy import Role
from tests.factories import engine, ident, link_states, obs, partition, raw_of


def cached_equals_stored(store: SqliteStore) -> None:
    """Every state the cache holds is the row the database holds."""
    cache = store.cache

    def check(tx: SqliteGraph) -> None:
        fresh = SqliteGraph(tx.conn)  # no cache: rows as stored
        ids = fresh.identifiers(list(cache.identifiers))
        assert ids == cache.identifiers
        for cid, state in cache.members.items():
            assert all(ids[k].customer_id == cid for k in state)
        customers = fresh.customers(list(cache.customers))
        assert {c: customers.get(c) for c in cache.customers} == cache.customers
        links = fresh.links(list(cache.links))
        assert {p: links.get(p) for p in cache.links} == cache.links

    store.read(check)


def dump(store: SqliteStore) -> tuple[list[object], ...]:
    """Every identifier, customer and link as stored."""
    return (
        [s for batch in store.scan_identifiers(1000) for s in batch],
        [c for batch in store.scan_customers(1000) for c in batch],
        [link for batch in store.scan_links(1000) for link in batch],
    )


@pytest.mark.parametrize("limit", [0, 50, 100_000])
def test_the_cache_holds_what_the_database_holds_through_merges_and_matches(
    tmp_path: Path, limit: int
) -> None:
    store = SqliteStore(str(tmp_path / "c.db"))
    store.cache.limit = limit  # a small one evicts on every commit
    e = engine(store)
    bodies = [g.body for g in generate_observations(400, seed=5)]
    for start in range(0, len(bodies), 150):
        stitch(e, [raw_of(b) for b in bodies[start : start + 150]], "test")
        cached_equals_stored(store)
    assert len(store.cache.identifiers) <= limit
    if limit:
        assert store.cache.identifiers and store.cache.links and store.cache.customers
    store.close()


def test_the_setting_bounds_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_SQLITE_CACHE_ENTRIES", "123")
    built = build_engine(Settings(store_url=f"sqlite:///{tmp_path / 'c.db'}"))
    assert isinstance(built.store, SqliteStore) and built.store.cache.limit == 123
    built.store.close()


def test_a_warm_cache_gives_the_store_a_cold_one_gives(tmp_path: Path) -> None:
    bodies = [g.body for g in generate_observations(300, seed=9)]
    batches = [[raw_of(b) for b in bodies[i : i + 100]] for i in range(0, len(bodies), 100)]
    warm = SqliteStore(str(tmp_path / "warm.db"))
    for batch in batches:
        stitch(engine(warm), batch, "test")
    for batch in batches:
        cold = SqliteStore(str(tmp_path / "cold.db"))  # a new instance: an empty cache
        stitch(engine(cold), batch, "test")
        cold.close()
    cold = SqliteStore(str(tmp_path / "cold.db"))
    assert partition(warm) == partition(cold)
    assert dump(warm) == dump(cold)
    warm.close()
    cold.close()


def test_a_steward_action_of_another_store_instance_is_seen_by_the_next_stitch(
    tmp_path: Path,
) -> None:
    path = str(tmp_path / "c.db")
    worker, steward = SqliteStore(path), SqliteStore(path)  # two processes, in effect
    stitching, stewarding = engine(worker), engine(steward)
    email, phone = ("email", "jane@mail.tw"), ("phone", "0933111222")
    stitch(stitching, [obs("o1", email, phone, hours=1)], "test")
    pair = pair_of("email:jane@mail.tw", "phone:+886933111222")
    assert pair in worker.cache.links  # warm: the next stitch would read it from memory

    suppress_link(stewarding, ident(*email), ident(*phone), "shared phone", "steward")
    dropped = worker.cache.drops
    stitch(stitching, [obs("o2", email, phone, hours=2)], "test")

    assert worker.cache.drops == dropped + 1
    assert link_states(worker)[pair] == LinkState.SUPPRESSED.value
    assert len(partition(worker)) == 2  # the cut stays cut: the new record did not rejoin them
    cached_equals_stored(worker)
    worker.close()
    steward.close()


def _suppress_in_another_process(path: str) -> None:
    store = SqliteStore(path)
    suppress_link(
        engine(store),
        ident("email", "jane.tsai@mail.tw"),
        ident("phone", "0933111222"),
        "shared phone",
        "steward",
    )
    store.close()


def test_a_steward_action_of_another_process_is_seen_by_the_next_stitch(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    worker = SqliteStore(path)
    stitching = engine(worker)
    email, phone = ("email", "jane.tsai@mail.tw"), ("phone", "0933111222")
    stitch(stitching, [obs("o1", email, phone, hours=1)], "test")
    process = multiprocessing.get_context("spawn").Process(
        target=_suppress_in_another_process, args=(path,)
    )
    process.start()
    process.join(60)
    assert process.exitcode == 0

    stitch(stitching, [obs("o2", email, phone, hours=2)], "test")

    pair = pair_of("email:jane.tsai@mail.tw", "phone:+886933111222")
    assert link_states(worker)[pair] == LinkState.SUPPRESSED.value
    assert len(partition(worker)) == 2
    cached_equals_stored(worker)
    worker.close()


def test_a_block_by_another_instance_stops_the_value_linking(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    worker, steward = SqliteStore(path), SqliteStore(path)
    stitching = engine(worker)
    stitch(stitching, [obs("o1", ("email", "desk@shop.tw"), ("crm_id", "C1"), hours=1)], "test")
    block(engine(steward), ident("email", "desk@shop.tw"), "front desk", "steward")
    stitch(stitching, [obs("o2", ("email", "desk@shop.tw"), ("crm_id", "C2"), hours=2)], "test")

    def status(tx: SqliteGraph) -> Status:
        return tx.identifiers(["email:desk@shop.tw"])["email:desk@shop.tw"].status

    assert worker.read(status) is Status.BLOCKED
    assert {frozenset({"crm_id:C1"}), frozenset({"crm_id:C2"})} <= partition(worker)
    worker.close()
    steward.close()


def test_a_rolled_back_transaction_leaves_nothing_in_the_cache(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "c.db"))
    e = engine(store)
    stitch(e, [obs("o1", ("email", "jane.tsai@mail.tw"), ("crm_id", "C1"), hours=1)], "test")

    class Abort(Exception):
        pass

    def work(tx: SqliteGraph) -> None:
        stitch_body = [obs("o2", ("email", "jane.tsai@mail.tw"), ("crm_id", "C2"), hours=2)]
        from app.services.stitching import normalise_batch, stitch_in

        stitch_in(tx, e, normalise_batch(e, stitch_body), actor="test")
        raise Abort

    with pytest.raises(Abort):
        store.write(work)
    assert not store.cache.identifiers and not store.cache.rowids
    stitch(e, [obs("o3", ("email", "jt.work@mail.tw"), ("crm_id", "C1"), hours=3)], "test")
    assert partition(store) == {
        frozenset({"email:jane.tsai@mail.tw", "email:jt.work@mail.tw", "crm_id:C1"})
    }
    cached_equals_stored(store)
    store.close()


def test_writers_taking_turns_stop_caching_and_one_alone_starts_again(tmp_path: Path) -> None:
    path = str(tmp_path / "c.db")
    first, second = SqliteStore(path), SqliteStore(path)
    one, two = engine(first), engine(second)
    for n in range(4):  # each finds the other's generation: after two, it keeps nothing
        stitch(one, [obs(f"a{n}", ("crm_id", f"A{n}"), ("email", f"ann{n}@mail.tw"))], "t")
        stitch(two, [obs(f"b{n}", ("crm_id", f"B{n}"), ("email", f"bob{n}@mail.tw"))], "t")
    assert not first.cache.identifiers and not second.cache.identifiers
    cached_equals_stored(first)

    stitch(one, [obs("a9", ("crm_id", "A9"), ("email", "ann9@mail.tw"))], "t")
    stitch(one, [obs("a10", ("crm_id", "A1"), ("email", "ann.work@mail.tw"))], "t")
    assert "crm_id:A1" in first.cache.identifiers  # alone again: it caches
    cached_equals_stored(first)
    assert {"crm_id:A1", "email:ann1@mail.tw", "email:ann.work@mail.tw"} in [
        set(c) for c in partition(first)
    ]
    first.close()
    second.close()


def test_copies_are_equal_and_independent() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    state = IdentifierState(
        key="phone:+886933111222",
        kind="phone",
        first_seen_at=at,
        last_seen_at=at + timedelta(days=1),
        status=Status.GENERIC,
        status_reason="shared",
        customer_id="c_1",
        neighbours={"email": 2},
        traits={"gender": ("f",)},
        variant="fixed",
        role=Role.ATTACH,
        per_person=True,
        persons={"email": 1},
    )
    customer = CustomerState(
        id="c_1",
        anchor_key="crm_id:C1",
        anchor_first_seen_at=at,
        size=3,
        kind_counts={"crm_id": 1},
        allowance={"email": 1},
        conflicts=1,
        linking=2,
        traits={"gender": ("f",)},
        created_at=at,
        updated_at=at + timedelta(hours=1),
    )
    link = LinkRecord(
        a="crm_id:C1",
        b="phone:+886933111222",
        first_seen_at=at,
        last_seen_at=at + timedelta(days=2),
        count=3,
        sources=("crm",),
        observations=((at, "o1"),),
        state=LinkState.MANUAL,
        reason="steward",
        decided_by="ann",
        decided_at=at,
    )
    for original, copy in (
        (state, copy_identifier(state)),
        (customer, copy_customer(customer)),
        (link, copy_link(link)),
    ):
        assert copy == original and copy is not original
    copied = copy_identifier(state)
    copied.neighbours["email"] = 9
    assert state.neighbours == {"email": 2}
