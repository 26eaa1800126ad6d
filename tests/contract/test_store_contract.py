"""The store contract through the use cases: every store gives the same answers."""

from __future__ import annotations

from itertools import permutations

import pytest

from app.engine import Engine
from app.errors import Conflict, NotFound
from app.services import stewardship
from app.services.customers import customer_of_identifier, find_customer, resolve
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.services.verification import verify
from app.store.protocol import Store
from resolvers.identity.evidence import LinkState, Status
from resolvers.identity.normalise import Normaliser
from resolvers.identity.policy import load_policy
from tests.factories import (
    Reset,
    customer_of,
    engine_for,
    ident,
    link_states,
    obs,
    partition,
)

AMY = [("email", "amy@mail.com"), ("phone", "0912000111")]
BOB = [("email", "bob@mail.com"), ("phone", "0912000222")]
AMY_KEYS = {"email:amy@mail.com", "phone:+886912000111"}
BOB_KEYS = {"email:bob@mail.com", "phone:+886912000222"}
SHOP_PHONE = "0933000444"


# -- stitching --------------------------------------------------------------------------------


def test_new_observation_makes_a_customer(store: Store) -> None:
    engine = engine_for(store)
    [result] = stitch(engine, [obs("o1", *AMY)], "test")
    assert result.status == "stitched"
    assert result.customer_id is not None
    assert customer_of(engine, "phone", "0912000111") == result.customer_id
    assert partition(store) == {frozenset(AMY_KEYS)}
    customer = store.read(lambda tx: find_customer(tx, result.customer_id or ""))
    assert customer.size == 2
    assert customer.kind_counts == {"email": 1, "phone": 1}
    assert customer.anchor_key == "email:amy@mail.com"


def test_merge_absorbs_the_younger_customer_and_its_id_follows(store: Store) -> None:
    engine = engine_for(store)
    [amy] = stitch(engine, [obs("o1", *AMY, hours=0)], "test")
    [bob] = stitch(engine, [obs("o2", *BOB, hours=1)], "test")
    assert amy.customer_id != bob.customer_id
    [joined] = stitch(engine, [obs("o3", AMY[0], BOB[0], hours=2)], "test")
    assert joined.customer_id == amy.customer_id
    assert joined.merged == [bob.customer_id]
    assert partition(store) == {frozenset(AMY_KEYS | BOB_KEYS)}
    assert store.read(lambda tx: tx.live_customer_ids([amy.customer_id, bob.customer_id])) == {
        amy.customer_id
    }
    assert store.read(lambda tx: tx.aliases([bob.customer_id or ""])) == {
        bob.customer_id: amy.customer_id
    }
    survivor = store.read(lambda tx: find_customer(tx, bob.customer_id or ""))
    assert survivor.id == amy.customer_id
    assert survivor.size == 4
    state, customer = store.read(lambda tx: customer_of_identifier(tx, "phone:+886912000222"))
    assert state.customer_id == customer.id == amy.customer_id


def test_absorbed_ids_follow_a_chain_of_merges(store: Store) -> None:
    engine = engine_for(store)
    people = [("email", "p0@mail.com"), ("phone", "0912000123"), ("line_id", "U0002")]
    ids = []
    for i, identifier in enumerate(people):
        [r] = stitch(engine, [obs(f"o{i}", identifier, hours=i)], "test")
        ids.append(r.customer_id or "")
    [young] = stitch(engine, [obs("j1", people[1], people[2], hours=5)], "t")
    assert young.merged == [ids[2]]
    [old] = stitch(engine, [obs("j2", people[0], people[1], hours=6)], "t")
    assert old.merged == [ids[1]]
    # the id absorbed first now answers with the survivor of the second merge
    assert store.read(lambda tx: tx.aliases(ids)) == {ids[1]: ids[0], ids[2]: ids[0]}
    for absorbed in ids:
        assert store.read(lambda tx, cid=absorbed: find_customer(tx, cid)).id == ids[0]
    assert store.read(lambda tx: tx.live_customer_ids(ids)) == {ids[0]}


def test_a_merge_past_a_limit_is_rejected_and_queued_for_review(store: Store) -> None:
    engine = engine_for(store)
    [cat] = stitch(engine, [obs("o1", ("user_id", "C1"), ("email", "cat@mail.com"))], "t")
    [dan] = stitch(engine, [obs("o2", ("user_id", "C2"), ("email", "dan@mail.com"), hours=1)], "t")
    [both] = stitch(
        engine, [obs("o3", ("email", "cat@mail.com"), ("email", "dan@mail.com"), hours=5)], "t"
    )
    assert cat.customer_id != dan.customer_id
    assert [(r.a, r.b) for r in both.rejected] == [("email:cat@mail.com", "email:dan@mail.com")]
    assert "user_id" in both.rejected[0].reason
    assert customer_of(engine, "email", "dan@mail.com") == dan.customer_id
    [conflict] = store.read(lambda tx: tx.conflicts(10, None))
    assert conflict.pair == ("email:cat@mail.com", "email:dan@mail.com")
    assert conflict.state is LinkState.REJECTED
    assert conflict.count == 1


def test_conflicts_page_in_key_order(store: Store) -> None:
    engine = engine_for(store)
    for i in range(5):
        stitch(engine, [obs(f"a{i}", ("user_id", f"A{i}"), ("email", f"a{i}@mail.com"))], "t")
        stitch(engine, [obs(f"b{i}", ("user_id", f"B{i}"), ("email", f"b{i}@mail.com"))], "t")
        stitch(
            engine,
            [obs(f"x{i}", ("email", f"a{i}@mail.com"), ("email", f"b{i}@mail.com"), hours=9)],
            "t",
        )
    pages, after = [], None
    while True:
        page = store.read(lambda tx, after=after: tx.conflicts(2, after))
        if not page:
            break
        pages.append([link.pair for link in page])
        after = page[-1].pair
    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [pair for page in pages for pair in page]
    assert flat == sorted(flat)
    assert flat[0] == ("email:a0@mail.com", "email:b0@mail.com")


def test_placeholders_are_kept_but_never_link(store: Store) -> None:
    engine = engine_for(store)
    [r] = stitch(engine, [obs("o1", ("email", "test@test.com"), ("phone", "0912000333"))], "t")
    assert r.placeholders == ["email:test@test.com"]
    assert [(x.a, x.b) for x in r.rejected] == [("email:test@test.com", "phone:+886912000333")]
    [resolved] = resolve(engine, [ident("email", "test@test.com")])
    assert resolved.status == "placeholder"
    assert resolved.customer_id is None
    state = store.read(lambda tx: tx.identifiers(["email:test@test.com"]))["email:test@test.com"]
    assert state.status is Status.PLACEHOLDER
    assert partition(store) == {frozenset({"phone:+886912000333"})}


def _shop_phone_observations() -> list:  # type: ignore[type-arg]
    return [
        obs(f"g{i}", ("phone", SHOP_PHONE), ("email", f"p{i}@mail.com"), hours=10 + i)
        for i in range(6)
    ]


def test_a_value_seen_with_too_many_people_turns_generic_and_splits(store: Store) -> None:
    engine = engine_for(store)
    for raw in _shop_phone_observations():
        stitch(engine, [raw], "test")
    [phone] = resolve(engine, [ident("phone", SHOP_PHONE)])
    assert phone.status == "generic"
    assert phone.customer_id is None
    assert partition(store) == {frozenset({f"email:p{i}@mail.com"}) for i in range(6)}
    assert set(link_states(store).values()) == {"rejected"}
    assert verify(engine).clean


@pytest.mark.parametrize("order", [(0, 1, 2, 3), (3, 2, 1, 0), (2, 0, 3, 1)])
def test_arrival_order_does_not_change_the_outcome(reset: Reset, order: tuple[int, ...]) -> None:
    batches = [
        [obs("c1", ("crm_id", "C1"), ("email", "cat@mail.com"), hours=0)],
        [obs("c2", ("crm_id", "C2"), ("email", "dan@mail.com"), ("phone", "0912000555"), hours=1)],
        [obs("c3", ("email", "cat@mail.com"), ("phone", "0912000555"), hours=2)],
        _shop_phone_observations()[:5],
    ]
    outcomes = []
    for ordering in ((0, 1, 2, 3), order):
        store = reset()
        engine = engine_for(store)
        for i in ordering:
            stitch(engine, batches[i], "test")
        assert verify(engine).clean
        outcomes.append((partition(store), link_states(store)))
    assert outcomes[0] == outcomes[1]


def test_one_batch_in_any_order_gives_the_same_customers(reset: Reset) -> None:
    raws = [
        obs("a", ("email", "eve@mail.com"), ("phone", "0912000666"), hours=0),
        obs("b", ("phone", "0912000666"), ("crm_id", "E1"), hours=1),
        obs("c", ("email", "eve@mail.com"), ("crm_id", "E2"), hours=2),
    ]
    seen = set()
    for ordering in list(permutations(raws))[:3]:
        store = reset()
        stitch(engine_for(store), list(ordering), "test")
        seen.add((frozenset(partition(store)), tuple(sorted(link_states(store).items()))))
    assert len(seen) == 1


# -- idempotency ------------------------------------------------------------------------------


def test_the_same_observation_again_is_a_duplicate(store: Store) -> None:
    engine = engine_for(store)
    [first] = stitch(engine, [obs("o1", *AMY)], "test")
    [again] = stitch(engine, [obs("o1", *AMY)], "test")
    assert again.status == "duplicate"
    assert again.customer_id == first.customer_id
    assert store.counts()["observations"] == 1
    link = store.read(lambda tx: tx.links([("email:amy@mail.com", "phone:+886912000111")]))
    assert [x.count for x in link.values()] == [1]


def test_an_observation_id_reused_with_another_body_is_refused(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", *AMY)], "test")
    with pytest.raises(Conflict) as refused:
        stitch(engine, [obs("o2", *BOB), obs("o1", *BOB)], "test")
    assert refused.value.code == "id_reused"
    assert store.counts()["observations"] == 1
    assert customer_of(engine, "email", "bob@mail.com") is None


def test_a_failing_unit_of_work_writes_nothing(store: Store) -> None:
    engine = engine_for(store)

    def work(tx: object) -> None:
        from app.services.stitching import normalise_batch, stitch_in

        stitch_in(tx, engine, normalise_batch(engine, [obs("o1", *AMY)]), actor="t")  # type: ignore[arg-type]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.write(work)
    assert store.counts() == {
        "identifiers": 0,
        "customers": 0,
        "links": 0,
        "observations": 0,
        "events": 0,
    }


# -- stewards ---------------------------------------------------------------------------------


def _chain(store: Store) -> tuple[str, str]:
    """amy's e-mail and phone (oldest), then a second e-mail seen with the phone later."""
    engine = engine_for(store)
    [first] = stitch(engine, [obs("s1", *AMY, hours=0)], "test")
    stitch(engine, [obs("s2", ("phone", "0912000111"), ("email", "amy.w@mail.com"), hours=5)], "t")
    assert first.customer_id is not None
    return first.customer_id, "email:amy.w@mail.com"


def test_suppress_splits_and_the_oldest_part_keeps_the_id(store: Store) -> None:
    engine = engine_for(store)
    customer, young = _chain(store)
    result = stewardship.suppress_link(
        engine, ident("phone", "0912000111"), ident("email", "amy.w@mail.com"), "wrong", "steward"
    )
    assert result.action == "suppress_link"
    assert customer_of(engine, "email", "amy@mail.com") == customer
    split_off = customer_of(engine, "email", "amy.w@mail.com")
    assert split_off not in (None, customer)
    assert partition(store) == {frozenset(AMY_KEYS), frozenset({young})}
    assert sorted(result.changed_customers) == sorted([customer, split_off])
    # the same evidence again: the cut holds
    [again] = stitch(engine, [obs("s3", ("phone", "0912000111"), ("email", "amy.w@mail.com"))], "t")
    assert again.rejected and again.rejected[0].reason.startswith("suppress_link by steward")
    assert partition(store) == {frozenset(AMY_KEYS), frozenset({young})}
    link = store.read(lambda tx: tx.links([("email:amy.w@mail.com", "phone:+886912000111")]))
    [cut] = link.values()
    assert cut.state is LinkState.SUPPRESSED
    assert cut.count == 2
    assert cut.decided_by == "steward"


def test_restore_undoes_a_cut(store: Store) -> None:
    engine = engine_for(store)
    customer, young = _chain(store)
    a, b = ident("phone", "0912000111"), ident("email", "amy.w@mail.com")
    stewardship.suppress_link(engine, a, b, "wrong", "steward")
    stewardship.restore_link(engine, a, b, "it was right", "steward")
    assert partition(store) == {frozenset(AMY_KEYS | {young})}
    assert customer_of(engine, "email", "amy.w@mail.com") == customer
    with pytest.raises(Conflict):
        stewardship.restore_link(engine, a, b, "again", "steward")


def test_detach_takes_an_identifier_out(store: Store) -> None:
    engine = engine_for(store)
    customer, _young = _chain(store)
    result = stewardship.detach(engine, ident("phone", "0912000111"), "shared", "steward")
    assert result.identifiers["phone:+886912000111"] is not None
    assert len(partition(store)) == 3
    assert all(state == "suppressed" for state in link_states(store).values())
    assert customer_of(engine, "email", "amy@mail.com") == customer


def test_block_and_unblock(store: Store) -> None:
    engine = engine_for(store)
    customer, young = _chain(store)
    blocked = stewardship.block(engine, ident("phone", "0912000111"), "front desk", "steward")
    assert blocked.identifiers == {"phone:+886912000111": None}
    [phone] = resolve(engine, [ident("phone", "0912000111")])
    assert phone.status == "blocked"
    assert partition(store) == {frozenset({"email:amy@mail.com"}), frozenset({young})}
    assert customer_of(engine, "email", "amy@mail.com") == customer
    # blocking an unknown value records it, blocked from the start
    stewardship.block(engine, ident("email", "desk@shop.com"), "front desk", "steward")
    assert resolve(engine, [ident("email", "desk@shop.com")])[0].status == "blocked"
    stewardship.unblock(engine, ident("phone", "0912000111"), "mistake", "steward")
    assert partition(store) == {frozenset(AMY_KEYS | {young})}
    with pytest.raises(Conflict):
        stewardship.unblock(engine, ident("phone", "0912000111"), "again", "steward")


def test_merge_customers_forces_a_manual_link(store: Store) -> None:
    engine = engine_for(store)
    [amy] = stitch(engine, [obs("o1", *AMY, hours=0)], "test")
    [bob] = stitch(engine, [obs("o2", *BOB, hours=1)], "test")
    ids = [amy.customer_id or "", bob.customer_id or ""]
    result = stewardship.merge_customers(engine, ids, "same person", "steward")
    assert result.customers == [amy.customer_id]
    assert partition(store) == {frozenset(AMY_KEYS | BOB_KEYS)}
    manual = store.read(lambda tx: tx.links([("email:amy@mail.com", "email:bob@mail.com")]))
    assert [(x.state, x.count) for x in manual.values()] == [(LinkState.MANUAL, 0)]
    with pytest.raises(Conflict):
        stewardship.merge_customers(engine, ids, "again", "steward")
    with pytest.raises(NotFound):
        stewardship.merge_customers(engine, [ids[0], "c_aaaaaaaaaaaaaaaa"], "x", "steward")
    with pytest.raises(Conflict):  # a forced link without evidence is cut, not restored
        stewardship.restore_link(
            engine, ident("email", "amy@mail.com"), ident("email", "bob@mail.com"), "x", "s"
        )


def test_history_lists_what_happened_newest_first(store: Store) -> None:
    engine = engine_for(store)
    customer, _young = _chain(store)
    a, b = ident("phone", "0912000111"), ident("email", "amy.w@mail.com")
    stewardship.suppress_link(engine, a, b, "wrong", "steward")
    stewardship.restore_link(engine, a, b, "right after all", "steward")
    history = store.read(lambda tx: tx.history([customer], 10, None))
    actions = [record.entry.action for record in history]
    assert actions[0] == "restore_link"
    assert actions.index("suppress_link") > 0
    assert [r.seq for r in history] == sorted((r.seq for r in history), reverse=True)
    newest = history[0]
    assert newest.entry.actor == "steward"
    assert newest.entry.reason == "right after all"
    assert customer in newest.entry.customer_ids
    older = store.read(lambda tx: tx.history([customer], 10, newest.seq))
    assert [r.seq for r in older] == [r.seq for r in history[1:]]
    assert store.read(lambda tx: tx.history(["c_unknown"], 10, None)) == []


# -- reads and verify -------------------------------------------------------------------------


def test_observations_of_newest_first(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", *AMY, hours=0, first_name="Amy")], "test")
    stitch(engine, [obs("o2", AMY[1], hours=3, source="pos")], "test")
    stitch(engine, [obs("o3", *BOB, hours=1)], "test")
    found = store.read(
        lambda tx: tx.observations_of(["email:amy@mail.com", "phone:+886912000111"], 10)
    )
    assert [o.id for o in found] == ["o2", "o1"]
    assert found[1].identifiers == ("email:amy@mail.com", "phone:+886912000111")
    assert found[1].attributes == {"first_name": "Amy"}
    assert found[0].source == "pos"
    assert store.read(lambda tx: tx.observations_of(["phone:+886912000111"], 1))[0].id == "o2"
    assert store.read(lambda tx: tx.observation_hashes(["o1", "nope"])).keys() == {"o1"}


def test_reresolve_applies_a_changed_policy_and_a_second_run_changes_nothing(
    store: Store,
) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", *AMY), obs("o2", ("email", "bob@mail.com"), AMY[1], hours=1)], "t")
    stitch(engine, [obs("o3", ("crm_id", "C9"), ("email", "bob@mail.com"), hours=2)], "t")
    [before] = {customer_of(engine, *AMY[0])}
    assert partition(store) == {frozenset(AMY_KEYS | {"email:bob@mail.com", "crm_id:C9"})}

    strict = load_policy('[placeholders]\nvalues = ["phone:+886912000111"]\n')
    changed = Engine(store, strict, Normaliser(strict, "TW"), clock=engine.clock)
    report = reresolve_store(changed, "steward:policy", page_size=2)

    assert report.transitions == {"active -> placeholder": 1}
    assert partition(store) == {
        frozenset({"email:amy@mail.com"}),
        frozenset({"email:bob@mail.com", "crm_id:C9"}),
    }
    assert customer_of(changed, *AMY[0]) == before  # the oldest evidence keeps the id
    [phone] = resolve(changed, [ident(*AMY[1])])
    assert (phone.status, phone.customer_id) == ("placeholder", None)
    assert verify(changed).clean
    again = reresolve_store(changed, "steward:policy", page_size=3)
    assert (again.changed, again.customers_written, again.audit_entries) == (0, 0, 0)


def test_verify_is_clean_after_everything(store: Store) -> None:
    engine = engine_for(store)
    for raw in _shop_phone_observations():
        stitch(engine, [raw], "test")
    _customer, _ = _chain(store)
    stitch(engine, [obs("o9", ("crm_id", "C9"), ("email", "amy@mail.com"), hours=20)], "t")
    stewardship.detach(engine, ident("email", "p1@mail.com"), "x", "steward")
    stewardship.block(engine, ident("email", "p2@mail.com"), "x", "steward")
    report = verify(engine)
    assert report.clean, report.drift
    assert report.identifiers == store.counts()["identifiers"]
    assert report.customers == store.counts()["customers"]
    assert report.links == store.counts()["links"]


def test_scans_and_counts(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", *AMY), obs("o2", *BOB), obs("o3", ("email", "cy@mail.com"))], "t")
    identifiers = [s.key for batch in store.scan_identifiers(2) for s in batch]
    assert identifiers == sorted(AMY_KEYS | BOB_KEYS | {"email:cy@mail.com"})
    assert [len(b) for b in store.scan_identifiers(2)] == [2, 2, 1]
    customers = [c.id for batch in store.scan_customers(2) for c in batch]
    assert customers == sorted(customers) and len(customers) == 3
    links = sorted(link.pair for batch in store.scan_links(1) for link in batch)
    assert links == [
        ("email:amy@mail.com", "phone:+886912000111"),
        ("email:bob@mail.com", "phone:+886912000222"),
    ]
    assert store.counts() == {
        "identifiers": 5,
        "customers": 3,
        "links": 2,
        "observations": 3,
        "events": 0,
    }


def test_reads_of_nothing_and_of_unknown_keys(store: Store) -> None:
    def reads(tx: object) -> list[object]:
        g = tx  # any GraphReader
        return [
            g.identifiers([]),  # type: ignore[attr-defined]
            g.identifiers(["email:nobody@mail.com"]),  # type: ignore[attr-defined]
            g.customers(["c_nobody"]),  # type: ignore[attr-defined]
            g.members(["c_nobody"]),  # type: ignore[attr-defined]
            g.links([("a:1", "b:2")]),  # type: ignore[attr-defined]
            g.links_touching(["a:1"]),  # type: ignore[attr-defined]
            g.aliases(["c_nobody"]),  # type: ignore[attr-defined]
            g.event_hashes(["e"]),  # type: ignore[attr-defined]
            g.aggregates(["a:1"]),  # type: ignore[attr-defined]
            g.observations_of(["a:1"], 5),  # type: ignore[attr-defined]
            g.conflicts(5, None),  # type: ignore[attr-defined]
        ]

    assert store.read(reads) == [{}, {}, {}, {}, {}, {}, {}, {}, {}, [], []]
    assert store.write(reads) == [{}, {}, {}, {}, {}, {}, {}, {}, {}, [], []]
