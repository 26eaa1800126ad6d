"""The store port used directly: records round-trip whole, ChangeSets apply in their order."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from app.store.protocol import ApiKeyRecord, GraphWriter, Store
from resolvers.identity.changes import AuditEntry, ChangeSet
from resolvers.identity.evidence import (
    CustomerState,
    IdentifierState,
    LinkRecord,
    LinkState,
    Status,
)
from resolvers.identity.policy import Role
from tests.factories import NOW

T0 = datetime(2024, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)


def _identifier(key: str, customer_id: str | None = None, **changes: object) -> IdentifierState:
    state = IdentifierState(
        key=key,
        kind=key.split(":", 1)[0],
        first_seen_at=T0,
        last_seen_at=T0 + timedelta(days=3),
        customer_id=customer_id,
    )
    for name, value in changes.items():
        setattr(state, name, value)
    return state


def _customer(cid: str, anchor: str, size: int = 1) -> CustomerState:
    return CustomerState(
        id=cid,
        anchor_key=anchor,
        anchor_first_seen_at=T0,
        size=size,
        kind_counts={anchor.split(":", 1)[0]: size},
        created_at=T0,
        updated_at=T0,
    )


def _write(store: Store, changes: ChangeSet) -> None:
    store.write(lambda tx: tx.apply(changes))


def test_every_field_round_trips(store: Store) -> None:
    full = _identifier(
        "phone:+886223456789",
        status=Status.GENERIC,
        status_reason="seen with 5 different email values (more than 4)",
        neighbours={"email": 5, "crm_id": 1},
        traits={"birth_date": ("1980-01-02", "1990-03-04"), "name.han": ("美玲",)},
        variant="fixed_line",
        role=Role.ATTACH,
        per_person=True,
        persons={"line_id": 2},
    )
    member = _identifier("email:amy@mail.com", customer_id="c_one")
    customer = CustomerState(
        id="c_one",
        anchor_key="email:amy@mail.com",
        anchor_first_seen_at=T0,
        size=1,
        kind_counts={"email": 1},
        allowance={"crm_id": 2},
        conflicts=1,
        linking=1,
        traits={"gender": ("f",)},
        created_at=T0,
        updated_at=T0 + timedelta(seconds=1),
    )
    link = LinkRecord(
        a="email:amy@mail.com",
        b="phone:+886223456789",
        first_seen_at=T0,
        last_seen_at=T0 + timedelta(hours=1),
        count=3,
        sources=("crm", "pos"),
        observations=((T0, "o1"), (T0 + timedelta(hours=1), "o2")),
        state=LinkState.SUPPRESSED,
        reason="suppress_link by s: wrong",
        decided_by="s",
        decided_at=T0 + timedelta(days=1),
    )
    _write(
        store,
        ChangeSet(
            at=NOW,
            identifiers={full.key: full, member.key: member},
            new_identifiers={full.key, member.key},
            links={link.pair: link},
            new_links={link.pair},
            customers={customer.id: customer},
            new_customers={customer.id},
        ),
    )
    got = store.read(lambda tx: tx.identifiers([full.key, member.key, "email:none@mail.com"]))
    assert got == {full.key: full, member.key: member}
    assert store.read(lambda tx: tx.customers(["c_one"])) == {"c_one": customer}
    assert store.read(lambda tx: tx.members(["c_one"])) == {member.key: member}
    assert store.read(lambda tx: tx.links([link.pair])) == {link.pair: link}
    assert store.read(lambda tx: tx.links_touching([link.a, link.b])) == {link.pair: link}
    assert store.read(lambda tx: tx.conflicts(10, None)) == []


def test_a_customer_keeps_its_creation_time(store: Store) -> None:
    first = _customer("c_one", "email:a@mail.com")
    _write(store, ChangeSet(at=NOW, customers={"c_one": first}, new_customers={"c_one"}))
    later = _customer("c_one", "email:a@mail.com", size=2)
    later.created_at = None
    later.updated_at = None
    _write(store, ChangeSet(at=NOW, customers={"c_one": later}))
    [stored] = store.read(lambda tx: tx.customers(["c_one"])).values()
    assert (stored.size, stored.created_at, stored.updated_at) == (2, T0, NOW)


def test_repoints_and_aliases_follow_chains(store: Store) -> None:
    ids = {f"email:{n}@mail.com": f"c_{n}" for n in "abc"}
    _write(
        store,
        ChangeSet(
            at=NOW,
            identifiers={k: _identifier(k, customer_id=c) for k, c in ids.items()},
            new_identifiers=set(ids),
            customers={c: _customer(c, k) for k, c in ids.items()},
            new_customers=set(ids.values()),
            aliases={"c_old": "c_c"},
        ),
    )
    # c_c into c_b, then c_b into c_a: members and aliases of both end at c_a
    _write(
        store,
        ChangeSet(
            at=NOW,
            repoint={"c_c": "c_b", "c_b": "c_a"},
            deleted_customers={"c_b", "c_c"},
            aliases={"c_c": "c_b", "c_b": "c_a"},
        ),
    )
    assert {s.customer_id for s in store.read(lambda tx: tx.identifiers(ids)).values()} == {"c_a"}
    assert store.read(lambda tx: tx.members(["c_a"])).keys() == set(ids)
    assert store.read(lambda tx: tx.live_customer_ids(["c_a", "c_b", "c_c"])) == {"c_a"}
    aliases = store.read(lambda tx: tx.aliases(["c_old", "c_b", "c_c", "c_a"]))
    assert aliases == {"c_old": "c_a", "c_b": "c_a", "c_c": "c_a"}
    # c_a dissolves; then a new customer takes the id c_b back
    _write(store, ChangeSet(at=NOW, deleted_customers={"c_a"}, aliases={"c_a": None}))
    aliases = store.read(lambda tx: tx.aliases(["c_old", "c_a", "c_b"]))
    assert aliases == {"c_old": None, "c_a": None, "c_b": None}
    reborn = _customer("c_b", "email:b@mail.com")
    _write(store, ChangeSet(at=NOW, customers={"c_b": reborn}, new_customers={"c_b"}))
    assert store.read(lambda tx: tx.aliases(["c_b"])) == {}
    assert store.read(lambda tx: tx.customers(["c_b"])).keys() == {"c_b"}


def test_audit_entries_are_numbered_in_order(store: Store) -> None:
    def entry(action: str, *customers: str) -> AuditEntry:
        return AuditEntry(NOW, "steward", action, "why", customers, {"x": [1]}, {"y": {"z": 2}})

    _write(store, ChangeSet(at=NOW, audit=[entry("one", "c_a"), entry("two", "c_a", "c_b")]))
    _write(store, ChangeSet(at=NOW, audit=[entry("three", "c_b", "c_b")]))
    history = store.read(lambda tx: tx.history(["c_a", "c_b"], 10, None))
    assert [(r.seq, r.entry.action) for r in history] == [(3, "three"), (2, "two"), (1, "one")]
    assert history[1].entry == entry("two", "c_a", "c_b")
    assert [r.seq for r in store.read(lambda tx: tx.history(["c_a"], 1, None))] == [2]
    assert [r.seq for r in store.read(lambda tx: tx.history(["c_b"], 5, 3))] == [2]


def test_writes_see_their_own_earlier_writes(store: Store) -> None:
    def work(tx: GraphWriter) -> tuple[int, int]:
        key = "email:a@mail.com"
        tx.apply(ChangeSet(at=NOW, identifiers={key: _identifier(key)}, new_identifiers={key}))
        seen = len(tx.identifiers([key]))
        tx.apply(ChangeSet(at=NOW, identifiers={key: _identifier(key, customer_id="c_x")}))
        return seen, len([s for s in tx.identifiers([key]).values() if s.customer_id == "c_x"])

    assert store.write(work) == (1, 1)


# -- meta and API keys ------------------------------------------------------------------------


def test_meta(store: Store) -> None:
    assert store.get_meta("schema_version") == "1"
    assert store.get_meta("default_region") is None
    store.set_meta("default_region", "TW")
    store.set_meta("default_region", "JP")
    assert store.get_meta("default_region") == "JP"


def test_api_keys(store: Store) -> None:
    def key(n: int) -> ApiKeyRecord:
        return ApiKeyRecord(
            id=f"k{n}",
            name=f"key {n}",
            prefix=f"c360_{n}",
            digest=f"digest-{n}",
            scopes=("read", "write") if n else (),
            created_at=T0 + timedelta(minutes=n),
        )

    for n in (2, 0, 1):
        store.create_key(key(n))
    assert [k.id for k in store.list_keys()] == ["k0", "k1", "k2"]
    assert store.key_by_digest("digest-1") == key(1)
    assert store.key_by_digest("digest-0") == key(0)
    assert store.key_by_digest("nope") is None
    assert store.revoke_key("k1", NOW) is True
    assert store.revoke_key("k1", NOW) is False
    assert store.revoke_key("k9", NOW) is False
    revoked = store.key_by_digest("digest-1")
    assert revoked is not None and revoked.revoked_at == NOW
    assert [k.revoked_at for k in store.list_keys()] == [None, NOW, None]


def test_ping_and_counts_of_an_empty_store(store: Store) -> None:
    store.ping()
    assert store.counts() == dict.fromkeys(
        ("identifiers", "customers", "links", "observations", "events"), 0
    )
    assert list(store.scan_identifiers(10)) == []
    assert list(store.scan_customers(10)) == []
    assert list(store.scan_links(10)) == []


@pytest.mark.parametrize("size", [1, 3, 1000])
def test_scans_page_whole(store: Store, size: int) -> None:
    keys = [f"email:p{i:02d}@mail.com" for i in range(7)]
    states = {k: _identifier(k, customer_id=f"c_{i}") for i, k in enumerate(keys)}
    # p02 and p03 have no link of their own: a page may hold no link and the scan goes on
    links = {
        (a, b): LinkRecord(a=a, b=b, first_seen_at=T0, last_seen_at=T0)
        for a, b in itertools.pairwise(keys)
        if a not in (keys[2], keys[3])
    }
    _write(
        store,
        ChangeSet(
            at=NOW,
            identifiers=states,
            new_identifiers=set(keys),
            links=links,
            new_links=set(links),
            customers={f"c_{i}": _customer(f"c_{i}", k) for i, k in enumerate(keys)},
            new_customers={f"c_{i}" for i in range(7)},
        ),
    )
    assert [s.key for b in store.scan_identifiers(size) for s in b] == keys
    assert all(len(b) <= size for b in store.scan_identifiers(size))
    assert [c.id for b in store.scan_customers(size) for c in b] == sorted(
        f"c_{i}" for i in range(7)
    )
    assert sorted(link.pair for b in store.scan_links(size) for link in b) == sorted(links)


def test_the_weighed_links_are_those_not_set_aside(store: Store) -> None:
    # every combination of what LinkRecord.set_aside reads: the stores filter on their own
    # columns, and must agree with it
    reasons = (
        None,
        "review: person evidence scores 12.00",
        "Review: typed",
        "limit: 3",
        "limit: review: typed",  # steward reasons are free text
        "",
    )
    sources = (
        ("person-evidence",),
        ("crm",),
        ("crm", "person-evidence"),
        ("person-evidence", "web"),
    )
    cases = list(itertools.product(LinkState, (0, 2), sources, reasons))
    hub = "email:hub@mail.com"
    spokes = [f"phone:+8869120{n:05d}" for n in range(len(cases))]
    links = {}
    for spoke, (state, count, source, reason) in zip(spokes, cases, strict=True):
        link = LinkRecord(
            a=hub,
            b=spoke,
            first_seen_at=T0,
            last_seen_at=T0,
            count=count,
            sources=source,
            state=state,
            reason=reason,
        )
        links[link.pair] = link
    between = LinkRecord(a=spokes[0], b=spokes[1], first_seen_at=T0, last_seen_at=T0)
    links[between.pair] = between
    keys = [hub, *spokes]
    _write(
        store,
        ChangeSet(
            at=NOW,
            identifiers={k: _identifier(k) for k in keys},
            new_identifiers=set(keys),
            links=links,
            new_links=set(links),
        ),
    )
    weighed = {p: link for p, link in links.items() if not link.set_aside}
    assert 0 < len(weighed) < len(links)  # both kinds are there
    for asked in ([hub], spokes[:2], keys):
        everything = store.read(lambda tx, asked=asked: tx.links_touching(asked))
        got = store.read(lambda tx, asked=asked: tx.weighed_links_touching(asked))
        assert got == {p: link for p, link in everything.items() if not link.set_aside}
    assert store.read(lambda tx: tx.weighed_links_touching(keys)) == weighed
    assert store.read(lambda tx: tx.weighed_links_touching([])) == {}
    assert store.write(lambda tx: tx.weighed_links_touching([hub])) == {
        p: link for p, link in weighed.items() if hub in p
    }
