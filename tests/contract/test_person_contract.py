"""Person evidence over every store: blocking keys filed and found, matched links and review
proposals written, read back and joined alike."""

from __future__ import annotations

from dataclasses import replace

from app.engine import Engine
from app.services import stewardship
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.services.verification import verify
from app.store.protocol import Store
from resolvers.identity.changes import ChangeSet
from resolvers.identity.normalise import Normaliser
from resolvers.identity.person import filing
from resolvers.identity.person.blocking import blocking_keys
from resolvers.identity.person.record import person_record
from resolvers.identity.policy import load_policy
from tests.factories import NOW, engine_for, ident, link_states, obs, partition

JANE = {
    "first_name": "Jane",
    "last_name": "Doe",
    "birth_date": "1990-02-03",
    "street": "12 Wallaby Street",
    "postcode": "2000",
}


def test_records_with_no_identifier_in_common_are_matched(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("crm-1", ("crm_id", "C1"), ("email", "jane@a.com"), **JANE)], "t")
    typo = {**JANE, "first_name": "Jnae", "birth_date": "19900302"}
    stitch(engine, [obs("shop-1", ("email", "jd@b.com"), hours=1, **typo)], "t")
    assert partition(store) == {frozenset({"crm_id:C1", "email:jane@a.com", "email:jd@b.com"})}
    assert link_states(store)[("crm_id:C1", "email:jd@b.com")] == "matched"
    assert not verify(engine).drift


def test_a_proposal_between_the_thresholds_waits_in_the_review_queue(store: Store) -> None:
    engine = engine_for(store)
    stitch(
        engine, [obs("a", ("email", "jane@a.com"), first_name="Jane", birth_date="1990-02-03")], "t"
    )
    stitch(
        engine, [obs("b", ("email", "jane@b.com"), first_name="Jane", birth_date="1990-02-03")], "t"
    )
    assert len(partition(store)) == 2
    [proposal] = store.read(lambda tx: tx.conflicts(10, None))
    assert proposal.reason is not None and proposal.reason.startswith("review:")


def test_a_cut_matched_link_stays_cut(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("crm-1", ("crm_id", "C1"), **JANE)], "t")
    stitch(engine, [obs("shop-1", ("email", "jd@b.com"), hours=1, **JANE)], "t")
    stewardship.suppress_link(
        engine, ident("crm_id", "C1"), ident("email", "jd@b.com"), "twins", "s"
    )
    stitch(engine, [obs("shop-2", ("email", "jd@b.com"), hours=2, **JANE)], "t")
    assert len(partition(store)) == 2
    assert not verify(engine).drift


def test_block_members_are_each_keys_first_records_by_id(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs(f"r{i}", ("email", f"x{i}@m.com"), city="Taipei") for i in range(3)], "t")
    blocks = {"r0": ("k:a", "k:b"), "r1": ("k:a",), "r2": ("k:c",)}
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_blocks=blocks)))
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_blocks=blocks)))  # idempotent
    found = store.read(lambda tx: tx.block_members(["k:a", "k:b", "k:z"], 10))
    assert found == {"k:a": ["r0", "r1"], "k:b": ["r0"]}
    assert store.read(lambda tx: tx.block_members(["k:a", "k:c"], 1)) == {
        "k:a": ["r0"],
        "k:c": ["r2"],
    }
    assert store.read(lambda tx: tx.block_members([], 3)) == {}
    records = store.read(lambda tx: tx.stored_observations(["r2", "r0", "nope"]))
    assert [o.id for o in records] == ["r0", "r2"]
    assert records[0].attributes == {"city": "Taipei"}
    assert records[0].identifiers == ("email:x0@m.com",)
    assert store.read(lambda tx: tx.stored_observations([])) == []


def test_each_key_offers_its_first_records_up_to_the_cap(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs(f"r{i}", ("email", f"x{i}@m.com"), city="Taipei") for i in range(8)], "t")
    blocks = {
        "r0": ("k:a", "k:c"),
        "r1": ("k:a",),
        "r2": ("k:a", "k:b"),
        "r3": ("k:c",),
        "r4": ("k:a", "k:c"),
        "r5": ("k:b",),
        "r6": ("k:c",),
        "r7": ("k:a", "k:c"),
    }
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_blocks=blocks)))
    for cap in (1, 2, 3, 8):
        filed = {k: sorted(r for r, ks in blocks.items() if k in ks) for k in ("k:a", "k:c")}
        found = store.read(lambda tx, cap=cap: tx.block_members(["k:c", "k:a", "k:z"], cap))
        assert found == {k: records[:cap] for k, records in filed.items()}


def test_reresolve_makes_person_links_again_under_new_weights(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("crm-1", ("crm_id", "C1"), **JANE)], "t")
    stitch(engine, [obs("shop-1", ("email", "jd@b.com"), hours=1, **JANE)], "t")
    assert len(partition(store)) == 1
    policy = load_policy("[match]\nenabled = false\n")
    off = Engine(store, policy, Normaliser(policy, "TW"), clock=lambda: NOW)
    reresolve_store(off, "steward", page_size=1)
    assert len(partition(store)) == 2
    assert link_states(store) == {}
    reresolve_store(engine, "steward", page_size=1)
    assert link_states(store) == {("crm_id:C1", "email:jd@b.com"): "matched"}
    assert len(partition(store)) == 1
    assert not verify(engine).drift


def test_person_evidence_is_kept_and_replaced(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs(f"r{i}", ("email", f"x{i}@m.com"), city="Taipei") for i in range(3)], "t")
    kept = {"r0": '["a", "陳美玲"]', "r1": '["b"]'}
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_evidence=kept)))
    found = store.read(lambda tx: tx.person_evidence(["r1", "r0", "r2", "nope"]))
    assert found == kept
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_evidence={"r0": '["c"]'})))
    assert store.read(lambda tx: tx.person_evidence(["r0"])) == {"r0": '["c"]'}
    assert store.read(lambda tx: tx.person_evidence([])) == {}


def _kept(store: Store, oid: str) -> str:
    return store.read(lambda tx: tx.person_evidence([oid]))[oid]


def test_a_candidate_is_read_from_its_kept_evidence(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("crm-1", ("crm_id", "C1"), **JANE)], "t")
    tag = filing.tag_of(engine.policy)
    jane = filing.decode(_kept(store, "crm-1"), tag, "crm-1", set(jane_keys()))
    assert jane is not None and jane.anchor == "crm_id:C1" and jane.blocks == jane_keys()
    assert jane.record == person_record(JANE)
    # kept evidence is believed, not parsed again: say crm-1 is somebody else
    zoe = replace(jane.record, first_name="zoe", last_name="quist", street="9 other rd")
    text = filing.encode(replace(jane, record=zoe), tag)
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_evidence={"crm-1": text})))
    stitch(engine, [obs("shop-1", ("email", "jd@b.com"), hours=1, **JANE)], "t")
    assert len(partition(store)) == 2


def test_evidence_kept_under_another_tag_is_parsed_again_and_replaced(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("crm-1", ("crm_id", "C1"), **JANE)], "t")
    tag = filing.tag_of(engine.policy)
    jane = filing.decode(_kept(store, "crm-1"), tag, "crm-1", set(jane_keys()))
    assert jane is not None
    # somebody else's evidence, under a tag of another parse: never read
    zoe = replace(jane.record, first_name="zoe", last_name="quist", street="9 other rd")
    stale = filing.encode(replace(jane, record=zoe), "0:another-parse:order")
    store.write(lambda tx: tx.apply(ChangeSet(at=NOW, person_evidence={"crm-1": stale})))
    stitch(engine, [obs("shop-1", ("email", "jd@b.com"), hours=1, **JANE)], "t")
    assert partition(store) == {frozenset({"crm_id:C1", "email:jd@b.com"})}
    assert filing.decode(_kept(store, "crm-1"), tag, "crm-1", set(jane_keys())) == jane
    assert filing.decode(_kept(store, "shop-1"), tag, "shop-1", set(jane_keys())) is not None


def jane_keys() -> tuple[str, ...]:
    return blocking_keys(person_record(JANE))
