"""The policy preview on every store: what reresolve would change, and nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine import Engine
from app.services.inspection import history
from app.services.policy_preview import preview_policy
from app.services.reresolution import reresolve_store
from app.services.stitching import stitch
from app.store.protocol import ReviewLabel, Store
from resolvers.errors import PolicyError
from resolvers.identity.normalise import Normaliser
from resolvers.identity.policy import load_policy
from tests.factories import NOW, engine_for, link_states, membership, obs, partition

AMY = [("email", "amy@mail.com"), ("phone", "0912000111")]
STRICT = '[placeholders]\nvalues = ["phone:+886912000111"]\n'


def _snapshot(store: Store, engine: Engine) -> dict[str, Any]:
    """Everything a preview could have written, as plain values."""
    customers = sorted({c for c in membership(store).values() if c})
    return {
        "counts": store.counts(),
        "membership": membership(store),
        "links": link_states(store),
        "labels": store.review_labels(),
        "history": {c: [r.seq for r in history(engine, c, 100, None)[1]] for c in customers},
        "customers": [c for batch in store.scan_customers(100) for c in batch],
    }


def test_a_stricter_policy_previews_a_split_and_writes_nothing(store: Store) -> None:
    engine = engine_for(store)
    stitch(engine, [obs("o1", *AMY), obs("o2", ("email", "bob@mail.com"), AMY[1], hours=1)], "t")
    stitch(engine, [obs("o3", ("email", "cy@mail.com"), hours=2)], "t")
    before = _snapshot(store, engine)

    preview = preview_policy(engine, STRICT, examples=5)

    assert _snapshot(store, engine) == before
    diff = preview.diff
    assert (diff.customers_before, diff.customers_after) == (2, 3)
    assert (diff.split, diff.merged, diff.unchanged) == (1, 0, 1)
    assert diff.identifiers_moved == 3
    [example] = diff.split_examples
    assert example.into[-1] is None  # the phone turns placeholder: no customer
    assert sorted(example.parts) == sorted(
        [("email:amy@mail.com",), ("email:bob@mail.com",), ("phone:+886912000111",)]
    )
    assert preview.transitions == {"active -> placeholder": 1}
    assert preview.identifiers == 4

    # what the preview predicted is what applying the policy does
    strict = load_policy(STRICT)
    reresolve_store(Engine(store, strict, Normaliser(strict, "TW"), clock=engine.clock), "s")
    assert len(partition(store)) == diff.customers_after


def test_a_looser_policy_previews_a_merge_measured_against_review_answers(store: Store) -> None:
    strict = load_policy(STRICT)
    engine = Engine(store, strict, Normaliser(strict, "TW"), clock=engine_for(store).clock)
    stitch(engine, [obs("o1", *AMY), obs("o2", ("email", "bob@mail.com"), AMY[1], hours=1)], "t")
    labels = [
        ReviewLabel("email:amy@mail.com", "phone:+886912000111", "link", "hers", "s", NOW),
        ReviewLabel("email:amy@mail.com", "email:bob@mail.com", "never", "two people", "s", NOW),
        ReviewLabel("email:amy@mail.com", "email:bob@mail.com", "skip", "later", "s", NOW),
    ]
    store.write(lambda tx: tx.add_review_labels(labels))
    before = _snapshot(store, engine)

    preview = preview_policy(engine, "")  # the defaults: the phone links again

    assert _snapshot(store, engine) == before
    assert (preview.diff.merged, preview.diff.split, preview.diff.unchanged) == (1, 0, 0)
    [merged] = preview.diff.merged_examples
    assert len(merged.from_customers) == 2
    assert set(merged.identifiers) == {
        "email:amy@mail.com",
        "email:bob@mail.com",
        "phone:+886912000111",
    }
    assert preview.current.labels == 2  # the skip does not count; the last answer wins
    assert (preview.current.precision, preview.current.recall) == (None, 0.0)
    assert (preview.candidate.precision, preview.candidate.recall) == (0.5, 1.0)


def test_an_invalid_policy_is_refused_before_anything_runs(store: Store) -> None:
    engine = engine_for(store)
    with pytest.raises(PolicyError):
        preview_policy(engine, "[limits\n")
