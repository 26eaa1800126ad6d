"""Re-applying a changed merge policy to stored evidence (app/services/reresolution.py).

The promise: after ``reresolve_store`` under a new policy, the store holds what a fresh
build under that policy gives — the same customers and the same link decisions — whatever
policy the evidence first arrived under; and under an unchanged policy it changes nothing.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import Engine
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.services.verification import verify
from resolvers.identity.normalise import Normaliser
from resolvers.identity.observations import RawObservation
from resolvers.identity.policy import MergePolicy, load_policy
from tests.factories import engine, link_decisions, partition
from tests.strategies import PERMISSIVE, materialise, observation

DEFAULT = load_policy()
# Stricter than the default on every axis a policy change can move: a value declared a
# placeholder, a lower limit, a kind turned from attach to link, a lower generic threshold.
STRICT = load_policy(
    """
[kinds.email]
limit = 1
[kinds.anonymous_id]
role = "link"
[placeholders]
values = ["phone:+886912000111"]
[generic]
max_per_kind = 2
"""
)
# Values turn generic at the second strong neighbour of a kind; cookies still only attach.
WARY = load_policy(
    """
[generic]
max_per_kind = 1
max_total = 3
"""
)
# An address stays one person's until a third mobile: a lenient per-person rule.
DUAL_SIM = load_policy("[generic]\nmax_persons = 2\n")
POLICIES = {
    "default": DEFAULT,
    "permissive": PERMISSIVE,
    "strict": STRICT,
    "wary": WARY,
    "dual_sim": DUAL_SIM,
}

RERESOLVE = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def built(observations: list[RawObservation], policy: MergePolicy, seed: int) -> Engine:
    eng = engine(policy=policy)
    order = observations[:]
    random.Random(seed).shuffle(order)
    size = random.Random(seed + 1).randint(1, 6)
    for i in range(0, len(order), size):
        stitch(eng, order[i : i + size], "test")
    return eng


def under(eng: Engine, policy: MergePolicy) -> Engine:
    """The same store, served under another policy (what a changed policy file gives)."""
    return Engine(
        store=eng.store,
        policy=policy,
        normaliser=Normaliser(policy, "TW"),
        fx_rates=eng.fx_rates,
        clock=eng.clock,
    )


@RERESOLVE
@given(
    st.lists(observation, min_size=1, max_size=20),
    st.sampled_from(sorted(POLICIES)),
    st.sampled_from(sorted(POLICIES)),
    st.integers(0, 10_000),
    st.integers(1, 9),
)
def test_reresolving_under_a_new_policy_gives_what_a_fresh_build_under_it_gives(
    specs, first, then, seed, page_size
) -> None:
    observations = materialise(specs)
    old = built(observations, POLICIES[first], seed)
    changed = under(old, POLICIES[then])

    reresolve_store(changed, "steward:policy", page_size=page_size)

    fresh = built(observations, POLICIES[then], seed + 3)
    assert partition(changed.store) == partition(fresh.store)
    assert link_decisions(changed.store) == link_decisions(fresh.store)
    assert not verify(changed).drift


@RERESOLVE
@given(
    st.lists(observation, min_size=1, max_size=20),
    st.sampled_from(sorted(POLICIES)),
    st.integers(0, 10_000),
)
def test_under_an_unchanged_policy_nothing_is_written(specs, name, seed) -> None:
    eng = built(materialise(specs), POLICIES[name], seed)
    before = (partition(eng.store), link_decisions(eng.store), eng.store.counts())

    report = reresolve_store(eng, "steward:policy", page_size=4)

    assert (report.changed, report.customers_written, report.audit_entries) == (0, 0, 0)
    assert (partition(eng.store), link_decisions(eng.store), eng.store.counts()) == before
