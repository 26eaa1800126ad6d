"""Property: a graph store answers exactly as the SQLite store for the same inputs.

Random observations and random steward actions run against both; every answer, the
partition, the customer ids, the link states, the statuses and the audit trail must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Engine
from app.errors import Conflict, NotFound, Unprocessable
from app.services import stewardship
from app.services.stitching import stitch
from app.services.verification import verify
from app.store.protocol import Store
from app.store.sqlite.store import SqliteStore
from resolvers.errors import ValidationFailed
from resolvers.identity.observations import RawIdentifier, RawObservation
from tests.factories import Reset, engine_for, obs

# Few values, so that observations collide: merges, limits (one crm_id), a placeholder,
# a value shared often enough to turn generic, an attach kind.
VALUES = [
    ("email", "amy@mail.com"),
    ("email", "bob@mail.com"),
    ("email", "cy@mail.com"),
    ("email", "dee@mail.com"),
    ("email", "test@test.com"),
    ("phone", "0912000111"),
    ("phone", "0912000222"),
    ("phone", "0933000444"),
    ("crm_id", "C1"),
    ("crm_id", "C2"),
    ("line_id", "U001"),
    ("anonymous_id", "cookie-1"),
]
Step = tuple[str, Any]

observations = st.builds(
    lambda ids, hours, gender: (ids, hours, gender),
    st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True),
    st.integers(0, 48),
    st.sampled_from([None, "f", "m"]),
)
steward_actions = st.one_of(
    st.tuples(st.just("suppress"), st.sampled_from(VALUES), st.sampled_from(VALUES)),
    st.tuples(st.just("restore"), st.sampled_from(VALUES), st.sampled_from(VALUES)),
    st.tuples(st.just("detach"), st.sampled_from(VALUES)),
    st.tuples(st.just("block"), st.sampled_from(VALUES)),
    st.tuples(st.just("unblock"), st.sampled_from(VALUES)),
    st.tuples(st.just("merge"), st.sampled_from(VALUES), st.sampled_from(VALUES)),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("stitch"), st.lists(observations, min_size=1, max_size=3)),
        st.tuples(st.just("steward"), steward_actions),
    ),
    min_size=1,
    max_size=7,
)


def _raw(n: int, spec: tuple[list[tuple[str, str]], int, str | None]) -> RawObservation:
    ids, hours, gender = spec
    attributes = {"gender": gender} if gender else {}
    return obs(f"o{n}", *ids, hours=hours, **attributes)


def _steward(engine: Engine, action: tuple[Any, ...]) -> object:
    name, *args = action
    raw = [RawIdentifier(k, v) for k, v in args]
    if name == "suppress":
        return stewardship.suppress_link(engine, raw[0], raw[1], "prop", "steward")
    if name == "restore":
        return stewardship.restore_link(engine, raw[0], raw[1], "prop", "steward")
    if name == "detach":
        return stewardship.detach(engine, raw[0], "prop", "steward")
    if name == "block":
        return stewardship.block(engine, raw[0], "prop", "steward")
    if name == "unblock":
        return stewardship.unblock(engine, raw[0], "prop", "steward")
    found = engine.store.read(lambda tx: tx.identifiers([f"{k}:{v}" for k, v in args]))
    ids = sorted({s.customer_id for s in found.values() if s.customer_id})
    return stewardship.merge_customers(engine, ids, "prop", "steward")


def _outcome(run: Callable[[], object]) -> object:
    try:
        return run()
    except (Conflict, NotFound, Unprocessable) as error:
        return ("refused", type(error).__name__, error.code)
    except ValidationFailed as error:
        return ("invalid", [e.code for e in error.errors])


def _customer_ids(answer: object) -> set[str]:
    """Every customer id an answer mentions."""
    if isinstance(answer, list):
        return {c for r in answer for c in (r.customer_id, *r.merged) if c}
    if isinstance(answer, stewardship.StewardResult):
        return {*answer.customers, *answer.changed_customers}
    return set()


def _snapshot(store: Store, seen: set[str]) -> tuple[object, ...]:
    identifiers = sorted(
        (s.key, s.customer_id, s.status.value, s.status_reason)
        for batch in store.scan_identifiers(500)
        for s in batch
    )
    links = sorted(
        (link.pair, link.state.value, link.reason, link.count)
        for batch in store.scan_links(500)
        for link in batch
    )
    customers = sorted(
        (c.id, c.size, c.anchor_key, tuple(sorted(c.kind_counts.items())))
        for batch in store.scan_customers(500)
        for c in batch
    )
    ids = [c[0] for c in customers]
    history = store.read(lambda tx: [(r.seq, r.entry.action) for r in tx.history(ids, 100, None)])
    conflicts = store.read(lambda tx: [link.pair for link in tx.conflicts(100, None)])
    aliases = store.read(lambda tx: tx.aliases(seen))
    return identifiers, links, customers, history, conflicts, aliases, store.counts()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_graph_store_answers_as_sqlite(graph_reset: Reset, plan: list[Step]) -> None:
    stores: list[Store] = [SqliteStore(":memory:"), graph_reset()]
    engines = [engine_for(store) for store in stores]
    seen: set[str] = set()
    try:
        counter = 0
        for kind, payload in plan:
            if kind == "stitch":
                raws = [_raw(counter + i, spec) for i, spec in enumerate(payload)]
                counter += len(raws)
                answers = [_outcome(lambda e=e, r=raws: stitch(e, r, "prop")) for e in engines]
            else:
                answers = [_outcome(lambda e=e, p=payload: _steward(e, p)) for e in engines]
            assert answers[0] == answers[1], (kind, payload)
            seen |= _customer_ids(answers[0])
        assert _snapshot(stores[0], seen) == _snapshot(stores[1], seen)
        assert verify(engines[1]).clean
    finally:
        stores[0].close()
